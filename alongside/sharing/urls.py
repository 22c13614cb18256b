from django.urls import path

from alongside.sharing import views

app_name = "sharing"

urlpatterns = [
    path("people/<int:person_id>/sharing/", views.consents, name="consents"),
    path("people/<int:person_id>/sharing/new/", views.record_consent, name="record-consent"),
    path(
        "people/<int:person_id>/sharing/<int:consent_id>/withdraw/",
        views.withdraw_consent,
        name="withdraw",
    ),
    path("people/<int:person_id>/who-has-looked/", views.looks, name="looks"),
    path("people/<int:person_id>/history/", views.history, name="history"),
    path("people/<int:person_id>/subject-access-export/", views.export, name="export"),
    path(
        "people/<int:person_id>/subject-access-requests/new/",
        views.record_subject_access_request,
        name="record-subject-access",
    ),
    path("break-glass/", views.break_glass, name="break-glass"),
    path("break-glass/opened/", views.break_glass_opened, name="break-glass-opened"),
    path("privacy/", views.privacy, name="privacy"),
    path("privacy/break-glass/<int:grant_id>/", views.review_break_glass, name="review"),
    path("privacy/claims/<int:claim_id>/", views.review_claim, name="review-claim"),
    path(
        "people/<int:person_id>/subject-access-requests/<int:request_id>/",
        views.subject_access_review,
        name="subject-access",
    ),
]
