from django.apps import AppConfig


class MeetingsConfig(AppConfig):
    name = "alongside.meetings"
    label = "meetings"
    verbose_name = "Integrated locality meetings"

    def ready(self) -> None:
        from alongside.meetings import bases  # noqa: F401  (registers the meeting basis)
