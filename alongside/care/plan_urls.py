"""The care and support plan and goals: parts of a person's record, under /care/person/<id>/."""

from django.urls import path

from alongside.care import plan_views as views

app_name = "plans"

urlpatterns = [
    path("person/<int:person_id>/plan/", views.plan, name="plan"),
    path("person/<int:person_id>/plan/edit/", views.edit_plan, name="edit"),
    path("person/<int:person_id>/plan/agreement/", views.record_agreement, name="agree"),
    path("person/<int:person_id>/plan/versions/", views.versions, name="versions"),
    path("person/<int:person_id>/plan/print/", views.print_plan, name="print"),
    path("person/<int:person_id>/plan/notes/", views.person_notes, name="notes"),
    path(
        "person/<int:person_id>/keeping-in-touch/",
        views.preferences,
        name="contact-preferences",
    ),
    path(
        "person/<int:person_id>/keeping-in-touch/change/",
        views.change_preferences,
        name="change-contact-preferences",
    ),
    path("person/<int:person_id>/goals/", views.goals, name="goals"),
    path("person/<int:person_id>/goals/new/", views.add_goal, name="add-goal"),
    path("person/<int:person_id>/goals/rate/", views.rate_goal, name="rate-goal"),
    path("person/<int:person_id>/goals/end/", views.end_goal, name="end-goal"),
]
