"""Telling people of events: one delivery per (event, key, recipient), sent once through the recipient's channel,
retried with backoff, and marked failed for HR when every attempt failed."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.jobs import job_submit
from notifications.events import EVENTS, message_render
from notifications.models import WEBHOOK_KINDS, Channel, ChannelKind, Delivery, Preference
from notifications.senders import SendError, email_send, webhook_send

# The task names (stored in job occurrences: they never change).
SEND_JOB = "notifications.delivery_send"
DISPATCH_JOB = "notifications.deliveries_dispatch"

# Five attempts, 30 s, 1, 2 and 4 min apart (settings.NOTIFICATIONS_RETRY_SECONDS doubled): a receiver down for a
# few minutes still gets the message, and one that cannot go is shown to HR as failed within about eight minutes.
MAX_ATTEMPTS = 5
# A delivery claimed longer ago than this was being sent by a worker that died: another delivery may take it.
CLAIM_STALE = timedelta(minutes=5)

State = Delivery.State


@dataclass(frozen=True)
class Notice:
    """One person to tell of an event: who, about what (the key), and the message's parameters."""

    recipient_id: int
    key: str
    params: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Attempt:
    """What one attempt left: the delivery's state, and when to try again (seconds; None: no more attempts)."""

    state: str
    retry_in: int | None = None
    error: str = ""


def channel_kinds_of(*, recipient_ids: Iterable[int]) -> dict[int, str]:
    """Each recipient's channel: their preferred kind while a channel of it is active, else e-mail (the default)."""
    ids = list(recipient_ids)
    preferred = dict(Preference.objects.filter(user_id__in=ids).values_list("user_id", "kind"))
    active = set(Channel.objects.filter(active=True).values_list("kind", flat=True))
    kinds = {}
    for recipient_id in ids:
        kind = preferred.get(recipient_id, ChannelKind.EMAIL)
        kinds[recipient_id] = kind if kind == ChannelKind.EMAIL or kind in active else ChannelKind.EMAIL
    return kinds


def _dispatch(pks: list[int]) -> None:
    """Send these deliveries after the commit: one job each, or one job that hands each its own for many."""
    if len(pks) == 1:
        job_submit(SEND_JOB, args=[pks[0]])
    elif pks:
        job_submit(DISPATCH_JOB, args=[sorted(pks)])


def notify_many(*, event: str, notices: list[Notice], email_by_caller: bool = False) -> dict[int, str]:
    """Record one delivery per notice and send them after the commit; returns each recipient's channel kind.

    A notice whose (event, key, recipient) was recorded before records and sends nothing. A fixed number of queries
    whatever the number of notices. email_by_caller: the caller sends its own e-mail to those whose channel is
    e-mail (in its transaction and words); their deliveries are recorded as sent.
    """
    if event not in EVENTS:
        raise ValueError(f"unknown event {event!r}")
    if not notices:
        return {}
    kinds = channel_kinds_of(recipient_ids={notice.recipient_id for notice in notices})
    now = timezone.now()
    rows = []
    for notice in notices:
        kind = kinds[notice.recipient_id]
        by_caller = email_by_caller and kind == ChannelKind.EMAIL
        rows.append(
            Delivery(
                event=event,
                key=notice.key[:100],
                recipient_id=notice.recipient_id,
                kind=kind,
                params=notice.params,
                state=State.SENT if by_caller else State.PENDING,
                attempts=1 if by_caller else 0,
                last_attempt_at=now if by_caller else None,
                sent_at=now if by_caller else None,
            )
        )
    Delivery.objects.bulk_create(rows, ignore_conflicts=True)
    pending = Delivery.objects.filter(
        event=event,
        key__in={row.key for row in rows},
        recipient_id__in=kinds,
        state=State.PENDING,
        attempts=0,
        claimed_at__isnull=True,
    )
    _dispatch(list(pending.values_list("pk", flat=True)))
    return kinds


def notify(*, event: str, recipient: AbstractBaseUser, params: dict[str, Any], key: str) -> str:
    """Tell one person of an event through their channel, once per (event, key); returns the channel kind."""
    return notify_many(event=event, notices=[Notice(recipient_id=recipient.pk, key=key, params=params)])[recipient.pk]


def deliveries_dispatch(*, pks: list[int]) -> int:
    """Give each pending delivery its own sending job (the jobs of one event's many deliveries); returns how many."""
    pending = list(
        Delivery.objects.filter(pk__in=pks, state=State.PENDING, attempts=0).values_list("pk", flat=True).order_by("pk")
    )
    for pk in pending:
        job_submit(SEND_JOB, args=[pk])
    return len(pending)


