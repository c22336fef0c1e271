"""Appraisal cycles and the appraisal of one manager in one cycle, with every figure behind its score.

A closed cycle is read-only: the cycle, its appraisals, measured values, ratings and rating scores refuse save()
and delete() (and QuerySet.delete()) once it is closed. cycle_close writes its figures with bulk statements before it
marks the cycle closed, so the guard never stands in its way.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from appraisals.models.plans import AppraisalPlan, Indicator, Template
from core.validators import PLAUSIBLE_DATE, period_ordered
from managers.models import AccountManager, Grade


def closed_cycle_message(cycle: object) -> str:
    return gettext(
        "The appraisal cycle %(cycle)s is closed: its appraisals, ratings and scores can no longer change."
    ) % {"cycle": cycle}


def closed_cycle_refuse(cycles: Q) -> None:
    """Refuse (ValidationError) when one of the cycles selected by ``cycles`` is closed (one query)."""
    name = AppraisalCycle.objects.filter(cycles, state=AppraisalCycle.State.CLOSED).values_list("name", flat=True)
    name = name.first()
    if name is not None:
        raise ValidationError(closed_cycle_message(name))


def cycles_holding(instance: models.Model, parent: Q | None) -> Q:
    """The cycles a row belongs to, as stored (through its ``cycle_lookup``) and as it would be saved (``parent``,
    the cycles of the row it points to): a row moved into or out of a closed cycle is refused either way."""
    cycles = Q(pk__in=[])
    if instance.pk is not None:
        cycles |= Q(**{instance.cycle_lookup: instance.pk})
    if parent is not None:
        cycles |= parent
    return cycles


class CycleRowQuerySet(models.QuerySet):
    """The rows of a cycle: a bulk delete is refused, like a delete of one, once their cycle is closed."""

    def delete(self) -> tuple[int, dict[str, int]]:
        closed_cycle_refuse(Q(**{f"{self.model.cycle_lookup}__in": self.values("pk")}))
        return super().delete()


class CycleRow(models.Model):
    """A row frozen with its appraisal cycle: the one guard for the cycle and every row that belongs to it.

    ``cycle_lookup`` leads from the cycle to the row; ``parent_cycles()`` selects the cycles the row would belong to
    once saved; fields in ``writable_after_close`` may still be saved alone (e.g. an acknowledgement).
    """

    cycle_lookup: str
    writable_after_close: frozenset[str] = frozenset()

    objects = CycleRowQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        update_fields = kwargs.get("update_fields")
        if update_fields is None or not set(update_fields) <= self.writable_after_close:
            closed_cycle_refuse(cycles_holding(self, self.parent_cycles()))
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        closed_cycle_refuse(cycles_holding(self, self.parent_cycles()))
        return super().delete(*args, **kwargs)

    def parent_cycles(self) -> Q | None:
        return None


class AppraisalCycle(CycleRow):
    """An appraisal cycle (考核周期): a template over a period; draft → open → review → closed (read-only)."""

    class Kind(models.TextChoices):
        REGULAR = "regular", _("regular appraisal")
        IRREGULAR = "irregular", _("irregular appraisal")

    class State(models.TextChoices):
        DRAFT = "draft", _("draft")
        OPEN = "open", _("open")
        REVIEW = "review", _("review")
        CLOSED = "closed", _("closed")

    name = models.CharField(_("name"), max_length=200)
    plan = models.ForeignKey(
        AppraisalPlan,
        verbose_name=_("appraisal plan"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="cycles",
    )
    template = models.ForeignKey(Template, verbose_name=_("template"), on_delete=models.PROTECT, related_name="cycles")
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.REGULAR)
    cause = models.TextField(_("cause"), blank=True, help_text=_("Why an irregular appraisal was opened."))
    period_start = models.DateField(_("period start"), validators=PLAUSIBLE_DATE)
    period_end = models.DateField(_("period end"), validators=PLAUSIBLE_DATE)
    rating_deadline = models.DateField(_("rating deadline"), validators=PLAUSIBLE_DATE)
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.DRAFT)
    opened_at = models.DateTimeField(_("opened at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("closed by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    close_reason = models.TextField(_("reason for closing with ratings missing"), blank=True)
    held_at = models.DateTimeField(
        _("held at the rating deadline"),
        null=True,
        blank=True,
        help_text=_("When the deadline passed: missing ratings marked overdue; the cycle waits for HR to close it."),
    )
    deadline_extensions = models.PositiveSmallIntegerField(
        _("deadline extensions"),
        default=0,
        db_default=0,
        help_text=_("How often the policy moved the rating deadline later."),
    )
    history = HistoricalRecords()

    cycle_lookup = "pk"

    class Meta:
        verbose_name = _("appraisal cycle")
        verbose_name_plural = _("appraisal cycles")
        ordering = ["-period_end", "-pk"]
        constraints = [
            models.CheckConstraint(condition=Q(period_end__gte=F("period_start")), name="cycle_period_ordered"),
            models.CheckConstraint(
                condition=~Q(kind="irregular") | ~Q(cause=""),
                name="irregular_cycle_has_cause",
                violation_error_message=_("An irregular appraisal needs a cause."),
            ),
            models.UniqueConstraint(
                fields=["kind", "period_start", "period_end"],
                condition=Q(kind="regular"),
                name="one_regular_cycle_per_period",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        period_ordered(self.period_start, self.period_end, end_field="period_end")
        if self.period_start and self.rating_deadline and self.rating_deadline < self.period_start:
            raise ValidationError(
                {
                    "rating_deadline": _("The rating deadline is before the period starts (%(start)s).")
                    % {"start": self.period_start.isoformat()}
                }
            )

    @property
    def is_closed(self) -> bool:
        return self.state == self.State.CLOSED


# Ratings may be given while the cycle is open and, for latecomers, during review; never in draft or once closed.
RATING_STATES = (AppraisalCycle.State.OPEN, AppraisalCycle.State.REVIEW)


class Appraisal(CycleRow):
    """One manager in one cycle: scores by dimension, the total, the band, and the frozen explanation."""

    class Band(models.TextChoices):
        EXCELLENT = "excellent", _("excellent")
        GOOD = "good", _("good")
        PASS = "pass", _("pass")
        FAIL = "fail", _("fail")

    cycle = models.ForeignKey(
        AppraisalCycle, verbose_name=_("appraisal cycle"), on_delete=models.PROTECT, related_name="appraisals"
    )
    manager = models.ForeignKey(
        AccountManager, verbose_name=_("account manager"), on_delete=models.PROTECT, related_name="appraisals"
    )
    grade = models.ForeignKey(
        Grade,
        verbose_name=_("grade"),
        on_delete=models.PROTECT,
        null=True,
        related_name="+",
        help_text=_("The grade held at the end of the period."),
    )
    performance_score = models.DecimalField(
        _("performance score"), max_digits=6, decimal_places=2, null=True, blank=True
    )
    behaviour_score = models.DecimalField(_("behaviour score"), max_digits=6, decimal_places=2, null=True, blank=True)
    ability_score = models.DecimalField(_("ability score"), max_digits=6, decimal_places=2, null=True, blank=True)
    spot_check_effect = models.DecimalField(_("spot-check effect"), max_digits=6, decimal_places=2, default=0)
    total_score = models.DecimalField(_("total score"), max_digits=6, decimal_places=2, null=True, blank=True)
    band = models.CharField(_("band"), max_length=10, choices=Band.choices, blank=True)
    incomplete = models.BooleanField(
        _("held as incomplete"),
        default=False,
        db_default=False,  # rows written in bulk outside the ORM (the benchmark's COPY) are complete
        help_text=_("The missing-data policy held it: no band and no recommendation; its explanation names the gaps."),
    )
    explanation = models.JSONField(_("explanation"), default=dict, blank=True)
    comments = models.TextField(_("comments"), blank=True)
    finalised_at = models.DateTimeField(_("finalised at"), null=True, blank=True)
    acknowledged_at = models.DateTimeField(_("acknowledged at"), null=True, blank=True)
    history = HistoricalRecords()

    cycle_lookup = "appraisals"
    # The manager's acknowledgement is the one write a final appraisal still takes.
    writable_after_close = frozenset({"acknowledged_at"})

    class Meta:
        verbose_name = _("appraisal")
        verbose_name_plural = _("appraisals")
        ordering = ["cycle", "manager"]
        constraints = [models.UniqueConstraint(fields=["cycle", "manager"], name="one_appraisal_per_manager_cycle")]

    def __str__(self) -> str:
        return f"{self.manager} · {self.cycle}"

    @property
    def is_final(self) -> bool:
        return self.finalised_at is not None

    def assert_editable(self) -> None:
        """Refuse a change of the appraisal, its ratings or scores once it is final or its cycle is closed, as
        stored (the services ask before they write; one query)."""
        if self.pk is not None:
            rows = Appraisal.objects.filter(pk=self.pk).values_list("cycle__state", "finalised_at", "cycle__name")
            state, finalised_at, name = rows.first() or (None, None, "")
        else:
            cycle = AppraisalCycle.objects.filter(pk=self.cycle_id).values_list("state", "name")
            state, name = cycle.first() or (None, "")
            finalised_at = None
        if state == AppraisalCycle.State.CLOSED or finalised_at is not None:
            raise ValidationError(closed_cycle_message(name))

    def parent_cycles(self) -> Q | None:
        return Q(pk=self.cycle_id)


class MeasureGap(models.TextChoices):
    """Why a measured indicator has no value: the data it would be computed from does not exist. The scoring's
    missing-data policy decides what a gap counts for; the measures never make a figure up."""

    NO_TARGET = "no_target", _("no target")
    NO_EARLIER_PERIOD = "no_earlier_period", _("no earlier period to grow from")
    NO_CLIENTS = "no_clients", _("no clients")
    NO_SURVEY_ANSWERS = "no_survey_answers", _("no survey answers")


class MeasuredValue(CycleRow):
    """The value of a measured indicator for an appraisal, with the inputs it was computed from; or no value and the
    gap that explains why."""

    # No index of its own: the unique constraint (appraisal, indicator) leads with it and serves its lookups.
    appraisal = models.ForeignKey(
        Appraisal, verbose_name=_("appraisal"), on_delete=models.CASCADE, related_name="measured_values", db_index=False
    )
    indicator = models.ForeignKey(Indicator, verbose_name=_("indicator"), on_delete=models.PROTECT, related_name="+")
    value = models.DecimalField(_("value"), max_digits=16, decimal_places=4, null=True, blank=True)
    gap = models.CharField(_("missing data"), max_length=20, choices=MeasureGap.choices, blank=True)
    inputs = models.JSONField(_("inputs"), default=dict, blank=True)
    computed_at = models.DateTimeField(_("computed at"), auto_now=True)

    cycle_lookup = "appraisals__measured_values"

    class Meta:
        verbose_name = _("measured value")
        verbose_name_plural = _("measured values")
        constraints = [
            models.UniqueConstraint(fields=["appraisal", "indicator"], name="one_measured_value"),
            models.CheckConstraint(
                condition=(Q(value__isnull=False) & Q(gap="")) | (Q(value__isnull=True) & ~Q(gap="")),
                name="measured_value_or_gap",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.indicator}: {self.value if self.value is not None else self.get_gap_display()}"

    def parent_cycles(self) -> Q | None:
        return Q(appraisals=self.appraisal_id)
