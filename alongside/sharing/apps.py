from django.apps import AppConfig


class SharingConfig(AppConfig):
    name = "alongside.sharing"
    label = "sharing"
    verbose_name = "Sharing: consent, access and audit"

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from alongside.sharing import audit

        post_migrate.connect(audit.ensure_partitions_after_migrate, sender=self)
