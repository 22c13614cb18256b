from django.apps import AppConfig


class PublicConfig(AppConfig):
    name = "alongside.public"
    label = "public"
    verbose_name = "Public information pages"
