from django.urls import path

from alongside.workforce import views

app_name = "workforce"

urlpatterns = [
    path("", views.place, name="place"),
    path("nhs-and-vcse/", views.commissioners, name="commissioners"),
    path("teams/<int:team_id>/", views.team, name="team"),
    path("teams/<int:team_id>/training/new/", views.training_new, name="training-new"),
    path("teams/<int:team_id>/wte/", views.wte, name="wte"),
    path("teams/<int:team_id>/vacancies/new/", views.vacancy_new, name="vacancy-new"),
    path(
        "teams/<int:team_id>/vacancies/<int:vacancy_id>/filled/",
        views.vacancy_filled,
        name="vacancy-filled",
    ),
]
