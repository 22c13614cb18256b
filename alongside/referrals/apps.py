from django.apps import AppConfig


class ReferralsConfig(AppConfig):
    name = "alongside.referrals"
    label = "referrals"
    verbose_name = "Referrals and triage"

    def ready(self) -> None:
        from alongside.referrals import bases  # noqa: F401  (registers the open-referral basis)
        from alongside.sharing.models import Part
        from alongside.sharing.presenters import RecordNavigation

        RecordNavigation.add("referrals:person", Part.REFERRALS, "Referrals")

        # The person's referrals, as a section of their subject access export.
        from alongside.referrals import subject_access as sections
        from alongside.sharing import subject_access

        subject_access.register("referrals", sections.referrals)
