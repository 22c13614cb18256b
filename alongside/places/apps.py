from django.apps import AppConfig


class PlacesConfig(AppConfig):
    name = "alongside.places"
    label = "places"
    verbose_name = "Places and postcodes"
