from django.apps import AppConfig


class CoproductionConfig(AppConfig):
    name = "alongside.coproduction"
    label = "coproduction"
    verbose_name = "Co-production"

    def ready(self) -> None:
        # A team's lead reaches the team's co-production page from its caseloads page.
        from alongside.care.hooks import TeamLinks

        TeamLinks.add("coproduction:team", "Co-production reviews")

