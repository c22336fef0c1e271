"""Measured indicators (定量考核), computed set-based from clients' data for a cycle's period.

Definitions (each stored with its inputs in MeasuredValue.inputs, so the figure can be traced):
- the manager's book: the clients the manager served within the period, each credited by the manager's share of it
  (clients.credit: by the days each manager served it, or all to the holder on the period's last day, as the
  BusinessCreditPolicy in force says); volumes, products added and new clients are credited by that share;
- new clients: clients whose first assignment ever starts in the period;
- volume growth %: the book's business volume in the period against the same-length period just before;
- scope growth: for each client of the book, the most products used in a month of the period minus the most in a
  month of the period before (0 when it had none), summed;
- interactions: interaction records by the manager dated in the period (a withdrawn record counts nowhere);
- average satisfaction: mean satisfaction (1–5) of the feedback linked to the manager in the period;
- complaints: feedback linked to the manager in the period that carries a complaint;
- target completion %: the book's volume in the period against the manager's targets lying inside the period;
- retention rate % (客户保留率): of the clients the manager served on the period's first day, those the manager still
  serves on its last day and that are active (the client's status today: its history is not kept).

Data that does not exist is never a figure: the value is None and the gap (MeasureGap) says what is missing — no
target, no volume in the previous period to grow from, no clients (an empty book for the book's indicators; no
client, no interaction and no complaint for the counts of the work done for clients), no survey answers. What a gap
counts for is the scoring's missing-data policy, not this module's.
A fixed number of queries whatever the number of managers: one aggregate per source, grouped by manager.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import Avg, Count, Exists, Max, OuterRef, Q, QuerySet, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from appraisals.models import Appraisal, AppraisalCycle, Indicator, MeasuredValue, MeasureGap
from clients.credit import served_shares_sql
from clients.models import Assignment, BusinessRecord, Client, Feedback, Interaction
from clients.selectors import business_credit_policy_on
from managers.models import Target

ZERO = Decimal("0")
HUNDRED = Decimal("100")
PLACES = Decimal("0.0001")

Metric = Indicator.Metric


@dataclass(frozen=True, slots=True)
class Measured:
    """A manager's measured value for one metric with the inputs it came from, or no value (None) and the gap that
    explains why (a MeasureGap value)."""

    value: Decimal | None
    inputs: dict = field(default_factory=dict)
    gap: str = ""

    @classmethod
    def missing(cls, gap: str, inputs: dict) -> Measured:
        return cls(value=None, inputs=inputs, gap=gap)


def previous_period(start: date, end: date) -> tuple[date, date]:
    """The period of the same length just before [start, end]: the same number of months for a period of whole
    months (business records are monthly), else the same number of days."""
    previous_end = start - timedelta(days=1)
    if start.day == 1 and (end + timedelta(days=1)).day == 1:
        months = (end.year * 12 + end.month) - (start.year * 12 + start.month) + 1
        index = start.year * 12 + start.month - 1 - months
        return date(index // 12, index % 12 + 1, 1), previous_end
    return previous_end - (end - start), previous_end


def _round(value: Decimal) -> Decimal:
    return Decimal(value).quantize(PLACES)


def _money(value: Decimal) -> str:
    """An amount as the inputs show it, with 2 places whatever the database returned."""
    return str(Decimal(value).quantize(Decimal("0.01")))


def _cents(value: object) -> Decimal:
    """A summed amount as a Decimal with 2 places (SQLite sums decimals as floats; PostgreSQL returns numerics)."""
    return ZERO if value is None else Decimal(str(value)).quantize(Decimal("0.01"))


def _per_manager(served: tuple[str, list], per_client: QuerySet) -> list[tuple]:
    """Each client's volumes and most products (per_client), credited to the managers who served it by their share
    (clients.credit) and summed up per manager by the database: (manager_id, book clients, volume now, volume before,
    products added, new clients). At company size this returns 2,000 rows instead of 100,000.

    The ORM cannot group an aggregate by an aggregate, so the shares and the ORM's query are joined in one outer
    GROUP BY. Each client's records are aggregated once, before the join (as PostgreSQL can do in one pass over the
    window), not once per (manager, client) through a join per record. `* 1.0`: SQLite divides whole numbers exactly.
    """
    served_sql, served_params = served
    client_sql, client_params = per_client.query.sql_with_params()
    share = "served.days * 1.0 / served.client_days"
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            SELECT served.manager_id, COUNT(*),
                   SUM(COALESCE(per_client.volume_now, 0) * {share}),
                   SUM(COALESCE(per_client.volume_before, 0) * {share}),
                   SUM(CASE WHEN per_client.products_now IS NULL THEN 0
                            ELSE (per_client.products_now - COALESCE(per_client.products_before, 0)) * {share} END),
                   SUM(served.is_new * {share})
            FROM ({served_sql}) served
            LEFT JOIN ({client_sql}) per_client ON per_client.client_id = served.client_id
            GROUP BY served.manager_id
            """,
            (*served_params, *client_params),
        )
        return cursor.fetchall()


