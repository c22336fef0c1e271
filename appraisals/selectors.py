"""Reads about appraisals: who may see and do what on appraisals, ratings and spot-checks (the one place that decides
it), and the querysets and rows behind the pages, the admin, the services and home. Never Http404."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import Case, Count, F, Q, QuerySet, Value, When, Window
from django.db.models.functions import RowNumber

from appraisals.explanation import Explanation
from appraisals.filtersets import CycleResultsFilterSet, LineResultsFilterSet
from appraisals.models import (
    RATING_STATES,
    Appraisal,
    AppraisalCycle,
    AppraisalVersion,
    Dimension,
    Indicator,
    RaterType,
    Rating,
    SpotCheck,
    Template,
)
from core.permissions import Action, Kind, Scope
from managers.models import AccountManager
from managers.selectors import acting_manager, manager_for_user, manager_line, managers_in_scope, scope_of

User = AbstractBaseUser | AnonymousUser


# --- permissions: appraisals, ratings, spot-checks -----------------------------------------------------------------


def appraisals_visible_to(user: User, action: Action = Action.VIEW) -> QuerySet[Appraisal]:
    """HR: every appraisal. Others: the final appraisals of closed cycles of the managers in their scope (their line,
    their department as its head; for change, their own); an appraisal in progress is shown to no one but HR."""
    scope = scope_of(user, Kind.APPRAISAL, action)
    managers = managers_in_scope(user, scope)
    if managers is None:
        return Appraisal.objects.all()
    condition = Q(manager__in=managers.values("pk"))
    # A department head who is also someone's supervisor sees both: the union of the two scopes.
    if scope == Scope.DEPARTMENT and acting_manager(user) is not None:
        condition |= Q(manager__in=managers_in_scope(user, Scope.LINE).values("pk"))
    return Appraisal.objects.filter(condition, finalised_at__isnull=False, cycle__state=AppraisalCycle.State.CLOSED)


def appraisal_for_user(user: User, pk: int) -> Appraisal | None:
    """The appraisal with what its page shows, or None when the user may not see it."""
    return (
        appraisals_visible_to(user)
        .select_related("cycle", "manager__user", "manager__department", "grade", "appeal")
        .filter(pk=pk)
        .first()
    )


def can_view_appraisal(user: User, appraisal: Appraisal | None) -> bool:
    return appraisal is not None and appraisals_visible_to(user).filter(pk=appraisal.pk).exists()


def can_answer_appraisal(user: User, appraisal: Appraisal | None) -> bool:
    """Acknowledge or appeal: the appraised manager only (the services check the deadline)."""
    return appraisal is not None and user.is_authenticated and appraisal.manager.user_id == user.pk


def can_see_all_results(user: User) -> bool:
    """The ranking of a cycle and its export: HR only."""
    return scope_of(user, Kind.APPRAISAL, Action.LIST) == Scope.ALL


def ratings_given_by(user: User) -> QuerySet[Rating]:
    """The ratings the user gives (self, department head, peer); client ratings go through survey links."""
    if not user.is_authenticated:
        return Rating.objects.none()
    return Rating.objects.filter(rater=user).exclude(rater_type=RaterType.CLIENT)


def ratings_visible_to(user: User, action: Action = Action.VIEW) -> QuerySet[Rating]:
    """HR sees every rating and who gave it; a rater only the ratings they give. A rated manager sees the ratings of
    their appraisal only as the anonymous figures of its explanation; a client's rating opens by its survey link."""
    scope = scope_of(user, Kind.RATING, action)
    if scope == Scope.ALL:
        return Rating.objects.all()
    if scope == Scope.OWN:
        return ratings_given_by(user)
    return Rating.objects.none()


def can_rate(user: User, rating: Rating | None) -> bool:
    return rating is not None and ratings_given_by(user).filter(pk=rating.pk).exists()


def spot_checks_visible_to(user: User, action: Action = Action.VIEW) -> QuerySet[SpotCheck]:
    """HR only: spot-checks are unannounced, so a manager never sees a draw or a check."""
    if scope_of(user, Kind.SPOT_CHECK, action) == Scope.ALL:
        return SpotCheck.objects.all()
    return SpotCheck.objects.none()