def _claim(delivery_id: int, now: Any) -> bool:
    stale = now - CLAIM_STALE
    return bool(
        Delivery.objects.filter(pk=delivery_id, state=State.PENDING)
        .filter(claimed_at__isnull=True)
        .update(claimed_at=now)
        or Delivery.objects.filter(pk=delivery_id, state=State.PENDING, claimed_at__lt=stale).update(claimed_at=now)
    )


def _send(delivery: Delivery) -> None:
    preference = Preference.objects.filter(user_id=delivery.recipient_id).first()
    message = message_render(
        event=delivery.event, params=delivery.params, language=preference.language if preference else ""
    )
    recipient = delivery.recipient
    if delivery.kind == ChannelKind.EMAIL:
        email_send(address=recipient.email, message=message)
        return
    channel = Channel.objects.filter(kind=delivery.kind, active=True).first()
    if channel is None:
        raise SendError("no_active_channel", final=True)
    name = recipient.get_full_name() or recipient.get_username()
    webhook_send(channel=channel, message=message, handle=preference.handle if preference else "", name=name)


def delivery_attempt(*, delivery_id: int) -> Attempt:
    """Try to send a pending delivery once. Sent: recorded sent. Not: the error and the attempt are recorded, and
    the delivery waits for the next attempt (2^n × NOTIFICATIONS_RETRY_SECONDS later) or, after MAX_ATTEMPTS or an
    error no retry mends, is marked failed for HR. A delivery sent, failed, or being sent by another worker is left
    alone.

    No transaction is held while the receiver answers (up to TIMEOUT_SECONDS): the claim keeps a second worker off.
    """
    now = timezone.now()
    if not _claim(delivery_id, now):
        state = Delivery.objects.filter(pk=delivery_id).values_list("state", flat=True).first()
        return Attempt(state=state or "gone")
    delivery = Delivery.objects.select_related("recipient").get(pk=delivery_id)
    mine = Delivery.objects.filter(pk=delivery_id, claimed_at=now)
    try:
        _send(delivery)
    except SendError as exc:
        attempts = delivery.attempts + 1
        final = exc.final or attempts >= MAX_ATTEMPTS
        state = State.FAILED if final else State.PENDING
        mine.update(
            state=state, attempts=attempts, last_error=exc.code, last_attempt_at=timezone.now(), claimed_at=None
        )
        wait = None if final else settings.NOTIFICATIONS_RETRY_SECONDS * 2 ** (attempts - 1)
        return Attempt(state=state, retry_in=wait, error=exc.code)
    mine.update(
        state=State.SENT,
        attempts=delivery.attempts + 1,
        last_error="",
        last_attempt_at=timezone.now(),
        sent_at=timezone.now(),
        claimed_at=None,
    )
    return Attempt(state=State.SENT)


@transaction.atomic
def deliveries_resend(*, pks: list[int]) -> int:
    """HR sends failed deliveries again, each through its recipient's channel of now, with fresh attempts; returns
    how many. Sent or pending ones are left alone."""
    failed = list(Delivery.objects.select_for_update().filter(pk__in=pks, state=State.FAILED))
    kinds = channel_kinds_of(recipient_ids={delivery.recipient_id for delivery in failed})
    for delivery in failed:
        delivery.kind = kinds[delivery.recipient_id]
        delivery.state, delivery.attempts, delivery.last_error, delivery.claimed_at = State.PENDING, 0, "", None
    Delivery.objects.bulk_update(failed, ["kind", "state", "attempts", "last_error", "claimed_at"])
    _dispatch([delivery.pk for delivery in failed])
    return len(failed)


@transaction.atomic
def preference_save(*, user: AbstractBaseUser, kind: str, handle: str = "", language: str = "") -> Preference:
    """Save how the user wants to be told. A robot's channel needs one HR has set up, and the user's handle there."""
    handle = (handle or "").strip()
    errors: dict[str, str] = {}
    if kind in WEBHOOK_KINDS:
        if not Channel.objects.filter(kind=kind, active=True).exists():
            errors["kind"] = _("HR has not set up this channel yet: choose another.")
        if not handle:
            errors["handle"] = _("Give your mobile number or user id, so that the robot can @-mention you.")
    if errors:
        raise ValidationError(errors)
    preference = Preference.objects.filter(user=user).first() or Preference(user=user)
    preference.kind, preference.handle, preference.language = kind, handle, language or ""
    preference.full_clean()
    preference.save()
    return preference
