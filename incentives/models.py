"""Pay and recognition (激励): pay schemes per grade and year, pay periods, pay statements, recognition."""

from __future__ import annotations

import calendar
from datetime import date
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from appraisals.models import Appraisal
from incentives.money import CURRENCY
from managers.models import AccountManager, Grade

NON_NEGATIVE = [MinValueValidator(0)]


def _money_field(verbose_name: str, **kwargs: object) -> models.DecimalField:
    """An amount of CNY with two decimal places (rounding: incentives.money)."""
    return models.DecimalField(verbose_name, max_digits=12, decimal_places=2, **kwargs)


class Currency(models.TextChoices):
    """The currency of every amount; one, stated on each record so an export cannot be misread."""

    CNY = CURRENCY, _("renminbi (CNY)")


class PerformanceBasis(models.TextChoices):
    """Which appraisal pays a month's performance pay and behaviour component."""

    LAST_CLOSED = "last_closed", _("the latest closed appraisal")
    ARREARS = "arrears", _("in arrears, from the cycle covering the month")


class WithoutAppraisal(models.TextChoices):
    """What a month pays when no closed appraisal can pay it (a new hire; a manager the cycle did not include)."""

    CATCH_UP = "catch_up", _("nothing now, caught up in arrears when one closes")
    NONE = "none", _("nothing, not caught up")


class PayScheme(models.Model):
    """The pay scheme of one grade for one year (物质激励): monthly base salary, the rates, floors and caps, and
    which appraisal pays each month."""

    grade = models.ForeignKey(Grade, verbose_name=_("grade"), on_delete=models.PROTECT, related_name="pay_schemes")
    year = models.PositiveSmallIntegerField(_("year"))
    currency = models.CharField(_("currency"), max_length=3, choices=Currency.choices, default=Currency.CNY)
    base_salary = _money_field(
        _("base salary"),
        blank=True,
        validators=NON_NEGATIVE,
        help_text=_(
            "Per month, prorated by the days employed in the grade. Left empty, the grade's base salary is copied "
            "here and kept."
        ),
    )
    performance_rate = _money_field(
        _("performance pay per performance point"),
        validators=NON_NEGATIVE,
        help_text=_("绩效工资 per point (0–100), per month, prorated like the base salary."),
    )
    performance_floor = _money_field(_("performance pay floor"), default=0, validators=NON_NEGATIVE)
    performance_cap = _money_field(_("performance pay cap"), validators=NON_NEGATIVE)
    behaviour_rate = _money_field(
        _("behaviour component per behaviour point"), validators=NON_NEGATIVE, help_text=_("行为考核评分 per point.")
    )
    behaviour_floor = _money_field(_("behaviour component floor"), default=0, validators=NON_NEGATIVE)
    behaviour_cap = _money_field(_("behaviour component cap"), validators=NON_NEGATIVE)
    performance_basis = models.CharField(
        _("appraisal that pays each month"),
        max_length=12,
        choices=PerformanceBasis.choices,
        default=PerformanceBasis.LAST_CLOSED,
        help_text=_(
            "Latest closed appraisal: every month pays the scores of the manager's latest closed regular appraisal "
            "at the time of the payroll run. In arrears: a month is paid from the appraisal of the regular cycle "
            "covering it; until that cycle closes the month pays none, and the first statement after it closes "
            "carries a catch-up line for each month it covers. Either way the base salary is paid every month. "
            "The scheme of the grade a manager holds at the end of the month decides."
        ),
    )
    without_appraisal = models.CharField(
        _("months without a closed appraisal"),
        max_length=10,
        choices=WithoutAppraisal.choices,
        default=WithoutAppraisal.CATCH_UP,
        help_text=_(
            "When no closed appraisal can pay a month (a new hire, or a manager the cycle did not include): "
            "caught up in arrears pays nothing now and adds a catch-up line at the scores of the first appraisal "
            "of theirs that closes; 'nothing' pays no performance pay or behaviour component for those months. "
            "The statement says which applied."
        ),
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("pay scheme")
        verbose_name_plural = _("pay schemes")
        ordering = ["-year", "-grade__rank"]
        constraints = [
            models.UniqueConstraint(fields=["grade", "year"], name="one_pay_scheme_per_grade_year"),
            models.CheckConstraint(
                condition=Q(performance_floor__lte=F("performance_cap")),
                name="pay_scheme_performance_floor_below_cap",
                violation_error_message=_("The performance pay floor cannot be above its cap."),
            ),
            models.CheckConstraint(
                condition=Q(behaviour_floor__lte=F("behaviour_cap")),
                name="pay_scheme_behaviour_floor_below_cap",
                violation_error_message=_("The behaviour component floor cannot be above its cap."),
            ),
            models.CheckConstraint(
                condition=Q(base_salary__gte=0)
                & Q(performance_rate__gte=0)
                & Q(performance_floor__gte=0)
                & Q(behaviour_rate__gte=0)
                & Q(behaviour_floor__gte=0),
                name="pay_scheme_amounts_not_negative",
            ),
            models.CheckConstraint(condition=Q(currency=CURRENCY), name="pay_scheme_currency_cny"),
        ]

    def __str__(self) -> str:
        return f"{self.grade} {self.year}"

    def clean(self) -> None:
        # The grade's base salary is the default; copied so that a later change of the grade leaves this year alone.
        if self.base_salary is None and self.grade_id:
            self.base_salary = self.grade.base_salary


def month_end(day: date) -> date:
    """The last day of the day's month."""
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])


