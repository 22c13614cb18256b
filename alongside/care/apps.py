from django.apps import AppConfig


class CareConfig(AppConfig):
    name = "alongside.care"
    label = "care"
    verbose_name = "Key working: episodes of care and contacts"

    def ready(self) -> None:
        from alongside.care import bases, services  # noqa: F401  (bases registers care team)
        from alongside.referrals import services as referrals

        referrals.on_accept(services.open_episode_from_referral)
