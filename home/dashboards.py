"""Read-only selectors behind the home page of each role (manager, supervisor, department head, HR, assistant).

Each dashboard is gathered in a fixed number of queries whatever the size of the company: counts and sums are
computed by the database (GROUP BY, correlated subqueries, window functions), lists are cut to a few rows, and
charts receive at most about a hundred points. Nothing here writes.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import Count, Exists, F, IntegerField, OuterRef, Q, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from appraisals.models import (
    RATING_STATES,
    Appeal,
    Appraisal,
    AppraisalCycle,
    RaterType,
    Rating,
    Recommendation,
    SpotCheck,
)
from appraisals.selectors import appraisal_history, cycle_latest_closed, ratings_pending_for
from clients.models import Client, Interaction, TieringRun
from core.choices import ClientTier
from core.permissions import Scope
from incentives.models import PayStatement
from managers.models import AccountManager, Assistant, AssistantKpi, Department, Grade, Target
from managers.selectors import manager_line_ids, managers_in_scope

# How far back "behind on client contact" looks, and how many rows each list shows (the full lists are elsewhere).
CONTACT_DAYS = 30
LIST_ROWS = 10
FOLLOW_UP_AHEAD_DAYS = 7
FOLLOW_UP_BACK_DAYS = 30
TIERS = [ClientTier.CORE, ClientTier.KEY, ClientTier.ORDINARY]
BANDS = [Appraisal.Band.EXCELLENT, Appraisal.Band.GOOD, Appraisal.Band.PASS, Appraisal.Band.FAIL]


# --- charts -------------------------------------------------------------------------------------------------------


@dataclass
class Chart:
    """A chart's figures for Chart.js (sent with json_script) and the same figures as a table for those who cannot
    see the canvas. ``kind`` is a Chart.js type; ``stacked`` stacks the bars; ``y_max`` fixes the top of the axis."""

    kind: str
    labels: list[str]
    datasets: list[dict[str, Any]]
    stacked: bool = False
    y_max: float | None = None
    percent: bool = False
    reference: float | None = None  # a horizontal line (the 80 % of the Pareto chart)
    reference_label: str = ""

    @property
    def data(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "labels": [str(label) for label in self.labels],
            "datasets": [{"label": str(d["label"]), "data": d["data"]} for d in self.datasets],
            "stacked": self.stacked,
            "y_max": self.y_max,
            "percent": self.percent,
            "reference": self.reference,
            "reference_label": str(self.reference_label),
        }

    @property
    def headers(self) -> list[str]:
        return [str(d["label"]) for d in self.datasets]

    @property
    def rows(self) -> list[tuple[str, list[Any]]]:
        return [(str(label), [d["data"][i] for d in self.datasets]) for i, label in enumerate(self.labels)]

    @property
    def is_empty(self) -> bool:
        return not self.labels


def _number(value: Decimal | int | None) -> float | None:
    return None if value is None else float(value)


def _month_bounds(today: dt.date) -> tuple[dt.date, dt.date]:
    start = today.replace(day=1)
    return start, (start + dt.timedelta(days=32)).replace(day=1)


def _months_in(start: dt.date, end: dt.date) -> int:
    return (end.year - start.year) * 12 + end.month - start.month + 1


def _quarter_start(today: dt.date) -> dt.date:
    return dt.date(today.year, 3 * ((today.month - 1) // 3) + 1, 1)


# --- pieces shared by several dashboards -----------------------------------------------------------------------------


def _ids(managers: QuerySet[AccountManager] | list[int]) -> QuerySet | list[int]:
    """Managers as a filter value: a list of ids as it is, a queryset as a subquery of its ids."""
    return managers if isinstance(managers, list) else managers.values("pk")


def clients_by_tier(managers: QuerySet[AccountManager] | list[int]) -> Chart:
    """The clients currently assigned to these managers, counted by tier (one query)."""
    counts = dict(
        Client.objects.filter(current_manager__in=_ids(managers)).order_by().values_list("tier").annotate(n=Count("*"))
    )
    return Chart(
        kind="bar",
        labels=[tier.label for tier in TIERS],
        datasets=[{"label": gettext_lazy("clients"), "data": [counts.get(tier.value, 0) for tier in TIERS]}],
    )


def scores_of(*, cycle: AppraisalCycle | None, managers: QuerySet[AccountManager] | list[int]) -> list[Appraisal]:
    """The final appraisals of these managers in the cycle, best first (one query; none without a cycle)."""
    if cycle is None:
        return []
    return list(
        Appraisal.objects.filter(cycle=cycle, finalised_at__isnull=False, manager__in=_ids(managers))
        .select_related("manager__user", "grade")
        .defer("explanation")  # read only on the appraisal's own page
        .order_by(F("total_score").desc(nulls_last=True), "manager__employee_no")
    )


def scores_chart(appraisals: list[Appraisal]) -> Chart:
    """Totals side by side, one bar per manager, split by dimension contribution is left to the appraisal page."""
    return Chart(
        kind="bar",
        labels=[a.manager.name for a in appraisals],
        datasets=[
            {"label": gettext_lazy("total score"), "data": [_number(a.total_score) for a in appraisals]},
            {"label": gettext_lazy("performance"), "data": [_number(a.performance_score) for a in appraisals]},
            {"label": gettext_lazy("behaviour"), "data": [_number(a.behaviour_score) for a in appraisals]},
            {"label": gettext_lazy("ability"), "data": [_number(a.ability_score) for a in appraisals]},
        ],
        y_max=100,
    )


def behind_on_contact(managers: QuerySet[AccountManager] | list[int], *, today: dt.date) -> list[AccountManager]:
    """Managers with clients not contacted for CONTACT_DAYS days, then those with the fewest interactions this month.

    Each manager carries ``clients`` (currently assigned), ``stale_clients`` (of those, none contacted by anyone in
    the last CONTACT_DAYS days) and ``month_interactions`` (logged by them this month). One query.
    """
    cutoff = today - dt.timedelta(days=CONTACT_DAYS)
    month_start, next_month = _month_bounds(today)
    current_clients = Client.objects.filter(current_manager=OuterRef("pk")).order_by()
    recent = Interaction.objects.counting().filter(client=OuterRef("pk"), date__gt=cutoff)

    def count_of(queryset: QuerySet, by: str) -> Coalesce:
        counted = queryset.values(by).annotate(n=Count("*")).values("n")
        return Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))

    this_month = (
        Interaction.objects.counting()
        .filter(manager=OuterRef("pk"), date__gte=month_start, date__lt=next_month)
        .order_by()
    )
    return list(
        AccountManager.objects.filter(pk__in=_ids(managers), status=AccountManager.Status.ACTIVE)
        .select_related("user")
        .annotate(
            clients=count_of(current_clients, "current_manager"),
            stale_clients=count_of(current_clients.filter(~Exists(recent)), "current_manager"),
            month_interactions=count_of(this_month, "manager"),
        )
        .order_by("-stale_clients", "month_interactions", "employee_no")[:LIST_ROWS]
    )


# --- manager (and supervisor) --------------------------------------------------------------------------------------


@dataclass
class MonthTarget:
    """Interactions this month against the month's share of the period target."""

    done: int
    target: Decimal | None
    period_target: Target | None
    months: int = 0

    @property
    def percent(self) -> int | None:
        if not self.target:
            return None
        return min(100, round(self.done / self.target * 100))


