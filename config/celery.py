"""The Celery application: configured from Django settings (CELERY_*), tasks found in each app's tasks.py."""

import logging
import os

from celery import Celery
from celery.signals import worker_ready

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("config")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

logger = logging.getLogger(__name__)


@worker_ready.connect
def pending_jobs_send_at_start(sender: object = None, **kwargs: object) -> None:
    """A worker that starts sends the jobs saved while the broker was unreachable (beat also does, every minute)."""
    from config.jobs import jobs_pending_dispatch

    try:
        sent = jobs_pending_dispatch()
    except Exception:  # the worker must start even if this fails; beat tries again
        logger.exception("could not send the pending jobs at start")
    else:
        if sent:
            logger.info("sent %d pending job(s) saved while the broker was unreachable", sent)
