"""Who may see and do what, as data: for each actor, kind of object and action, the scope of objects allowed.

The README's "Permissions" table is ``MATRIX``. ``managers.selectors.scope_of`` turns a user into their cell; each
app's ``selectors.py`` has one entry point per kind (``clients_visible_to`` ...). A denied object is a 404, never a
403: whether a colleague's client, appraisal or pay statement exists is not the user's business.
"""

from __future__ import annotations

from enum import StrEnum

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.utils.translation import gettext_lazy as _

from core.roles import Role, role_of

User = AbstractBaseUser | AnonymousUser


class Actor(StrEnum):
    """Who acts: the role, and for an account manager the grade (the columns of the matrix)."""

    HR = "hr"
    DEPARTMENT_HEAD = "department_head"
    SENIOR = "senior"
    FIRST = "first"
    SECOND = "second"
    TRAINEE = "trainee"
    ASSISTANT = "assistant"
    CLIENT = "client"


class Kind(StrEnum):
    """The kinds of object the matrix rules over."""

    CLIENT = "client"
    INTERACTION = "interaction"
    REPORT = "report"
    APPRAISAL = "appraisal"
    RATING = "rating"
    PAY_STATEMENT = "pay_statement"
    RECOGNITION = "recognition"
    SPOT_CHECK = "spot_check"
    CYCLE = "cycle"  # an appraisal cycle as HR runs it: open, remind, close, pay


class Action(StrEnum):
    LIST = "list"
    VIEW = "view"
    CREATE = "create"
    CHANGE = "change"


class Scope(StrEnum):
    """Which objects of a kind an actor may act on."""

    ALL = "all"  # every object (HR; through the admin for create and change)
    DEPARTMENT = "department"  # those of the managers of the departments the user heads
    LINE = "line"  # those of the manager and everyone below them in the supervision line
    OWN = "own"  # the user's own: their pay, their appraisal, the ratings they give, the clients they serve now
    EMPLOYER = "employer"  # those of the manager an assistant works for (while the attachment is active)
    LINK = "link"  # the one rating behind a valid, unused, unexpired survey link
    NONE = "none"


SCOPE_LABELS = {
    Scope.ALL: _("all"),
    Scope.DEPARTMENT: _("own department"),
    Scope.LINE: _("own supervision line"),
    Scope.OWN: _("own"),
    Scope.EMPLOYER: _("the manager they work for"),
    Scope.LINK: _("through the survey link"),
    Scope.NONE: "—",
}

A, D, L, OWN, E, K, N = Scope.ALL, Scope.DEPARTMENT, Scope.LINE, Scope.OWN, Scope.EMPLOYER, Scope.LINK, Scope.NONE


def _row(list_: Scope, view: Scope, create: Scope, change: Scope) -> dict[Action, Scope]:
    return {Action.LIST: list_, Action.VIEW: view, Action.CREATE: create, Action.CHANGE: change}


# The four grades share one row: what differs is how far the line reaches. "own" for a manager's interactions and
# reports means the clients they currently serve; for appraisals, "change" is acknowledging or appealing their own.
_MANAGER = {
    Kind.CLIENT: _row(L, L, N, N),
    Kind.INTERACTION: _row(L, L, OWN, N),
    Kind.REPORT: _row(L, L, OWN, N),
    Kind.APPRAISAL: _row(L, L, N, OWN),
    Kind.RATING: _row(OWN, OWN, N, OWN),
    Kind.PAY_STATEMENT: _row(OWN, OWN, N, N),
    Kind.RECOGNITION: _row(A, A, N, N),
    Kind.SPOT_CHECK: _row(N, N, N, N),
    Kind.CYCLE: _row(N, N, N, N),
}

