"""Appraisal cycles: create, open (appraisals and pending rating tasks), move to review, close (score and freeze).

A closed cycle is read-only below the admin: besides the services' checks, the pre_save / pre_delete receivers at
the end of this module refuse any write to the cycle, its appraisals, ratings, rating scores, indicator scores and
measured values, except the writes cycle_close itself makes (the ``_CLOSING`` context flag). They are connected when
this module is imported, which the admin (autodiscovered at start-up by django.contrib.admin) and the Celery tasks
both do.
"""

from __future__ import annotations

import random
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Model, Q, QuerySet, Sum
from django.db.models.signals import pre_delete, pre_save
from django.dispatch import receiver
from django.utils import timezone
from django.utils.translation import gettext as _
from simple_history.utils import bulk_update_with_history

from appraisals.explanation import ExcludedRating
from appraisals.models import (
    Appraisal,
    AppraisalCycle,
    AppraisalPlan,
    Indicator,
    MeasuredValue,
    RaterType,
    Rating,
    RatingScore,
    SpotCheck,
    Template,
)
from appraisals.services.measures import measured_values_store
from appraisals.services.scoring import RatingSummary, Tally, appraisal_score, scoring_plan
from appraisals.services.templates import template_assert_changeable, template_validate
from managers.models import AccountManager
from managers.selectors import managers_with_grade

State = AppraisalCycle.State

# Ids of the cycles whose close is writing right now (the only writes a closed cycle accepts).
_CLOSING: ContextVar[frozenset[int]] = ContextVar("appraisal_cycles_closing", default=frozenset())

# Fields of an appraisal that may still be written after the close: the manager's acknowledgement.
WRITABLE_AFTER_CLOSE = {"acknowledged_at"}


@contextmanager
def _closing(cycle_id: int) -> Iterator[None]:
    token = _CLOSING.set(_CLOSING.get() | {cycle_id})
    try:
        yield
    finally:
        _CLOSING.reset(token)


def _closed_message(cycle: object = "") -> str:
    return _("The appraisal cycle %(cycle)s is closed: its appraisals, ratings and scores can no longer change.") % {
        "cycle": cycle
    }


# --- creating and opening ---------------------------------------------------------------------------------------


@transaction.atomic
def cycle_create(
    *,
    name: str,
    template: Template,
    period_start,
    period_end,
    rating_deadline,
    kind: str = AppraisalCycle.Kind.REGULAR,
    cause: str = "",
    plan: AppraisalPlan | None = None,
) -> AppraisalCycle:
    """Create a draft cycle of the template over the period."""
    cycle = AppraisalCycle(
        name=name,
        template=template,
        period_start=period_start,
        period_end=period_end,
        rating_deadline=rating_deadline,
        kind=kind,
        cause=cause,
        plan=plan,
    )
    cycle.full_clean()
    if cycle.rating_deadline < cycle.period_start:
        raise ValidationError({"rating_deadline": _("The rating deadline cannot be before the period starts.")})
    cycle.save()
    return cycle


def _lock(cycle: AppraisalCycle) -> AppraisalCycle:
    """The cycle re-read under a row lock (PostgreSQL; SQLite serialises writers on the file)."""
    return AppraisalCycle.objects.select_for_update().select_related("template").get(pk=cycle.pk)


def _peers_draw(
    managers: list[AccountManager], per_manager: int, rng: random.Random
) -> dict[int, list[AccountManager]]:
    """Up to per_manager peers for each manager, drawn among the managers of the same grade and department."""
    groups: dict[tuple[int, int | None], list[AccountManager]] = defaultdict(list)
    for manager in managers:
        groups[(manager.department_id, manager.grade_id_on)].append(manager)
    drawn: dict[int, list[AccountManager]] = {}
    for manager in managers:
        if manager.grade_id_on is None:
            drawn[manager.pk] = []
            continue
        candidates = [other for other in groups[(manager.department_id, manager.grade_id_on)] if other.pk != manager.pk]
        drawn[manager.pk] = rng.sample(candidates, min(per_manager, len(candidates)))
    return drawn


def _user_or_none(by: AbstractBaseUser | None) -> AbstractBaseUser | None:
    """The user the audit records name; None for a scheduled job (or the request's user, if there is one)."""
    return by if by is not None and by.is_authenticated else None


