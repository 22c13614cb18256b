from django.urls import path

from alongside.organisations import views

app_name = "organisations"

urlpatterns = [
    path("", views.organisation_list, name="list"),
    path("add/", views.add_organisation, name="add"),
    path("<int:pk>/change/", views.change_organisation, name="change"),
    path("memberships/", views.waiting_memberships, name="waiting-memberships"),
    path("memberships/<int:pk>/", views.decide_membership, name="decide-membership"),
    path("teams/<int:team_id>/duty/", views.duty_rota, name="duty-rota"),
]
