"""Random spot-checks (随机抽查): an unannounced, recorded draw an auditor can re-run; HR's findings."""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone
from django_celery_beat.models import PeriodicTask

from appraisals.models import SpotCheck, SpotCheckDraw
from appraisals.services.spotchecks import spot_check_draw, spot_check_record, spot_check_verify
from appraisals.tasks import spot_check_draw_task
from core.models import JobRun
from managers.models import AccountManager
from tests.appraisals.factories_results import FinalAppraisalFactory, hr_user, spot_check_policy
from tests.managers.factories import AccountManagerFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fast_passwords(settings):
    # Factories hash a password per user; the default hasher makes each test take seconds.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def active_managers() -> list[AccountManager]:
    return AccountManagerFactory.create_batch(6, grade="second")


@pytest.fixture
def hr():
    return hr_user()


def test_the_draw_takes_only_active_managers_and_k_is_the_smaller_of_size_and_population(active_managers):
    AccountManagerFactory(grade="second", status=AccountManager.Status.SUSPENDED)
    AccountManagerFactory(grade="second", status=AccountManager.Status.LEFT)
    active_ids = sorted(m.pk for m in active_managers)

    draw = spot_check_draw(sample_size=4)
    assert draw.population == active_ids
    assert draw.sample_size == 4
    assert len(draw.sample) == 4
    assert set(draw.sample) <= set(active_ids)
    assert draw.sample == sorted(draw.sample)
    # One check per sampled manager, nobody else.
    assert sorted(draw.checks.values_list("manager_id", flat=True)) == draw.sample

    everyone = spot_check_draw(sample_size=50)
    assert everyone.sample_size == 6  # min(50, 6 active)
    assert everyone.sample == active_ids


def test_the_draw_follows_the_active_policy_when_no_size_is_given(active_managers):
    policy = spot_check_policy(sample_size=2)
    draw = spot_check_draw()
    assert draw.policy == policy
    assert len(draw.sample) == 2


def test_each_draw_has_its_own_unpredictable_seed(active_managers):
    first, second = spot_check_draw(sample_size=3), spot_check_draw(sample_size=3)
    # 32 bytes from the cryptographic source, as 64 hex digits; two draws never share one.
    assert len(first.seed) == 64 and int(first.seed, 16) >= 0
    assert first.seed != second.seed


def test_a_rerun_of_a_recorded_draw_reproduces_its_sample(active_managers):
    draw = spot_check_draw(sample_size=3)
    draw = SpotCheckDraw.objects.get(pk=draw.pk)  # only what was stored

    # The auditor's own re-run, with nothing but the record and the standard library:
    assert sorted(random.Random(draw.seed).sample(draw.population, draw.sample_size)) == draw.sample
    assert spot_check_verify(draw=draw) is True


def test_a_tampered_draw_fails_verification(active_managers):
    draw = spot_check_draw(sample_size=3)
    outsider = next(pk for pk in draw.population if pk not in draw.sample)

    swapped = SpotCheckDraw.objects.get(pk=draw.pk)
    swapped.sample = sorted([*draw.sample[1:], outsider])
    assert spot_check_verify(draw=swapped) is False

    # Another seed: one whose draw differs from the recorded sample (some seeds happen to draw the same 3 of 6).
    reseeded = SpotCheckDraw.objects.get(pk=draw.pk)
    reseeded.seed = next(
        seed
        for seed in (f"{i:064x}" for i in range(100))
        if sorted(random.Random(seed).sample(draw.population, draw.sample_size)) != draw.sample
    )
    assert spot_check_verify(draw=reseeded) is False

    # The sample is intact but one drawn manager's check was swapped for another's.
    SpotCheck.objects.filter(draw=draw, manager_id=draw.sample[0]).update(manager_id=outsider)
    assert spot_check_verify(draw=SpotCheckDraw.objects.get(pk=draw.pk)) is False


def test_a_draw_with_no_active_manager_is_refused():
    with pytest.raises(ValidationError, match="no active account manager"):
        spot_check_draw(sample_size=3)


def test_hr_records_findings_and_the_effect(active_managers, hr):
    draw = spot_check_draw(sample_size=1)
    check = draw.checks.get()
    recorded = spot_check_record(
        check=check,
        by=hr,
        mode=SpotCheck.Mode.ON_SITE,
        method=SpotCheck.Method.RECONCILE,
        checked_on=timezone.localdate(),
        findings="Two visit records had no client signature.",
        score_effect=Decimal("-3"),
    )
    recorded.refresh_from_db()
    assert recorded.score_effect == Decimal("-3.00")
    assert recorded.recorded_by == hr
    assert recorded.findings == "Two visit records had no client signature."


