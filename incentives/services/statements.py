"""Pay statements once generated: approval (then locked), corrections as adjusting statements, the payroll export,
and recognition (精神激励)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from simple_history.utils import bulk_update_with_history

from appraisals.models import Appraisal
from incentives.explanation import PayAdjustment, TermAmounts
from incentives.exports import payroll_rows, render_csv, render_xlsx
from incentives.models import PayPeriod, PayStatement, Recognition
from incentives.money import CURRENCY, ZERO, money
from managers.models import AccountManager
from notifications.events import PAY_APPROVED
from notifications.services import Notice, notify_many

# --- approval, corrections --------------------------------------------------------------------------------------


@transaction.atomic
def pay_statement_approve(*, statement: PayStatement, by: AbstractBaseUser) -> PayStatement:
    """Approve a draft statement; from now on it is locked."""
    statement = PayStatement.objects.select_for_update().get(pk=statement.pk)
    if statement.state != PayStatement.State.DRAFT:
        raise ValidationError(
            _("Pay statement %(pk)s is already %(state)s.")
            % {"pk": statement.pk, "state": statement.get_state_display()}
        )
    statement.state = PayStatement.State.APPROVED
    statement.approved_at = timezone.now()
    statement.approved_by = by
    statement.full_clean()
    statement.save()
    _approved_notify([statement])
    return statement


def _approved_notify(statements: list[PayStatement]) -> None:
    """Tell each manager their statement is approved (no amount in the message: a robot posts to a group)."""
    users = dict(AccountManager.objects.filter(pk__in={s.manager_id for s in statements}).values_list("pk", "user_id"))
    periods = dict(PayPeriod.objects.filter(pk__in={s.period_id for s in statements}).values_list("pk", "code"))
    notices = [
        Notice(
            recipient_id=users[statement.manager_id],
            key=f"statement:{statement.pk}",
            params={
                "period": periods[statement.period_id],
                "link": reverse("incentives:statement", args=[statement.pk]),
            },
        )
        for statement in statements
    ]
    notify_many(event=PAY_APPROVED, notices=notices)


@transaction.atomic
def pay_period_approve(*, period: PayPeriod, by: AbstractBaseUser) -> int:
    """Approve every draft statement of a period and the period itself; returns how many statements were approved."""
    period = PayPeriod.objects.select_for_update().get(pk=period.pk)
    if period.state == PayPeriod.State.EXPORTED:
        raise ValidationError(_("Pay period %(period)s has been exported already.") % {"period": period})
    statements = list(PayStatement.objects.select_for_update().filter(period=period))
    if not statements:
        raise ValidationError(_("Pay period %(period)s has no statements to approve.") % {"period": period})
    now = timezone.now()
    drafts = [s for s in statements if s.state == PayStatement.State.DRAFT]
    for statement in drafts:
        statement.state = PayStatement.State.APPROVED
        statement.approved_at = now
        statement.approved_by = by
    if drafts:
        bulk_update_with_history(
            drafts, PayStatement, fields=["state", "approved_at", "approved_by"], default_change_reason="approved"
        )
        _approved_notify(drafts)
    if period.state != PayPeriod.State.APPROVED:
        period.state = PayPeriod.State.APPROVED
        period.approved_at = now
        period.approved_by = by
        period.save(update_fields=["state", "approved_at", "approved_by"])
    return len(drafts)


@transaction.atomic
def pay_adjustment_create(
    *,
    statement: PayStatement,
    by: AbstractBaseUser,
    reason: str,
    base_salary: Decimal = ZERO,
    performance_pay: Decimal = ZERO,
    behaviour_component: Decimal = ZERO,
    period: PayPeriod | None = None,
) -> PayStatement:
    """Correct an approved statement with a NEW adjusting statement carrying the differences (never an edit)."""
    statement = PayStatement.objects.select_related("period", "manager").get(pk=statement.pk)
    if statement.state == PayStatement.State.DRAFT:
        raise ValidationError(_("A draft statement is corrected by generating it again, not by an adjustment."))
    if not reason.strip():
        raise ValidationError({"reason": _("Give the reason for the correction.")})
    differences = {
        "base_salary": money(base_salary),
        "performance_pay": money(performance_pay),
        "behaviour_component": money(behaviour_component),
    }
    if not any(differences.values()):
        raise ValidationError(_("An adjustment must change at least one amount."))
    period = PayPeriod.objects.select_for_update().get(pk=(period or statement.period).pk)
    if period.state == PayPeriod.State.EXPORTED:
        raise ValidationError(
            _("Pay period %(period)s has been exported; put the correction in a later period.") % {"period": period}
        )
    if period.start < statement.period.start:
        raise ValidationError(_("A correction cannot be paid in a period before the statement it corrects."))
    total = money(sum(differences.values(), ZERO))
    explained = PayAdjustment(
        adjusts_id=statement.pk,
        adjusts_period=statement.period.code,
        adjusts_total=statement.total,
        differences=TermAmounts(**differences),
        corrected=TermAmounts(
            base_salary=statement.base_salary + differences["base_salary"],
            performance_pay=statement.performance_pay + differences["performance_pay"],
            behaviour_component=statement.behaviour_component + differences["behaviour_component"],
        ),
        corrected_total=statement.total + total,
        total=total,
        total_formula=" + ".join(str(v) for v in differences.values()) + f" = {total}",
    )
    adjustment = PayStatement(
        period=period,
        manager=statement.manager,
        kind=PayStatement.Kind.ADJUSTMENT,
        adjusts=statement,
        appraisal_id=statement.appraisal_id,
        grade_id=statement.grade_id,
        grades_used=statement.grades_used,
        currency=CURRENCY,
        total=total,
        reason=reason.strip(),
        created_by=by,
        computed_at=timezone.now(),
        explanation=explained.to_json(),
        **differences,
    )
    adjustment.full_clean()
    adjustment.save()
    return adjustment


# --- export -----------------------------------------------------------------------------------------------------


@transaction.atomic
def pay_period_export(*, period: PayPeriod, fmt: str = "csv") -> bytes:
    """The payroll file of an approved period (one row per statement, adjustments included, and a totals row).

    Marks the period and its statements exported; exporting again gives the same rows.
    """
    renderers = {"csv": render_csv, "xlsx": render_xlsx}
    if fmt not in renderers:
        raise ValidationError(_("Unknown export format %(fmt)s.") % {"fmt": fmt})
    period = PayPeriod.objects.select_for_update().get(pk=period.pk)
    if period.state == PayPeriod.State.DRAFT:
        raise ValidationError(_("Pay period %(period)s must be approved before it is exported.") % {"period": period})
    statements = list(
        PayStatement.objects.select_for_update(of=("self",))
        .filter(period=period)
        .select_related("manager__user", "manager__department", "grade")
        .order_by("manager__employee_no", "-kind", "pk")  # regular first, then its corrections
    )
    if any(s.state == PayStatement.State.DRAFT for s in statements):
        raise ValidationError(
            _("Pay period %(period)s has draft statements (corrections awaiting approval); approve them first.")
            % {"period": period}
        )
    content = renderers[fmt](payroll_rows(period=period, statements=statements))
    now = timezone.now()
    fresh = [s for s in statements if s.state == PayStatement.State.APPROVED]
    for statement in fresh:
        statement.state = PayStatement.State.EXPORTED
        statement.exported_at = now
    if fresh:
        bulk_update_with_history(fresh, PayStatement, fields=["state", "exported_at"], default_change_reason="exported")
    if period.state != PayPeriod.State.EXPORTED:
        period.state = PayPeriod.State.EXPORTED
        period.exported_at = now
        period.save(update_fields=["state", "exported_at"])
    return content


# --- recognition ------------------------------------------------------------------------------------------------


@transaction.atomic
def recognition_award(
    *,
    manager: AccountManager,
    kind: str,
    day: date,
    title: str,
    reason: str,
    by: AbstractBaseUser,
    appraisal: Appraisal | None = None,
) -> Recognition:
    """Award a commendation, honorary title or training opportunity (精神激励) to a manager."""
    if appraisal is not None and appraisal.manager_id != manager.pk:
        raise ValidationError({"appraisal": _("The appraisal must be one of this manager's.")})
    recognition = Recognition(
        manager=manager, kind=kind, date=day, title=title, reason=reason, appraisal=appraisal, awarded_by=by
    )
    recognition.full_clean()
    recognition.save()
    return recognition
