from django.urls import path

from alongside.people import views

app_name = "people"

urlpatterns = [
    path("", views.people_list, name="list"),
    path("add/", views.add_person, name="add"),
    path("<int:person_id>/", views.record, name="record"),
]
