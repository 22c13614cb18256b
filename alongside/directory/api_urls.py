"""The Open Referral UK API's paths, under ``/directory/api/``."""

from django.urls import path

from alongside.directory import api

app_name = "directory_api"

urlpatterns = [
    path("services", api.services, name="services"),
    path("services/<str:id>", api.service, name="service"),
    path("service_at_locations", api.service_at_locations, name="service_at_locations"),
    path("organizations", api.organizations, name="organizations"),
    path("organizations/<str:id>", api.organization, name="organization"),
    path("taxonomies", api.taxonomies, name="taxonomies"),
    path("taxonomy_terms", api.taxonomy_terms, name="taxonomy_terms"),
]
