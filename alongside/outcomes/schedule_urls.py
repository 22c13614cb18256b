from django.urls import path

from alongside.outcomes import schedule_views

app_name = "schedules"

urlpatterns = [
    path("team/<int:team_id>/measures/", schedule_views.team, name="team"),
    path(
        "team/<int:team_id>/measures/<int:schedule_id>/remove/",
        schedule_views.remove,
        name="remove",
    ),
]
