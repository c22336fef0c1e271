"""Appraisal cycles: create, open (appraisals and pending rating tasks), move to review, close (score and freeze),
and the scheduled rule that opens the cycles that are due and holds those past their rating deadline.

A deadline is not a close: when it passes, the schedule reminds the raters, marks the missing ratings overdue and
holds the cycle in review (or moves the deadline later, as the policy says); closing is HR's decision, with a reason
when ratings are missing or appraisals would be held as incomplete (cycle_close_preview says how many and whose).
A closed cycle is read-only: the models refuse any later save or delete (appraisals/models/cycles.py).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Count, Q, Sum
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from simple_history.utils import bulk_update_with_history

from appraisals.explanation import ExcludedRating, Explanation, Gap
from appraisals.models import (
    Appraisal,
    AppraisalCycle,
    AppraisalPlan,
    Indicator,
    MeasuredValue,
    MissingDataAction,
    RaterType,
    Rating,
    RatingScore,
    SpotCheck,
    Template,
)
from appraisals.selectors import cycle_missing_ratings
from appraisals.services.draws import peers_draw
from appraisals.services.fairness import fairness_review_cycle
from appraisals.services.measures import measured_values_compute, measured_values_store
from appraisals.services.policies import appraisal_policy_for, cycle_scoring_policy, cycle_year, managers_gaps
from appraisals.services.ratings import ratings_remind
from appraisals.services.results import recommendations_make
from appraisals.services.scoring import RatingSummary, Tally, appraisal_score, result_write, scoring_plan
from appraisals.services.surveys import client_sample_draw
from appraisals.services.templates import template_validate
from core.jobs import job_lock
from core.roles import GROUP_NAMES, Role
from managers.models import AccountManager
from managers.selectors import managers_with_grade
from notifications.events import RATING_OVERDUE, RESULT_PUBLISHED
from notifications.services import Notice, notify_many

State = AppraisalCycle.State


def cycle_lock_key(cycle_id: int) -> str:
    """The lock every job that changes a cycle's state or scores holds (core.jobs.job_lock)."""
    return f"appraisals.cycle:{cycle_id}"


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


def _user_or_none(by: AbstractBaseUser | None) -> AbstractBaseUser | None:
    """The user the audit records name; None for a scheduled job (or the request's user, if there is one)."""
    return by if by is not None and by.is_authenticated else None


def _open_locked(cycle: AppraisalCycle, by: AbstractBaseUser | None) -> AppraisalCycle:
    """Open the draft cycle (held under its row lock): one appraisal per active manager and the rating tasks."""
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
    # Plain bulk_create, no history row per appraisal or rating task: these are empty shells, recorded once by the
    # cycle's own history (opened_at); each later change to one of them is saved one by one with its user.
    Appraisal.objects.bulk_create(
        [Appraisal(cycle=cycle, manager=manager, grade_id=manager.grade_id_on) for manager in managers],
        ignore_conflicts=True,
    )
    appraisal_of = {appraisal.manager_id: appraisal for appraisal in Appraisal.objects.filter(cycle=cycle)}

    # Peers are drawn from a cryptographic seed (nobody can predict who rates whom) and recorded for the auditor.
    peers = {}
    if RaterType.PEER in rater_types:
        peers = peers_draw(cycle=cycle, managers=managers, per_manager=template.peers_per_manager, by=by)
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
        client_sample_draw(cycle=cycle, by=by)
    return cycle


def cycle_open_check(*, cycle: AppraisalCycle) -> None:
    """Refuse (ValidationError) to open a cycle that is not a draft; also asked before an opening is queued, so HR
    hears of the refusal at once."""
    if cycle.state != State.DRAFT:
        raise ValidationError(
            _("The cycle %(cycle)s is %(state)s: only a draft cycle can be opened."),
            code="cycle_not_draft",
            params={"cycle": str(cycle), "state": cycle.get_state_display()},
        )


@transaction.atomic
def cycle_open(*, cycle: AppraisalCycle, by: AbstractBaseUser | None = None) -> AppraisalCycle:
    """Open a draft cycle: one appraisal per active manager and the pending self, head and peer rating tasks."""
    cycle = _lock(cycle)
    cycle_open_check(cycle=cycle)
    return _open_locked(cycle, by)


