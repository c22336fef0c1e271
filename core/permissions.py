"""Who may see and do what: the permission matrix of the product, in one place.

``MATRIX`` says, for each actor (HR, a department head, each grade of account manager, a key-account assistant and a
client answering a survey link), each kind of object and each action (list, view, create, change), the *scope* of
objects the actor may act on: all of them, their department's, their supervision line's, their own, those of the
manager they work for, the one behind their survey link, or none. The README's "Permissions" table is this matrix.

The functions below turn a scope into querysets (``clients_visible_to``, ``appraisals_visible_to``,
``pay_statements_visible_to`` ...) and object predicates (``can_view_client``, ``can_log_interaction`` ...). The
pages, forms, exports, the admin and the ``rules`` permissions registered in each app's ``rules.py`` all call these,
so that a rule is changed here once and holds on every path. A denied object is a 404 (never a 403): whether a
colleague's client, appraisal or pay statement exists is itself not the user's business.

The grade changes only the extent of a manager's line (a trainee supervises no one, so their line is themselves):
the scopes of the four grades are the same words, and the line is computed from the supervisor chain.
"""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from core.roles import Role, role_of

if TYPE_CHECKING:
    from appraisals.models import Appraisal, Rating
    from clients.models import Client
    from incentives.models import PayStatement
    from managers.models import AccountManager

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
    },
    # A client has no account: the survey link opens the one rating it was sent for, once.
    Actor.CLIENT: {kind: _row(N, N, N, N) for kind in Kind} | {Kind.RATING: _row(N, K, N, K)},
}

# Spot-checks are unannounced: a manager never sees a draw or a check, only, once the cycle is closed, its findings
# and score effect in their own appraisal's explanation.


def _manager_of(user: User) -> AccountManager | None:
    """The user's manager row, looked up once per request object (a page asks more than once)."""
    from managers.selectors import manager_for_user

    cached = getattr(user, "_permissions_manager_cache", False)
    if cached is False:
        cached = manager_for_user(user)
        if user.is_authenticated:
            user._permissions_manager_cache = cached
    return cached


def actor_of(user: User) -> Actor | None:
    """The column of the matrix the user acts in; None for an anonymous user or one without a role."""
    role = role_of(user)
    if role == Role.HR:
        return Actor.HR
    if role == Role.DEPARTMENT_HEAD:
        return Actor.DEPARTMENT_HEAD
    if role == Role.ASSISTANT:
        return Actor.ASSISTANT
    if role == Role.ACCOUNT_MANAGER:
        manager = _manager_of(user)
        grade = manager.grade if manager else None
        # A manager before their first grade change acts with the narrowest rights, a trainee's.
        return Actor(grade.code) if grade else Actor.TRAINEE
    return None


# The four grades share one row today, so a manager's cell needs no query for their grade; the day a grade gets rights
# of its own, scope_of looks the grade up.
_GRADES_SHARE_ONE_ROW = all(MATRIX[a] == MATRIX[Actor.SENIOR] for a in (Actor.FIRST, Actor.SECOND, Actor.TRAINEE))


def scope_of(user: User, kind: Kind, action: Action) -> Scope:
    """The matrix cell for this user; anonymous users and users without a role get none."""
    if _GRADES_SHARE_ONE_ROW and role_of(user) == Role.ACCOUNT_MANAGER:
        return MATRIX[Actor.SENIOR][kind][action]
    actor = actor_of(user)
    if actor is None:
        return Scope.NONE
    return MATRIX[actor][kind][action]


def is_hr(user: User) -> bool:
    return role_of(user) == Role.HR


# --- scopes as querysets of managers --------------------------------------------------------------------------------


