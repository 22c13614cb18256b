from django.apps import AppConfig
from django.db.models.signals import post_migrate


class OutcomesConfig(AppConfig):
    name = "alongside.outcomes"
    label = "outcomes"
    verbose_name = "Outcome measures"

    def ready(self) -> None:
        # The shipped definitions are loaded (idempotently) after every migrate and flush.
        post_migrate.connect(_sync_shipped, sender=self, dispatch_uid="outcomes-sync-shipped")

        # What the key-working pages show of the teams' measure schedules (care never imports
        # outcomes): the caseloads' "Measures due" column, the discharge page's reminder, and a
        # link from the team's caseloads to its schedule.
        from alongside.care.hooks import CaseloadExtras, DischargeReminders, TeamLinks
        from alongside.outcomes import schedule_views
        from alongside.sharing.models import Part

        CaseloadExtras.register(
            schedule_views.caseload_tags, heading="Measures due", empty="None due"
        )
        DischargeReminders.register(schedule_views.discharge_reminder, part=Part.OUTCOMES)
        TeamLinks.add("schedules:team", "Outcome measures the team asks for")

        # The person's outcome measures, as a part of their record's navigation.
        from alongside.sharing.presenters import RecordNavigation

        RecordNavigation.add("outcomes:person", Part.OUTCOMES, "Outcome measures")

        # The person's responses and scores, as a section of their subject access export.
        from alongside.outcomes import subject_access as sections
        from alongside.sharing import subject_access

        subject_access.register("outcome_measures", sections.outcome_measures)


def _sync_shipped(**kwargs: object) -> None:
    from alongside.outcomes import registry

    registry.sync_shipped()
