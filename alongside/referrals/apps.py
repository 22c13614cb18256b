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
