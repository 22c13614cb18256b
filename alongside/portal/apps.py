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
