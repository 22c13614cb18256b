from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "alongside.core"
    label = "core"
    verbose_name = "Core"

    def ready(self) -> None:
        from django.db.backends.signals import connection_created

        from alongside.core import db_roles

        # The site's own connections are checked: no superuser, not the audit's owner.
        connection_created.connect(db_roles.refuse_privileged_role)
