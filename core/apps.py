from celery.signals import task_postrun, worker_ready
from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    """What every app uses: roles and permissions, job runs, exports, health."""

    name = "core"
    verbose_name = _("System")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Imported here: core.jobs and core.roles use models, which exist only once the apps are loaded.
        from core.jobs import jobs_pending_send_at_start, occurrence_finish_unclaimed
        from core.roles import roles_sync

        # Permissions are created app by app in post_migrate; syncing after every app's signal (it is idempotent)
        # means HR holds the permissions of apps listed after this one too, on the first migrate.
        post_migrate.connect(roles_sync, dispatch_uid="core.roles_sync")
        worker_ready.connect(jobs_pending_send_at_start, dispatch_uid="core.jobs_pending_send_at_start")
        task_postrun.connect(occurrence_finish_unclaimed, dispatch_uid="core.occurrence_finish_unclaimed")