@transaction.atomic
def cycle_open_once(*, cycle: AppraisalCycle, by: AbstractBaseUser | None = None) -> bool:
    """Open the cycle if it is still a draft; False when it was opened already (a job run twice changes nothing)."""
    cycle = _lock(cycle)
    if cycle.state != State.DRAFT:
        return False
    _open_locked(cycle, by)
    return True


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
    fairness_review_cycle(cycle=cycle)
    return cycle


# --- closing ------------------------------------------------------------------------------------------------------


def cycle_rating_summaries(cycle: AppraisalCycle) -> dict[int, RatingSummary]:
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


def _measured_by_appraisal(cycle: AppraisalCycle) -> dict[int, dict[int, MeasuredValue]]:
    """Compute and store the measured values; {appraisal id: {indicator id: value}}."""
    measured: dict[int, dict[int, MeasuredValue]] = defaultdict(dict)
    for value in measured_values_store(cycle=cycle):
        measured[value.appraisal_id][value.indicator_id] = value
    return measured


def _spot_checks_pending(cycle: AppraisalCycle) -> dict[int, list[SpotCheck]]:
    """The recorded spot-checks not yet counted, dated within the period, by manager id (oldest first)."""
    checks: dict[int, list[SpotCheck]] = defaultdict(list)
    for check in SpotCheck.objects.filter(
        manager__appraisals__cycle=cycle,
        applied_to__isnull=True,
        checked_on__isnull=False,
        checked_on__lte=cycle.period_end,
    ).order_by("checked_on", "pk"):
        checks[check.manager_id].append(check)
    return checks


def _appraisals_score(cycle: AppraisalCycle, *, now: dt.datetime) -> tuple[list[Appraisal], list[SpotCheck]]:
    """Every appraisal of the cycle with its scores, band, incompleteness and explanation set (unsaved), by the
    cycle's policy, and the spot-checks it counted, each now pointing at its appraisal."""
    measured = _measured_by_appraisal(cycle)
    template = cycle.template
    indicators = list(template.indicators.all())
    appraisals = list(Appraisal.objects.filter(cycle=cycle))
    summaries = cycle_rating_summaries(cycle)
    checks = _spot_checks_pending(cycle)
    plan = scoring_plan(template=template, indicators=indicators)
    policy = cycle_scoring_policy(cycle)
    own_gaps = managers_gaps(
        manager_ids=[appraisal.manager_id for appraisal in appraisals], start=cycle.period_start, end=cycle.period_end
    )
    attached: list[SpotCheck] = []
    for appraisal in appraisals:
        result = appraisal_score(
            template=template,
            indicators=indicators,
            ratings=summaries.get(appraisal.pk) or RatingSummary(),
            measured=measured.get(appraisal.pk, {}),
            spot_checks=checks.get(appraisal.manager_id, []),
            plan=plan,
            policy=policy,
            manager_gaps=own_gaps.get(appraisal.manager_id, ()),
        )
        result_write(appraisal, result)
        appraisal.finalised_at = now
        for check in checks.get(appraisal.manager_id, []):
            check.applied_to = appraisal
            attached.append(check)
    return appraisals, attached


def _appraisals_freeze(appraisals: list[Appraisal], attached: list[SpotCheck], by: AbstractBaseUser | None) -> None:
    """Write the scored appraisals and the counted spot-checks, each in one statement whatever their number.

    No history row per appraisal: the frozen rows and their explanation are their own record, finalised_at says
    when and the cycle's history who. An upsert on the primary key is one UPDATE of every appraisal, where
    bulk_update's CASE WHEN id = … per field grows quadratically with the rows of one statement.
    """
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
            "incomplete",
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


