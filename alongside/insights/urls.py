from django.urls import path

from alongside.insights import views

app_name = "insights"

urlpatterns = [
    path("", views.overview, name="overview"),
    path("overview.csv", views.overview_csv, name="overview-csv"),
    path("representation/", views.representation, name="representation"),
    path(
        "representation/<slug:dimension>.csv",
        views.representation_csv,
        name="representation-csv",
    ),
    path("coproduction/", views.coproduction, name="coproduction"),
    path("coproduction/<slug:table>.csv", views.coproduction_csv, name="coproduction-csv"),
    path("team/<int:team_id>/", views.team, name="team"),
    path("<slug:key>/", views.metric, name="metric"),
    path("<slug:key>/<slug:table>.csv", views.table_csv, name="table-csv"),
]
