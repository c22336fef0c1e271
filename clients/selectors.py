"""Reads about clients: who may see and do what on clients and the work done for them (the one place that decides
it), the list and the client page."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db import connection
from django.db.models import DecimalField, OuterRef, Q, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from clients.filtersets import ClientFilterSet
from clients.models import (
    Assignment,
    BusinessCreditPolicy,
    BusinessRecord,
    Client,
    Contact,
    Feedback,
    FeedRun,
    Interaction,
    Report,
    TieringPolicy,
    WorkLogPolicy,
)
from core.permissions import Action, Kind, Scope
from core.roles import Role, role_of
from managers.models import AccountManager
from managers.selectors import acting_manager, manager_ids_in_scope, scope_of, works_for

User = AbstractBaseUser | AnonymousUser

# What the client page shows of each history; older rows stay in the admin.
LATEST_INTERACTIONS = 20
LATEST_FEEDBACK = 20
LATEST_REPORTS = 20
BUSINESS_MONTHS = 24


# --- permissions: clients, interactions, reports -------------------------------------------------------------------
# Interactions, feedback and reports are seen on their client's page, so they follow the client: a reassigned client
# leaves the old manager's line with its whole history.


def _current_manager_ids(user: User, kind: Kind, action: Action) -> list[int] | None:
    """The managers whose current clients the user's cell covers (None: all)."""
    return manager_ids_in_scope(user, scope_of(user, kind, action))


def clients_visible_to(user: User, action: Action = Action.VIEW) -> QuerySet[Client]:
    """The clients this user may act on: those currently assigned to a manager in their scope (HR: all)."""
    managers = _current_manager_ids(user, Kind.CLIENT, action)
    if managers is None:
        return Client.objects.all()
    # current_manager is the manager of the open assignment, kept by the database: the filter is an index range per
    # manager, where a subquery on the assignments would join every assignment to the clients.
    return Client.objects.filter(current_manager_id__in=managers)


def interactions_visible_to(user: User, action: Action = Action.VIEW) -> QuerySet[Interaction]:
    """The interactions of the clients in the user's scope (for create: the clients they log work for)."""
    managers = _current_manager_ids(user, Kind.INTERACTION, action)
    if managers is None:
        return Interaction.objects.all()
    return Interaction.objects.filter(client__current_manager_id__in=managers)


def feed_runs_visible_to(user: User) -> QuerySet[FeedRun]:
    """Feed runs: every one for whoever may read them (HR), otherwise the user's own."""
    runs = FeedRun.objects.select_related("started_by")
    if not user.is_authenticated:
        return runs.none()
    return runs if user.has_perm("clients.view_feedrun") else runs.filter(started_by_id=user.pk)


def reports_visible_to(user: User, action: Action = Action.VIEW) -> QuerySet[Report]:
    """The reports on the clients in the user's scope (for create: the clients they serve now)."""
    managers = _current_manager_ids(user, Kind.REPORT, action)
    if managers is None:
        return Report.objects.all()
    return Report.objects.filter(client__current_manager_id__in=managers)


def can_view_client(user: User, client: Client | None) -> bool:
    return client is not None and clients_visible_to(user).filter(pk=client.pk).exists()


# The pages offer writing to the client's current manager and their assistant only; HR writes in the admin.


def may_log_interaction_for(user: User, current_manager: AccountManager | None) -> bool:
    """The client's current manager, or the assistant working for them, logs interactions and feedback."""
    if current_manager is None or not user.is_authenticated:
        return False
    scope = scope_of(user, Kind.INTERACTION, Action.CREATE)
    if scope == Scope.OWN:
        return current_manager.user_id == user.pk
    return scope == Scope.EMPLOYER and works_for(user, current_manager)


def may_write_report_for(user: User, current_manager: AccountManager | None) -> bool:
    """Only the client's current manager writes reports: they answer for their truth."""
    if current_manager is None or not user.is_authenticated:
        return False
    return scope_of(user, Kind.REPORT, Action.CREATE) == Scope.OWN and current_manager.user_id == user.pk


def can_log_interaction(user: User, client: Client | None) -> bool:
    return client is not None and may_log_interaction_for(user, client_manager_on(client=client))


def can_write_report(user: User, client: Client | None) -> bool:
    return client is not None and may_write_report_for(user, client_manager_on(client=client))


# --- the list and the client page ----------------------------------------------------------------------------------


def _year_bounds(today: dt.date) -> tuple[dt.date, dt.date]:
    return dt.date(today.year, 1, 1), dt.date(today.year + 1, 1, 1)


