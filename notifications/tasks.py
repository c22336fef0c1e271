"""Celery tasks of the notifications: each loads what its ids name and calls one service.

The sending task retries itself with the service's backoff (a receiver that is down is not a passing error of the
database or broker, which TASK_OPTIONS retries); the delivery row, not a job run, records each attempt.
"""

from __future__ import annotations

from celery import shared_task

from core.jobs import TASK_OPTIONS
from notifications.services import DISPATCH_JOB, SEND_JOB, deliveries_dispatch, delivery_attempt


@shared_task(bind=True, name=SEND_JOB, **TASK_OPTIONS)
def delivery_send_task(self, delivery_id: int) -> str:
    """Send one delivery; when the attempt failed and another is due, retry after the service's backoff."""
    attempt = delivery_attempt(delivery_id=delivery_id)
    if attempt.retry_in is not None:
        raise self.retry(countdown=attempt.retry_in, max_retries=None)
    return attempt.state


@shared_task(bind=True, name=DISPATCH_JOB, **TASK_OPTIONS)
def deliveries_dispatch_task(self, delivery_ids: list[int]) -> int:
    """Give each delivery of one event its own sending job."""
    return deliveries_dispatch(pks=delivery_ids)
