from django.apps import AppConfig


class CoproductionConfig(AppConfig):
    name = "alongside.coproduction"
    label = "coproduction"
    verbose_name = "Co-production"

    def ready(self) -> None:
        # A team's lead reaches the team's co-production page from its caseloads page.
        from alongside.care.hooks import TeamLinks

        TeamLinks.add("coproduction:team", "Co-production reviews")

        # The person's voice in their own care, as a part of their record's navigation.
        from alongside.sharing.models import Part
        from alongside.sharing.presenters import RecordNavigation

        RecordNavigation.add("coproduction:voice", Part.PLAN, "Their voice")

        # A register entry the person linked to their record, as a section of their subject
        # access export.
        from alongside.coproduction import subject_access as sections
        from alongside.sharing import subject_access

        subject_access.register("expert_by_experience", sections.expert_by_experience)