def test_findings_are_refused_once_a_close_counted_the_check(active_managers, hr):
    draw = spot_check_draw(sample_size=1)
    check = draw.checks.get()
    check.applied_to = FinalAppraisalFactory(manager=check.manager)
    check.save()
    with pytest.raises(ValidationError, match="already counted"):
        spot_check_record(
            check=check,
            by=hr,
            mode=SpotCheck.Mode.OFF_SITE,
            method=SpotCheck.Method.ANALYSIS,
            checked_on=timezone.localdate(),
            findings="Late change",
            score_effect=Decimal("5"),
        )


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"checked_on": dt.date.today() + dt.timedelta(days=3)}, "future"),
        ({"findings": "   "}, "findings"),
        ({"method": ""}, "method"),
        ({"score_effect": Decimal("-30")}, "greater than or equal to -20"),
    ],
)
def test_incomplete_or_impossible_findings_are_refused(active_managers, hr, changes, message):
    check = spot_check_draw(sample_size=1).checks.get()
    data = {
        "mode": SpotCheck.Mode.ON_SITE,
        "method": SpotCheck.Method.OBSERVATION,
        "checked_on": timezone.localdate(),
        "findings": "Fine.",
        "score_effect": Decimal("0"),
        **changes,
    }
    with pytest.raises(ValidationError, match=message):
        spot_check_record(check=check, by=hr, **data)
    check.refresh_from_db()
    assert check.findings == ""  # nothing half-recorded


def test_only_hr_records_findings(active_managers):
    check = spot_check_draw(sample_size=1).checks.get()
    with pytest.raises(ValidationError, match="Only HR"):
        spot_check_record(
            check=check,
            by=check.manager.user,
            mode=SpotCheck.Mode.ON_SITE,
            method=SpotCheck.Method.OBSERVATION,
            checked_on=timezone.localdate(),
            findings="All good, says me.",
            score_effect=Decimal("10"),
        )


def test_the_task_draws_once_even_when_its_message_is_delivered_twice(active_managers):
    spot_check_policy(sample_size=2)
    first = spot_check_draw_task.apply(task_id="redelivered-id").get()
    again = spot_check_draw_task.apply(task_id="redelivered-id").get()
    assert SpotCheckDraw.objects.count() == 1
    assert SpotCheckDraw.objects.get().pk == first
    assert again is None
    assert JobRun.objects.get(name="spot-check draw").status == JobRun.Status.SUCCEEDED


def test_a_weekly_draw_is_scheduled_as_a_beat_row_hr_can_edit():
    task = PeriodicTask.objects.get(task="appraisals.spot_check_draw")
    assert task.enabled
    assert task.crontab is not None and task.crontab.day_of_week == "1"


# --- admin ---------------------------------------------------------------------------------------------------------


def test_hr_draws_now_and_verifies_in_the_admin(client, active_managers, hr):
    spot_check_policy(sample_size=2)
    client.force_login(hr)
    response = client.post(reverse("admin:appraisals_spotcheckdraw_draw_now"), follow=True)
    assert "Drew 2 of 6 account managers" in response.content.decode()
    draw = SpotCheckDraw.objects.get()

    changelist = reverse("admin:appraisals_spotcheckdraw_changelist")
    response = client.post(changelist, {"action": "verify", "_selected_action": [draw.pk]}, follow=True)
    assert "passed" in response.content.decode()

    # A seed whose draw differs from the recorded sample (a fixed one could draw the same 2 of 6 by chance).
    other_seed = next(
        seed
        for seed in (f"{i:064x}" for i in range(1, 100))
        if sorted(random.Random(seed).sample(draw.population, draw.sample_size)) != draw.sample
    )
    SpotCheckDraw.objects.filter(pk=draw.pk).update(seed=other_seed)
    response = client.post(changelist, {"action": "verify", "_selected_action": [draw.pk]}, follow=True)
    assert "FAILED" in response.content.decode()


def test_hr_records_findings_through_the_admin_form(client, active_managers, hr):
    check = spot_check_draw(sample_size=1).checks.get()
    client.force_login(hr)
    url = reverse("admin:appraisals_spotcheck_change", args=[check.pk])
    data = {
        "mode": SpotCheck.Mode.OFF_SITE,
        "method": SpotCheck.Method.INQUIRY,
        "checked_on": (timezone.localdate() + dt.timedelta(days=1)).isoformat(),
        "findings": "Client data out of date.",
        "score_effect": "-2",
    }
    response = client.post(url, data)
    assert "A check cannot be dated in the future." in response.content.decode()
    check.refresh_from_db()
    assert check.findings == ""

    data["checked_on"] = timezone.localdate().isoformat()
    response = client.post(url, data)
    assert response.status_code == 302
    check.refresh_from_db()
    assert (check.findings, check.score_effect, check.recorded_by) == ("Client data out of date.", Decimal("-2"), hr)
