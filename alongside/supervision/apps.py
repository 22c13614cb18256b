from django.apps import AppConfig


class SupervisionConfig(AppConfig):
    name = "alongside.supervision"
    label = "supervision"
    verbose_name = "Supervision"

    def ready(self) -> None:
        from alongside.supervision import bases  # noqa: F401 - registers the supervision basis