def can_manage_spot_checks(user: User) -> bool:
    return scope_of(user, Kind.SPOT_CHECK, Action.VIEW) == Scope.ALL


def can_run_cycles(user: User) -> bool:
    """HR's cycle pages: a cycle's state, what is missing, and the jobs that open, remind, close and pay."""
    return scope_of(user, Kind.CYCLE, Action.VIEW) == Scope.ALL


# --- reads


def cycle_latest_closed() -> AppraisalCycle | None:
    """The closed cycle with the latest period; of two over the same period, the one closed last (one query)."""
    return (
        AppraisalCycle.objects.filter(state=AppraisalCycle.State.CLOSED)
        .order_by("-period_end", "-closed_at", "-pk")
        .first()
    )


def cycles_with_results() -> QuerySet[AppraisalCycle]:
    """The cycles past draft (they have appraisals to rank), latest period first."""
    return AppraisalCycle.objects.exclude(state=AppraisalCycle.State.DRAFT).order_by("-period_end", "-pk")


RANKING = (F("total_score").desc(nulls_last=True), F("manager__employee_no").asc())


def cycle_results_ranking(*, cycle: AppraisalCycle) -> QuerySet[Appraisal]:
    """The appraisals of the cycle, best total first, each with its rank among those selected (one query with their
    manager, department and grade)."""
    return (
        Appraisal.objects.filter(cycle=cycle)
        .select_related("manager__user", "manager__department", "grade")
        .defer("explanation")  # about 12 KB of JSON each, read only on the appraisal's own page
        .annotate(rank=Window(RowNumber(), order_by=list(RANKING)))
        .order_by(*RANKING)
    )


def cycle_results_filters(
    *, cycle: AppraisalCycle, filters: Mapping[str, object] | None = None
) -> CycleResultsFilterSet:
    """The results page's filter set over the cycle's ranking."""
    return CycleResultsFilterSet(filters, queryset=cycle_results_ranking(cycle=cycle))


def sorted_results(queryset: QuerySet[Appraisal]) -> QuerySet[Appraisal]:
    """A results table's rows in the order asked for, the ranking breaking ties (so pages never overlap)."""
    asked = queryset.query.order_by
    if asked and all(isinstance(field, str) for field in asked):  # a column's sort, not the default ranking
        return queryset.order_by(*asked, *RANKING)
    return queryset


def cycle_results(*, cycle: AppraisalCycle, filters: Mapping[str, object] | None = None) -> QuerySet[Appraisal]:
    """The cycle's ranking filtered by grade and department and sorted, as the results page shows it."""
    return sorted_results(cycle_results_filters(cycle=cycle, filters=filters).qs)


def cycle_missing_ratings(*, cycle: AppraisalCycle) -> QuerySet[Rating]:
    """The ratings of the cycle still pending (not submitted, not excluded), for HR before closing."""
    return (
        Rating.objects.filter(appraisal__cycle=cycle, submitted_at__isnull=True, excluded=False)
        .select_related("appraisal__manager__user", "rater", "client")
        .order_by("appraisal__manager__employee_no", "rater_type", "pk")
    )


def cycle_missing_summary(*, cycle: AppraisalCycle) -> dict[str, int]:
    """How many ratings are still pending, by rater type (one query)."""
    rows = (
        Rating.objects.filter(appraisal__cycle=cycle, submitted_at__isnull=True, excluded=False)
        .values("rater_type")
        .annotate(count=Count("pk"))
        .order_by()
    )
    return {row["rater_type"]: row["count"] for row in rows}


_PENDING_RATING = Q(submitted_at__isnull=True, excluded=False)


