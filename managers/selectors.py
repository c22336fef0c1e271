"""Reads about managers: whom a user acts as, and a supervision line."""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import Q, QuerySet

from managers.models import AccountManager

# Supervisors hold strictly higher grades, so a line is at most as deep as there are grades (four): a fixed chain
# of joins finds everyone below a manager in one query, with no recursion.
MAX_LINE_DEPTH = 4


def manager_line(manager: AccountManager) -> QuerySet[AccountManager]:
    """The manager and everyone below them in their supervision line (one query when evaluated)."""
    condition = Q(pk=manager.pk)
    path = "supervisor"
    for _ in range(MAX_LINE_DEPTH):
        condition |= Q(**{path: manager.pk})
        path += "__supervisor"
    return AccountManager.objects.filter(condition)


def manager_for_user(user: AbstractBaseUser | AnonymousUser) -> AccountManager | None:
    """The account manager this user is, or None (HR, a department head, an assistant, anonymous)."""
    if not user.is_authenticated:
        return None
    return AccountManager.objects.filter(user=user).select_related("department").first()
