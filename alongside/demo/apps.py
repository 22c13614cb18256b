from django.apps import AppConfig


class DemoConfig(AppConfig):
    name = "alongside.demo"
    label = "demo"
    verbose_name = "Synthetic demo place"
