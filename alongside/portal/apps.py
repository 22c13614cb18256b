from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "alongside.portal"
    label = "portal"
    verbose_name = "The person's own portal"