@transaction.atomic
def cycle_open(*, cycle: AppraisalCycle, by: AbstractBaseUser | None = None) -> AppraisalCycle:
    """Open a draft cycle: one appraisal per active manager and the pending self, head and peer rating tasks."""
    cycle = _lock(cycle)
    if cycle.state != State.DRAFT:
        raise ValidationError(
            _("The cycle %(cycle)s is %(state)s: only a draft cycle can be opened.")
            % {"cycle": cycle, "state": cycle.get_state_display()}
        )
    template = cycle.template
    indicators = list(template.indicators.all())
    template_validate(template=template, indicators=indicators)
    rated = [indicator for indicator in indicators if indicator.kind == Indicator.Kind.RATED]
    rater_types = {rater for indicator in rated for rater in indicator.rater_types}

    managers = list(
        managers_with_grade(AccountManager.objects.active().select_related("department"), cycle.period_end).order_by(
            "pk"
        )
    )
    # Plain bulk_create, no history row per appraisal or rating task: what is created here is empty shells, and their
    # creation is recorded once, by the cycle's own history (opened_at, by whom). A later change to one of them — a
    # rating submitted, an acknowledgement, an appeal — is saved one by one and recorded with its user.
    Appraisal.objects.bulk_create(
        [Appraisal(cycle=cycle, manager=manager, grade_id=manager.grade_id_on) for manager in managers],
        ignore_conflicts=True,
    )
    appraisal_of = {appraisal.manager_id: appraisal for appraisal in Appraisal.objects.filter(cycle=cycle)}

    # Peers are drawn from the operating system's random source: nobody can predict (or replay) who rates whom.
    peers = {}
    if RaterType.PEER in rater_types:
        peers = _peers_draw(managers, template.peers_per_manager, random.SystemRandom())
    ratings: list[Rating] = []
    for manager in managers:
        appraisal = appraisal_of[manager.pk]
        if RaterType.SELF in rater_types:
            ratings.append(Rating(appraisal=appraisal, rater_type=RaterType.SELF, rater_id=manager.user_id))
        head_id = manager.department.head_id
        if RaterType.HEAD in rater_types and head_id and head_id != manager.user_id:
            ratings.append(Rating(appraisal=appraisal, rater_type=RaterType.HEAD, rater_id=head_id))
        for peer in peers.get(manager.pk, []):
            ratings.append(Rating(appraisal=appraisal, rater_type=RaterType.PEER, rater_id=peer.user_id))
    Rating.objects.bulk_create(ratings, batch_size=500, ignore_conflicts=True)

    cycle.state = State.OPEN
    cycle.opened_at = timezone.now()
    cycle.save(update_fields=["state", "opened_at"])

    if RaterType.CLIENT in rater_types:
        try:  # the client sample is drawn by the surveys service (another area of the appraisal)
            from appraisals.services.surveys import client_sample_draw
        except ImportError:
            client_sample_draw = None
        if client_sample_draw is not None:
            client_sample_draw(cycle=cycle, by=by)
    return cycle


@transaction.atomic
def cycle_to_review(*, cycle: AppraisalCycle, by: AbstractBaseUser | None = None) -> AppraisalCycle:
    """Move an open cycle to review: HR checks the ratings and the fairness flags before closing."""
    cycle = _lock(cycle)
    if cycle.state != State.OPEN:
        raise ValidationError(
            _("The cycle %(cycle)s is %(state)s: only an open cycle can move to review.")
            % {"cycle": cycle, "state": cycle.get_state_display()}
        )
    cycle.state = State.REVIEW
    cycle.save(update_fields=["state"])
    return cycle


# --- reading ------------------------------------------------------------------------------------------------------


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


def appraisal_assert_editable(appraisal: Appraisal) -> None:
    """Refuse a write to an appraisal (or its ratings and scores) once it is final or its cycle is closed."""
    if appraisal.pk is not None:
        row = (
            Appraisal.objects.filter(pk=appraisal.pk).values_list("cycle__state", "finalised_at", "cycle__name").first()
        )
    else:
        row = AppraisalCycle.objects.filter(pk=appraisal.cycle_id).values_list("state", "closed_at", "name").first()
        row = (row[0], None, row[2]) if row else None
    state, finalised_at, name = row if row else (None, None, "")
    if state == State.CLOSED or finalised_at is not None:
        raise ValidationError(_closed_message(name))


# --- closing ------------------------------------------------------------------------------------------------------