Found = dict[int, dict[str, Measured]]


def _share(value: object) -> Decimal:
    """A credited count (clients, products) as a Decimal with 4 places (whole when nobody changed hands)."""
    return ZERO if value is None else Decimal(str(value)).quantize(PLACES)


def _figure(value: Decimal) -> str:
    """A credited count as the inputs show it: 1, 0.5, 0.3333."""
    return f"{value.normalize():f}"


def _books(
    *, manager_ids: list[int], start: date, end: date, previous_start: date, previous_end: date, credit: str
) -> dict:
    """Per manager, the book's clients, its credited volume now and before, products added and new clients (one
    query)."""
    served = served_shares_sql(mode=credit, manager_ids=manager_ids, start=start, end=end)
    now = Q(month__gte=start, month__lte=end)
    before = Q(month__gte=previous_start, month__lte=previous_end)
    per_client = (
        BusinessRecord.objects.filter(month__gte=previous_start, month__lte=end)
        .values("client_id")
        .annotate(
            volume_now=Sum("volume", filter=now),
            volume_before=Sum("volume", filter=before),
            products_now=Max("products_used", filter=now),
            products_before=Max("products_used", filter=before),
        )
        .order_by()
    )
    books: dict[int, dict] = defaultdict(
        lambda: {"clients": 0, "volume_now": ZERO, "volume_before": ZERO, "scope_increase": ZERO, "new": ZERO}
    )
    for manager_id, clients, volume_now, volume_before, scope_increase, new in _per_manager(served, per_client):
        books[manager_id] = {
            "clients": clients,
            "volume_now": _cents(volume_now),
            "volume_before": _cents(volume_before),
            "scope_increase": _share(scope_increase),
            "new": _share(new),
        }
    return books


def _new_clients(found: Found, books: dict, *, manager_ids: list[int], credit: str) -> None:
    """New clients: clients whose first assignment ever starts in the period, credited by the manager's share."""
    for manager_id in manager_ids:
        new = books[manager_id]["new"]
        found[manager_id][Metric.NEW_CLIENTS] = Measured(new, {"new_clients": _figure(new), "credit": credit})


def _retention(found: Found, *, manager_ids: list[int], start: date, end: date) -> None:
    """Client retention rate (客户保留率) %: of the clients the manager served on the period's first day, those the
    manager still serves on its last day and that are active."""

    def serving_on(day: date) -> Q:
        # In force on the day, unless a same-day correction hands the day to a newer assignment.
        corrected = Assignment.objects.filter(client=OuterRef("client"), start=OuterRef("end"), pk__gt=OuterRef("pk"))
        return Q(start__lte=day) & (Q(end__isnull=True) | Q(end__gt=day) | (Q(end=day) & ~Exists(corrected)))

    still_served = Assignment.objects.filter(client=OuterRef("client"), manager=OuterRef("manager")).filter(
        serving_on(end)
    )
    rows = (
        Assignment.objects.filter(serving_on(start), manager_id__in=manager_ids)
        .values("manager_id")
        .annotate(
            at_start=Count("client", distinct=True),
            kept=Count("client", distinct=True, filter=Q(Exists(still_served), client__status=Client.Status.ACTIVE)),
        )
        .order_by()
    )
    counts = {row["manager_id"]: (row["at_start"], row["kept"]) for row in rows}
    for manager_id in manager_ids:
        at_start, kept = counts.get(manager_id, (0, 0))
        inputs = {"clients_at_start": at_start, "kept_and_active_at_end": kept}
        if not at_start:
            found[manager_id][Metric.RETENTION] = Measured.missing(MeasureGap.NO_CLIENTS, inputs)
        else:
            found[manager_id][Metric.RETENTION] = Measured(Decimal(kept) / Decimal(at_start) * HUNDRED, inputs)


