"""The navigation bar as data: each link, and the cell of the permission matrix that lets a user open it.

A link shows only to the users whose matrix cell lets them use the page, so no one is offered a page that answers
403 or 404. Each predicate reads only the role, resolved once for the request and passed in, never the database.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from core.permissions import Action, Kind, Scope, scope_for_role
from core.roles import Role


@dataclass(frozen=True)
class NavItem:
    url_name: str
    label: str | Promise
    shows_to: Callable[[Role | None], bool]
    staff_only: bool = False


@dataclass(frozen=True)
class NavLink:
    """One link of the bar for this request."""

    url: str
    label: str
    current: bool


def _scope_is(kind: Kind, action: Action, *scopes: Scope) -> Callable[[Role | None], bool]:
    return lambda role: scope_for_role(role, kind, action) in scopes


def _is_manager(role: Role | None) -> bool:
    # The pages of one's own file (profile, appraisals, pay, recognition) exist for account managers only: the matrix
    # gives them, and only them, their own pay statements.
    return scope_for_role(role, Kind.PAY_STATEMENT, Action.LIST) == Scope.OWN


NAV_ITEMS: tuple[NavItem, ...] = (
    NavItem("home", _("Home"), lambda role: role is not None),
    NavItem(
        "clients:list",
        _("My clients"),
        _scope_is(Kind.CLIENT, Action.LIST, Scope.LINE, Scope.DEPARTMENT, Scope.EMPLOYER, Scope.OWN),
    ),
    NavItem("clients:list", _("Clients"), _scope_is(Kind.CLIENT, Action.LIST, Scope.ALL)),
    NavItem("managers:profile", _("My profile"), _is_manager),
    NavItem("appraisals:mine", _("My appraisals"), _is_manager),
    NavItem("incentives:my_pay", _("My pay"), _is_manager),
    NavItem("incentives:my_recognition", _("My recognition"), _is_manager),
    NavItem("appraisals:pending_ratings", _("Pending ratings"), _scope_is(Kind.RATING, Action.LIST, Scope.OWN)),
    # A manager's line may be themselves alone (a trainee's always is), and only a query can tell: their home page,
    # which counts their subordinates anyway, links to the line's results. A department is always there to show.
    NavItem(
        "appraisals:line_results",
        _("The department's results"),
        _scope_is(Kind.APPRAISAL, Action.LIST, Scope.DEPARTMENT),
    ),
    NavItem("cycles:list", _("Appraisal cycles"), _scope_is(Kind.CYCLE, Action.LIST, Scope.ALL)),
    NavItem("appraisals:cycle_results", _("Cycle results"), _scope_is(Kind.APPRAISAL, Action.LIST, Scope.ALL)),
    NavItem(
        "incentives:roll_of_honour",
        _("Roll of honour"),
        lambda role: scope_for_role(role, Kind.RECOGNITION, Action.LIST) != Scope.NONE,
    ),
    NavItem("admin:index", _("Administration"), lambda role: role == Role.HR, staff_only=True),
)


def nav_links(role: Role | None, path: str, *, is_staff: bool = False) -> list[NavLink]:
    """The links a user of this role may follow, in the bar's order; the one of the current page is marked."""
    if role is None:
        return []
    links = []
    for item in NAV_ITEMS:
        if not item.shows_to(role) or (item.staff_only and not is_staff):
            continue
        url = reverse(item.url_name)
        # The home link is current on the home page only; the others on every page below theirs.
        current = path == url if item.url_name == "home" else path.startswith(url)
        links.append(NavLink(url=url, label=str(item.label), current=current))
    return links
