"""Every event the product tells people of records a delivery for the right person, from the one service that owns
the event; nothing is sent before the transaction commits."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from appraisals.models import Appraisal
from appraisals.services.appeals import appeal_reject
from appraisals.services.cycles import cycle_close, cycle_open, cycles_due_run
from appraisals.services.ratings import ratings_remind
from appraisals.services.spotchecks import spot_check_record
from incentives.services import pay_period_approve, pay_statement_approve
from notifications.events import EVENTS
from notifications.models import Delivery
from tests.appraisals.factories import (
    AppraisalCycleFactory,
    AppraisalPlanFactory,
    SpotCheckFactory,
    hr_user,
    small_template,
)
from tests.incentives.factories import AppealFactory, PayPeriodFactory, PayStatementFactory
from tests.managers.factories import AccountManagerFactory, DepartmentFactory

pytestmark = pytest.mark.django_db

DEADLINE = dt.date(2026, 7, 15)


def _events_of(user) -> set[str]:
    return set(Delivery.objects.filter(recipient=user).values_list("event", flat=True))


def test_every_event_produces_a_delivery_to_the_person_concerned() -> None:
    hr = hr_user()
    department = DepartmentFactory()
    managers = [AccountManagerFactory(grade="second", department=department) for _ in range(2)]
    cycle = AppraisalCycleFactory(
        template=small_template(), plan=AppraisalPlanFactory(year=2026), rating_deadline=DEADLINE
    )
    cycle_open(cycle=cycle)

    # The deadline passes with nobody's rating in: each rater is reminded (due) and told their ratings are overdue.
    cycles_due_run(today=DEADLINE + dt.timedelta(days=1))
    for manager in managers:
        assert {"rating_due", "rating_overdue"} <= _events_of(manager.user)
    overdue = Delivery.objects.get(recipient=managers[0].user, event="rating_overdue")
    assert overdue.params["count"] >= 1 and overdue.params["cycle"] == str(cycle)

    # HR closes: each manager is told their result is published, with a link to it.
    cycle_close(cycle=cycle, by=hr, reason="Ratings missing: the deadline passed.")
    appraisal = Appraisal.objects.get(cycle=cycle, manager=managers[0])
    published = Delivery.objects.get(recipient=managers[0].user, event="result_published")
    assert published.params["link"] == f"/appraisals/{appraisal.pk}/"

    # An appeal decided, a pay statement approved (alone, and a period's), a spot-check with a deduction.
    appeal = AppealFactory()
    appeal_reject(appeal=appeal, by=hr, resolution="The ratings stand.")
    decided = Delivery.objects.get(event="appeal_decided")
    assert decided.recipient == appeal.appraisal.manager.user and decided.params["decision"] == "rejected"

    statement = PayStatementFactory()
    pay_statement_approve(statement=statement, by=hr)
    assert Delivery.objects.get(event="pay_approved").recipient == statement.manager.user
    period = PayPeriodFactory(start=dt.date(2026, 8, 1))
    in_period = [PayStatementFactory(period=period) for _ in range(2)]
    assert pay_period_approve(period=period, by=hr) == 2
    assert {d.recipient_id for d in Delivery.objects.filter(event="pay_approved")} == {
        statement.manager.user_id,
        *(s.manager.user_id for s in in_period),
    }
    assert "amount" not in str(Delivery.objects.filter(event="pay_approved").values_list("params", flat=True))

    check = SpotCheckFactory(draw__drawn_at=timezone.now() - dt.timedelta(days=3))
    fine = SpotCheckFactory(draw=check.draw)
    today = timezone.localdate()
    for spot, effect in ((check, Decimal("-2")), (fine, Decimal("0"))):
        spot_check_record(
            check=spot, by=hr, mode="on_site", method="reconcile", checked_on=today, findings="x", score_effect=effect
        )
    assert list(Delivery.objects.filter(event="spot_check_problem").values_list("recipient", flat=True)) == [
        check.manager.user_id  # a check without a deduction found no problem
    ]

    assert set(Delivery.objects.values_list("event", flat=True)) == set(EVENTS)
    # None is sent yet: the sending jobs run after the commit.
    assert not Delivery.objects.exclude(state="pending").exclude(kind="email", event="rating_due").exists()


def test_a_rerun_of_the_reminder_the_same_day_records_nothing_more() -> None:
    department = DepartmentFactory()
    AccountManagerFactory(grade="second", department=department)
    AccountManagerFactory(grade="second", department=department)
    cycle = AppraisalCycleFactory(
        template=small_template(), plan=AppraisalPlanFactory(year=2026), rating_deadline=DEADLINE
    )
    cycle_open(cycle=cycle)
    # The department's head and the two managers rate (as in test_deadline): 3 raters, one reminder each.
    assert ratings_remind(today=DEADLINE) == 3
    assert Delivery.objects.filter(event="rating_due", key=DEADLINE.isoformat()).count() == 3
    assert ratings_remind(today=DEADLINE) == 0
    assert Delivery.objects.filter(event="rating_due").count() == 3
