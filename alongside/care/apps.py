from django.apps import AppConfig


class CareConfig(AppConfig):
    name = "alongside.care"
    label = "care"
    verbose_name = "Key working: episodes of care and contacts"

    def ready(self) -> None:
        from alongside.care import bases, services  # noqa: F401  (bases registers care team)
        from alongside.referrals import services as referrals

        referrals.on_accept(services.open_episode_from_referral)

        from alongside.sharing.models import Part
        from alongside.sharing.presenters import RecordNavigation

        RecordNavigation.add("care:episode", Part.CONTACTS, "Key working")
        RecordNavigation.add("plans:plan", Part.PLAN, "Care and support plan")
        RecordNavigation.add("plans:goals", Part.PLAN, "Goals")
        RecordNavigation.add("care:contacts", Part.CONTACTS, "Contacts")
