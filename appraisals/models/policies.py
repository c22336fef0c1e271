"""The appraisal policy HR edits, versioned by plan year: result bands, what the rating deadline does, and what
scoring does with each kind of missing data (缺失数据).

A cycle follows the policy of its plan year: the version with the latest year not after it. With no version at all
the built-in defaults apply, which are the values seeded by the migration (bands 90/80/60, hold at the deadline,
every gap left out and its weight shared).
"""

from __future__ import annotations

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

PERCENT = [MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))]


class MissingDataGap(models.TextChoices):
    """The kinds of data that may not exist for an appraisal (the codes measures report and explanations store)."""

    RATER_TYPE_MISSING = "rater_type_missing", _("a rater type with no ratings")
    NO_TARGET = "no_target", _("an indicator with no target")
    NO_EARLIER_PERIOD = "no_earlier_period", _("no earlier period to grow from")
    NO_CLIENTS = "no_clients", _("a manager with no clients")
    NO_SURVEY_ANSWERS = "no_survey_answers", _("a manager with no survey answers")
    JOINED_MID_CYCLE = "joined_mid_cycle", _("a manager who joined mid-cycle")
    SUPERVISOR_CHANGED = "supervisor_changed", _("a manager who changed supervisor or department mid-cycle")


class MissingDataAction(models.TextChoices):
    """What scoring does with a gap."""

    LEAVE_OUT = "leave_out", _("leave it out and share its weight among the rest")
    NEUTRAL = "neutral", _("score the stated neutral score")
    INCOMPLETE = "incomplete", _("hold the appraisal as incomplete")


# What each gap leaves out, in the words of the admin's help text.
GAP_HELP = {
    MissingDataGap.RATER_TYPE_MISSING: _(
        "A rater type that rates an indicator gave no counting rating (none submitted, or all excluded). Left out: "
        "its weight is shared among the rater types that did rate; an indicator nobody rated is left out of its "
        "dimension. Neutral: the rater type counts with the neutral score."
    ),
    MissingDataGap.NO_TARGET: _("A measured indicator scored against the manager's target, and no target was set."),
    MissingDataGap.NO_EARLIER_PERIOD: _("A growth indicator, and there is no business in the period before."),
    MissingDataGap.NO_CLIENTS: _("An indicator computed from the manager's clients, and the manager has none."),
    MissingDataGap.NO_SURVEY_ANSWERS: _("Average client satisfaction, and no client answered in the period."),
    MissingDataGap.JOINED_MID_CYCLE: _(
        "The manager was hired after the period started: the measured indicators counted over the whole period "
        "(all but average satisfaction) cover only part of it."
    ),
    MissingDataGap.SUPERVISOR_CHANGED: _(
        "The manager's supervisor or department changed during the period: the department head's rating covers "
        "only part of it. Left out: the head's rating does not count and its weight is shared."
    ),
}


