"""Reads of the appraisal: querysets and rows for the pages, the admin, the services and home; never Http404."""

from __future__ import annotations

from collections.abc import Mapping

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import Case, Count, F, QuerySet, Value, When

from appraisals.filtersets import CycleResultsFilterSet
from appraisals.models import (
    RATING_STATES,
    Appraisal,
    AppraisalCycle,
    Dimension,
    Indicator,
    RaterType,
    Rating,
    Template,
)
from core.permissions import ratings_given_by

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


def cycle_results_ranking(*, cycle: AppraisalCycle) -> QuerySet[Appraisal]:
    """The appraisals of the cycle, best total first (one query with their manager, department and grade)."""
    return (
        Appraisal.objects.filter(cycle=cycle)
        .select_related("manager__user", "manager__department", "grade")
        .defer("explanation")  # about 12 KB of JSON each, read only on the appraisal's own page
        .order_by(F("total_score").desc(nulls_last=True), "manager__employee_no")
    )


def cycle_results(*, cycle: AppraisalCycle, filters: Mapping[str, object] | None = None) -> QuerySet[Appraisal]:
    """The cycle's ranking filtered by grade and department, as the results page filters it."""
    return CycleResultsFilterSet(filters, queryset=cycle_results_ranking(cycle=cycle)).qs


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
        .select_related("appraisal__manager__user", "appraisal__cycle__template")
        .filter(pk=pk)
        .first()
    )
