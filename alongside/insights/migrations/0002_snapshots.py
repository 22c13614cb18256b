"""The analysis tables' materialised copies (``insights.snapshots``), indexed on their keys."""

from django.db import migrations, models

TABLES = (
    "people",
    "referrals",
    "contacts",
    "episodes",
    "plan_versions",
    "intensity",
    "allocations",
    "scores",
    "measure_rules",
    "teams",
    "residents",
)
INDEXES = {
    "people": ["person_key"],
    "referrals": ["referral_key", "person_key", "received_on"],
    "contacts": ["referral_key", "episode_key", "contact_on"],
    "episodes": ["episode_key", "referral_key"],
    "plan_versions": ["episode_key", "review_on"],
    "intensity": ["episode_key"],
    "allocations": ["episode_key"],
    "scores": ["episode_key", "referral_key"],
    "teams": ["team_key"],
}


def snapshot_sql() -> list[migrations.RunSQL]:
    operations = []
    for table in TABLES:
        name = f"insights_snap_{table}"
        sql = [f"CREATE MATERIALIZED VIEW {name} AS SELECT * FROM insights_{table} WITH NO DATA"]
        sql += [
            f"CREATE INDEX {name}_{column}_idx ON {name} ({column})"
            for column in INDEXES.get(table, [])
        ]
        operations.append(
            migrations.RunSQL(sql, reverse_sql=f"DROP MATERIALIZED VIEW IF EXISTS {name}")
        )
    return operations


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("insights", "0001_analysis_views"),
    ]

    operations = [
        migrations.CreateModel(
            name="Snapshot",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("refreshed_at", models.DateTimeField()),
                ("seconds", models.FloatField()),
            ],
            options={
                "get_latest_by": "refreshed_at",
            },
        ),
        *snapshot_sql(),
    ]
