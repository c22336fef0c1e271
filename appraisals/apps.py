from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AppraisalsConfig(AppConfig):
    name = "appraisals"
    verbose_name = _("Appraisals")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # The receivers that keep a closed cycle read-only live with the cycle services; load them on every path
        # (web, worker, shell), not only when the admin or the tasks happen to be imported.
        from appraisals.services import cycles  # noqa: F401
