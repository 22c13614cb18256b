from django.urls import path

from alongside.coproduction import person_views, register_views, views

app_name = "coproduction"

urlpatterns = [
    path("", views.overview, name="overview"),
    path("people/<int:person_id>/voice/", person_views.voice, name="voice"),
    path("teams/<int:team_id>/", views.subject_page, name="team"),
    path("services/<int:organisation_id>/", views.subject_page, name="organisation"),
    path("alliances/<int:alliance_id>/", views.subject_page, name="alliance"),
    path("teams/<int:team_id>/reviews/new/", views.open_review, name="open-team-review"),
    path(
        "services/<int:organisation_id>/reviews/new/",
        views.open_review,
        name="open-organisation-review",
    ),
    path(
        "alliances/<int:alliance_id>/reviews/new/", views.open_review, name="open-alliance-review"
    ),
    path("reviews/<int:review_id>/", views.review_page, name="review"),
    path("reviews/<int:review_id>/staff/", views.rate, {"raters": "staff"}, name="rate-staff"),
    path(
        "reviews/<int:review_id>/experts/", views.rate, {"raters": "experts"}, name="rate-experts"
    ),
    path("reviews/<int:review_id>/actions/new/", views.add_action, name="add-action"),
    path("actions/<int:action_id>/complete/", views.complete_action, name="complete-action"),
    path("experts/", register_views.register, name="experts"),
    path("experts/new/", register_views.new_expert, name="new-expert"),
    path("experts/<int:expert_id>/", register_views.expert, name="expert"),
    path("experts/<int:expert_id>/edit/", register_views.edit_expert, name="edit-expert"),
    path("experts/<int:expert_id>/link/", register_views.link, name="link"),
    path("experts/<int:expert_id>/roles/new/", register_views.add_role, name="add-role"),
    path("roles/<int:role_id>/end/", register_views.end_role, name="end-role"),
    path(
        "experts/<int:expert_id>/involvements/new/",
        register_views.record_involvement,
        name="record-involvement",
    ),
    path(
        "involvements/<int:involvement_id>/change/",
        register_views.record_change,
        name="involvement-change",
    ),
    path("you-said-we-did/", register_views.you_said_we_did, name="you-said-we-did"),
    path("rates/", register_views.rates, name="rates"),
    path("payments/", register_views.payments, name="payments"),
    path("payments/mark-paid/", register_views.mark_paid, name="mark-paid"),
    path("payments.csv", register_views.payments_csv, name="payments-csv"),
]
