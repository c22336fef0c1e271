"""Reads about pay and recognition: a manager's statements with their explanation, recognition, roll of honour."""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import QuerySet
from django.http import Http404

from core import permissions
from incentives.models import PayStatement, Recognition
from managers.models import AccountManager
from managers.selectors import grade_label

VIEW_ALL_PERMISSION = permissions.VIEW_ALL_PAY_PERMISSION


def pay_statements_visible_to_all(user: AbstractBaseUser) -> bool:
    """HR, or a user HR granted the permission, sees every pay statement; nobody else sees another's pay."""
    return permissions.sees_all_pay(user)


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


def pay_statement_for_user(*, user: AbstractBaseUser, pk: int) -> PayStatement:
    """The statement if the user may see it (its owner, HR, or a user granted the permission); else 404."""
    statement = _statements().filter(pk=pk).first()
    if statement is None:
        raise Http404
    if not permissions.can_view_pay_statement(user, statement):
        # Not "forbidden": whether a colleague's statement exists is itself not the user's business.
        raise Http404
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
