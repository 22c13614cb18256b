from django.apps import AppConfig


class CoproductionConfig(AppConfig):
    name = "alongside.coproduction"
    label = "coproduction"
    verbose_name = "Co-production"

    def ready(self) -> None:
        # A team's lead reaches the team's co-production page from its caseloads page.
        from alongside.care.hooks import TeamLinks

        TeamLinks.add("coproduction:team", "Co-production reviews")

        # A register entry the person linked to their record, as a section of their subject
        # access export.
        from alongside.coproduction import subject_access as sections
        from alongside.sharing import subject_access

        subject_access.register("expert_by_experience", sections.expert_by_experience)
