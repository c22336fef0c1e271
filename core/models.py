"""Jobs: each occurrence of a job (durable, keyed by what it is for), each run of it, and how late a schedule may
catch up."""

from __future__ import annotations

import uuid
from datetime import timedelta

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django_celery_beat.models import PeriodicTask


def new_task_id() -> str:
    """The id of the messages of a new occurrence (every delivery of it carries this id)."""
    return str(uuid.uuid4())


class JobOccurrence(models.Model):
    """One thing to do, recorded before it is sent: a scheduled run ("the draw of Monday 09:30") or a request
    ("generate the statements of 2026-H1"). Its key says what it is for; its body runs once, whatever the broker
    delivers (job_run claims it before running and marks it done in the work's own transaction)."""

    class Status(models.TextChoices):
        PENDING = "pending", _("waiting to be sent")
        QUEUED = "queued", _("queued")
        RUNNING = "running", _("running")
        SUCCEEDED = "succeeded", _("succeeded")
        FAILED = "failed", _("failed")
        REFUSED = "refused", _("refused")
        SKIPPED = "skipped", _("missed: too late to run")

    ACTIVE = (Status.PENDING, Status.QUEUED, Status.RUNNING)
    FINAL = (Status.SUCCEEDED, Status.FAILED, Status.REFUSED, Status.SKIPPED)

    key = models.CharField(
        _("key"), max_length=255, help_text=_("What the job is for: task and time, or task and object.")
    )
    task = models.CharField(_("task"), max_length=200)
    args = models.JSONField(_("arguments"), default=list, blank=True)
    kwargs = models.JSONField(_("keyword arguments"), default=dict, blank=True)
    queue = models.CharField(_("queue"), max_length=200, blank=True)
    task_id = models.CharField(_("task id"), max_length=255, unique=True, default=new_task_id)
    schedule_name = models.CharField(_("schedule"), max_length=200, blank=True, db_index=True)
    scheduled_for = models.DateTimeField(_("scheduled for"), null=True, blank=True)
    expires_at = models.DateTimeField(
        _("run no later than"), null=True, blank=True, help_text=_("Past this time it is not started any more.")
    )
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.PENDING, db_index=True)
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    created_at = models.DateTimeField(_("created at"), default=timezone.now, db_index=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    claimed_at = models.DateTimeField(_("last claimed at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    interrupted_at = models.DateTimeField(_("interrupted at"), null=True, blank=True)
    claim = models.CharField(_("claimed by"), max_length=100, blank=True)
    send_error = models.TextField(_("send error"), blank=True)
    result = models.TextField(_("result"), blank=True)
    error = models.TextField(_("error"), blank=True)
    refusal = models.JSONField(_("refusal"), null=True, blank=True)

    class Meta:
        verbose_name = _("job")
        verbose_name_plural = _("jobs")
        ordering = ["-created_at", "-pk"]
        constraints = [
            # A scheduled occurrence exists once, ever; a requested one once while it is not finished (HR may ask
            # again for the same object once the first is done).
            models.UniqueConstraint(
                fields=["key"],
                condition=Q(scheduled_for__isnull=False) | Q(status__in=["pending", "queued", "running"]),
                name="core_joboccurrence_key_once",
            ),
        ]

    def __str__(self) -> str:
        return self.key

    @property
    def is_final(self) -> bool:
        return self.status in self.FINAL

    def refusal_text(self) -> str:
        """The refusal in the active language: each of the service's message ids translated, then its parameters
        (each translated too when it is itself a message id, such as a state's label)."""
        if not self.refusal:
            return ""
        return " ".join(_refusal_message(item) for item in self.refusal.get("messages", []))


def _refusal_message(item: dict) -> str:
    message = gettext(item.get("message", ""))
    params = item.get("params") or {}
    if not params:
        return message
    translated = {name: gettext(value) if isinstance(value, str) and value else value for name, value in params.items()}
    try:
        return message % translated
    except (KeyError, TypeError, ValueError):
        return message


class JobRun(models.Model):
    """One run of a scheduled or queued job (作业运行记录): one attempt of an occurrence."""

    class Status(models.TextChoices):
        PENDING = "pending", _("waiting for the broker")
        RUNNING = "running", _("running")
        SUCCEEDED = "succeeded", _("succeeded")
        FAILED = "failed", _("failed")

    name = models.CharField(_("job"), max_length=100, db_index=True)
    task_id = models.CharField(_("task id"), max_length=255, blank=True)
    occurrence = models.ForeignKey(
        JobOccurrence, verbose_name=_("job"), null=True, blank=True, on_delete=models.SET_NULL, related_name="runs"
    )
    started_at = models.DateTimeField(_("started at"), auto_now_add=True, db_index=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.RUNNING)
    result = models.TextField(_("result"), blank=True)
    error = models.TextField(_("error"), blank=True)

    class Meta:
        verbose_name = _("job run")
        verbose_name_plural = _("job runs")
        ordering = ["-started_at"]

    def __str__(self) -> str:
        return f"{self.name} {self.started_at:%Y-%m-%d %H:%M:%S} {self.status}"

    @property
    def duration(self) -> timedelta | None:
        return self.finished_at - self.started_at if self.finished_at else None


class ScheduleCatchUp(models.Model):
    """How late a scheduled job may still run when its time passed while nothing could send or run it (beat, the
    broker or the database down): a weekly draw a day late still matters, a daily reminder a week late does not."""

    periodic_task = models.OneToOneField(
        PeriodicTask, verbose_name=_("schedule"), on_delete=models.CASCADE, related_name="catch_up"
    )
    within = models.DurationField(
        _("catch up within"),
        help_text=_(
            "A run missed by less than this still runs when the system is back; one missed by more is recorded as "
            "missed. Format: [DD] [HH:[MM:]]ss, e.g. '3 00:00:00' for three days."
        ),
    )
    since = models.DateTimeField(
        _("counted since"),
        default=timezone.now,
        help_text=_("Runs due before this time are never caught up (set when the schedule is saved)."),
    )

    class Meta:
        verbose_name = _("catch-up rule")
        verbose_name_plural = _("catch-up rules")

    def __str__(self) -> str:
        return f"{self.periodic_task.name}: {self.within}"
