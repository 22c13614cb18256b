from django.apps import AppConfig


class MeetingsConfig(AppConfig):
    name = "alongside.meetings"
    label = "meetings"
    verbose_name = "Integrated locality meetings"

    def ready(self) -> None:
        from alongside.meetings import bases  # noqa: F401  (registers the meeting basis)

        # What meetings decided about the person, as a section of their subject access export.
        from alongside.meetings import subject_access as sections
        from alongside.sharing import subject_access

        subject_access.register("locality_meetings", sections.locality_meetings)
