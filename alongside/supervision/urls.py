from django.urls import path

from alongside.supervision import views

app_name = "supervision"

urlpatterns = [
    path("agreements/", views.agreements, name="agreements"),
    path("agreements/new/", views.new_agreement, name="new-agreement"),
    path("agreements/<int:agreement_id>/end/", views.end_agreement, name="end-agreement"),
    path("tree/", views.tree, name="tree"),
    path("coverage/", views.coverage_page, name="coverage"),
    path("sessions/", views.sessions, name="sessions"),
    path("sessions/new/", views.new_session, name="new-session"),
    path("sessions/<int:session_id>/", views.session_page, name="session"),
    path("actions/<int:action_id>/done/", views.complete_action, name="complete-action"),
    path("review/", views.review, name="review"),
    path("people/<int:person_id>/discussions/", views.person_discussions, name="discussions"),
]