def managers_in_scope(user: User, scope: Scope) -> QuerySet[AccountManager] | None:
    """The managers whose objects a scope covers for this user; None means every manager, empty means none."""
    from managers.models import AccountManager
    from managers.selectors import manager_line

    if scope == Scope.ALL:
        return None
    if scope == Scope.DEPARTMENT:
        return AccountManager.objects.filter(department__head=user) if user.is_authenticated else _none()
    if scope in (Scope.LINE, Scope.OWN):
        manager = _manager_of(user)
        if manager is None:
            return _none()
        return manager_line(manager) if scope == Scope.LINE else AccountManager.objects.filter(pk=manager.pk)
    if scope == Scope.EMPLOYER:
        if not user.is_authenticated:
            return _none()
        return AccountManager.objects.filter(assistants__user=user, assistants__active=True)
    return _none()


def _none() -> QuerySet[AccountManager]:
    from managers.models import AccountManager

    return AccountManager.objects.none()


def managers_visible_to(user: User, kind: Kind = Kind.CLIENT) -> QuerySet[AccountManager] | None:
    """The managers whose objects of this kind the user may view; None means all (HR)."""
    return managers_in_scope(user, scope_of(user, kind, Action.VIEW))


# --- clients, interactions, reports -------------------------------------------------------------------------------


def clients_visible_to(user: User) -> QuerySet[Client]:
    """The clients this user may list and view: those currently assigned to a manager in their scope (HR: all).

    Interactions, feedback and reports are seen on their client's page, so they follow the client: a reassigned
    client leaves the old manager's line with its whole history.
    """
    from clients.models import Client

    managers = _client_manager_ids(user)
    if managers is None:
        return Client.objects.all()
    # current_manager is the manager of the open assignment, kept by the database (clients migration 0005): the
    # filter is an index range per manager, where a subquery on the assignments joined 100,000 rows to the clients.
    return Client.objects.filter(current_manager_id__in=managers)


def _client_manager_ids(user: User) -> list[int] | None:
    """The ids of the managers whose clients the user may view (None: all). A list of ids lets the database use its
    statistics for each of them, where a line subquery is one estimate for any line."""
    from managers.selectors import manager_line_ids

    scope = scope_of(user, Kind.CLIENT, Action.VIEW)
    if scope == Scope.LINE and (manager := _manager_of(user)) is not None:
        # The same managers as managers_in_scope's manager_line (tested equal), read down the supervisor index.
        return manager_line_ids(manager)
    managers = managers_in_scope(user, scope)
    return None if managers is None else list(managers.values_list("pk", flat=True))


def can_view_client(user: User, client: Client | None) -> bool:
    if client is None:
        return False
    return clients_visible_to(user).filter(pk=client.pk).exists()


def _works_for(user: User, manager: AccountManager) -> bool:
    from managers.models import Assistant

    return (
        role_of(user) == Role.ASSISTANT and Assistant.objects.filter(user=user, manager=manager, active=True).exists()
    )


def may_log_interaction_for(user: User, current_manager: AccountManager | None) -> bool:
    """The client's current manager, or the assistant working for them, logs interactions and feedback."""
    if current_manager is None or not user.is_authenticated:
        return False
    return current_manager.user_id == user.pk or _works_for(user, current_manager)


def may_write_report_for(user: User, current_manager: AccountManager | None) -> bool:
    """Only the client's current manager writes reports: they answer for their truth (004 §八)."""
    return current_manager is not None and user.is_authenticated and current_manager.user_id == user.pk


def _current_manager(client: Client) -> AccountManager | None:
    assignment = client.assignments.filter(end__isnull=True).select_related("manager").first()
    return assignment.manager if assignment else None


def can_log_interaction(user: User, client: Client | None) -> bool:
    return client is not None and may_log_interaction_for(user, _current_manager(client))


def can_write_report(user: User, client: Client | None) -> bool:
    return client is not None and may_write_report_for(user, _current_manager(client))


# --- appraisals and ratings ---------------------------------------------------------------------------------------


