"""Reads about pay and recognition: who may see which pay statement (own pay only), a manager's statements with
their explanation, recognition, the roll of honour."""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import QuerySet

from core.permissions import Action, Kind, Scope
from incentives.models import PayStatement, Recognition
from managers.models import AccountManager
from managers.selectors import grade_label, scope_of

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


def _with_labels(statement: PayStatement) -> PayStatement:
    """Attach translated grade names to the explanation's parts (grade codes → labels, no query)."""
    explanation = statement.explanation or {}
    statement.grade_rows = [{**row, "label": grade_label(row.get("grade"))} for row in explanation.get("grades", [])]
    statement.term_rows = []
    for term, data in (explanation.get("terms") or {}).items():
        parts = [{**part, "label": grade_label(part.get("grade"))} for part in data.get("parts", [])]
        statement.term_rows.append(
            {"term": term, "amount": data.get("amount"), "formula": data.get("formula"), "parts": parts}
        )
    statement.grades_label = " → ".join(grade_label(code) for code in statement.grades_used.split(" → ") if code)
    return statement


def pay_statements_of_manager(*, manager: AccountManager) -> list[PayStatement]:
    """The manager's statements, newest period first, each with its explanation ready to show (one query)."""
    statements = _statements().filter(manager=manager).order_by("-period__start", "kind", "pk")
    return [_with_labels(s) for s in statements]


def pay_statement_for_user(*, user: User, pk: int) -> PayStatement | None:
    """The statement with its explanation ready to show if the user may see it (its owner, HR, or a user granted the
    permission); else None."""
    statement = _statements().filter(pk=pk).first()
    if not can_view_pay_statement(user, statement):
        return None
    return _with_labels(statement)


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
