"""Reads about pay and recognition: who may see which pay statement (own pay only), a manager's statements with
their explanation, recognition, the roll of honour."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import QuerySet

from core.permissions import Action, Kind, Scope
from incentives.explanation import GradeHeld, PayExplanation, RegularPay, pay_explanation_from_json
from incentives.models import PayPeriod, PayStatement, Recognition
from managers.models import AccountManager
from managers.selectors import scope_of

User = AbstractBaseUser | AnonymousUser

# Granted by HR to payroll, who see every statement without being HR.
VIEW_ALL_PERMISSION = "incentives.view_all_pay_statements"


# --- permissions: pay statements -----------------------------------------------------------------------------------


def sees_all_pay(user: User) -> bool:
    """HR, or a user HR explicitly granted the permission, sees every pay statement."""
    if not user.is_authenticated:
        return False
    return scope_of(user, Kind.PAY_STATEMENT, Action.VIEW) == Scope.ALL or user.has_perm(VIEW_ALL_PERMISSION)


def pay_statements_visible_to(user: User, action: Action = Action.VIEW) -> QuerySet[PayStatement]:
    """Own pay only: a supervisor or department head never sees a colleague's statement."""
    scope = scope_of(user, Kind.PAY_STATEMENT, action)
    if scope == Scope.ALL or (action in (Action.LIST, Action.VIEW) and sees_all_pay(user)):
        return PayStatement.objects.all()
    if scope == Scope.OWN:
        return PayStatement.objects.filter(manager__user=user)
    return PayStatement.objects.none()


def pay_statements_for_payroll(user: User) -> QuerySet[PayStatement]:
    """What a payroll system reads: HR every statement; a user granted the payroll permission every approved or
    exported one (a draft is not pay yet); anyone else their own."""
    if scope_of(user, Kind.PAY_STATEMENT, Action.LIST) == Scope.ALL:
        return PayStatement.objects.all()
    if sees_all_pay(user):
        return PayStatement.objects.exclude(state=PayStatement.State.DRAFT)
    return pay_statements_visible_to(user, Action.LIST)


def can_view_pay_statement(user: User, statement: PayStatement | None) -> bool:
    if statement is None or not user.is_authenticated:
        return False
    # One's own statement (only a manager has one): no query needed to decide.
    return statement.manager.user_id == user.pk or sees_all_pay(user)


# --- statements, recognition --------------------------------------------------------------------------------------


def _statements() -> QuerySet[PayStatement]:
    return PayStatement.objects.select_related("period", "grade", "manager__user", "adjusts__period")


@dataclass(frozen=True)
class PayStatementRow:
    """A statement as pages, reports and exports show it: the model row and its explanation read typed."""

    statement: PayStatement
    explanation: PayExplanation
    grades: tuple[GradeHeld, ...]  # held during the period; an adjustment's are those of the statement it corrects

    @property
    def grades_label(self) -> str:
        if not self.grades:
            return str(self.statement.grade)  # no explanation stored: the grade it ends the period in
        return " → ".join(held.label for held in self.grades)


def pay_statement_row(statement: PayStatement) -> PayStatementRow:
    """The statement with its explanation read typed (no query when loaded by _statements())."""
    explanation = pay_explanation_from_json(statement.explanation, kind=statement.kind)
    grades: tuple[GradeHeld, ...] = ()
    if isinstance(explanation, RegularPay):
        grades = explanation.grades
    elif statement.adjusts is not None:
        corrected = pay_explanation_from_json(statement.adjusts.explanation, kind=statement.adjusts.kind)
        grades = corrected.grades if isinstance(corrected, RegularPay) else ()
    return PayStatementRow(statement=statement, explanation=explanation, grades=grades)


def pay_statements_of_manager(*, manager: AccountManager) -> list[PayStatementRow]:
    """The manager's statements, newest period first, each with its explanation read typed (one query)."""
    statements = _statements().filter(manager=manager).order_by("-period__start", "kind", "pk")
    return [pay_statement_row(s) for s in statements]


def pay_statement_for_user(*, user: User, pk: int) -> PayStatement | None:
    """The statement with its explanation ready to show if the user may see it (its owner, HR, or a user granted the
    permission); else None."""
    statement = _statements().filter(pk=pk).first()
    if not can_view_pay_statement(user, statement):
        return None
    return statement


def recognitions_of_manager(*, manager: AccountManager) -> QuerySet[Recognition]:
    """The manager's recognition, newest first (also for the manager's profile page)."""
    return Recognition.objects.filter(manager=manager).select_related("appraisal__cycle").order_by("-date", "pk")


def roll_of_honour(*, year: int) -> dict[str, list[Recognition]]:
    """The recognition of a year grouped by kind, in the order of Recognition.Kind (one query)."""
    recognitions = (
        Recognition.objects.filter(date__year=year)
        .select_related("manager__user", "manager__department")
        .order_by("date", "pk")
    )
    groups: dict[str, list[Recognition]] = {kind: [] for kind in Recognition.Kind.values}
    for recognition in recognitions:
        groups[recognition.kind].append(recognition)
    return groups


# --- pay periods ---------------------------------------------------------------------------------------------------


def pay_period_of_month(*, day: date) -> PayPeriod | None:
    """The pay period of the day's month, if HR or the payroll run created it (one query)."""
    return PayPeriod.objects.filter(start=day.replace(day=1)).order_by("pk").first()
