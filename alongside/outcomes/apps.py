from django.apps import AppConfig
from django.db.models.signals import post_migrate


class OutcomesConfig(AppConfig):
    name = "alongside.outcomes"
    label = "outcomes"
    verbose_name = "Outcome measures"

    def ready(self) -> None:
        # The shipped definitions are loaded (idempotently) after every migrate and flush.
        post_migrate.connect(_sync_shipped, sender=self, dispatch_uid="outcomes-sync-shipped")


def _sync_shipped(**kwargs: object) -> None:
    from alongside.outcomes import registry

    registry.sync_shipped()