def cycle_close_check(*, cycle: AppraisalCycle, reason: str = "") -> int:
    """Refuse (ValidationError) what cycle_close would refuse for this cycle and reason before scoring: a cycle
    neither open nor in review, or ratings missing without a reason. Returns how many ratings are missing. A closed
    cycle passes: closing it again changes nothing. Also asked before a close is queued, so HR hears of a refusal at
    once (the appraisals that would be held as incomplete are cycle_close_preview's)."""
    if cycle.is_closed:
        return 0
    if cycle.state not in (State.OPEN, State.REVIEW):
        raise ValidationError(
            _("The cycle %(cycle)s is %(state)s: only an open cycle or one in review can be closed."),
            code="cycle_not_closable",
            params={"cycle": str(cycle), "state": cycle.get_state_display()},
        )
    missing = cycle_missing_ratings(cycle=cycle).count()
    if missing and not (reason or "").strip():
        raise ValidationError(
            _("%(count)s rating(s) are still missing: give a reason to close the cycle without them."),
            code="ratings_missing",
            params={"count": missing},
        )
    return missing


@dataclass(frozen=True)
class IncompleteAppraisal:
    """An appraisal a close would hold as incomplete: whose, and the gaps that hold it."""

    appraisal_id: int
    employee_no: str
    manager_name: str
    gaps: tuple[Gap, ...]

    @property
    def reasons(self) -> str:
        return "; ".join(str(gap) for gap in self.gaps) or _("nothing to score")


@dataclass(frozen=True)
class ClosePreview:
    """What closing the cycle now would do, for HR before deciding: ratings missing, appraisals held incomplete."""

    missing_ratings: int
    incomplete: tuple[IncompleteAppraisal, ...] = ()

    @property
    def needs_reason(self) -> bool:
        return bool(self.missing_ratings or self.incomplete)


def _incomplete(appraisals: list[Appraisal]) -> tuple[IncompleteAppraisal, ...]:
    """The scored appraisals held as incomplete, by employee number, each with the gaps that hold it (one query)."""
    held = [appraisal for appraisal in appraisals if appraisal.incomplete]
    managers = AccountManager.objects.filter(pk__in=[appraisal.manager_id for appraisal in held]).select_related("user")
    by_id = {manager.pk: manager for manager in managers}
    found = []
    for appraisal in held:
        manager = by_id[appraisal.manager_id]
        gaps = tuple(
            gap
            for _code, gap in Explanation.from_json(appraisal.explanation).all_gaps
            if gap.action == MissingDataAction.INCOMPLETE
        )
        found.append(IncompleteAppraisal(appraisal.pk, manager.employee_no, manager.name, gaps))
    return tuple(sorted(found, key=lambda item: item.employee_no))


@transaction.atomic
def cycle_close_preview(*, cycle: AppraisalCycle) -> ClosePreview:
    """How many ratings are missing and which appraisals a close now would hold as incomplete, and why: scored as
    the close would score them (the measured values are refreshed on the way, as the nightly snapshot does), nothing
    frozen. A cycle neither open nor in review has nothing to preview."""
    cycle = _lock(cycle)
    if cycle.state not in (State.OPEN, State.REVIEW):
        return ClosePreview(missing_ratings=0)  # closed already, or not closable (cycle_close_check says why)
    missing = cycle_missing_ratings(cycle=cycle).count()
    appraisals, _attached = _appraisals_score(cycle, now=timezone.now())
    return ClosePreview(missing_ratings=missing, incomplete=_incomplete(appraisals))


def _close_locked(cycle: AppraisalCycle, by: AbstractBaseUser | None, reason: str) -> AppraisalCycle:
    """Close the open or in-review cycle (held under its row lock): score, freeze, mark closed, recommend."""
    reason = (reason or "").strip()
    missing = cycle_close_check(cycle=cycle, reason=reason)
    now = timezone.now()
    appraisals, attached = _appraisals_score(cycle, now=now)
    incomplete = sum(1 for appraisal in appraisals if appraisal.incomplete)
    if incomplete and not reason:
        raise ValidationError(
            _("%(count)s appraisal(s) would be held as incomplete: give a reason to close the cycle with them."),
            code="appraisals_incomplete",
            params={"count": incomplete},
        )
    _appraisals_freeze(appraisals, attached, by)
    # Marked closed last: from here on the models refuse any write to the cycle and what belongs to it.
    cycle.state = State.CLOSED
    cycle.closed_at = now
    cycle.closed_by = _user_or_none(by)
    cycle.close_reason = reason if missing or incomplete else ""
    cycle.save(update_fields=["state", "closed_at", "closed_by", "close_reason"])
    # Use of results (考评结果的使用): the rule's recommendations come with the close, in the same transaction; an
    # appraisal held as incomplete has no band, so the rule recommends nothing for it.
    recommendations_make(cycle=cycle)
    _results_published_notify(cycle, appraisals)
    return cycle


