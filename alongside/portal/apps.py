from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "alongside.portal"
    label = "portal"
    verbose_name = "The person's own portal"

    def ready(self) -> None:
        from alongside.sharing.models import Part
        from alongside.sharing.presenters import RecordNavigation

        # The care team's page for inviting the person to the portal, beside sharing choices.
        RecordNavigation.add("portal:invite", Part.SHARING, "Portal account")

        # The person's own copy of their record: what these pages show them, section by section.
        from alongside.portal import subject_access as sections
        from alongside.sharing import subject_access

        for name, section in sections.SECTIONS:
            subject_access.register_own(name, section)
