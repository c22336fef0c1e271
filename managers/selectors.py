"""Reads about managers: whom a user acts as, a supervision line, and which managers a user's permissions reach."""

from __future__ import annotations

from datetime import date

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db import connection
from django.db.models import OuterRef, Prefetch, Q, QuerySet, Subquery, prefetch_related_objects
from django.utils import timezone

from core.permissions import GRADES_SHARE_ONE_ROW, MATRIX, Action, Actor, Kind, Scope, actor_for, scope_for_role
from core.roles import Role, role_of
from managers.models import AccountManager, Assistant, Grade, GradeChange, Target
from managers.qualification import qualification_check

User = AbstractBaseUser | AnonymousUser

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


def manager_line_ids(manager: AccountManager) -> list[int]:
    """The ids of manager_line(manager), read down the supervisor index (one query, a few rows per level) instead
    of joining every manager to its supervisors four deep."""
    table = connection.ops.quote_name(AccountManager._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            WITH RECURSIVE line(id, depth) AS (
                SELECT CAST(%s AS BIGINT), 0
                UNION ALL
                SELECT m.id, line.depth + 1 FROM {table} m JOIN line ON m.supervisor_id = line.id
                WHERE line.depth < %s
            )
            SELECT id FROM line
            """,
            [manager.pk, MAX_LINE_DEPTH],
        )
        return [row[0] for row in cursor.fetchall()]


def manager_for_user(user: AbstractBaseUser | AnonymousUser) -> AccountManager | None:
    """The account manager this user is, or None (HR, a department head, an assistant, anonymous)."""
    if not user.is_authenticated:
        return None
    return AccountManager.objects.filter(user=user).select_related("department").first()


def managers_with_grade(queryset: QuerySet[AccountManager] | None = None, day: date | None = None):
    """Managers annotated with grade_id_on and grade_code_on (the grade in force on the day), in one query."""
    day = day or timezone.localdate()
    queryset = queryset if queryset is not None else AccountManager.objects.all()
    code = (
        GradeChange.objects.filter(manager=OuterRef("pk"), effective_date__lte=day)
        .order_by("-effective_date", "-pk")
        .values("to_grade__code")[:1]
    )
    return queryset.with_grade(day).annotate(grade_code_on=Subquery(code))


def grade_label(code: str | None) -> str:
    """The translated name of a grade code ("" for none), without a query."""
    return str(Grade.Code(code).label) if code else ""


def manager_profile(*, user: AbstractBaseUser, day: date | None = None) -> dict[str, object] | None:
    """Everything the "My profile" page shows, in a fixed number of queries; None if the user is not a manager."""
    day = day or timezone.localdate()
    history = GradeChange.objects.select_related(
        "from_grade", "to_grade__required_prior_grade", "approved_by"
    ).order_by("-effective_date", "-pk")
    manager = (
        AccountManager.objects.filter(user=user)
        .select_related("user", "department__head", "supervisor__user")
        .prefetch_related(Prefetch("grade_changes", queryset=history))
        .first()
    )
    if manager is None:
        return None
    changes = list(manager.grade_changes.all())
    in_force = [c for c in changes if c.effective_date <= day]
    grade = in_force[0].to_grade if in_force else None
    upcoming = [c for c in changes if c.effective_date > day]
    around = managers_with_grade(
        AccountManager.objects.filter(Q(supervisor=manager) | Q(pk=manager.supervisor_id)).select_related("user"),
        day,
    ).order_by("employee_no")
    supervisor = None
    subordinates = []
    for person in around:
        person.grade_label = grade_label(person.grade_code_on)
        if person.pk == manager.supervisor_id:
            supervisor = person
        else:
            subordinates.append(person)
    return {
        "manager": manager,
        "grade": grade,
        "history": changes,
        "upcoming": upcoming,
        "supervisor": supervisor,
        "subordinates": subordinates,
        "qualification_failures": qualification_check(person=manager, grade=grade, day=day),
        "trainings": list(manager.trainings.all()),
        "targets": list(manager.targets.select_related("parent__manager__user").order_by("-period_start", "horizon")),
    }


# --- whom a user acts as in the permission matrix, and the managers a scope covers ---------------------------------


def acting_manager(user: User) -> AccountManager | None:
    """manager_for_user, read once per user object into Django's own relation cache (a missing manager is cached
    too): one page asks several permission questions."""
    if not user.is_authenticated:
        return None
    prefetch_related_objects(
        [user], Prefetch("account_manager", queryset=AccountManager.objects.select_related("department"))
    )
    return getattr(user, "account_manager", None)


def actor_of(user: User) -> Actor | None:
    """The column of the matrix the user acts in; None for an anonymous user or one without a role."""
    role = role_of(user)
    if role != Role.ACCOUNT_MANAGER:
        return actor_for(role)
    manager = acting_manager(user)
    grade = manager.grade if manager else None
    return actor_for(role, grade.code if grade else None)


def scope_of(user: User, kind: Kind, action: Action) -> Scope:
    """The matrix cell for this user; anonymous users and users without a role get none."""
    if GRADES_SHARE_ONE_ROW and role_of(user) == Role.ACCOUNT_MANAGER:
        return scope_for_role(Role.ACCOUNT_MANAGER, kind, action)
    actor = actor_of(user)
    return Scope.NONE if actor is None else MATRIX[actor][kind][action]


def managers_in_scope(user: User, scope: Scope) -> QuerySet[AccountManager] | None:
    """The managers whose objects a scope covers for this user; None means every manager, empty means none."""
    if scope == Scope.ALL:
        return None
    if not user.is_authenticated:
        return AccountManager.objects.none()
    if scope == Scope.DEPARTMENT:
        return AccountManager.objects.filter(department__head=user)
    if scope in (Scope.LINE, Scope.OWN):
        manager = acting_manager(user)
        if manager is None:
            return AccountManager.objects.none()
        return manager_line(manager) if scope == Scope.LINE else AccountManager.objects.filter(pk=manager.pk)
    if scope == Scope.EMPLOYER:
        return AccountManager.objects.filter(assistants__user=user, assistants__active=True)
    return AccountManager.objects.none()


def manager_ids_in_scope(user: User, scope: Scope) -> list[int] | None:
    """The ids of managers_in_scope (None: all). A list of ids lets the database use its statistics for each of them,
    where a line subquery is one estimate for any line."""
    if scope == Scope.LINE and (manager := acting_manager(user)) is not None:
        return manager_line_ids(manager)
    managers = managers_in_scope(user, scope)
    return None if managers is None else list(managers.values_list("pk", flat=True))


def managers_visible_to(
    user: User, kind: Kind = Kind.CLIENT, action: Action = Action.VIEW
) -> QuerySet[AccountManager] | None:
    """The managers whose objects of this kind the user may act on; None means all (HR)."""
    return managers_in_scope(user, scope_of(user, kind, action))


def works_for(user: User, manager: AccountManager) -> bool:
    """The user is a key-account assistant with an active attachment to this manager."""
    return (
        role_of(user) == Role.ASSISTANT and Assistant.objects.filter(user=user, manager=manager, active=True).exists()
    )


def targets_visible_to(user: User, action: Action = Action.VIEW) -> QuerySet[Target]:
    """A manager's targets are the yardstick of their appraisal: whoever the matrix lets see a manager's appraisals
    sees their targets (HR all, a head their department, a manager their line)."""
    managers = managers_in_scope(user, scope_of(user, Kind.APPRAISAL, action))
    if managers is None:
        return Target.objects.all()
    return Target.objects.filter(manager__in=managers.values("pk"))