@dataclass
class ManagerDashboard:
    manager: AccountManager
    tiers: Chart
    month: MonthTarget
    pending_ratings: list[Rating]
    history: list[Any]
    latest: Appraisal | None
    trend: Chart
    pay: PayStatement | None
    is_supervisor: bool = False
    line_cycle: AppraisalCycle | None = None
    line_scores: list[Appraisal] = field(default_factory=list)
    line_chart: Chart | None = None
    behind: list[AccountManager] = field(default_factory=list)


def month_target(*, manager: AccountManager, today: dt.date) -> MonthTarget:
    """Interactions the manager logged this month (one query) against the target of the period covering today,
    pro-rated per month: the period's interactions target divided by its number of months (one query)."""
    month_start, next_month = _month_bounds(today)
    done = Interaction.objects.counting().filter(manager=manager, date__gte=month_start, date__lt=next_month).count()
    targets = list(Target.objects.filter(manager=manager, period_start__lte=today, period_end__gte=today))
    # The shortest period covering today is the most specific plan (a short-term target over a long-term one).
    targets.sort(key=lambda t: (t.period_end - t.period_start, t.pk))
    if not targets:
        return MonthTarget(done=done, target=None, period_target=None)
    target = targets[0]
    months = _months_in(target.period_start, target.period_end)
    monthly = (Decimal(target.interactions) / months).quantize(Decimal("0.1"))
    return MonthTarget(done=done, target=monthly, period_target=target, months=months)


