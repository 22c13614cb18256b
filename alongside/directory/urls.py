from django.urls import path

from alongside.directory import views

app_name = "directory"

urlpatterns = [
    path("", views.search, name="search"),
    path("services/<uuid:service_id>/", views.service, name="service"),
    path("manage/", views.manage, name="manage"),
    path("manage/services/<uuid:service_id>/", views.edit, name="edit"),
    path("manage/services/<uuid:service_id>/reviewed/", views.mark_reviewed, name="reviewed"),
]