class AppraisalPolicy(models.Model):
    """The appraisal policy (考核规则) of a plan year: band cut-offs, the deadline rule, the missing-data rules."""

    year = models.PositiveSmallIntegerField(
        _("from plan year"),
        unique=True,
        help_text=_("Applies to the cycles of this plan year and later ones, until a version with a later year."),
    )
    excellent_from = models.DecimalField(
        _("excellent from"),
        max_digits=5,
        decimal_places=2,
        default=Decimal("90"),
        validators=PERCENT,
        help_text=_("A total at or above this is excellent (优秀)."),
    )
    good_from = models.DecimalField(
        _("good from"),
        max_digits=5,
        decimal_places=2,
        default=Decimal("80"),
        validators=PERCENT,
        help_text=_("A total at or above this, below excellent, is good (良好)."),
    )
    pass_from = models.DecimalField(
        _("pass from"),
        max_digits=5,
        decimal_places=2,
        default=Decimal("60"),
        validators=PERCENT,
        help_text=_("A total at or above this, below good, is a pass (合格); below it, a fail (不合格)."),
    )
    deadline_extension_days = models.PositiveSmallIntegerField(
        _("days added at the rating deadline"),
        default=0,
        validators=[MaxValueValidator(90)],
        help_text=_(
            "When the rating deadline passes with ratings missing, move it this many days later (raters are "
            "reminded). 0: do not extend. A deadline never closes a cycle: closing is HR's decision."
        ),
    )
    deadline_max_extensions = models.PositiveSmallIntegerField(
        _("extensions at most"),
        default=0,
        validators=[MaxValueValidator(10)],
        help_text=_(
            "How many times a cycle's deadline may be extended; after that the cycle is held for HR's decision, "
            "its missing ratings marked overdue."
        ),
    )
    note = models.TextField(_("note"), blank=True, help_text=_("Why this version, for the record."))
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("appraisal policy")
        verbose_name_plural = _("appraisal policies")
        ordering = ["-year"]
        constraints = [
            models.CheckConstraint(
                condition=Q(pass_from__gte=0)
                & Q(good_from__gt=F("pass_from"))
                & Q(excellent_from__gt=F("good_from"))
                & Q(excellent_from__lte=100),
                name="policy_bands_ordered_within_0_100",
                violation_error_message=_("The cut-offs must rise: 0 ≤ pass < good < excellent ≤ 100."),
            ),
        ]

    def __str__(self) -> str:
        return gettext("Appraisal policy from %(year)s") % {"year": self.year}

    def clean(self) -> None:
        super().clean()
        cut_offs = (self.pass_from, self.good_from, self.excellent_from)
        if None not in cut_offs and not (0 <= self.pass_from < self.good_from < self.excellent_from <= 100):
            raise ValidationError(gettext("The cut-offs must rise: 0 ≤ pass < good < excellent ≤ 100."))


class MissingDataRule(models.Model):
    """What scoring does with one kind of gap under a policy version; a gap without a rule is left out."""

    policy = models.ForeignKey(
        AppraisalPolicy, verbose_name=_("appraisal policy"), on_delete=models.CASCADE, related_name="missing_data"
    )
    gap = models.CharField(_("gap"), max_length=30, choices=MissingDataGap.choices)
    action = models.CharField(
        _("action"),
        max_length=12,
        choices=MissingDataAction.choices,
        default=MissingDataAction.LEAVE_OUT,
        help_text=_(
            "Leave out (the fair default: nobody gains or loses from data that does not exist), a stated neutral "
            "score, or hold the appraisal as incomplete (no band, no recommendation)."
        ),
    )
    neutral_score = models.DecimalField(
        _("neutral score"),
        max_digits=5,
        decimal_places=2,
        null=True,
        blank=True,
        validators=PERCENT,
        help_text=_("0–100; required with the neutral action, and only there."),
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("missing-data rule")
        verbose_name_plural = _("missing-data rules")
        ordering = ["policy", "gap"]
        constraints = [
            models.UniqueConstraint(fields=["policy", "gap"], name="one_missing_data_rule_per_gap"),
            models.CheckConstraint(
                condition=(Q(action="neutral") & Q(neutral_score__gte=0) & Q(neutral_score__lte=100))
                | (~Q(action="neutral") & Q(neutral_score__isnull=True)),
                name="missing_data_neutral_score_with_neutral_only",
                violation_error_message=_("A neutral score (0–100) goes with the neutral action, and only there."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_gap_display()}: {self.get_action_display()}"

    def clean(self) -> None:
        super().clean()
        if self.action == MissingDataAction.NEUTRAL and self.neutral_score is None:
            raise ValidationError({"neutral_score": gettext("State the neutral score (0–100).")})
        if self.action != MissingDataAction.NEUTRAL and self.neutral_score is not None:
            raise ValidationError({"neutral_score": gettext("A neutral score goes with the neutral action only.")})
