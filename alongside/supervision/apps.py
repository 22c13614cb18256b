from django.apps import AppConfig


class SupervisionConfig(AppConfig):
    name = "alongside.supervision"
    label = "supervision"
    verbose_name = "Supervision"

    def ready(self) -> None:
        from alongside.sharing.models import Part
        from alongside.sharing.presenters import RecordNavigation
        from alongside.supervision import bases  # noqa: F401 - registers the supervision basis

        # What supervision said about the person, as a part of their record's navigation.
        RecordNavigation.add("supervision:discussions", Part.CLINICAL_NOTES, "Supervision")

        # The same discussions (never the session's reflections), as a section of the person's
        # subject access export.
        from alongside.sharing import subject_access
        from alongside.supervision import subject_access as sections

        subject_access.register("supervision_discussions", sections.supervision_discussions)