MATRIX: dict[Actor, dict[Kind, dict[Action, Scope]]] = {
    # HR creates and changes through the admin; a finalised appraisal or an approved pay statement stays frozen
    # whoever asks (the services refuse it).
    Actor.HR: {kind: _row(A, A, A, A) for kind in Kind},
    Actor.DEPARTMENT_HEAD: {
        Kind.CLIENT: _row(D, D, N, N),
        Kind.INTERACTION: _row(D, D, N, N),
        Kind.REPORT: _row(D, D, N, N),
        Kind.APPRAISAL: _row(D, D, N, N),
        Kind.RATING: _row(OWN, OWN, N, OWN),
        Kind.PAY_STATEMENT: _row(N, N, N, N),
        Kind.RECOGNITION: _row(A, A, N, N),
        Kind.SPOT_CHECK: _row(N, N, N, N),
        Kind.CYCLE: _row(N, N, N, N),
    },
    Actor.SENIOR: _MANAGER,
    Actor.FIRST: _MANAGER,
    Actor.SECOND: _MANAGER,
    Actor.TRAINEE: _MANAGER,
    Actor.ASSISTANT: {
        Kind.CLIENT: _row(E, E, N, N),
        Kind.INTERACTION: _row(E, E, E, N),
        Kind.REPORT: _row(E, E, N, N),
        Kind.APPRAISAL: _row(N, N, N, N),
        Kind.RATING: _row(N, N, N, N),
        Kind.PAY_STATEMENT: _row(N, N, N, N),
        Kind.RECOGNITION: _row(A, A, N, N),
        Kind.SPOT_CHECK: _row(N, N, N, N),
        Kind.CYCLE: _row(N, N, N, N),
    },
    # A client has no account: the survey link opens the one rating it was sent for, once.
    Actor.CLIENT: {kind: _row(N, N, N, N) for kind in Kind} | {Kind.RATING: _row(N, K, N, K)},
}

# Spot-checks are unannounced: a manager never sees a draw or a check, only, once the cycle is closed, its findings
# and score effect in their own appraisal's explanation.

_ROLE_ACTORS = {Role.HR: Actor.HR, Role.DEPARTMENT_HEAD: Actor.DEPARTMENT_HEAD, Role.ASSISTANT: Actor.ASSISTANT}


def actor_for(role: Role | None, grade_code: str | None = None) -> Actor | None:
    """The column of the matrix for a role, and for an account manager their grade; None without a role."""
    if role == Role.ACCOUNT_MANAGER:
        # A manager before their first grade change acts with the narrowest rights, a trainee's.
        return Actor(grade_code) if grade_code else Actor.TRAINEE
    return _ROLE_ACTORS.get(role) if role else None


# The four grades share one row today, so a manager's cell needs no query for their grade; the day a grade gets rights
# of its own, the grade is looked up.
GRADES_SHARE_ONE_ROW = all(MATRIX[a] == MATRIX[Actor.SENIOR] for a in (Actor.FIRST, Actor.SECOND, Actor.TRAINEE))


def scope_for_role(role: Role | None, kind: Kind, action: Action) -> Scope:
    """The cell known from the role alone: an account manager's grades share one row, so no grade is looked up."""
    actor = Actor.SENIOR if role == Role.ACCOUNT_MANAGER and GRADES_SHARE_ONE_ROW else actor_for(role)
    return Scope.NONE if actor is None else MATRIX[actor][kind][action]


def is_hr(user: User) -> bool:
    return role_of(user) == Role.HR


# --- the README table -----------------------------------------------------------------------------------------------


def matrix_markdown() -> str:
    """The matrix as the README's Markdown table (a test checks the README carries exactly this)."""
    header = "| object | action | " + " | ".join(actor.value for actor in Actor) + " |"
    lines = [header, "| --- | --- | " + " | ".join("---" for _ in Actor) + " |"]
    for kind in Kind:
        for action in Action:
            cells = " | ".join(MATRIX[actor][kind][action].value for actor in Actor)
            lines.append(f"| {kind.value} | {action.value} | {cells} |")
    return "\n".join(lines)