class PayPeriod(models.Model):
    """A pay period: one calendar month (e.g. 2026-07), paid to every manager employed in it; draft → approved →
    exported."""

    class State(models.TextChoices):
        DRAFT = "draft", _("draft")
        APPROVED = "approved", _("approved")
        EXPORTED = "exported", _("exported")

    code = models.CharField(_("code"), max_length=20, unique=True, help_text=_("The month, for example 2026-07."))
    start = models.DateField(_("start"), help_text=_("The first day of the month."))
    end = models.DateField(_("end"), help_text=_("The last day of the month."))
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.DRAFT)
    approved_at = models.DateTimeField(_("approved at"), null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("approved by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    exported_at = models.DateTimeField(_("exported at"), null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("pay period")
        verbose_name_plural = _("pay periods")
        ordering = ["-start"]
        constraints = [
            models.CheckConstraint(condition=Q(end__gte=F("start")), name="pay_period_ordered"),
        ]

    def __str__(self) -> str:
        return self.code

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    @property
    def is_month(self) -> bool:
        return self.start.day == 1 and self.end == month_end(self.start)

    def clean(self) -> None:
        # Base salary and rates are per month, and a month is the unit every later catch-up and adjustment names.
        if self.start and self.end and not self.is_month:
            raise ValidationError(_("A pay period is one calendar month: from its first day to its last."))


class Departure(models.Model):
    """A manager's leaving (离职): the last day they are paid for. A month is paid up to it, prorated by days."""

    manager = models.OneToOneField(
        AccountManager, verbose_name=_("account manager"), on_delete=models.PROTECT, related_name="departure"
    )
    last_day = models.DateField(
        _("last day employed"),
        help_text=_("Pay runs to this day inclusive: the month of leaving is prorated by the days employed in it."),
    )
    note = models.TextField(_("note"), blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("recorded by"), on_delete=models.PROTECT, null=True, related_name="+"
    )
    recorded_at = models.DateTimeField(_("recorded at"), auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("departure (离职)")
        verbose_name_plural = _("departures")
        ordering = ["-last_day"]

    def __str__(self) -> str:
        return f"{self.manager} · {self.last_day}"


# The one change a locked statement may still undergo: approved → exported, stamped with the export time.
EXPORT_FIELDS = frozenset({"state", "exported_at"})


def _locked_delete_message(pk: object) -> str:
    return gettext("Pay statement %(pk)s is approved and locked; it cannot be deleted.") % {"pk": pk}


class PayStatementQuerySet(models.QuerySet):
    def locked(self) -> PayStatementQuerySet:
        return self.exclude(state=PayStatement.State.DRAFT)

    def delete(self) -> tuple[int, dict[str, int]]:
        # A bulk delete skips PayStatement.delete(): it is refused as a whole when it takes a locked statement.
        locked = self.locked().values_list("pk", flat=True).first()
        if locked is not None:
            raise ValidationError(_locked_delete_message(locked))
        return super().delete()


class PayStatement(models.Model):
    """A pay statement (工资单) of one manager for one period: every term, how it was computed; locked once approved."""

    class Kind(models.TextChoices):
        REGULAR = "regular", _("regular")
        ADJUSTMENT = "adjustment", _("adjustment")

    class State(models.TextChoices):
        DRAFT = "draft", _("draft")
        APPROVED = "approved", _("approved")
        EXPORTED = "exported", _("exported")

    period = models.ForeignKey(
        PayPeriod, verbose_name=_("pay period"), on_delete=models.PROTECT, related_name="statements"
    )
    manager = models.ForeignKey(
        AccountManager, verbose_name=_("account manager"), on_delete=models.PROTECT, related_name="pay_statements"
    )
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.REGULAR)
    adjusts = models.ForeignKey(
        "self",
        verbose_name=_("corrects"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="adjustments",
    )
    appraisal = models.ForeignKey(
        Appraisal,
        verbose_name=_("appraisal"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="pay_statements",
    )
    grade = models.ForeignKey(
        Grade,
        verbose_name=_("grade at the end of the period"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    grades_used = models.CharField(_("grades used"), max_length=200, blank=True)
    currency = models.CharField(_("currency"), max_length=3, choices=Currency.choices, default=Currency.CNY)
    base_salary = _money_field(_("base salary"))
    performance_pay = _money_field(_("performance pay"))
    behaviour_component = _money_field(_("behaviour component"))
    total = _money_field(_("total"))
    explanation = models.JSONField(_("explanation"), default=dict, blank=True)
    reason = models.TextField(_("reason for the correction"), blank=True)
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.DRAFT)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    computed_at = models.DateTimeField(_("computed at"), null=True, blank=True)
    approved_at = models.DateTimeField(_("approved at"), null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("approved by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    exported_at = models.DateTimeField(_("exported at"), null=True, blank=True)
    history = HistoricalRecords()

    objects = PayStatementQuerySet.as_manager()

    class Meta:
        verbose_name = _("pay statement")
        verbose_name_plural = _("pay statements")
        ordering = ["-period__start", "manager__employee_no", "pk"]
        permissions = [("view_all_pay_statements", _("Can view every manager's pay statements"))]
        constraints = [
            models.UniqueConstraint(
                fields=["manager", "period"],
                condition=Q(kind="regular"),
                name="one_regular_pay_statement_per_manager_period",
            ),
            models.CheckConstraint(
                condition=(Q(kind="regular") & Q(adjusts__isnull=True))
                | (Q(kind="adjustment") & Q(adjusts__isnull=False) & ~Q(reason="")),
                name="pay_statement_adjustment_has_target_and_reason",
                violation_error_message=_("An adjustment corrects one statement and gives a reason; a regular none."),
            ),
            models.CheckConstraint(
                condition=Q(state="draft") | Q(approved_at__isnull=False),
                name="pay_statement_approved_has_time",
            ),
            models.CheckConstraint(condition=Q(currency=CURRENCY), name="pay_statement_currency_cny"),
        ]
        indexes = [models.Index(fields=["period", "state"])]

    def __str__(self) -> str:
        label = _("adjustment") if self.kind == self.Kind.ADJUSTMENT else _("pay statement")
        return f"{label} {self.period} · {self.manager}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        self._refuse_locked_change()
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        stored_state = PayStatement.objects.filter(pk=self.pk).values_list("state", flat=True).first()
        if stored_state is not None and stored_state != self.State.DRAFT:
            raise ValidationError(_locked_delete_message(self.pk))
        return super().delete(*args, **kwargs)

    @property
    def is_locked(self) -> bool:
        return self.state != self.State.DRAFT

    def _refuse_locked_change(self) -> None:
        """Refuse saving a changed statement that is stored approved or exported; the one change allowed is the
        export (approved → exported, with its time). The database trigger of migration 0002 refuses the same
        change made by QuerySet.update() or raw SQL."""
        if self.pk is None:
            return
        stored = PayStatement.objects.filter(pk=self.pk).first()
        if stored is None or stored.state == self.State.DRAFT:
            return
        changed = {
            field.attname
            for field in PayStatement._meta.concrete_fields
            if getattr(stored, field.attname) != getattr(self, field.attname)
        }
        exporting = stored.state == self.State.APPROVED and self.state == self.State.EXPORTED
        if changed and not (exporting and changed <= EXPORT_FIELDS):
            raise ValidationError(
                gettext("Pay statement %(pk)s is %(state)s and locked; a correction is a new adjusting statement.")
                % {"pk": self.pk, "state": stored.get_state_display()}
            )


class Recognition(models.Model):
    """Recognition (精神激励): a commendation, honorary title or training opportunity awarded to a manager."""

    class Kind(models.TextChoices):
        COMMENDATION = "commendation", _("commendation")
        HONORARY_TITLE = "honorary_title", _("honorary title")
        TRAINING = "training", _("training opportunity")

    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    manager = models.ForeignKey(
        AccountManager, verbose_name=_("account manager"), on_delete=models.PROTECT, related_name="recognitions"
    )
    date = models.DateField(_("date awarded"))
    title = models.CharField(_("title"), max_length=200)
    reason = models.TextField(_("reason"))
    appraisal = models.ForeignKey(
        Appraisal,
        verbose_name=_("appraisal that earned it"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="recognitions",
    )
    awarded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("awarded by"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("recorded at"), auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("recognition")
        verbose_name_plural = _("recognitions")
        ordering = ["-date", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["manager", "kind", "title", "date"], name="one_recognition_per_award"),
        ]
        indexes = [models.Index(fields=["date"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.title} · {self.manager}"
