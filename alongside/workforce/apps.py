from django.apps import AppConfig
from django.db.models.signals import post_migrate


class WorkforceConfig(AppConfig):
    name = "alongside.workforce"
    label = "workforce"
    verbose_name = "Training and the workforce"

    def ready(self) -> None:
        # The shipped courses are loaded (idempotently) after every migrate and flush.
        post_migrate.connect(_sync_shipped, sender=self, dispatch_uid="workforce-sync-courses")

        # Allocating a key worker without a competency the episode needs warns (and the
        # warning is kept); a team's lead reaches its workforce page from its caseloads.
        from alongside.care.hooks import AllocationChecks, TeamLinks
        from alongside.workforce import services

        AllocationChecks.register(services.check_allocation)
        TeamLinks.add("workforce:team", "Workforce and training")


def _sync_shipped(**kwargs: object) -> None:
    from alongside.workforce import courses

    courses.sync_shipped()
