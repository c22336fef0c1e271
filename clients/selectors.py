"""Reads about clients: which clients a user may see (the one place that decides it), the list and the client page."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import CharField, DecimalField, OuterRef, Q, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce, Concat, NullIf, Trim
from django.http import Http404
from django.utils import timezone

from clients.models import Assignment, BusinessRecord, Client, Contact, Feedback, Interaction, Report
from core import permissions
from managers.models import AccountManager

User = AbstractBaseUser | AnonymousUser

# What the client page shows of each history; older rows stay in the admin.
LATEST_INTERACTIONS = 20
LATEST_FEEDBACK = 20
LATEST_REPORTS = 20
BUSINESS_MONTHS = 24


def managers_visible_to(user: User) -> QuerySet[AccountManager] | None:
    """The managers whose clients the user may see; None means all (HR). Decided by core.permissions."""
    return permissions.managers_visible_to(user, permissions.Kind.CLIENT)


def clients_visible_to(user: User) -> QuerySet[Client]:
    """The clients this user may see (core.permissions.clients_visible_to, the one place that decides it)."""
    return permissions.clients_visible_to(user)


def _current_manager_name() -> Subquery:
    """The display name of the client's current manager, as User.get_full_name() would give it. A subquery, so that
    the database computes it for the rows of the page only, after sorting and slicing."""
    full_name = NullIf(Trim(Concat("first_name", Value(" "), "last_name", output_field=CharField())), Value(""))
    return Subquery(
        get_user_model()
        .objects.filter(account_manager=OuterRef("current_manager_id"))
        .annotate(display=Coalesce(full_name, "username", output_field=CharField()))
        .values("display")[:1],
        output_field=CharField(),
    )


def _year_bounds(today: dt.date) -> tuple[dt.date, dt.date]:
    return dt.date(today.year, 1, 1), dt.date(today.year + 1, 1, 1)


def clients_annotated(queryset: QuerySet[Client], *, today: dt.date | None = None) -> QuerySet[Client]:
    """Add manager_name, last_interaction and volume_this_year, each a correlated subquery (no query per row)."""
    today = today or timezone.localdate()
    year_start, next_year = _year_bounds(today)
    last_interaction = Interaction.objects.filter(client=OuterRef("pk")).order_by("-date").values("date")[:1]
    volume = (
        BusinessRecord.objects.filter(client=OuterRef("pk"), month__gte=year_start, month__lt=next_year)
        .order_by()
        .values("client")
        .annotate(total=Sum("volume"))
        .values("total")
    )
    money = DecimalField(max_digits=20, decimal_places=2)
    return queryset.annotate(
        manager_name=_current_manager_name(),
        last_interaction=Subquery(last_interaction),
        volume_this_year=Coalesce(Subquery(volume, output_field=money), Value(Decimal("0")), output_field=money),
    )


def client_list(*, user: User, filters: Mapping[str, Any] | None = None) -> QuerySet[Client]:
    """The clients the user may see, filtered (ClientFilterSet) and annotated for the list page."""
    from clients.filtersets import ClientFilterSet  # the filterset imports this module's helpers

    queryset = clients_annotated(clients_visible_to(user))
    filtered = ClientFilterSet(filters or {}, queryset=queryset).qs
    # The primary key breaks ties, so that a page never repeats or skips a row of the one before.
    return filtered.order_by(*(filtered.query.order_by or ("name",)), "pk")


def industries_visible_to(user: User) -> list[str]:
    """The distinct industries of the user's clients, for the list filter."""
    return list(clients_visible_to(user).order_by("industry").values_list("industry", flat=True).distinct())


def client_detail_for_user(user: User, pk: int) -> Client:
    """The client if this user may see it, else 404 (never 403: the client's existence is not disclosed)."""
    client = clients_visible_to(user).filter(pk=pk).first()
    if client is None:
        raise Http404("No such client.")
    return client


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
    if not permissions.may_log_interaction_for(user, current_manager):
        return ClientActions()
    return ClientActions(
        log_interaction=True,
        record_feedback=True,
        write_report=permissions.may_write_report_for(user, current_manager),
        manager=current_manager,
    )
