from django.urls import path

from alongside.people import views

app_name = "people"

urlpatterns = [
    path("add/", views.add_person, name="add"),
]