def appraisals_visible_to(user: User) -> QuerySet[Appraisal]:
    """HR: every appraisal. Others: the final appraisals of closed cycles of the managers in their scope (their line,
    their department as its head); an appraisal in progress is not shown to anyone but HR."""
    from appraisals.models import Appraisal, AppraisalCycle

    scope = scope_of(user, Kind.APPRAISAL, Action.VIEW)
    if scope == Scope.ALL:
        return Appraisal.objects.all()
    managers = managers_in_scope(user, scope)
    final = Appraisal.objects.filter(finalised_at__isnull=False, cycle__state=AppraisalCycle.State.CLOSED)
    if managers is None:
        return final
    # A department head who is also someone's supervisor would see both: the union of the two scopes.
    condition = Q(manager__in=managers.values("pk"))
    me = _manager_of(user) if user.is_authenticated else None
    if scope == Scope.DEPARTMENT and me is not None:
        condition |= Q(manager__in=managers_in_scope(user, Scope.LINE).values("pk"))
    return final.filter(condition)


def can_view_appraisal(user: User, appraisal: Appraisal | None) -> bool:
    return appraisal is not None and appraisals_visible_to(user).filter(pk=appraisal.pk).exists()


def can_answer_appraisal(user: User, appraisal: Appraisal | None) -> bool:
    """Acknowledge or appeal: the appraised manager only (the services check the deadline)."""
    return appraisal is not None and user.is_authenticated and appraisal.manager.user_id == user.pk


def ratings_given_by(user: User) -> QuerySet[Rating]:
    """The ratings the user gives (self, department head, peer); client ratings go through survey links."""
    from appraisals.models import RaterType, Rating

    if not user.is_authenticated:
        return Rating.objects.none()
    return Rating.objects.filter(rater=user).exclude(rater_type=RaterType.CLIENT)


def ratings_visible_to(user: User) -> QuerySet[Rating]:
    """HR sees every rating and who gave it; everyone else only the ratings they give. A rated manager sees the
    ratings of their appraisal only as the anonymous figures of its explanation."""
    from appraisals.models import Rating

    if scope_of(user, Kind.RATING, Action.VIEW) == Scope.ALL:
        return Rating.objects.all()
    return ratings_given_by(user)


def can_rate(user: User, rating: Rating | None) -> bool:
    return rating is not None and ratings_given_by(user).filter(pk=rating.pk).exists()


# --- pay and recognition ------------------------------------------------------------------------------------------

VIEW_ALL_PAY_PERMISSION = "incentives.view_all_pay_statements"


def sees_all_pay(user: User) -> bool:
    """HR, or a user HR explicitly granted the permission (payroll), sees every pay statement."""
    if not user.is_authenticated:
        return False
    return scope_of(user, Kind.PAY_STATEMENT, Action.VIEW) == Scope.ALL or user.has_perm(VIEW_ALL_PAY_PERMISSION)


def pay_statements_visible_to(user: User) -> QuerySet[PayStatement]:
    """Own pay only: a supervisor or department head never sees a colleague's statement."""
    from incentives.models import PayStatement

    if sees_all_pay(user):
        return PayStatement.objects.all()
    if scope_of(user, Kind.PAY_STATEMENT, Action.VIEW) == Scope.OWN:
        return PayStatement.objects.filter(manager__user=user)
    return PayStatement.objects.none()


def can_view_pay_statement(user: User, statement: PayStatement | None) -> bool:
    if statement is None or not user.is_authenticated:
        return False
    # One's own statement (only a manager has one): no query needed to decide.
    return statement.manager.user_id == user.pk or sees_all_pay(user)


def can_view_recognition(user: User) -> bool:
    """Recognition is public inside the company (the roll of honour): every user with a role."""
    return scope_of(user, Kind.RECOGNITION, Action.VIEW) != Scope.NONE


# --- HR-only pages --------------------------------------------------------------------------------------------------


def can_see_all_results(user: User) -> bool:
    """The ranking of a cycle and its export: HR only."""
    return scope_of(user, Kind.APPRAISAL, Action.LIST) == Scope.ALL


def can_manage_spot_checks(user: User) -> bool:
    return scope_of(user, Kind.SPOT_CHECK, Action.VIEW) == Scope.ALL


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