def _volume_growth(book: dict, window: dict) -> Measured:
    now_volume, before_volume = book["volume_now"], book["volume_before"]
    if not book["clients"]:
        return Measured.missing(MeasureGap.NO_CLIENTS, dict(window))
    if before_volume > 0:
        return Measured((now_volume - before_volume) / before_volume * HUNDRED, dict(window))
    return Measured.missing(MeasureGap.NO_EARLIER_PERIOD, {**window, "note": _("No volume in the previous period.")})


def _scope_growth(book: dict) -> Measured:
    inputs = {"book_clients": book["clients"], "products_added": _figure(book["scope_increase"])}
    if not book["clients"]:
        return Measured.missing(MeasureGap.NO_CLIENTS, inputs)
    return Measured(book["scope_increase"], inputs)


def _target_completion(book: dict, target: dict | None) -> Measured:
    now_volume = book["volume_now"]
    if target and target["total"]:
        inputs = {
            "volume_in_period": _money(now_volume),
            "target_volume": _money(target["total"]),
            "targets": target["count"],
        }
        return Measured(now_volume / target["total"] * HUNDRED, inputs)
    inputs = {
        "volume_in_period": _money(now_volume),
        "targets": 0,
        "note": _("No target with a volume inside the period."),
    }
    return Measured.missing(MeasureGap.NO_TARGET, inputs)


def _book_measures(found: Found, books: dict, *, manager_ids: list[int], start: date, end: date) -> None:
    """Volume growth, scope growth and target completion, from each manager's book and targets."""
    previous_start, previous_end = previous_period(start, end)
    targets = {
        row["manager_id"]: row
        for row in Target.objects.filter(manager_id__in=manager_ids, period_start__gte=start, period_end__lte=end)
        .values("manager_id")
        .annotate(total=Sum("business_volume"), count=Count("pk"))
        .order_by()
    }
    for manager_id in manager_ids:
        book = books[manager_id]
        window = {
            "book_clients": book["clients"],
            "volume_in_period": _money(book["volume_now"]),
            "volume_in_previous_period": _money(book["volume_before"]),
            "previous_period": [previous_start.isoformat(), previous_end.isoformat()],
        }
        found[manager_id][Metric.VOLUME_GROWTH] = _volume_growth(book, window)
        found[manager_id][Metric.SCOPE_GROWTH] = _scope_growth(book)
        found[manager_id][Metric.TARGET_COMPLETION] = _target_completion(book, targets.get(manager_id))


def _count(count: int, inputs: dict, book: dict) -> Measured:
    """A count of work done for clients: none done by a manager without clients is no data, not a zero."""
    if count == 0 and not book["clients"]:
        return Measured.missing(MeasureGap.NO_CLIENTS, {**inputs, "book_clients": 0})
    return Measured(Decimal(count), inputs)


def _interactions(found: Found, books: dict, *, manager_ids: list[int], start: date, end: date) -> None:
    """Interaction records by the manager dated in the period."""
    counts = {
        row["manager_id"]: row["count"]
        for row in Interaction.objects.counting()
        .filter(manager_id__in=manager_ids, date__gte=start, date__lte=end)
        .values("manager_id")
        .annotate(count=Count("pk"))
        .order_by()
    }
    for manager_id in manager_ids:
        count = counts.get(manager_id, 0)
        found[manager_id][Metric.INTERACTIONS] = _count(count, {"interactions": count}, books[manager_id])


def _feedback(found: Found, books: dict, *, manager_ids: list[int], start: date, end: date) -> None:
    """Average satisfaction and complaints, from the feedback linked to the manager in the period."""
    feedback = {
        row["manager_id"]: row
        for row in Feedback.objects.counting()
        .filter(manager_id__in=manager_ids, date__gte=start, date__lte=end)
        .values("manager_id")
        .annotate(
            average=Avg("satisfaction"),
            answers=Count("satisfaction"),
            complaints=Count("pk", filter=~Q(complaint="")),
        )
        .order_by()
    }
    for manager_id in manager_ids:
        row = feedback.get(manager_id) or {"average": None, "answers": 0, "complaints": 0}
        if row["answers"]:
            satisfaction = Measured(Decimal(str(row["average"])), {"answers": row["answers"]})
        else:
            satisfaction = Measured.missing(
                MeasureGap.NO_SURVEY_ANSWERS, {"answers": 0, "note": _("No satisfaction answer in the period.")}
            )
        found[manager_id][Metric.AVG_SATISFACTION] = satisfaction
        found[manager_id][Metric.COMPLAINTS] = _count(
            row["complaints"], {"complaints": row["complaints"]}, books[manager_id]
        )


