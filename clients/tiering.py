"""The 80/20 tiering of clients (核心客户), computed set-based in the database.

The rule, exactly (the measure and the two cut-offs are the TieringPolicy in force on the run's day, HR's data;
the defaults are volume, 80 % and 95 %):
- The window is the last 12 full months before ``today``: from the first day of the month twelve months before
  today's month to the last day of the month before today's (on 2026-11-23: 2025-11-01 … 2026-10-31).
- Every client's measure in the window: its business volume; or its profit (a loss counts as 0); or a mix, its share
  of the total volume and its share of the total profit weighted by the policy (volume weight + profit weight = 100),
  expressed in volume units (× the total volume) so that figures keep their scale.
- Every client is ranked by its measure, largest first; equal measures are ranked by primary key (the older client
  first), so the order is total and the result does not depend on the database.
- Core clients are the smallest prefix of that ranking whose measure reaches the core share (80 %) of the total: a
  client is core when the measure ranked before it is still below the core share (so the one that crosses it is core).
- Key clients are the next ones, up to the client that crosses the key share (95 %): before it below it, not core.
- The rest are ordinary, and so is every client with no measure (0) in the window (whatever its rank).
- The comparisons are made as ``10000 × before < basis points × total`` (80 % = 8000): integer multiples, so a
  share of exactly 80 % is never blurred by a rounded 0.8 on a database that computes in floating point.

All of it is a handful of queries whatever the number of clients: one ranking query (one GROUP BY read by window
functions) that returns only the clients whose tier changes and the ~100 ranks kept for the 80/20 chart, one bulk
insert of their ClientTierChange rows, one UPDATE of the changed clients driven by those rows, one count per tier,
and one query for the clients whose manager's grade may not serve their new tier. Those clients are listed on the
TieringRun for HR and never reassigned here.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.db import connection, transaction
from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone

from clients.db_triggers import TIERING_LOCK_KEY
from clients.models import Assignment, BusinessRecord, Client, ClientTierChange, TieringPolicy, TieringRun
from clients.selectors import tiering_policy_on
from core.choices import ClientTier
from managers.models import AccountManager, Grade, GradeChange

SHARE_PLACES = Decimal("0.0001")


@dataclass(frozen=True)
class TieringWindow:
    start: date
    end: date


def tiering_window(today: date) -> TieringWindow:
    """The last 12 full months before today."""
    end = today.replace(day=1) - timedelta(days=1)
    month_index = today.year * 12 + (today.month - 1) - 12
    return TieringWindow(start=date(month_index // 12, month_index % 12 + 1, 1), end=end)


# The rule above over any relation volumes(id, tier, volume) (volume: the ranking measure), as CTEs: `ranked` orders
# the rows and `tiered` gives each its new_tier. Plain SQL that PostgreSQL and SQLite both run. {core} and {key} are
# the cut-offs in basis points (whole numbers, formatted in by tiers_sql).
TIERS_SQL = """
WITH volumes AS ({volumes}),
ranked AS (
    SELECT id, tier, volume,
           ROW_NUMBER() OVER (ORDER BY volume DESC, id) AS position,
           SUM(volume) OVER (ORDER BY volume DESC, id ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS cumulative,
           SUM(volume) OVER () AS total,
           COUNT(*) OVER () AS clients
    FROM volumes
),
tiered AS (
    SELECT id, tier, volume, cumulative, total, position, clients,
           CASE WHEN NOT (volume > 0) THEN 'ordinary'
                WHEN 10000 * (cumulative - volume) < {core} * total THEN 'core'
                WHEN 10000 * (cumulative - volume) < {key} * total THEN 'key'
                ELSE 'ordinary' END AS new_tier
    FROM ranked
)
"""
# Every client's measure in the window, aggregated once in a GROUP BY that the window functions read (an ORM
# annotation would inline a correlated subquery in each place that uses the volume). Parameters: the window's days.
WINDOW_VOLUMES_SQL = """
    SELECT c.id, c.tier, COALESCE(v.volume, 0) AS volume
    FROM {client} c
    LEFT JOIN (
        SELECT client_id, SUM(volume) AS volume FROM {business}
        WHERE month >= %s AND month <= %s GROUP BY client_id
    ) v ON v.client_id = c.id
"""
WINDOW_PROFITS_SQL = """
    SELECT c.id, c.tier, CASE WHEN v.profit > 0 THEN v.profit ELSE 0 END AS volume
    FROM {client} c
    LEFT JOIN (
        SELECT client_id, SUM(profit) AS profit FROM {business}
        WHERE month >= %s AND month <= %s GROUP BY client_id
    ) v ON v.client_id = c.id
"""
# The mix: (wv × volume share + wp × profit share) / 100 × the total volume (the total profit when no volume), so the
# measure sums to the total volume and shares are the weighted shares. `* 1.0`: SQLite divides whole numbers exactly.
WINDOW_MIX_SQL = """
    SELECT id, tier,
           (COALESCE({volume_weight} * 1.0 * volume / NULLIF(SUM(volume) OVER (), 0), 0)
            + COALESCE({profit_weight} * 1.0 * profit / NULLIF(SUM(profit) OVER (), 0), 0))
           * COALESCE(NULLIF(SUM(volume) OVER (), 0), SUM(profit) OVER ()) / 100 AS volume
    FROM (
        SELECT c.id, c.tier, COALESCE(v.volume, 0) AS volume,
               CASE WHEN v.profit > 0 THEN v.profit ELSE 0 END AS profit
        FROM {client} c
        LEFT JOIN (
            SELECT client_id, SUM(volume) AS volume, SUM(profit) AS profit FROM {business}
            WHERE month >= %s AND month <= %s GROUP BY client_id
        ) v ON v.client_id = c.id
    ) measured
"""
# The clients whose tier changes and the ranks sampled for the 80/20 chart (rank 1, the last rank, and the first
# rank at or after each 1/PARETO_POINTS of the clients: rank r is sampled when floor(P·r/n) > floor(P·(r-1)/n)).
RANKING_SELECT_SQL = """
SELECT id, tier, new_tier, volume, cumulative, total, position, clients,
       position = 1 OR position = clients OR ({points} * position) / clients > ({points} * (position - 1)) / clients
           AS sampled
FROM tiered
WHERE new_tier <> tier OR position = 1 OR position = clients
   OR ({points} * position) / clients > ({points} * (position - 1)) / clients
ORDER BY position
"""
# Points of the 80/20 chart kept on each run (the HR dashboard reads them instead of ranking every client again).
PARETO_POINTS = 100
CENT = Decimal("0.01")


@dataclass(frozen=True)
class RankedClient:
    """One row of the ranking: a client, its tier now and by the rule, and where it stands in the ranking."""

    pk: int
    tier: str
    new_tier: str
    volume: Decimal
    cumulative: Decimal
    total: Decimal
    position: int
    clients: int
    sampled: bool


def _volume(value: object) -> Decimal:
    """A SUM as a Decimal of cents: PostgreSQL returns Decimal, SQLite int or float for a decimal column."""
    if isinstance(value, Decimal):
        return value
    return Decimal(repr(value) if isinstance(value, float) else str(value or 0)).quantize(CENT)


DEFAULT_POLICY = TieringPolicy()  # volume; 80 %, 95 %: the rule when HR has no row for the year


def _basis_points(share: Decimal) -> int:
    return int((Decimal(share) * 100).to_integral_value())


def tiers_sql(volumes: str, policy: TieringPolicy = DEFAULT_POLICY) -> str:
    """The CTEs of the rule over the relation `volumes`, with the policy's cut-offs."""
    return TIERS_SQL.format(volumes=volumes, core=_basis_points(policy.core_share), key=_basis_points(policy.key_share))


def ranking_sql(policy: TieringPolicy = DEFAULT_POLICY) -> str:
    """The one ranking query of a run by the policy's measure and cut-offs, with the window's first and last day as
    its two parameters."""
    template = {
        TieringPolicy.Measure.VOLUME: WINDOW_VOLUMES_SQL,
        TieringPolicy.Measure.PROFIT: WINDOW_PROFITS_SQL,
        TieringPolicy.Measure.MIX: WINDOW_MIX_SQL,
    }[policy.measure]
    volumes = template.format(
        client=connection.ops.quote_name(Client._meta.db_table),
        business=connection.ops.quote_name(BusinessRecord._meta.db_table),
        volume_weight=int(policy.volume_weight),
        profit_weight=int(policy.profit_weight),
    )
    return tiers_sql(volumes, policy) + RANKING_SELECT_SQL.format(points=int(PARETO_POINTS))


def client_ranking(window: TieringWindow, policy: TieringPolicy = DEFAULT_POLICY) -> list[RankedClient]:
    """The clients whose tier the rule changes and the sampled ranks of the 80/20 chart, in rank order (one query)."""
    with connection.cursor() as cursor:
        cursor.execute(ranking_sql(policy), [window.start, window.end])
        return [
            RankedClient(
                pk=pk,
                tier=tier,
                new_tier=new_tier,
                volume=_volume(volume),
                cumulative=_volume(cumulative),
                total=_volume(total),
                position=int(position),
                clients=int(clients),
                sampled=bool(sampled),
            )
            for pk, tier, new_tier, volume, cumulative, total, position, clients, sampled in cursor.fetchall()
        ]


def tiers_for_volumes(volumes: Mapping[int, int], policy: TieringPolicy = DEFAULT_POLICY) -> dict[int, str]:
    """The tier the rule's cut-offs give each id for the given window measures (whole numbers, e.g. cents), for data
    not yet in the database: the benchmark builds its company's tiers with it."""
    if not volumes:
        return {}
    rows = ", ".join(["(%s, '', %s)"] * len(volumes))
    # VALUES names its columns column1, column2 … on both PostgreSQL and SQLite.
    values = f"SELECT column1 AS id, column2 AS tier, column3 AS volume FROM (VALUES {rows}) AS given"
    with connection.cursor() as cursor:
        cursor.execute(
            tiers_sql(values, policy) + "SELECT id, new_tier FROM tiered",
            [value for pair in volumes.items() for value in pair],
        )
        return dict(cursor.fetchall())


def pareto_points(ranking: list[RankedClient]) -> list[list[float | int]]:
    """The chart's points from the sampled ranks: [rank, cumulative share of the volume in percent, 1 place]."""
    return [
        [row.position, round(float(row.cumulative) / float(row.total) * 100, 1) if row.total else 0.0]
        for row in ranking
        if row.sampled
    ]


def clients_needing_reassignment(day: date) -> list[dict[str, object]]:
    """Clients whose open assignment's manager holds, on the day, a grade that may not serve the client's tier."""

    def not_serving(tier: ClientTier) -> QuerySet[AccountManager]:
        # Uncorrelated: the database computes the 2,000-odd managers' grades once per tier (a hashed subplan), not
        # once per open assignment. A manager with no grade on the day serves no tier.
        serving = Grade.objects.filter(pk=OuterRef("grade_id_on"), **{f"serves_{tier.value}": True})
        return AccountManager.objects.with_grade(day).filter(~Exists(serving)).values("pk")

    grade_code = (
        GradeChange.objects.filter(manager=OuterRef("manager"), effective_date__lte=day)
        .order_by("-effective_date", "-pk")
        .values("to_grade__code")[:1]
    )
    rows = (
        Assignment.objects.filter(end__isnull=True)
        .filter(
            Q(client__tier=ClientTier.CORE, manager_id__in=not_serving(ClientTier.CORE))
            | Q(client__tier=ClientTier.KEY, manager_id__in=not_serving(ClientTier.KEY))
            | Q(client__tier=ClientTier.ORDINARY, manager_id__in=not_serving(ClientTier.ORDINARY))
        )
        # Only for the rows listed (a handful): the grade's code, for HR to read.
        .annotate(grade_code_on=Subquery(grade_code))
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
    """Recompute every client's tier by the 80/20 rule in force (TieringPolicy), keep the history of changes and the
    rule used, and list mismatched managers."""
    today = today or timezone.localdate()
    window = tiering_window(today)
    policy = tiering_policy_on(today)
    if connection.vendor == "postgresql":
        # One run at a time (a second waits, then finds nothing to change); assignment writes wait for it too.
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [TIERING_LOCK_KEY])

    ranking = client_ranking(window, policy)
    changed = [
        (row.pk, row.tier, row.new_tier, row.volume, row.cumulative, row.total)
        for row in ranking
        if row.new_tier != row.tier
    ]
    # Every row carries the window's total (the sum of every client's window volume, i.e. of every business record
    # in the window); rank 1 is always returned when there is a client.
    total = ranking[0].total if ranking else Decimal("0")

    run = TieringRun.objects.create(
        period_start=window.start,
        period_end=window.end,
        policy=policy if policy.pk else None,
        measure=policy.measure,
        volume_weight=policy.volume_weight,
        profit_weight=policy.profit_weight,
        core_share=policy.core_share,
        key_share=policy.key_share,
        total_volume=total,
        core_count=0,
        key_count=0,
        ordinary_count=0,
        pareto_points=pareto_points(ranking),
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

    counts = dict(Client.objects.order_by().values_list("tier").annotate(n=Count("*")))  # an index-only count
    run.core_count = counts.get(ClientTier.CORE, 0)
    run.key_count = counts.get(ClientTier.KEY, 0)
    run.ordinary_count = counts.get(ClientTier.ORDINARY, 0)
    run.needs_reassignment = clients_needing_reassignment(today)
    run.save(update_fields=["core_count", "key_count", "ordinary_count", "needs_reassignment"])
    return run
