from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IncentivesConfig(AppConfig):
    name = "incentives"
    verbose_name = _("Pay and recognition")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Registers the receivers that refuse to save or delete an approved pay statement.
        from incentives import signals  # noqa: F401
