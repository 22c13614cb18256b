from django.apps import AppConfig


class InsightsConfig(AppConfig):
    name = "alongside.insights"
    label = "insights"
    verbose_name = "Insights"

    def ready(self) -> None:
        # A link from a team's caseloads to the dashboards, filtered to that team.
        from alongside.care.hooks import TeamLinks

        TeamLinks.add("insights:team", "Dashboards for the team")
