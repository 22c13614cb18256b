from django.urls import path

from alongside.home import views

urlpatterns = [
    path("", views.home, name="home"),
]
