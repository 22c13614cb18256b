"""An access event says whether it rested on a self-claimed relationship (ADR-009).

The audit table is made by hand (it is partitioned), so the column is added by hand too: on the
partitioned table, which adds it to every partition, NOT NULL with a default so that old rows read
``false``. The time-stamping trigger of 0004 copies the whole row (``jsonb_populate_record`` of
the table's own row type), so the new column is carried through a re-inserted row as well.
"""

from django.db import migrations, models

ADD = "ALTER TABLE sharing_accessevent ADD COLUMN self_claimed boolean NOT NULL DEFAULT false;"
DROP = "ALTER TABLE sharing_accessevent DROP COLUMN self_claimed;"


class Migration(migrations.Migration):
    dependencies = [("sharing", "0005_claimed_relationships")]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[migrations.RunSQL(ADD, DROP)],
            state_operations=[
                migrations.AddField(
                    model_name="accessevent",
                    name="self_claimed",
                    field=models.BooleanField(db_default=False, default=False),
                )
            ],
        )
    ]
