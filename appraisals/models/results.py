"""Use of results (考评结果的使用): the rule that recommends promotion, demotion or reward; appeals."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from appraisals.models.cycles import Appraisal
from managers.models import AccountManager, Grade, GradeChange


class ResultRule(models.Model):
    """The configurable rule: promotion after N excellent cycles in a row, demotion after a fail, rewards."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    excellent_cycles_for_promotion = models.PositiveSmallIntegerField(
        _("excellent cycles in a row for promotion"), default=2
    )
    demote_on_fail = models.BooleanField(_("recommend demotion after a fail"), default=True)
    reward_on_excellent = models.BooleanField(_("recommend a reward for an excellent result"), default=True)
    appeal_days = models.PositiveSmallIntegerField(_("days to acknowledge or appeal"), default=14)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("result rule")
        verbose_name_plural = _("result rules")

    def __str__(self) -> str:
        return self.name


class Recommendation(models.Model):
    """A recommendation the rule made from results; HR approves (writing the GradeChange) or rejects it."""

    class Kind(models.TextChoices):
        PROMOTION = "promotion", _("promotion")
        DEMOTION = "demotion", _("demotion")
        REWARD = "reward", _("reward")

    class State(models.TextChoices):
        PENDING = "pending", _("pending")
        APPROVED = "approved", _("approved")
        REJECTED = "rejected", _("rejected")

    manager = models.ForeignKey(
        AccountManager, verbose_name=_("account manager"), on_delete=models.PROTECT, related_name="recommendations"
    )
    appraisal = models.ForeignKey(
        Appraisal, verbose_name=_("appraisal"), on_delete=models.PROTECT, related_name="recommendations"
    )
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    proposed_grade = models.ForeignKey(
        Grade, verbose_name=_("proposed grade"), on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    basis = models.TextField(_("basis"))
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.PENDING)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decision_note = models.TextField(_("decision note"), blank=True)
    grade_change = models.OneToOneField(
        GradeChange,
        verbose_name=_("grade change"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="recommendation",
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("recommendation")
        verbose_name_plural = _("recommendations")
        ordering = ["state", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["appraisal", "kind"], name="one_recommendation_per_kind_per_appraisal"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.manager}"


class Appeal(models.Model):
    """A manager's appeal (申诉) against their appraisal, within the rule's deadline; HR resolves it."""

    class State(models.TextChoices):
        OPEN = "open", _("open")
        UPHELD = "upheld", _("upheld")
        REJECTED = "rejected", _("rejected")

    appraisal = models.OneToOneField(
        Appraisal, verbose_name=_("appraisal"), on_delete=models.PROTECT, related_name="appeal"
    )
    text = models.TextField(_("grounds"))
    created_at = models.DateTimeField(_("appealed at"), auto_now_add=True)
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.OPEN)
    resolution = models.TextField(_("resolution"), blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("resolved by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("appeal")
        verbose_name_plural = _("appeals")
        ordering = ["state", "-created_at"]

    def __str__(self) -> str:
        return f"{self.appraisal}: {self.get_state_display()}"