def manager_dashboard(*, user: AbstractBaseUser, today: dt.date | None = None) -> ManagerDashboard | None:
    """The account manager's home: clients by tier, this month's interactions against target, pending ratings,
    the latest appraisal and the trend over cycles, the latest pay statement; for a supervisor also the line's
    latest scores and who in the line is behind on client contact. None for a user who is not a manager."""
    today = today or timezone.localdate()
    manager = (
        AccountManager.objects.filter(user=user)
        .select_related("user", "department")
        .annotate(subordinate_count=Count("subordinates"))
        .first()
    )
    if manager is None:
        return None
    history = appraisal_history(manager=manager)  # newest first
    oldest_first = history[::-1]
    trend = Chart(
        kind="line",
        labels=[row.appraisal.cycle.name for row in oldest_first],
        datasets=[
            {"label": gettext_lazy("total score"), "data": [_number(r.appraisal.total_score) for r in oldest_first]}
        ],
        y_max=100,
    )
    pay = (
        PayStatement.objects.filter(manager=manager)
        .select_related("period", "grade")
        .order_by("-period__start", "-kind", "-pk")
        .first()
    )
    dashboard = ManagerDashboard(
        manager=manager,
        tiers=clients_by_tier([manager.pk]),
        month=month_target(manager=manager, today=today),
        pending_ratings=list(ratings_pending_for(user)),
        history=history,
        latest=history[0].appraisal if history else None,
        trend=trend,
        pay=pay,
        is_supervisor=manager.subordinate_count > 0,
    )
    if dashboard.is_supervisor:
        line = manager_line_ids(manager)
        dashboard.line_cycle = cycle_latest_closed()
        dashboard.line_scores = scores_of(cycle=dashboard.line_cycle, managers=line)
        dashboard.line_chart = scores_chart(dashboard.line_scores)
        dashboard.behind = behind_on_contact([pk for pk in line if pk != manager.pk], today=today)
    return dashboard


# --- department head -----------------------------------------------------------------------------------------------


@dataclass
class HeadDashboard:
    departments: list[Department]
    cycle: AppraisalCycle | None
    scores: list[Appraisal]
    chart: Chart
    behind: list[AccountManager]
    pending_ratings: list[Rating]


def department_head_dashboard(*, user: AbstractBaseUser, today: dt.date | None = None) -> HeadDashboard:
    """The department head's home: the department's latest scores, who is behind on contact, pending head ratings."""
    today = today or timezone.localdate()
    # The department scope of the permission matrix: the managers of the departments this user heads.
    managers = managers_in_scope(user, Scope.DEPARTMENT)
    cycle = cycle_latest_closed()
    scores = scores_of(cycle=cycle, managers=managers)
    return HeadDashboard(
        departments=list(Department.objects.filter(head=user).order_by("name")),
        cycle=cycle,
        scores=scores,
        chart=scores_chart(scores),
        behind=behind_on_contact(managers, today=today),
        pending_ratings=list(ratings_pending_for(user)),
    )


# --- HR ------------------------------------------------------------------------------------------------------------


@dataclass
class CycleProgress:
    cycle: AppraisalCycle
    due: int
    submitted: int

    @property
    def percent(self) -> int:
        return round(self.submitted / self.due * 100) if self.due else 0


@dataclass
class HrDashboard:
    progress: list[CycleProgress]
    progress_chart: Chart
    cycle: AppraisalCycle | None
    by_grade: Chart
    by_department: Chart
    recommendations_pending: int
    promotions_pending: int
    appeals_open: int
    spot_checks: dict[str, Any]
    quarter_start: dt.date
    pareto: Chart
    pareto_run: TieringRun | None
    pareto_clients: int
    tiers: Chart