BOOK_METRICS = {Metric.NEW_CLIENTS, Metric.VOLUME_GROWTH, Metric.SCOPE_GROWTH, Metric.TARGET_COMPLETION}
NEEDS_BOOK = BOOK_METRICS | {Metric.INTERACTIONS, Metric.COMPLAINTS}


def measures_by_manager(
    *, manager_ids: list[int], start: date, end: date, metrics: set[str], credit: str | None = None
) -> Found:
    """{manager_id: {metric: Measured}} for the metrics asked, from one aggregate query per data source. `credit` is
    how a client's business is split when it changes hands (BusinessCreditPolicy.Mode); by default the rule in force
    for the period."""
    found: Found = {manager_id: {} for manager_id in manager_ids}
    window = {"manager_ids": manager_ids, "start": start, "end": end}
    books: dict = {}
    if metrics & NEEDS_BOOK:
        credit = credit or business_credit_policy_on(end).mode
        previous_start, previous_end = previous_period(start, end)
        books = _books(**window, previous_start=previous_start, previous_end=previous_end, credit=credit)
    if Metric.NEW_CLIENTS in metrics:
        _new_clients(found, books, manager_ids=manager_ids, credit=credit)
    if Metric.RETENTION in metrics:
        _retention(found, **window)
    if metrics & {Metric.VOLUME_GROWTH, Metric.SCOPE_GROWTH, Metric.TARGET_COMPLETION}:
        _book_measures(found, books, **window)
    if Metric.INTERACTIONS in metrics:
        _interactions(found, books, **window)
    if metrics & {Metric.AVG_SATISFACTION, Metric.COMPLAINTS}:
        _feedback(found, books, **window)
    return found


def measured_values_compute(*, cycle: AppraisalCycle) -> int:
    """Compute and store (upsert) every measured value of the cycle's appraisals; returns how many were written."""
    return len(measured_values_store(cycle=cycle))


@transaction.atomic
def measured_values_store(*, cycle: AppraisalCycle) -> list[MeasuredValue]:
    """Compute and store (upsert) every measured value of the cycle's appraisals; returns the values written (what
    cycle_close scores with, so it need not read them back)."""
    if cycle.is_closed:
        raise ValidationError(_("The cycle %(cycle)s is closed: its measured values are frozen.") % {"cycle": cycle})
    indicators = list(cycle.template.indicators.filter(kind=Indicator.Kind.MEASURED))
    appraisals = list(Appraisal.objects.filter(cycle=cycle).values_list("pk", "manager_id"))
    if not indicators or not appraisals:
        return []
    values = measures_by_manager(
        manager_ids=[manager_id for _pk, manager_id in appraisals],
        start=cycle.period_start,
        end=cycle.period_end,
        metrics={indicator.metric for indicator in indicators},
    )
    now = timezone.now()
    period = [cycle.period_start.isoformat(), cycle.period_end.isoformat()]
    rows = []
    for appraisal_id, manager_id in appraisals:
        for indicator in indicators:
            measured = values[manager_id][indicator.metric]
            rows.append(
                MeasuredValue(
                    appraisal_id=appraisal_id,
                    indicator_id=indicator.pk,
                    value=None if measured.value is None else _round(measured.value),
                    gap=measured.gap,
                    inputs={**measured.inputs, "period": period},
                    computed_at=now,
                )
            )
    # An upsert on (appraisal, indicator): a re-run rewrites the same rows instead of adding new ones.
    # One statement whatever the number of rows (no batch_size): cycle_close's query count must not grow with managers.
    MeasuredValue.objects.bulk_create(
        rows,
        update_conflicts=True,
        unique_fields=["appraisal", "indicator"],
        update_fields=["value", "gap", "inputs", "computed_at"],
    )
    return rows
