"""The shared cache's table (settings.CACHES), made as migrations make every other table, so that
the site's role gets its grants from ``db_roles.secure_database`` like the rest."""

from django.core.management import call_command
from django.db import migrations
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.migrations.state import StateApps


def make_cache_table(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    call_command("createcachetable", database=schema_editor.connection.alias, verbosity=0)


def drop_cache_table(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    schema_editor.execute("DROP TABLE IF EXISTS alongside_cache")


class Migration(migrations.Migration):
    dependencies = []

    operations = [migrations.RunPython(make_cache_table, drop_cache_table)]