def cycle_progress(*, today: dt.date) -> tuple[list[CycleProgress], Chart]:
    """Ratings submitted against due in the cycles taking ratings, by rater type (one query)."""
    counts = (
        Rating.objects.filter(appraisal__cycle__state__in=RATING_STATES, excluded=False)
        .order_by()
        .values("appraisal__cycle", "rater_type")
        .annotate(due=Count("pk"), submitted=Count("pk", filter=Q(submitted_at__isnull=False)))
    )
    by_cycle: dict[int, dict[str, tuple[int, int]]] = {}
    for row in counts:
        by_cycle.setdefault(row["appraisal__cycle"], {})[row["rater_type"]] = (row["due"], row["submitted"])
    cycles = {c.pk: c for c in AppraisalCycle.objects.filter(state__in=RATING_STATES).order_by("rating_deadline", "pk")}
    progress = [
        CycleProgress(
            cycle=cycle,
            due=sum(d for d, _s in by_cycle.get(pk, {}).values()),
            submitted=sum(s for _d, s in by_cycle.get(pk, {}).values()),
        )
        for pk, cycle in cycles.items()
    ]
    # The chart shows the first cycle taking ratings (normally the only one), by rater type.
    first = progress[0].cycle.pk if progress else None
    types = by_cycle.get(first, {})
    chart = Chart(
        kind="bar",
        labels=[label for value, label in RaterType.choices if value in types],
        datasets=[
            {
                "label": gettext_lazy("submitted"),
                "data": [types[value][1] for value, _l in RaterType.choices if value in types],
            },
            {
                "label": gettext_lazy("still due"),
                "data": [types[value][0] - types[value][1] for value, _l in RaterType.choices if value in types],
            },
        ],
        stacked=True,
    )
    return progress, chart


def band_distribution(*, cycle: AppraisalCycle | None, by: str) -> Chart:
    """How many final appraisals of the cycle fall in each band, by grade or by department (one query)."""
    if cycle is None:
        return Chart(kind="bar", labels=[], datasets=[], stacked=True)
    key = {"grade": "grade__code", "department": "manager__department__name"}[by]
    rows = (
        Appraisal.objects.filter(cycle=cycle, finalised_at__isnull=False)
        .exclude(band="")
        .order_by()
        .values(key, "band")
        .annotate(n=Count("pk"))
    )
    counts: dict[str, dict[str, int]] = {}
    for row in rows:
        counts.setdefault(row[key] or "", {})[row["band"]] = row["n"]
    if by == "grade":
        keys = [code for code in Grade.Code.values if code in counts] + ([""] if "" in counts else [])
        labels = [Grade.Code(code).label if code else _("no grade") for code in keys]
    else:
        keys = sorted(counts)
        labels = keys
    return Chart(
        kind="bar",
        labels=labels,
        datasets=[{"label": band.label, "data": [counts[k].get(band.value, 0) for k in keys]} for band in BANDS],
        stacked=True,
    )


def pareto_chart() -> tuple[Chart, TieringRun | None]:
    """The 80/20 chart as the latest tiering run ranked the clients: cumulative share of volume against share of
    clients, at the ~100 ranks the run kept (one indexed query, rather than ranking every client per view).
    Empty, with the run None, before the first run."""
    run = (
        TieringRun.objects.order_by("-computed_at", "-pk")
        .only("pk", "computed_at", "period_start", "period_end", "pareto_points")
        .first()
    )
    points = run.pareto_points if run is not None else []
    if not points:
        return Chart(kind="line", labels=[], datasets=[], percent=True), run
    ranked = points[-1][0]  # the last sampled rank is the number of clients the run ranked
    chart = Chart(
        kind="line",
        labels=[f"{rank / ranked * 100:.0f}%" for rank, _share in points],
        datasets=[
            {"label": gettext_lazy("cumulative share of business volume (%)"), "data": [share for _r, share in points]}
        ],
        y_max=100,
        percent=True,
        reference=80,
        reference_label=gettext_lazy("80 percent of volume"),
    )
    return chart, run


