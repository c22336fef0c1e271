"""Pay schemes per grade and year, monthly pay periods, and departures (the last day a leaver is paid for)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from appraisals.models import AppraisalCycle
from incentives.models import Departure, PayPeriod, PayScheme, PerformanceBasis, WithoutAppraisal, month_end
from incentives.money import ZERO
from managers.models import AccountManager, Grade


@transaction.atomic
def pay_scheme_create(
    *,
    grade: Grade,
    year: int,
    performance_rate: Decimal,
    performance_cap: Decimal,
    behaviour_rate: Decimal,
    behaviour_cap: Decimal,
    base_salary: Decimal | None = None,
    performance_floor: Decimal = ZERO,
    behaviour_floor: Decimal = ZERO,
    performance_basis: str = PerformanceBasis.LAST_CLOSED,
    without_appraisal: str = WithoutAppraisal.CATCH_UP,
) -> PayScheme:
    """Create the pay scheme of a grade for a year; the base salary defaults to the grade's."""
    scheme = PayScheme(
        grade=grade,
        year=year,
        base_salary=base_salary,
        performance_rate=performance_rate,
        performance_floor=performance_floor,
        performance_cap=performance_cap,
        behaviour_rate=behaviour_rate,
        behaviour_floor=behaviour_floor,
        behaviour_cap=behaviour_cap,
        performance_basis=performance_basis,
        without_appraisal=without_appraisal,
    )
    scheme.full_clean()
    scheme.save()
    return scheme


def month_code(day: date) -> str:
    """The code of the pay period of the day's month, e.g. 2026-07."""
    return f"{day:%Y-%m}"


@transaction.atomic
def pay_period_create(*, start: date, end: date | None = None, code: str = "") -> PayPeriod:
    """Create the draft pay period of one calendar month (code and end follow from the start when not given)."""
    period = PayPeriod(code=code or month_code(start), start=start, end=end or month_end(start))
    period.full_clean()
    period.save()
    return period


@transaction.atomic
def pay_period_for_month(*, day: date) -> PayPeriod:
    """The pay period of the day's month, created as a draft when there is none yet."""
    start = day.replace(day=1)
    period = PayPeriod.objects.filter(start=start, end=month_end(start)).first()
    if period is None:
        if PayPeriod.objects.filter(code=month_code(start)).exists():
            raise ValidationError(
                _("A pay period coded %(code)s exists but is not the month %(code)s; correct it in the admin.")
                % {"code": month_code(start)}
            )
        period = pay_period_create(start=start)
    return period


def cycle_pay_month(*, cycle: AppraisalCycle) -> date:
    """The month whose pay a closed cycle's page offers to generate: the month it closed in, the first whose
    statements are generated after the close and so carry its scores (or, paid in arrears, its catch-up lines)."""
    if not cycle.is_closed:
        raise ValidationError(
            _("The cycle %(cycle)s is not closed: the pay that carries its scores is generated once it closes."),
            code="cycle_not_closed",
            params={"cycle": str(cycle)},
        )
    # A closed cycle written without its closing time (imported history) is paid from the month its period ends.
    closed = timezone.localtime(cycle.closed_at).date() if cycle.closed_at else cycle.period_end
    return closed.replace(day=1)


@transaction.atomic
def departure_record(
    *, manager: AccountManager, last_day: date, by: AbstractBaseUser | None = None, note: str = ""
) -> Departure:
    """Record the last day a leaving manager is employed (and paid for)."""
    if last_day < manager.hire_date:
        raise ValidationError({"last_day": _("The last day cannot be before the hire date.")})
    departure = Departure(manager=manager, last_day=last_day, recorded_by=by, note=note)
    departure.full_clean()
    departure.save()
    return departure
