"""A deadline is not a close: at the rating deadline the schedule reminds, marks what is overdue and holds the cycle
(or gives it more time, as the policy says); closing stays HR's decision, with a reason."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.core.exceptions import ValidationError

from appraisals.models import AppraisalCycle, Rating
from appraisals.services.cycles import cycle_close, cycle_open, cycles_due_run
from tests.appraisals.factories import AppraisalCycleFactory, AppraisalPlanFactory, hr_user, small_template
from tests.appraisals.factories_policies import AppraisalPolicyFactory
from tests.managers.factories import AccountManagerFactory, DepartmentFactory

pytestmark = pytest.mark.django_db

DEADLINE = dt.date(2026, 7, 15)


@pytest.fixture
def late_cycle():
    """An open 2026 H1 cycle (deadline 15 July) with two managers and nobody's rating in."""
    department = DepartmentFactory()
    for _ in range(2):
        AccountManagerFactory(grade="second", department=department)
    cycle = AppraisalCycleFactory(
        template=small_template(), plan=AppraisalPlanFactory(year=2026), rating_deadline=DEADLINE
    )
    cycle_open(cycle=cycle)
    return cycle


def test_the_deadline_passing_holds_the_cycle_and_never_closes_it(late_cycle) -> None:
    hr = hr_user(email="hr@example.com")
    pending = Rating.objects.filter(appraisal__cycle=late_cycle, submitted_at__isnull=True)
    # Per manager: self, head and one peer (the other manager) = 3 tasks; 2 managers → 6 pending ratings.
    assert pending.count() == 6

    assert cycles_due_run(today=DEADLINE).held == []  # the deadline day itself is still a rating day
    due = cycles_due_run(today=DEADLINE + dt.timedelta(days=1))
    assert due.held == [late_cycle.pk] and due.extended == []
    late_cycle.refresh_from_db()
    # Held in review, not closed: no score, no close reason, nobody recommended for anything.
    assert late_cycle.state == "review" and late_cycle.held_at is not None
    assert late_cycle.closed_at is None and late_cycle.close_reason == ""
    assert not late_cycle.appraisals.filter(finalised_at__isnull=False).exists()
    # Every missing rating is marked overdue since the day after the deadline.
    assert set(pending.values_list("overdue_since", flat=True)) == {dt.date(2026, 7, 16)}
    # HR is told, the raters are reminded (the head and the two managers: 3 raters, one e-mail each).
    to_hr = [message for message in mail.outbox if message.to == [hr.email]]
    assert len(to_hr) == 1 and "6 rating(s) overdue" in to_hr[0].body
    assert due.reminded == 3

    # The job again, days later: nothing more happens; the cycle still waits for HR.
    again = cycles_due_run(today=DEADLINE + dt.timedelta(days=30))
    assert (again.held, again.extended, again.reminded) == ([], [], 0)
    assert AppraisalCycle.objects.get(pk=late_cycle.pk).state == "review"

    # Closing is HR's decision, with a reason for the overdue ratings.
    with pytest.raises(ValidationError, match="6 rating\\(s\\) are still missing"):
        cycle_close(cycle=late_cycle, by=hr)
    cycle_close(cycle=late_cycle, by=hr, reason="Raters reminded twice; the committee closes without them")
    late_cycle.refresh_from_db()
    assert late_cycle.state == "closed" and late_cycle.closed_by == hr


def test_the_policy_can_give_the_raters_more_time_before_holding(late_cycle) -> None:
    AppraisalPolicyFactory(year=2026, deadline_extension_days=7, deadline_max_extensions=1)
    due = cycles_due_run(today=DEADLINE + dt.timedelta(days=1))
    late_cycle.refresh_from_db()
    # Extended once: 15 July + 7 days = 22 July, still open, nothing overdue yet, the raters reminded.
    assert due.extended == [late_cycle.pk] and due.held == []
    assert late_cycle.rating_deadline == dt.date(2026, 7, 22) and late_cycle.deadline_extensions == 1
    assert late_cycle.state == "open" and late_cycle.held_at is None
    assert not Rating.objects.filter(appraisal__cycle=late_cycle, overdue_since__isnull=False).exists()
    assert due.reminded > 0

    # The new deadline passes: the one extension is used, so the cycle is held now.
    due = cycles_due_run(today=dt.date(2026, 7, 23))
    late_cycle.refresh_from_db()
    assert due.held == [late_cycle.pk] and late_cycle.state == "review" and late_cycle.closed_at is None
    assert set(
        Rating.objects.filter(appraisal__cycle=late_cycle, submitted_at__isnull=True).values_list(
            "overdue_since", flat=True
        )
    ) == {dt.date(2026, 7, 23)}