def _results_published_notify(cycle: AppraisalCycle, appraisals: list[Appraisal]) -> None:
    """Tell each manager their result is published (a fixed number of queries, sent after the commit)."""
    users = dict(AccountManager.objects.filter(pk__in={a.manager_id for a in appraisals}).values_list("pk", "user_id"))
    notices = [
        Notice(
            recipient_id=users[appraisal.manager_id],
            key=f"appraisal:{appraisal.pk}",
            params={"cycle": str(cycle), "link": reverse("appraisals:detail", args=[appraisal.pk])},
        )
        for appraisal in appraisals
    ]
    notify_many(event=RESULT_PUBLISHED, notices=notices)


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
    return _close_locked(cycle, by, reason)


@transaction.atomic
def cycle_close_once(*, cycle: AppraisalCycle, by: AbstractBaseUser | None = None, reason: str = "") -> bool:
    """Close the cycle unless it is closed already; True when this call closed it."""
    cycle = _lock(cycle)
    if cycle.is_closed:
        return False
    _close_locked(cycle, by, reason)
    return True


# --- the schedule -------------------------------------------------------------------------------------------------


@dataclass
class CyclesDue:
    """What one pass of the schedule did: the cycles opened, held at their deadline and given more time, the raters
    reminded, and each refusal with its reason. It never closes a cycle."""

    opened: list[int] = field(default_factory=list)
    held: list[int] = field(default_factory=list)
    extended: list[int] = field(default_factory=list)
    reminded: int = 0
    refused: list[str] = field(default_factory=list)

    def __str__(self) -> str:
        done = f"opened {self.opened}, held {self.held}, extended {self.extended}, reminded {self.reminded}"
        return done + (f", refused {self.refused}" if self.refused else "")


HELD = "held"
EXTENDED = "extended"


@transaction.atomic
def cycle_deadline_pass(*, cycle: AppraisalCycle, today: dt.date) -> str:
    """What the rating deadline does to an open or in-review cycle once it has passed (before `today`): move it later
    when the policy of the cycle's plan year allows one more extension and ratings are missing ("extended"); else
    mark the missing ratings overdue, move the cycle to review, run the fairness review and hold it for HR's close
    ("held"). "" when there is nothing to do: not past the deadline, already held, or not taking ratings."""
    cycle = _lock(cycle)
    if cycle.state not in (State.OPEN, State.REVIEW) or cycle.held_at is not None or cycle.rating_deadline >= today:
        return ""
    missing = cycle_missing_ratings(cycle=cycle)
    version = appraisal_policy_for(year=cycle_year(cycle))
    if (
        version is not None
        and version.deadline_extension_days
        and cycle.deadline_extensions < version.deadline_max_extensions
        and missing.exists()
    ):
        cycle.rating_deadline += dt.timedelta(days=version.deadline_extension_days)
        cycle.deadline_extensions += 1
        cycle.save(update_fields=["rating_deadline", "deadline_extensions"])
        return EXTENDED
    # A bulk update, like the reminders' dates: a mark on a pending task, not a change of what was rated.
    Rating.objects.filter(pk__in=missing.values("pk"), overdue_since__isnull=True).update(
        overdue_since=cycle.rating_deadline + dt.timedelta(days=1)
    )
    cycle.state = State.REVIEW  # ratings are still taken in review, from latecomers
    cycle.held_at = timezone.now()
    cycle.save(update_fields=["state", "held_at"])
    fairness_review_cycle(cycle=cycle)
    overdue = missing.filter(rater__isnull=False).values("rater_id").annotate(count=Count("pk")).order_by("rater_id")
    path = reverse("appraisals:pending_ratings")
    notify_many(
        event=RATING_OVERDUE,
        notices=[
            Notice(
                recipient_id=row["rater_id"],
                key=f"cycle:{cycle.pk}",
                params={"cycle": str(cycle), "count": row["count"], "link": path},
            )
            for row in overdue
        ],
    )
    return HELD