def cycles_overview() -> QuerySet[AppraisalCycle]:
    """Every cycle, latest period first, with its appraisals and ratings counted (one query whatever the number):
    `appraisal_count`, `rating_count`, `missing_count` (pending, not excluded)."""
    return (
        AppraisalCycle.objects.annotate(
            appraisal_count=Count("appraisals", distinct=True),
            rating_count=Count("appraisals__ratings"),
            missing_count=Count(
                "appraisals__ratings",
                filter=Q(appraisals__ratings__submitted_at__isnull=True, appraisals__ratings__excluded=False),
            ),
        )
        .select_related("template")
        .order_by("-period_end", "-pk")
    )


def cycle_overview(*, pk: int) -> AppraisalCycle | None:
    """One cycle with the counts of cycles_overview (one query); None when there is no such cycle."""
    return cycles_overview().filter(pk=pk).first()


@dataclass(frozen=True)
class RatingsOwed:
    """Who still owes ratings in a cycle: a rater (a user) or a sampled client, how many, and of which type."""

    rater_type: str
    count: int
    rater: AbstractBaseUser | None = None
    client_name: str = ""

    @property
    def rater_type_label(self) -> str:
        return str(RaterType(self.rater_type).label)


def cycle_ratings_owed(*, cycle: AppraisalCycle) -> list[RatingsOwed]:
    """The pending ratings of the cycle grouped by rater type and by who owes them, most owed first within a type
    (two queries whatever the number of ratings: the groups, then the raters' names)."""
    groups = list(
        Rating.objects.filter(_PENDING_RATING, appraisal__cycle=cycle)
        .values("rater_type", "rater_id", "client__name")
        .annotate(count=Count("pk"))
        .order_by()
    )
    rater_ids = {row["rater_id"] for row in groups if row["rater_id"]}
    raters = (
        {
            user.pk: user
            for user in get_user_model()
            .objects.filter(pk__in=rater_ids)
            .only("pk", "username", "first_name", "last_name")
        }
        if rater_ids
        else {}
    )
    order = {code: position for position, code in enumerate(RaterType.values)}
    rows = [
        RatingsOwed(
            rater_type=row["rater_type"],
            count=row["count"],
            rater=raters.get(row["rater_id"]),
            client_name=row["client__name"] or "",
        )
        for row in groups
    ]
    return sorted(
        rows,
        key=lambda row: (order.get(row.rater_type, 99), -row.count, row.client_name, row.rater.pk if row.rater else 0),
    )


def cycle_appraisals_without_data(*, cycle: AppraisalCycle) -> QuerySet[Appraisal]:
    """The cycle's appraisals with a measured indicator that has no value (its data does not exist), each with
    `gap_count`, by employee number (one query with the manager)."""
    without_value = Q(measured_values__pk__isnull=False) & (
        Q(measured_values__value__isnull=True) | Q(measured_values__gap__gt="")
    )
    return (
        Appraisal.objects.filter(cycle=cycle)
        .annotate(gap_count=Count("measured_values", filter=without_value))
        .filter(gap_count__gt=0)
        .select_related("manager__user")
        .defer("explanation")
        .order_by("manager__employee_no")
    )


def cycle_spot_checks_pending(*, cycle: AppraisalCycle) -> QuerySet[SpotCheck]:
    """The spot-checks of the cycle's managers not yet counted in an appraisal: drawn and not yet carried out
    (`checked_on` empty), or recorded within the period and waiting for the close (one query with the manager)."""
    return (
        SpotCheck.objects.filter(manager__appraisals__cycle=cycle, applied_to__isnull=True)
        .filter(Q(checked_on__isnull=True) | Q(checked_on__lte=cycle.period_end))
        .select_related("manager__user")
        .order_by("manager__employee_no", "pk")
        .distinct()
    )


def indicators_rated_by(*, template: Template, rater_type: str) -> QuerySet[Indicator]:
    """The rated indicators of the template that this rater type rates: performance, behaviour, ability, in order."""
    dimension_order = Case(
        *(When(dimension=dimension, then=Value(position)) for position, dimension in enumerate(Dimension.values))
    )
    return Indicator.objects.filter(
        template=template, kind=Indicator.Kind.RATED, **{f"rated_by_{RaterType(rater_type).value}": True}
    ).order_by(dimension_order, "order", "pk")