def clients_annotated(queryset: QuerySet[Client], *, today: dt.date | None = None) -> QuerySet[Client]:
    """Add last_interaction and volume_this_year, each a correlated subquery (no query per row), and the current
    manager with their user (whose name is written in the reader's order, which SQL cannot do)."""
    today = today or timezone.localdate()
    year_start, next_year = _year_bounds(today)
    last_interaction = Interaction.objects.counting().filter(client=OuterRef("pk")).order_by("-date").values("date")[:1]
    volume = (
        BusinessRecord.objects.filter(client=OuterRef("pk"), month__gte=year_start, month__lt=next_year)
        .order_by()
        .values("client")
        .annotate(total=Sum("volume"))
        .values("total")
    )
    money = DecimalField(max_digits=20, decimal_places=2)
    return queryset.select_related("current_manager__user").annotate(
        last_interaction=Subquery(last_interaction),
        volume_this_year=Coalesce(Subquery(volume, output_field=money), Value(Decimal("0")), output_field=money),
    )


# Above this many managers in a user's scope (HR's whole company), the manager filter takes an employee number.
MANAGERS_LISTED_MAX = 200


def client_filters(*, user: User, filters: Mapping[str, Any] | None = None) -> ClientFilterSet:
    """The "My clients" filter set over the clients the user may see, annotated for the list page. Its manager
    filter offers only the managers in the user's scope (none when that is the user alone), and "only mine" is
    offered to a manager; the industries offered are those of the user's clients."""
    scope_ids = _current_manager_ids(user, Kind.CLIENT, Action.VIEW)
    visible = Client.objects.all() if scope_ids is None else Client.objects.filter(current_manager_id__in=scope_ids)
    managers = None
    if scope_ids is None or len(scope_ids) > 1:
        managers = AccountManager.objects.select_related("user").order_by("employee_no")
        managers = managers if scope_ids is None else managers.filter(pk__in=scope_ids)
    own = acting_manager(user) if role_of(user) == Role.ACCOUNT_MANAGER else None
    return ClientFilterSet(
        filters or {},
        queryset=clients_annotated(visible),
        # Every client's industries by the index (a probe per industry), not by reading every client.
        industries=client_industries
        if scope_ids is None
        else visible.order_by("industry").values_list("industry", flat=True).distinct(),
        managers=managers,
        manager_by_number=scope_ids is None or len(scope_ids) > MANAGERS_LISTED_MAX,
        # "Only mine" means something to a manager whose list holds other managers' clients too.
        own_manager=own if managers is not None and scope_ids is not None and own and own.pk in scope_ids else None,
    )


def client_list_of(filterset: ClientFilterSet) -> QuerySet[Client]:
    """The filter set's clients in a stable order; none when the manager asked for is not one the user may see."""
    if "manager" in filterset.form.errors:
        return filterset.queryset.none()
    filtered = filterset.qs
    # The primary key breaks ties, so that a page never repeats or skips a row of the one before.
    return filtered.order_by(*(filtered.query.order_by or ("name",)), "pk")


def client_list(*, user: User, filters: Mapping[str, Any] | None = None) -> QuerySet[Client]:
    """The clients the user may see, filtered (ClientFilterSet) and annotated for the list page."""
    return client_list_of(client_filters(user=user, filters=filters))


def client_detail_for_user(user: User, pk: int) -> Client | None:
    """The client if this user may see it, else None (the view answers 404, so its existence is not disclosed)."""
    return clients_visible_to(user).filter(pk=pk).first()


def client_assignment_on(*, client: Client, day: dt.date | None = None) -> Assignment | None:
    """The client's assignment in force on the day (dates inclusive; on a same-day correction the later start, then
    the later row, wins), with its manager and user; without a day, the open one, which Client.current_manager names
    (clients.db_triggers). None when nobody serves the client."""
    in_force = Q(end__isnull=True) if day is None else Q(start__lte=day) & (Q(end__isnull=True) | Q(end__gte=day))
    return (
        Assignment.objects.filter(in_force, client=client)
        .select_related("manager__user")
        .order_by("-start", "-pk")
        .first()
    )


def client_manager_on(*, client: Client, day: dt.date | None = None) -> AccountManager | None:
    """The client's account manager on the day (without a day: now), or None."""
    assignment = client_assignment_on(client=client, day=day)
    return assignment.manager if assignment else None


@dataclass
class BusinessMonth:
    month: dt.date
    volume: Decimal
    products_used: int | None


@dataclass
class ClientPage:
    """Everything the client page shows, loaded with one query per section."""

    client: Client
    contacts: list[Contact]
    assignments: list[Assignment]
    interactions: list[Interaction]
    business: list[BusinessMonth]
    feedback: list[Feedback]
    reports: list[Report]
    current_manager: AccountManager | None = field(default=None)

    @property
    def chart_data(self) -> dict[str, list]:
        """The business chart's figures, for json_script (volumes as strings keep the decimals exact)."""
        return {
            "labels": [f"{row.month:%Y-%m}" for row in self.business],
            "volumes": [str(row.volume) for row in self.business],
        }