def _rating_summaries(cycle: AppraisalCycle) -> dict[int, RatingSummary]:
    """Each appraisal's ratings summed up by the database (two queries): the sum and count of the counting values
    (submitted, not excluded) per indicator and rater type, the ratings not submitted, and the excluded ones. At
    company size this replaces loading 14,000 ratings and 130,000 rating scores as model instances."""
    summaries: dict[int, RatingSummary] = defaultdict(RatingSummary)
    tallies = (
        RatingScore.objects.filter(
            rating__appraisal__cycle=cycle, rating__submitted_at__isnull=False, rating__excluded=False
        )
        .order_by()
        .values_list("rating__appraisal_id", "rating__rater_type", "indicator_id")
        .annotate(total=Sum("value"), count=Count("pk"))
    )
    for appraisal_id, rater_type, indicator_id, total, count in tallies:
        summaries[appraisal_id].tallies.setdefault(indicator_id, {})[rater_type] = Tally(total=total, count=count)
    # The ratings that do not count: few, in the order they were created (as the explanation lists them).
    for appraisal_id, rater_type, submitted_at, reason in (
        Rating.objects.filter(appraisal__cycle=cycle)
        .filter(Q(submitted_at__isnull=True) | Q(excluded=True))
        .order_by("pk")
        .values_list("appraisal_id", "rater_type", "submitted_at", "excluded_reason")
    ):
        summary = summaries[appraisal_id]
        if submitted_at is None:
            summary.pending += 1
        else:  # submitted and excluded
            # Who rated stays out of the explanation: the rated manager reads it.
            summary.excluded.append(ExcludedRating(rater_type=rater_type, reason=reason))
    return summaries


def cycle_close_check(*, cycle: AppraisalCycle, reason: str = "") -> int:
    """Refuse (ValidationError) what cycle_close would refuse for this cycle and reason: a cycle neither open nor in
    review, or ratings missing without a reason. Returns how many ratings are missing. A closed cycle passes:
    closing it again changes nothing. Also asked before a close is queued, so HR hears of a refusal at once."""
    if cycle.is_closed:
        return 0
    if cycle.state not in (State.OPEN, State.REVIEW):
        raise ValidationError(
            _("The cycle %(cycle)s is %(state)s: only an open cycle or one in review can be closed.")
            % {"cycle": cycle, "state": cycle.get_state_display()}
        )
    missing = cycle_missing_ratings(cycle=cycle).count()
    if missing and not (reason or "").strip():
        raise ValidationError(
            _("%(count)s rating(s) are still missing: give a reason to close the cycle without them.")
            % {"count": missing},
            code="ratings_missing",
        )
    return missing


@transaction.atomic
def cycle_close(*, cycle: AppraisalCycle, by: AbstractBaseUser | None = None, reason: str = "") -> AppraisalCycle:
    """Close the cycle: compute every measured value, indicator, dimension and total score, the band and the
    explanation, attach the pending spot-checks, and freeze it all. Closing a closed cycle changes nothing.

    One transaction under a row lock on the cycle: a crash halfway leaves the cycle as it was, and a re-run starts
    afresh. A fixed number of queries whatever the number of managers.
    """
    cycle = _lock(cycle)
    if cycle.is_closed:
        return cycle
    reason = (reason or "").strip()
    missing = cycle_close_check(cycle=cycle, reason=reason)

    with _closing(cycle.pk):
        measured: dict[int, dict[int, MeasuredValue]] = defaultdict(dict)
        for value in measured_values_store(cycle=cycle):
            measured[value.appraisal_id][value.indicator_id] = value
        template = cycle.template
        indicators = list(template.indicators.all())
        appraisals = list(Appraisal.objects.filter(cycle=cycle))
        summaries = _rating_summaries(cycle)
        checks: dict[int, list[SpotCheck]] = defaultdict(list)
        for check in SpotCheck.objects.filter(
            manager__appraisals__cycle=cycle,
            applied_to__isnull=True,
            checked_on__isnull=False,
            checked_on__lte=cycle.period_end,
        ).order_by("checked_on", "pk"):
            checks[check.manager_id].append(check)

        now = timezone.now()
        plan = scoring_plan(template=template, indicators=indicators)
        attached: list[SpotCheck] = []
        for appraisal in appraisals:
            result = appraisal_score(
                template=template,
                indicators=indicators,
                ratings=summaries.get(appraisal.pk) or RatingSummary(),
                measured=measured.get(appraisal.pk, {}),
                spot_checks=checks.get(appraisal.manager_id, []),
                plan=plan,
            )
            appraisal.performance_score = result.dimension_scores["performance"]
            appraisal.behaviour_score = result.dimension_scores["behaviour"]
            appraisal.ability_score = result.dimension_scores["ability"]
            appraisal.spot_check_effect = result.spot_check_effect
            appraisal.total_score = result.total
            appraisal.band = result.band
            appraisal.explanation = result.explanation.to_json()
            appraisal.finalised_at = now
            for check in checks.get(appraisal.manager_id, []):
                check.applied_to = appraisal
                attached.append(check)

        # Each write is one statement whatever the number of managers, so the query count of a close does not grow
        # with the company. The indicator scores and contributions are the lines of the explanation: one frozen
        # record of every figure (a table of the same figures beside it cost 40 % of a close at company size).
        # Plain bulk_update, no history row per appraisal: the frozen rows are their own record. Before the close
        # every score is empty; after it they never change (the closed-cycle guard), the explanation traces each
        # figure, finalised_at says when, and the cycle's history says who closed it. What changes a frozen
        # appraisal afterwards (acknowledgement, appeal) is saved one by one and recorded with its user.
        # An upsert on the primary key of rows that all exist, i.e. one UPDATE of every appraisal: bulk_update's
        # CASE WHEN id = … per field grows quadratically with the rows of one statement.
        Appraisal.objects.bulk_create(
            appraisals,
            update_conflicts=True,
            unique_fields=["id"],
            update_fields=[
                "performance_score",
                "behaviour_score",
                "ability_score",
                "spot_check_effect",
                "total_score",
                "band",
                "explanation",
                "finalised_at",
            ],
        )
        if attached:
            bulk_update_with_history(
                attached,
                SpotCheck,
                ["applied_to"],
                default_user=_user_or_none(by),
                default_change_reason="cycle closed",
            )
        cycle.state = State.CLOSED
        cycle.closed_at = now
        cycle.closed_by = by if by is not None and by.is_authenticated else None
        cycle.close_reason = reason if missing else ""
        cycle.save(update_fields=["state", "closed_at", "closed_by", "close_reason"])
    # Use of results (考评结果的使用): the rule's recommendations come with the close, in the same transaction.
    from appraisals.services.results import recommendations_make

    recommendations_make(cycle=cycle)
    return cycle