def _hr_tell(cycle_ids: list[int]) -> None:
    """E-mail HR the cycles held at their deadline: how many ratings are overdue, and that closing is theirs."""
    recipients = list(
        get_user_model()
        .objects.filter(is_active=True, groups__name=GROUP_NAMES[Role.HR])
        .exclude(email="")
        .values_list("email", flat=True)
        .distinct()
    )
    if not recipients:
        return
    lines = []
    for cycle in AppraisalCycle.objects.filter(pk__in=cycle_ids).order_by("pk"):
        overdue = cycle_missing_ratings(cycle=cycle).count()
        lines.append(
            _("%(cycle)s: the rating deadline has passed, %(count)s rating(s) overdue.")
            % {"cycle": cycle, "count": overdue}
        )
    closing = _("The cycles wait in review for your decision: closing is yours, with a reason if ratings are missing.")
    body = "\n".join(lines) + "\n\n" + closing
    send_mail(_("Appraisal cycles held at their rating deadline"), body, settings.DEFAULT_FROM_EMAIL, recipients)


def cycles_due_run(*, today: dt.date) -> CyclesDue:
    """Open the draft regular cycles whose period has started; at the rating deadline of an open or in-review
    cycle, extend it or hold it (cycle_deadline_pass), tell HR of the held ones and remind the raters. Never closes.

    Each cycle in a transaction of its own under its lock: one cycle HR must fix (e.g. a template whose weights do
    not add up) does not hold back the others, and a rerun after a crash passes over the cycles already done.
    """
    due = CyclesDue()
    to_open = AppraisalCycle.objects.filter(
        kind=AppraisalCycle.Kind.REGULAR, state=State.DRAFT, period_start__lte=today
    )
    for cycle_id in to_open.values_list("pk", flat=True):
        try:
            with transaction.atomic():
                job_lock(cycle_lock_key(cycle_id))
                if cycle_open_once(cycle=AppraisalCycle(pk=cycle_id)):
                    due.opened.append(cycle_id)
        except ValidationError as exc:
            due.refused.append(f"{cycle_id}: {'; '.join(exc.messages)}")
    past_deadline = AppraisalCycle.objects.filter(
        state__in=[State.OPEN, State.REVIEW], held_at__isnull=True, rating_deadline__lt=today
    )
    for cycle_id in past_deadline.values_list("pk", flat=True):
        with transaction.atomic():
            job_lock(cycle_lock_key(cycle_id))
            done = cycle_deadline_pass(cycle=AppraisalCycle(pk=cycle_id), today=today)
        if done == HELD:
            due.held.append(cycle_id)
        elif done == EXTENDED:
            due.extended.append(cycle_id)
    if due.held:
        _hr_tell(due.held)
    if due.held or due.extended:
        # Once a day per rater at most, so the daily reminder job and this one never send twice.
        due.reminded = ratings_remind(today=today)
    return due


def measured_values_refresh() -> dict[int, int]:
    """Recompute the measured values of every open or in-review cycle, so that managers and HR see them before the
    close; {cycle id: values written}. Each cycle under its lock, re-read there: a close meanwhile froze them."""
    written: dict[int, int] = {}
    taking_values = [State.OPEN, State.REVIEW]
    for cycle_id in AppraisalCycle.objects.filter(state__in=taking_values).values_list("pk", flat=True):
        with transaction.atomic():
            job_lock(cycle_lock_key(cycle_id))
            cycle = AppraisalCycle.objects.select_related("template").get(pk=cycle_id)
            if cycle.state in taking_values:
                written[cycle_id] = measured_values_compute(cycle=cycle)
    return written
