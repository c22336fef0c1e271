"""Use of results (考评结果的使用): the rule that recommends promotion, demotion or reward; appeals."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from appraisals.models.cycles import Appraisal
from managers.models import AccountManager, Grade, GradeChange


class ResultRule(models.Model):
    """The configurable rule: promotion after N excellent cycles in a row, demotion after a fail, rewards, and what a
    trainee's fail leads to."""

    class TraineeFailOutcome(models.TextChoices):
        EXTEND_PROBATION = "extend_probation", _("recommend extending the probation")
        NONE = "none", _("no consequence")

    name = models.CharField(_("name"), max_length=100, unique=True)
    excellent_cycles_for_promotion = models.PositiveSmallIntegerField(
        _("excellent cycles in a row for promotion"), default=2
    )
    demote_on_fail = models.BooleanField(_("recommend demotion after a fail"), default=True)
    reward_on_excellent = models.BooleanField(_("recommend a reward for an excellent result"), default=True)
    appeal_days = models.PositiveSmallIntegerField(_("days to acknowledge or appeal"), default=14)
    trainee_fail_outcome = models.CharField(
        _("a trainee's fail"),
        max_length=20,
        choices=TraineeFailOutcome.choices,
        default=TraineeFailOutcome.EXTEND_PROBATION,
        help_text=_(
            "A trainee has no lower grade to be demoted to: recommend extending the probation (HR decides), or "
            "nothing at all."
        ),
    )
    probation_extension_months = models.PositiveSmallIntegerField(
        _("probation extension (months)"),
        default=6,
        validators=[MinValueValidator(1)],
        help_text=_("How long an extended probation lasts; the next regular appraisal decides again."),
    )
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
        PROBATION = "probation", _("extended probation")

    class State(models.TextChoices):
        PENDING = "pending", _("pending")
        APPROVED = "approved", _("approved")
        REJECTED = "rejected", _("rejected")
        # Replaced after an upheld appeal re-scored the appraisal: the rule is applied again to the new result.
        WITHDRAWN = "withdrawn", _("withdrawn")

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
    qualification_failures = models.TextField(
        _("qualification requirements not met"),
        blank=True,
        help_text=_("The 任职条件 of the proposed grade the manager did not meet when HR approved the promotion."),
    )
    qualification_override = models.TextField(
        _("reason for overriding the qualification requirements"),
        blank=True,
        help_text=_("HR's written reason to promote although the qualification requirements are not met."),
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("recommendation")
        verbose_name_plural = _("recommendations")
        ordering = ["state", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["appraisal", "kind"],
                condition=~Q(state="withdrawn"),
                name="one_recommendation_per_kind_per_appraisal",
            ),
            models.CheckConstraint(
                condition=Q(qualification_failures="") | ~Q(qualification_override=""),
                name="qualification_override_has_a_reason",
                violation_error_message=_("A promotion that fails the qualification requirements needs a reason."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.manager}"

    @property
    def is_overridden(self) -> bool:
        return bool(self.qualification_failures)


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


class AppraisalVersion(models.Model):
    """An earlier version of an appraisal's result, kept when an upheld appeal re-scored it: the scores, band and
    explanation as they were, and what the appeal changed. The appraisal row holds the version in force."""

    appraisal = models.ForeignKey(
        Appraisal, verbose_name=_("appraisal"), on_delete=models.PROTECT, related_name="versions"
    )
    number = models.PositiveSmallIntegerField(_("version"), help_text=_("1 is the result as the cycle closed."))
    performance_score = models.DecimalField(
        _("performance score"), max_digits=6, decimal_places=2, null=True, blank=True
    )
    behaviour_score = models.DecimalField(_("behaviour score"), max_digits=6, decimal_places=2, null=True, blank=True)
    ability_score = models.DecimalField(_("ability score"), max_digits=6, decimal_places=2, null=True, blank=True)
    spot_check_effect = models.DecimalField(_("spot-check effect"), max_digits=6, decimal_places=2, default=0)
    total_score = models.DecimalField(_("total score"), max_digits=6, decimal_places=2, null=True, blank=True)
    band = models.CharField(_("band"), max_length=10, choices=Appraisal.Band.choices, blank=True)
    explanation = models.JSONField(_("explanation"), default=dict, blank=True)
    scored_at = models.DateTimeField(_("scored at"), null=True, blank=True)
    superseded_at = models.DateTimeField(_("superseded at"))
    superseded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("superseded by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    appeal = models.ForeignKey(
        Appeal,
        verbose_name=_("appeal"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="superseded_versions",
    )
    # HR's record of what changed (which ratings, from what to what): it names ratings, so the manager never sees it.
    changes = models.JSONField(_("changes made by the decision"), default=list, blank=True)

    class Meta:
        verbose_name = _("earlier version of an appraisal")
        verbose_name_plural = _("earlier versions of appraisals")
        ordering = ["appraisal", "number"]
        constraints = [models.UniqueConstraint(fields=["appraisal", "number"], name="one_appraisal_version_number")]

    def __str__(self) -> str:
        return f"{self.appraisal} · v{self.number}"
