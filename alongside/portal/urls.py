from django.urls import path

from alongside.portal import views

app_name = "portal"

urlpatterns = [
    path("", views.home, name="home"),
    path("sharing/", views.sharing, name="sharing"),
    path("sharing/<int:consent_id>/stop/", views.stop_sharing, name="stop-sharing"),
    path("who-has-looked/", views.who_has_looked, name="who-has-looked"),
]
