from django.apps import AppConfig
from django.urls import register_converter


class CoreConfig(AppConfig):
    name = "alongside.core"
    label = "core"
    verbose_name = "Core"

    def ready(self) -> None:
        from alongside.core.logs import SecretConverter

        # ``<secret:token>`` in a route: a segment that is never written to a log.
        register_converter(SecretConverter, "secret")

        from django.db.backends.signals import connection_created

        from alongside.core import db_roles

        # The site's own connections are checked: no superuser, not the audit's owner.
        connection_created.connect(db_roles.refuse_privileged_role)
