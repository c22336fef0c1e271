"""The 80/20 tiering of clients (核心客户), computed set-based in the database.

The rule, exactly:
- The window is the last 12 full months before ``today``: from the first day of the month twelve months before
  today's month to the last day of the month before today's (on 2026-11-23: 2025-11-01 … 2026-10-31).
- Every client is ranked by its business volume in the window, largest first; equal volumes are ranked by primary
  key (the older client first), so the order is total and the result does not depend on the database.
- Core clients are the smallest prefix of that ranking whose volume reaches 80 % of the total: a client is core
  when the volume ranked before it is still below 80 % (so the client that crosses 80 % is core).
- Key clients are the next ones, up to the client that crosses 95 %: volume before it below 95 %, not core.
- The rest are ordinary, and so is every client with no volume in the window (whatever its rank).
- The comparisons are made as ``5 × before < 4 × total`` and ``20 × before < 19 × total``: integer multiples,
  so a share of exactly 80 % is never blurred by a rounded 0.8 on a database that computes in floating point.

All of it is a handful of queries whatever the number of clients: one ranking query with window functions that
returns only the clients whose tier changes, one bulk insert of their ClientTierChange rows, one UPDATE of the
changed clients driven by those rows, one count per tier, and one query for the clients whose manager's grade may
not serve their new tier. Those clients are listed on the TieringRun for HR and never reassigned here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.db import connection, transaction
from django.db.models import (
    Case,
    CharField,
    Count,
    DecimalField,
    Exists,
    F,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
    Window,
)
from django.db.models.expressions import RowRange
from django.db.models.functions import Coalesce
from django.db.models.lookups import GreaterThan, LessThan
from django.utils import timezone

from clients.models import Assignment, BusinessRecord, Client, ClientTierChange, TieringRun
from managers.models import ClientTier, Grade, GradeChange

VOLUME = DecimalField(max_digits=20, decimal_places=2)
SHARE_PLACES = Decimal("0.0001")
# Any constant key: only one tiering run at a time on PostgreSQL (a second waits, then finds nothing to change).
ADVISORY_LOCK_KEY = 80_20


@dataclass(frozen=True)
class TieringWindow:
    start: date
    end: date


def tiering_window(today: date) -> TieringWindow:
    """The last 12 full months before today."""
    end = today.replace(day=1) - timedelta(days=1)
    month_index = today.year * 12 + (today.month - 1) - 12
    return TieringWindow(start=date(month_index // 12, month_index % 12 + 1, 1), end=end)


def client_ranking(window: TieringWindow) -> QuerySet[Client]:
    """Every client with its window volume, the volume ranked before it, the total, and the tier the rule gives."""
    volume = Coalesce(
        Subquery(
            BusinessRecord.objects.filter(client=OuterRef("pk"), month__gte=window.start, month__lte=window.end)
            .order_by()
            .values("client")
            .annotate(total=Sum("volume"))
            .values("total"),
            output_field=VOLUME,
        ),
        Value(Decimal("0")),
        output_field=VOLUME,
    )
    order = [F("window_volume").desc(), F("pk").asc()]
    return (
        Client.objects.order_by()
        .annotate(window_volume=volume)
        .annotate(
            # Rows up to this one in rank order (explicit ROWS frame: with RANGE, equal volumes would be peers).
            cumulative_volume=Window(Sum("window_volume"), order_by=order, frame=RowRange(start=None, end=0)),
            total_volume=Window(Sum("window_volume")),
        )
        .annotate(
            new_tier=Case(
                When(~GreaterThan(F("window_volume"), Decimal("0")), then=Value(ClientTier.ORDINARY.value)),
                When(
                    LessThan(5 * (F("cumulative_volume") - F("window_volume")), 4 * F("total_volume")),
                    then=Value(ClientTier.CORE.value),
                ),
                When(
                    LessThan(20 * (F("cumulative_volume") - F("window_volume")), 19 * F("total_volume")),
                    then=Value(ClientTier.KEY.value),
                ),
                default=Value(ClientTier.ORDINARY.value),
                output_field=CharField(),
            )
        )
    )


def clients_needing_reassignment(day: date) -> list[dict[str, object]]:
    """Clients whose open assignment's manager holds, on the day, a grade that may not serve the client's tier."""
    latest_change = GradeChange.objects.filter(manager=OuterRef("manager"), effective_date__lte=day).order_by(
        "-effective_date", "-pk"
    )
    serves = {
        flag: Exists(Grade.objects.filter(pk=OuterRef("grade_id_on"), **{flag: True}))
        for flag in (f"serves_{tier.value}" for tier in ClientTier)
    }
    rows = (
        Assignment.objects.filter(end__isnull=True)
        .annotate(
            grade_id_on=Subquery(latest_change.values("to_grade")[:1]),
            grade_code_on=Subquery(latest_change.values("to_grade__code")[:1]),
        )
        .annotate(**serves)
        .filter(
            Q(client__tier=ClientTier.CORE, serves_core=False)
            | Q(client__tier=ClientTier.KEY, serves_key=False)
            | Q(client__tier=ClientTier.ORDINARY, serves_ordinary=False)
        )
        .order_by("client__name", "client_id")
        .values("client_id", "client__name", "client__tier", "manager_id", "manager__employee_no", "grade_code_on")
    )
    return [
        {
            "client_id": row["client_id"],
            "client": row["client__name"],
            "tier": row["client__tier"],
            "manager_id": row["manager_id"],
            "manager": row["manager__employee_no"],
            "grade": row["grade_code_on"] or "",
        }
        for row in rows
    ]


@transaction.atomic
def tiering_run(*, today: date | None = None) -> TieringRun:
    """Recompute every client's tier by the 80/20 rule, keep the history of changes, and list mismatched managers."""
    today = today or timezone.localdate()
    window = tiering_window(today)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [ADVISORY_LOCK_KEY])

    ranking = client_ranking(window)
    changed = list(
        ranking.filter(~Q(new_tier=F("tier"))).values_list(
            "pk", "tier", "new_tier", "window_volume", "cumulative_volume", "total_volume"
        )
    )
    total = BusinessRecord.objects.filter(month__gte=window.start, month__lte=window.end).aggregate(
        total=Coalesce(Sum("volume"), Value(Decimal("0")), output_field=VOLUME)
    )["total"]

    run = TieringRun.objects.create(
        period_start=window.start,
        period_end=window.end,
        total_volume=total,
        core_count=0,
        key_count=0,
        ordinary_count=0,
    )
    ClientTierChange.objects.bulk_create(
        [
            ClientTierChange(
                run=run,
                client_id=pk,
                from_tier=from_tier,
                to_tier=to_tier,
                volume=volume,
                cumulative_share=(Decimal(cumulative) / Decimal(ranked_total)).quantize(SHARE_PLACES)
                if ranked_total
                else Decimal("0"),
            )
            for pk, from_tier, to_tier, volume, cumulative, ranked_total in changed
        ]
    )
    if changed:
        # Driven by the rows just written, so the clients and their history agree even if business records are
        # written while the run works.
        Client.objects.filter(pk__in=run.changes.values("client_id")).update(
            tier=Subquery(ClientTierChange.objects.filter(run=run, client=OuterRef("pk")).values("to_tier")[:1])
        )

    counts = dict(Client.objects.order_by().values_list("tier").annotate(n=Count("pk")))
    run.core_count = counts.get(ClientTier.CORE, 0)
    run.key_count = counts.get(ClientTier.KEY, 0)
    run.ordinary_count = counts.get(ClientTier.ORDINARY, 0)
    run.needs_reassignment = clients_needing_reassignment(today)
    run.save(update_fields=["core_count", "key_count", "ordinary_count", "needs_reassignment"])
    return run
