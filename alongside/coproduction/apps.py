from django.apps import AppConfig


class CoproductionConfig(AppConfig):
    name = "alongside.coproduction"
    label = "coproduction"
    verbose_name = "Co-production"
