from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class ConfigConfig(AppConfig):
    """Cross-cutting pieces: roles, job runs, health, the demo company."""

    name = "config"
    verbose_name = _("System")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from config.roles import roles_sync

        # Permissions are created app by app in post_migrate; syncing after every app's signal (it is idempotent)
        # means HR holds the permissions of apps listed after this one too, on the first migrate.
        post_migrate.connect(roles_sync, dispatch_uid="config.roles_sync")
