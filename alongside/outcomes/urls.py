"""A person's outcome measures, for staff: parts of their record, under /outcomes/person/<id>/."""

from django.urls import path

from alongside.outcomes import views

app_name = "outcomes"

RESPONSE = "person/<int:person_id>/responses/<int:response_id>/"

urlpatterns = [
    path("person/<int:person_id>/", views.person, name="person"),
    path("person/<int:person_id>/start/", views.start, name="start"),
    path(
        "person/<int:person_id>/goal-from-domain/",
        views.goal_from_domain,
        name="goal-from-domain",
    ),
    path(RESPONSE, views.fill, name="fill"),
    path(f"{RESPONSE}view/", views.response_page, name="response"),
    path(f"{RESPONSE}correct/", views.correct, name="correct"),
    path(f"{RESPONSE}acknowledge/", views.acknowledge, name="acknowledge"),
    path(f"{RESPONSE}discard/", views.discard, name="discard"),
]