def hr_dashboard(*, today: dt.date | None = None) -> HrDashboard:
    """HR's home: cycle progress, the latest closed cycle's bands by grade and department, what waits for a
    decision, this quarter's spot-checks, and the 80/20 chart of clients."""
    today = today or timezone.localdate()
    progress, progress_chart = cycle_progress(today=today)
    cycle = cycle_latest_closed()
    waiting = Recommendation.objects.filter(state=Recommendation.State.PENDING).aggregate(
        total=Count("pk"), promotions=Count("pk", filter=Q(kind=Recommendation.Kind.PROMOTION))
    )
    quarter = _quarter_start(today)
    spot = SpotCheck.objects.filter(draw__drawn_at__date__gte=quarter).aggregate(
        drawn=Count("pk"),
        checked=Count("pk", filter=Q(checked_on__isnull=False)),
        effect=Coalesce(Sum("score_effect"), Value(Decimal("0"))),
    )
    pareto, pareto_run = pareto_chart()
    tier_counts = dict(Client.objects.order_by().values_list("tier").annotate(n=Count("*")))
    return HrDashboard(
        progress=progress,
        progress_chart=progress_chart,
        cycle=cycle,
        by_grade=band_distribution(cycle=cycle, by="grade"),
        by_department=band_distribution(cycle=cycle, by="department"),
        recommendations_pending=waiting["total"],
        promotions_pending=waiting["promotions"],
        appeals_open=Appeal.objects.filter(state=Appeal.State.OPEN).count(),
        spot_checks=spot,
        quarter_start=quarter,
        pareto=pareto,
        pareto_run=pareto_run,
        pareto_clients=sum(tier_counts.values()),  # every client has a tier: no second count of the table
        tiers=Chart(
            kind="bar",
            labels=[tier.label for tier in TIERS],
            datasets=[{"label": gettext_lazy("clients"), "data": [tier_counts.get(t.value, 0) for t in TIERS]}],
        ),
    )


# --- assistant -----------------------------------------------------------------------------------------------------


@dataclass
class AssistantDashboard:
    assistant: Assistant | None
    tiers: Chart
    recorded_this_month: int
    kpi: AssistantKpi | None
    follow_ups: list[Interaction]


def follow_ups_due(*, manager: AccountManager, today: dt.date) -> list[Interaction]:
    """Interactions of the manager's clients whose follow-up date is within the next week or passed in the last
    month, with no later interaction on that client (the follow-up has not happened yet). One query."""
    later = Interaction.objects.counting().filter(client=OuterRef("client"), date__gt=OuterRef("date"))
    return list(
        Interaction.objects.counting()
        .filter(
            manager=manager,
            follow_up_date__gte=today - dt.timedelta(days=FOLLOW_UP_BACK_DAYS),
            follow_up_date__lte=today + dt.timedelta(days=FOLLOW_UP_AHEAD_DAYS),
        )
        .filter(~Exists(later))
        .select_related("client")
        .order_by("follow_up_date", "pk")[: LIST_ROWS * 2]
    )


def assistant_dashboard(*, user: AbstractBaseUser, today: dt.date | None = None) -> AssistantDashboard:
    """The assistant's home: their manager's clients by tier, the interactions they recorded this month (against
    this month's KPI when HR set one) and the follow-ups due."""
    today = today or timezone.localdate()
    month_start, next_month = _month_bounds(today)
    assistant = Assistant.objects.filter(user=user, active=True).select_related("manager__user").first()
    recorded = (
        Interaction.objects.counting().filter(recorded_by=user, date__gte=month_start, date__lt=next_month).count()
    )
    if assistant is None:
        return AssistantDashboard(
            assistant=None, tiers=clients_by_tier([]), recorded_this_month=recorded, kpi=None, follow_ups=[]
        )
    return AssistantDashboard(
        assistant=assistant,
        tiers=clients_by_tier([assistant.manager_id]),
        recorded_this_month=recorded,
        kpi=AssistantKpi.objects.filter(assistant=assistant, month=month_start).first(),
        follow_ups=follow_ups_due(manager=assistant.manager, today=today),
    )