def ratings_pending_for(user: AbstractBaseUser) -> QuerySet[Rating]:
    """The user's unsubmitted ratings in cycles taking ratings, soonest deadline first (one query)."""
    return (
        Rating.objects.filter(rater=user, submitted_at__isnull=True, appraisal__cycle__state__in=RATING_STATES)
        .select_related("appraisal__manager__user", "appraisal__manager__department", "appraisal__cycle")
        .order_by("appraisal__cycle__rating_deadline", "appraisal__manager__employee_no", "rater_type", "pk")
    )


def rating_for_rater(*, user: AbstractBaseUser, pk: int) -> Rating | None:
    """The user's own (non-client) rating with what its page shows; None for anyone else's."""
    return (
        ratings_given_by(user)
        .select_related("appraisal__manager__user", "appraisal__cycle__template", "draft")
        .filter(pk=pk)
        .first()
    )


# --- results of closed cycles


@dataclass
class HistoryRow:
    appraisal: Appraisal
    change: Decimal | None  # against the previous closed cycle; None for the first


def appraisal_history(*, manager: AccountManager) -> list[HistoryRow]:
    """The manager's final results across closed cycles, newest first, with the change from the one before."""
    appraisals = list(
        Appraisal.objects.filter(manager=manager, finalised_at__isnull=False, cycle__state=AppraisalCycle.State.CLOSED)
        .select_related("cycle", "grade", "appeal")
        .defer("explanation")  # read only on the appraisal's own page
        .order_by("cycle__period_end", "cycle_id")
    )
    rows: list[HistoryRow] = []
    previous: Decimal | None = None
    for appraisal in appraisals:
        total = appraisal.total_score
        change = total - previous if total is not None and previous is not None else None
        rows.append(HistoryRow(appraisal=appraisal, change=change))
        previous = total if total is not None else previous
    return rows[::-1]


def appraisal_explanation(*, appraisal: Appraisal) -> Explanation:
    """The appraisal's frozen explanation, typed (anonymous by contract: rater types, never raters)."""
    return Explanation.from_json(appraisal.explanation)


@dataclass
class EarlierVersion:
    """A result an upheld appeal replaced, with its explanation typed (never HR's record of which ratings changed)."""

    version: AppraisalVersion
    explanation: Explanation


def appraisal_versions(*, appraisal: Appraisal) -> list[EarlierVersion]:
    """The earlier results of the appraisal, oldest first (one query)."""
    return [
        EarlierVersion(version=version, explanation=Explanation.from_json(version.explanation))
        for version in appraisal.versions.defer("changes").order_by("number")
    ]


@dataclass
class LineResults:
    cycle: AppraisalCycle | None
    appraisals: list[Appraisal]
    scope: str  # "line", "department" or "all"


def line_results(*, user: AbstractBaseUser, filters: Mapping[str, object] | None = None) -> LineResults | None:
    """The latest closed cycle's results of the user's line (a supervisor), department (its head) or everyone (HR);
    None when the user supervises no one and heads no department."""
    allowed = scope_of(user, Kind.APPRAISAL, Action.LIST)
    me = manager_for_user(user)
    if allowed == Scope.ALL:
        managers: QuerySet[AccountManager] | None = None
        scope = "all"
    elif allowed == Scope.DEPARTMENT:
        managers = managers_in_scope(user, allowed)
        scope = "department"
    elif allowed == Scope.LINE and me is not None and me.subordinates.exists():
        managers = manager_line(me)
        scope = "line"
    else:
        return None
    cycle = cycle_latest_closed()
    if cycle is None:
        return LineResults(cycle=None, appraisals=[], scope=scope)
    appraisals = cycle.appraisals.filter(finalised_at__isnull=False).select_related(
        "manager__user", "manager__department", "grade"
    )
    if managers is not None:
        appraisals = appraisals.filter(manager__in=managers.values("pk"))
    ordered = LineResultsFilterSet(filters, queryset=appraisals.order_by(*RANKING)).qs
    return LineResults(
        cycle=cycle,
        appraisals=list(sorted_results(ordered)),
        scope=scope,
    )
