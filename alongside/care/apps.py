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

        # Key working, as sections of the person's subject access export.
        from alongside.care import subject_access as sections
        from alongside.sharing import subject_access

        subject_access.register("episodes_of_care", sections.episodes_of_care)
        subject_access.register("care_and_support_plan", sections.care_and_support_plan)
        subject_access.register("goals", sections.goals)
        subject_access.register(
            "notes_for_plan_conversations", sections.notes_for_plan_conversations
        )
        subject_access.register("risk_flags", sections.risk_flags)
        subject_access.register("contacts", sections.contacts)
        subject_access.register("contact_preferences", sections.contact_preferences)
        # Whose privacy lead answers the person's request for a copy of their record.
        subject_access.register_care_holders(sections.organisations_holding_care)