# --- read-only below the admin ------------------------------------------------------------------------------------


RELATED_NAMES = {MeasuredValue: "measured_values", Rating: "ratings"}


def _closed_cycle_of(instance: Model) -> AppraisalCycle | None:
    """The closed cycle the instance belongs to (as stored, and as it would be saved), or None."""
    closed = AppraisalCycle.objects.filter(state=State.CLOSED)
    if isinstance(instance, AppraisalCycle):
        condition = Q(pk=instance.pk) if instance.pk else None
    elif isinstance(instance, Appraisal):
        condition = Q(pk=instance.cycle_id)
        if instance.pk:
            condition |= Q(appraisals=instance.pk)
    elif isinstance(instance, (MeasuredValue, Rating)):
        condition = Q(appraisals=instance.appraisal_id)
        if instance.pk:
            condition |= Q(**{f"appraisals__{RELATED_NAMES[type(instance)]}": instance.pk})
    elif isinstance(instance, RatingScore):
        condition = Q(appraisals__ratings=instance.rating_id)
        if instance.pk:
            condition |= Q(appraisals__ratings__scores=instance.pk)
    else:
        return None
    if condition is None:
        return None
    return closed.filter(condition).exclude(pk__in=_CLOSING.get()).first()


GUARDED_MODELS = (AppraisalCycle, Appraisal, MeasuredValue, Rating, RatingScore)


@receiver(pre_save, dispatch_uid="appraisals_closed_cycle_save_guard")
def closed_cycle_save_guard(
    sender: type[Model], instance: Model, update_fields: object = None, raw: bool = False, **kwargs: object
) -> None:
    """Refuse saving anything of a closed cycle (the close itself excepted)."""
    if raw or sender not in GUARDED_MODELS:
        return
    if sender is Appraisal and update_fields is not None and set(update_fields) <= WRITABLE_AFTER_CLOSE:
        return
    closed = _closed_cycle_of(instance)
    if closed is not None:
        raise ValidationError(_closed_message(closed))


@receiver(pre_delete, dispatch_uid="appraisals_closed_cycle_delete_guard")
def closed_cycle_delete_guard(sender: type[Model], instance: Model, **kwargs) -> None:
    """Refuse deleting anything of a closed cycle."""
    if sender not in GUARDED_MODELS:
        return
    closed = _closed_cycle_of(instance)
    if closed is not None:
        raise ValidationError(_closed_message(closed))


@receiver(pre_save, dispatch_uid="appraisals_used_template_save_guard")
def used_template_save_guard(sender: type[Model], instance: Model, raw: bool = False, **kwargs) -> None:
    """Refuse changing a template (or its indicators) once a cycle with appraisals uses it."""
    if raw:
        return
    if sender is Template and instance.pk:
        template_assert_changeable(template=instance)
    elif sender is Indicator and instance.template_id:
        template_assert_changeable(template=Template(pk=instance.template_id, name=str(instance.template_id)))


@receiver(pre_delete, dispatch_uid="appraisals_used_template_delete_guard")
def used_template_delete_guard(sender: type[Model], instance: Model, **kwargs) -> None:
    """Refuse deleting an indicator of a used template."""
    if sender is Indicator and instance.template_id:
        template_assert_changeable(template=Template(pk=instance.template_id, name=str(instance.template_id)))
