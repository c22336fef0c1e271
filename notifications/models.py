"""Where messages go (channels HR configures, each user's preference) and every message sent or tried."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class ChannelKind(models.TextChoices):
    """How a message reaches a person: their e-mail, or a group robot that @-mentions them."""

    EMAIL = "email", _("e-mail")
    WECOM = "wecom", _("WeCom")
    DINGTALK = "dingtalk", _("DingTalk")
    FEISHU = "feishu", _("Feishu")


WEBHOOK_KINDS = (ChannelKind.WECOM, ChannelKind.DINGTALK, ChannelKind.FEISHU)


class Channel(models.Model):
    """A group robot's webhook (企业微信 / 钉钉 / 飞书) that HR configured; the one active per kind carries its
    messages."""

    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=16, choices=[(k.value, k.label) for k in WEBHOOK_KINDS])
    # The webhook address holds the robot's access token, so it is as secret as the signing secret: neither is shown
    # again after saving.
    webhook_url = models.URLField(_("webhook address"), max_length=500)
    secret = models.CharField(
        _("signing secret"),
        max_length=200,
        blank=True,
        help_text=_("DingTalk and Feishu: the secret of the robot's signature check (加签 / 签名校验)."),
    )
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("notification channel")
        verbose_name_plural = _("notification channels")
        ordering = ["kind", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["kind"],
                condition=Q(active=True),
                name="channel_one_active_per_kind",
                violation_error_message=_("Only one channel of each kind can be active: deactivate the other first."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.get_kind_display()})"


class Preference(models.Model):
    """How one user wants to be told: the channel kind, their handle there for the @-mention, and the language."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="notification_preference",
    )
    kind = models.CharField(_("channel"), max_length=16, choices=ChannelKind.choices, default=ChannelKind.EMAIL)
    handle = models.CharField(
        _("mobile or user id"),
        max_length=64,
        blank=True,
        help_text=_("Your mobile number (WeCom, DingTalk) or user id (Feishu), so that the robot @-mentions you."),
    )
    language = models.CharField(
        _("language of messages"),
        max_length=16,
        choices=settings.LANGUAGES,
        blank=True,
        help_text=_("Blank: the site's language."),
    )

    class Meta:
        verbose_name = _("notification preference")
        verbose_name_plural = _("notification preferences")

    def __str__(self) -> str:
        return str(self.user)


class Delivery(models.Model):
    """One message of one event to one person: stored as the event's code and parameters, rendered in the
    recipient's language when sent. (event, key, recipient) is unique, so an event never reaches anyone twice."""

    class State(models.TextChoices):
        PENDING = "pending", _("pending")
        SENT = "sent", _("sent")
        FAILED = "failed", _("failed")

    event = models.CharField(pgettext_lazy("notification", "event"), max_length=32)
    # What the event is about ("appraisal:12", "2026-07-01"): with the event and the recipient, the idempotency key.
    key = models.CharField(pgettext_lazy("notification", "key"), max_length=100)
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("recipient"), on_delete=models.CASCADE, related_name="deliveries"
    )
    kind = models.CharField(_("channel"), max_length=16, choices=ChannelKind.choices)
    params = models.JSONField(_("parameters"), default=dict, blank=True)
    state = models.CharField(_("state"), max_length=16, choices=State.choices, default=State.PENDING)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_error = models.CharField(_("last error"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    last_attempt_at = models.DateTimeField(_("last attempt at"), null=True, blank=True)
    # Set while one worker sends it: a second delivery of the same task leaves it alone (unless the first died).
    claimed_at = models.DateTimeField(_("being sent since"), null=True, blank=True, editable=False)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["event", "key", "recipient"], name="delivery_once_per_event"),
        ]
        indexes = [models.Index(fields=["state", "created_at"], name="delivery_state_created")]

    def __str__(self) -> str:
        return f"{self.event} {self.key} → {self.recipient}"