def _month_add(month: dt.date, months: int) -> dt.date:
    index = month.year * 12 + month.month - 1 + months
    return dt.date(index // 12, index % 12 + 1, 1)


def client_page(*, client: Client, today: dt.date | None = None) -> ClientPage:
    """The sections of the client page: six queries, whatever the number of rows."""
    today = today or timezone.localdate()
    this_month = today.replace(day=1)
    first_month = _month_add(this_month, -(BUSINESS_MONTHS - 1))
    assignments = list(client.assignments.select_related("manager__user", "created_by").order_by("-start", "-pk"))
    records = {
        record.month: record
        for record in BusinessRecord.objects.filter(client=client, month__gte=first_month, month__lte=this_month)
    }
    # Every month of the window appears, a month without a record as zero, so the chart's bars are evenly spaced.
    business = []
    for offset in range(BUSINESS_MONTHS):
        month = _month_add(first_month, offset)
        record = records.get(month)
        business.append(
            BusinessMonth(
                month=month,
                volume=record.volume if record else Decimal("0"),
                products_used=record.products_used if record else None,
            )
        )
    return ClientPage(
        client=client,
        contacts=list(client.contacts.all()),
        assignments=assignments,
        interactions=list(
            client.interactions.select_related("manager__user", "recorded_by").order_by("-date", "-pk")[
                :LATEST_INTERACTIONS
            ]
        ),
        business=business,
        feedback=list(client.feedback.select_related("manager__user").order_by("-date", "-pk")[:LATEST_FEEDBACK]),
        reports=list(client.reports.select_related("manager__user").order_by("-created_at", "-pk")[:LATEST_REPORTS]),
        # The column kept by the database names the manager; the assignments loaded above carry the object.
        current_manager=next((row.manager for row in assignments if row.manager_id == client.current_manager_id), None),
    )


@dataclass(frozen=True)
class ClientActions:
    """What the user may do on the client page."""

    log_interaction: bool = False
    record_feedback: bool = False
    write_report: bool = False
    # The manager the work is recorded for (the client's current manager).
    manager: AccountManager | None = None


def client_actions_for_user(user: User, *, current_manager: AccountManager | None) -> ClientActions:
    """The current manager logs interactions, records feedback and writes reports; their assistant all but reports."""
    if not may_log_interaction_for(user, current_manager):
        return ClientActions()
    return ClientActions(
        log_interaction=True,
        record_feedback=True,
        write_report=may_write_report_for(user, current_manager),
        manager=current_manager,
    )


# --- the rules HR sets per plan year -------------------------------------------------------------------------------


def tiering_policy_on(day: dt.date) -> TieringPolicy:
    """The tiering rule in force on the day: the row of the latest plan year not after the day's year; without one,
    the defaults (volume; 80 %, 95 %), unsaved."""
    return TieringPolicy.objects.filter(year__lte=day.year).order_by("-year").first() or TieringPolicy()


def work_log_policy() -> WorkLogPolicy:
    """The correction window in force: the latest row HR saved; without one, the default (24 hours), unsaved."""
    return WorkLogPolicy.objects.order_by("-pk").first() or WorkLogPolicy()


def business_credit_policy_on(day: dt.date) -> BusinessCreditPolicy:
    """The business credit rule for a period ending on the day (latest plan year not after the day's year); without
    one, the default (split by days served), unsaved."""
    return BusinessCreditPolicy.objects.filter(year__lte=day.year).order_by("-year").first() or BusinessCreditPolicy()


# --- what is read on a client's page, for the API: it follows the client ------------------------------------------


def _of_visible_clients(queryset: QuerySet, user: User, action: Action) -> QuerySet:
    managers = _current_manager_ids(user, Kind.CLIENT, action)
    return queryset if managers is None else queryset.filter(client__current_manager_id__in=managers)


def contacts_visible_to(user: User, action: Action = Action.VIEW) -> QuerySet[Contact]:
    """The contacts of the clients in the user's scope."""
    return _of_visible_clients(Contact.objects.all(), user, action)


def assignments_visible_to(user: User, action: Action = Action.VIEW) -> QuerySet[Assignment]:
    """The assignment history of the clients in the user's scope (a reassigned client takes its history along)."""
    return _of_visible_clients(Assignment.objects.all(), user, action)


def business_records_visible_to(user: User, action: Action = Action.VIEW) -> QuerySet[BusinessRecord]:
    """The monthly business of the clients in the user's scope."""
    return _of_visible_clients(BusinessRecord.objects.all(), user, action)


def client_industries() -> list[str]:
    """Every industry of a client, in order. A recursive query asks the industry index for the next value after the
    last one, so it costs one probe per industry (a dozen) however many clients there are; SELECT DISTINCT would
    read all of them."""
    table = connection.ops.quote_name(Client._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"WITH RECURSIVE industries(name) AS (SELECT MIN(industry) FROM {table} UNION ALL"
            f" SELECT (SELECT MIN(industry) FROM {table} WHERE industry > industries.name)"
            " FROM industries WHERE industries.name IS NOT NULL)"
            " SELECT name FROM industries WHERE name IS NOT NULL"
        )
        return [name for (name,) in cursor.fetchall()]
