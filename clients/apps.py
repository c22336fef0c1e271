from django.apps import AppConfig
from django.db.models.signals import post_migrate, pre_migrate
from django.utils.translation import gettext_lazy as _

from clients import db_triggers


class ClientsConfig(AppConfig):
    name = "clients"
    verbose_name = _("Clients")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Sent once per migrate for this app (sender); SQLite only, see clients.db_triggers.
        pre_migrate.connect(db_triggers.before_migrate, sender=self, dispatch_uid="clients_triggers_before_migrate")
        post_migrate.connect(db_triggers.after_migrate, sender=self, dispatch_uid="clients_triggers_after_migrate")
