"""Reads about managers: whom a user acts as, and a supervision line."""

from __future__ import annotations

from datetime import date

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db import connection
from django.db.models import OuterRef, Prefetch, Q, QuerySet, Subquery
from django.utils import timezone

from managers.models import AccountManager, Grade, GradeChange
from managers.qualification import qualification_check

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
