"""Cycles: opening creates the appraisals and the rating tasks; closing scores and freezes them, once."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django import forms
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models.signals import pre_delete, pre_save
from django.dispatch.dispatcher import _make_id
from django.urls import reverse

from appraisals.explanation import Explanation
from appraisals.models import Appraisal, AppraisalCycle, MeasuredValue, Rating, RatingScore
from appraisals.selectors import cycle_missing_ratings
from appraisals.services.cycles import cycle_close, cycle_open, cycle_to_review
from appraisals.services.ratings import rating_draft_save
from appraisals.tasks import cycles_due_task
from config.celery import app as celery_app
from core.models import JobRun
from tests.appraisals.factories import AppraisalCycleFactory, hr_user, rating_fill, small_template
from tests.managers.factories import AccountManagerFactory, DepartmentFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def company():
    """Two departments: three second-level managers and a senior in one, a first-level manager in the other."""
    sales = DepartmentFactory(name="Sales")
    seconds = [AccountManagerFactory(grade="second", department=sales) for _ in range(3)]
    senior = AccountManagerFactory(grade="senior", department=sales)
    other = AccountManagerFactory(grade="first", department=DepartmentFactory(name="Retail"))
    AccountManagerFactory(grade="second", department=sales, status="left")  # not appraised
    return {"sales": sales, "seconds": seconds, "senior": senior, "other": other}


def _fill_all(cycle: AppraisalCycle, value: int = 4) -> None:
    """Submit every pending rating of the cycle with the same value on each indicator its rater type rates."""
    indicators = list(cycle.template.indicators.filter(kind="rated"))
    for rating in Rating.objects.filter(appraisal__cycle=cycle, submitted_at__isnull=True):
        rating_fill(rating, {i: value for i in indicators if rating.rater_type in i.rater_types})


def test_opening_creates_an_appraisal_per_active_manager_and_the_rating_tasks(company) -> None:
    cycle = AppraisalCycleFactory(template=small_template())
    cycle_open(cycle=cycle)
    cycle.refresh_from_db()
    assert cycle.state == "open" and cycle.opened_at is not None
    appraisals = {a.manager_id: a for a in Appraisal.objects.filter(cycle=cycle).select_related("grade")}
    managers = [*company["seconds"], company["senior"], company["other"]]
    assert set(appraisals) == {m.pk for m in managers}  # the manager who left is not appraised
    assert appraisals[company["senior"].pk].grade.code == "senior"

    first = company["seconds"][0]
    ratings = list(Rating.objects.filter(appraisal=appraisals[first.pk]))
    assert sorted(r.rater_type for r in ratings) == ["head", "peer", "peer", "self"]
    peers = {r.rater_id for r in ratings if r.rater_type == "peer"}
    assert peers == {m.user_id for m in company["seconds"][1:]}  # same grade, same department, never themselves
    assert {r.rater_id for r in ratings if r.rater_type == "head"} == {company["sales"].head_id}
    # Nobody else of the senior's grade in Sales, nor of the first-level manager's in Retail: no peer rating.
    assert not Rating.objects.filter(appraisal=appraisals[company["senior"].pk], rater_type="peer").exists()
    assert all(r.submitted_at is None for r in ratings)


def test_opening_an_open_cycle_is_refused_with_a_message(company) -> None:
    cycle = AppraisalCycleFactory(template=small_template())
    cycle_open(cycle=cycle)
    count = Rating.objects.count()
    with pytest.raises(ValidationError, match="only a draft cycle can be opened"):
        cycle_open(cycle=cycle)
    assert Rating.objects.count() == count


def test_hr_sees_the_missing_ratings_and_closing_without_them_needs_a_reason(company) -> None:
    cycle = AppraisalCycleFactory(template=small_template())
    cycle_open(cycle=cycle)
    _fill_all(cycle)
    pending = Rating.objects.filter(appraisal__manager=company["other"], rater_type="self").get()
    pending.scores.all().delete()
    pending.submitted_at = None
    pending.save(update_fields=["submitted_at"])
    assert list(cycle_missing_ratings(cycle=cycle)) == [pending]

    cycle_to_review(cycle=cycle)
    with pytest.raises(ValidationError, match="1 rating\\(s\\) are still missing"):
        cycle_close(cycle=cycle)
    cycle.refresh_from_db()
    assert cycle.state == "review"
    cycle_close(cycle=cycle, reason="The manager was on sick leave")
    cycle.refresh_from_db()
    assert cycle.state == "closed" and cycle.close_reason == "The manager was on sick leave"
    appraisal = Appraisal.objects.get(cycle=cycle, manager=company["other"])
    # Stored as a code and its count, worded in the reader's language when shown.
    assert appraisal.explanation["notes"][0] == {"code": "ratings_pending", "params": {"count": 1}}
    assert "1 rating(s) were not submitted" in str(Explanation.from_json(appraisal.explanation).notes[0])


def test_closing_twice_changes_nothing(company) -> None:
    cycle = AppraisalCycleFactory(template=small_template())
    cycle_open(cycle=cycle)
    _fill_all(cycle)
    closed = cycle_close(cycle=cycle)
    before = list(Appraisal.objects.filter(cycle=cycle).values().order_by("pk"))
    measured = list(MeasuredValue.objects.filter(appraisal__cycle=cycle).values().order_by("pk"))
    again = cycle_close(cycle=cycle, reason="again")
    assert again.state == "closed" and again.closed_at == closed.closed_at and again.close_reason == ""
    assert list(Appraisal.objects.filter(cycle=cycle).values().order_by("pk")) == before
    assert list(MeasuredValue.objects.filter(appraisal__cycle=cycle).values().order_by("pk")) == measured
    assert all(row["total_score"] is not None and row["finalised_at"] is not None for row in before)


def test_a_crash_halfway_through_closing_leaves_the_cycle_open_and_a_rerun_closes_it(company, monkeypatch) -> None:
    cycle = AppraisalCycleFactory(template=small_template())
    cycle_open(cycle=cycle)
    _fill_all(cycle)

    def crash(*args, **kwargs):
        raise RuntimeError("worker killed")

    # The crash comes after the measured values were written, inside the close (when the appraisals' scores are
    # written, in one upsert).
    monkeypatch.setattr(Appraisal.objects, "bulk_create", crash)
    with pytest.raises(RuntimeError):
        cycle_close(cycle=cycle)
    monkeypatch.undo()
    cycle.refresh_from_db()
    assert cycle.state == "open"
    assert not Appraisal.objects.filter(cycle=cycle, finalised_at__isnull=False).exists()
    assert not MeasuredValue.objects.filter(appraisal__cycle=cycle).exists()
    cycle_close(cycle=cycle)
    cycle.refresh_from_db()
    assert cycle.state == "closed"
    assert not Appraisal.objects.filter(cycle=cycle, total_score__isnull=True).exists()


@pytest.fixture
def closed_appraisal(company) -> Appraisal:
    cycle = AppraisalCycleFactory(template=small_template())
    cycle_open(cycle=cycle)
    _fill_all(cycle)
    cycle_close(cycle=cycle)
    return Appraisal.objects.select_related("cycle").get(cycle=cycle, manager=company["seconds"][0])


def test_a_closed_appraisal_cannot_be_changed_through_the_service(closed_appraisal) -> None:
    with pytest.raises(ValidationError, match="is closed"):
        closed_appraisal.assert_editable()


def test_a_closed_appraisal_cannot_be_changed_by_saving_the_model(closed_appraisal) -> None:
    closed_appraisal.total_score = Decimal("100")
    with pytest.raises(ValidationError, match="is closed"):
        closed_appraisal.save()
    rating = closed_appraisal.ratings.first()
    rating.comment = "changed my mind"
    with pytest.raises(ValidationError):
        rating.save()
    with pytest.raises(ValidationError):
        RatingScore.objects.filter(rating__appraisal=closed_appraisal).first().save()
    with pytest.raises(ValidationError), transaction.atomic():  # delete() runs in an atomic block of its own
        closed_appraisal.measured_values.first().delete()
    with pytest.raises(ValidationError):
        Rating.objects.create(appraisal=closed_appraisal, rater_type="head", rater=closed_appraisal.manager.user)
    closed_appraisal.refresh_from_db()
    assert closed_appraisal.total_score != Decimal("100")
    # The manager's acknowledgement is the one write a final appraisal still takes.
    closed_appraisal.acknowledged_at = closed_appraisal.finalised_at
    closed_appraisal.save(update_fields=["acknowledged_at"])


def test_a_closed_cycle_and_its_rows_refuse_a_save_and_a_bulk_delete(closed_appraisal) -> None:
    cycle = closed_appraisal.cycle
    cycle.name = "renamed"
    with pytest.raises(ValidationError, match="is closed"):
        cycle.save()
    ratings = Rating.objects.filter(appraisal=closed_appraisal)
    count = ratings.count()
    for rows in (
        ratings,
        RatingScore.objects.filter(rating__appraisal=closed_appraisal),
        closed_appraisal.measured_values,
    ):
        with pytest.raises(ValidationError, match="is closed"), transaction.atomic():
            rows.all().delete()
    with pytest.raises(ValidationError, match="is closed"), transaction.atomic():
        AppraisalCycle.objects.filter(pk=cycle.pk).delete()
    assert ratings.count() == count and closed_appraisal.measured_values.exists()
    assert AppraisalCycle.objects.get(pk=cycle.pk).name != "renamed"


def test_a_rating_of_an_open_cycle_can_still_be_saved_and_deleted(company) -> None:
    cycle = cycle_open(cycle=AppraisalCycleFactory(template=small_template()))
    rating = Rating.objects.filter(appraisal__cycle=cycle).first()
    rating.comment = "still open"
    rating.save()
    Rating.objects.filter(pk=rating.pk).delete()
    assert not Rating.objects.filter(pk=rating.pk).exists()


def test_no_receiver_guards_the_saves_of_every_model() -> None:
    # The freeze guards are the frozen models' own save() and delete(); a receiver without a sender would run on
    # every save of every model.
    for signal in (pre_save, pre_delete):
        assert not [key for key, *_rest in signal.receivers if key[1] == _make_id(None)]


def test_a_closed_appraisal_cannot_be_changed_through_a_form(closed_appraisal) -> None:
    class AppraisalForm(forms.ModelForm):
        class Meta:
            model = Appraisal
            fields = ["comments", "total_score"]

    form = AppraisalForm({"comments": "better", "total_score": "99"}, instance=closed_appraisal)
    assert form.is_valid()
    with pytest.raises(ValidationError, match="is closed"):
        form.save()
    closed_appraisal.refresh_from_db()
    assert closed_appraisal.comments == ""


def test_a_closed_appraisal_and_cycle_cannot_be_changed_through_the_admin(client, closed_appraisal) -> None:
    client.force_login(hr_user())
    url = reverse("admin:appraisals_appraisal_change", args=[closed_appraisal.pk])
    response = client.get(url)
    assert response.status_code == 200
    assert 'name="comments"' not in response.content.decode()  # read-only
    assert client.post(url, {"comments": "changed"}).status_code == 403
    cycle_url = reverse("admin:appraisals_appraisalcycle_change", args=[closed_appraisal.cycle_id])
    assert client.post(cycle_url, {"name": "renamed"}).status_code == 403
    closed_appraisal.refresh_from_db()
    assert closed_appraisal.comments == ""


def test_the_admin_shows_each_indicator_score_of_a_closed_appraisal(client, closed_appraisal) -> None:
    client.force_login(hr_user())
    page = client.get(reverse("admin:appraisals_appraisal_change", args=[closed_appraisal.pk])).content.decode()
    lines = [line for dimension in closed_appraisal.explanation["dimensions"] for line in dimension["indicators"]]
    assert lines
    for line in lines:
        score = "—" if line["score"] is None else line["score"]  # left out for missing data: no score
        assert f"<td>{line['code']}</td><td>{line['name']}</td><td>{score}</td><td>{line['contribution']}</td>" in page


def test_the_admin_asks_for_a_reason_before_closing_with_ratings_missing(
    client, company, monkeypatch, django_capture_on_commit_callbacks
) -> None:
    client.force_login(hr_user())
    cycle = AppraisalCycleFactory(template=small_template())
    cycle_open(cycle=cycle)
    missing = cycle_missing_ratings(cycle=cycle).count()
    change = client.get(reverse("admin:appraisals_appraisalcycle_change", args=[cycle.pk]))
    assert f"{missing} (" in change.content.decode()  # the change page lists the missing ratings

    url = reverse("admin:appraisals_appraisalcycle_changelist")
    data = {"action": "close_cycles", "_selected_action": [cycle.pk]}
    response = client.post(url, data)
    assert response.status_code == 200
    assert "Reason for closing with ratings missing or appraisals incomplete" in response.content.decode()
    cycle.refresh_from_db()
    assert cycle.state == "open"
    monkeypatch.setitem(celery_app.conf, "task_always_eager", True)  # the worker runs the queued close in-process
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {**data, "confirm_close": "1", "reason": "Deadline passed"}, follow=True)
    page = response.content.decode()
    assert "Closing queued; follow its progress:" in page
    run = JobRun.objects.get(name="appraisals.cycle_close")
    assert reverse("job_progress", args=[run.task_id]) in page  # the progress page links on to the results
    assert run.status == JobRun.Status.SUCCEEDED and run.result == f"cycle {cycle.pk} closed"
    cycle.refresh_from_db()
    assert cycle.state == "closed" and cycle.close_reason == "Deadline passed"


def test_the_admin_refuses_at_once_to_queue_a_close_the_service_would_refuse(client, company, closed_appraisal) -> None:
    client.force_login(hr_user())
    draft = AppraisalCycleFactory(template=small_template())
    closed = closed_appraisal.cycle
    url = reverse("admin:appraisals_appraisalcycle_changelist")
    response = client.post(url, {"action": "close_cycles", "_selected_action": [draft.pk, closed.pk]}, follow=True)
    page = response.content.decode()
    assert "only an open cycle or one in review can be closed" in page
    assert f"{closed} is already closed." in page
    assert not JobRun.objects.filter(name="appraisals.cycle_close").exists()  # nothing queued
    draft.refresh_from_db()
    assert draft.state == "draft"


def test_the_admin_opens_a_cycle_and_reports_a_refusal(client, company) -> None:
    client.force_login(hr_user())
    cycle = AppraisalCycleFactory(template=small_template())
    url = reverse("admin:appraisals_appraisalcycle_changelist")
    client.post(url, {"action": "open_cycles", "_selected_action": [cycle.pk]})
    cycle.refresh_from_db()
    assert cycle.state == "open"
    response = client.post(url, {"action": "open_cycles", "_selected_action": [cycle.pk]}, follow=True)
    assert "only a draft cycle can be opened" in response.content.decode()


def _managers(count: int) -> None:
    department = DepartmentFactory()
    for _ in range(count):
        AccountManagerFactory(grade="second", department=department)


@pytest.mark.parametrize("managers", [3, 12])
def test_opening_and_closing_take_the_same_number_of_queries_for_3_or_12_managers(
    managers: int, django_assert_max_num_queries
) -> None:
    _managers(managers)
    cycle = AppraisalCycleFactory(template=small_template())
    # savepoint, lock, indicators, managers, appraisals insert + reload, peer draws insert + history, ratings insert,
    # read-only guard, cycle update + history; the client-sample draw (savepoint, lock, client-rated check,
    # appraisals, assignments, sampled, draws insert + history), releases = 22 (no client here has a contact, so
    # nobody is sampled: the draws record an empty population)
    with django_assert_max_num_queries(22):
        cycle_open(cycle=cycle)
    _fill_all(cycle)
    # lock, missing count, measured values (indicators, appraisals, 3 aggregates, upsert), indicators,
    # appraisals + ratings + scores + measured values, spot-checks, indicator scores upsert, appraisals update,
    # cycle update + history, savepoints; the policy version and its missing-data rules, the managers' hire dates
    # and their supervisor history; then the rule's recommendations (savepoint, rule, appraisals, grades, history,
    # existing, insert, release); then each manager told of the result (managers' users, preferences, active
    # channels, deliveries insert, pending deliveries, and the sending job: savepoint, insert, release)
    with django_assert_max_num_queries(43):
        cycle_close(cycle=cycle)
    assert Appraisal.objects.filter(cycle=cycle, finalised_at__isnull=False).count() == managers


def test_cycles_due_opens_started_regular_cycles_and_holds_those_past_their_deadline(company) -> None:
    today = dt.date.today()
    template = small_template()
    due = AppraisalCycleFactory(
        template=template,
        kind="regular",
        cause="",
        period_start=today - dt.timedelta(days=1),
        period_end=today + dt.timedelta(days=30),
        rating_deadline=today + dt.timedelta(days=40),
    )
    future = AppraisalCycleFactory(
        template=template,
        kind="regular",
        cause="",
        period_start=today + dt.timedelta(days=1),
        period_end=today + dt.timedelta(days=60),
        rating_deadline=today + dt.timedelta(days=70),
    )
    late = AppraisalCycleFactory(
        template=template,
        period_start=today - dt.timedelta(days=90),
        period_end=today - dt.timedelta(days=10),
        rating_deadline=today - dt.timedelta(days=1),
    )
    cycle_open(cycle=late)
    cycles_due_task.apply()
    states = dict(AppraisalCycle.objects.values_list("pk", "state"))
    # A deadline is not a close: the late cycle waits in review for HR, its missing ratings marked overdue.
    assert states == {due.pk: "open", future.pk: "draft", late.pk: "review"}
    late.refresh_from_db()
    assert late.held_at is not None and late.closed_at is None and late.close_reason == ""
    assert not Rating.objects.filter(appraisal__cycle=late, overdue_since__isnull=True, submitted_at__isnull=True)
    cycles_due_task.apply()  # running it again changes nothing more
    assert dict(AppraisalCycle.objects.values_list("pk", "state")) == states


def test_the_cycle_jobs_are_on_the_beat_schedule_after_migrate() -> None:
    from django_celery_beat.models import PeriodicTask

    jobs = {task.task: task for task in PeriodicTask.objects.select_related("crontab")}
    assert (jobs["appraisals.cycles_due"].crontab.hour, jobs["appraisals.cycles_due"].crontab.minute) == ("1", "0")
    assert jobs["appraisals.measures_snapshot"].crontab.hour == "3"
    assert jobs["appraisals.cycles_due"].enabled and jobs["appraisals.measures_snapshot"].enabled


def test_the_measures_snapshot_refreshes_open_cycles_only(company) -> None:
    from appraisals.tasks import measures_snapshot_task

    template = small_template()
    open_cycle = AppraisalCycleFactory(template=template)
    cycle_open(cycle=open_cycle)
    AppraisalCycleFactory(template=template)  # a draft: nothing to measure
    measures_snapshot_task.apply()
    measures_snapshot_task.apply()  # idempotent
    # 5 managers × 3 measured indicators of the small template
    assert MeasuredValue.objects.filter(appraisal__cycle=open_cycle).count() == 15


def test_closing_makes_the_rules_recommendations_in_the_same_step(company) -> None:
    from appraisals.models import Recommendation

    cycle = AppraisalCycleFactory(template=small_template())
    cycle_open(cycle=cycle)
    _fill_all(cycle, value=1)  # every rating at the bottom of the scale: a fail for everyone rated
    cycle_close(cycle=cycle)
    failed = Appraisal.objects.filter(cycle=cycle, band="fail").select_related("manager")
    assert failed.exists()
    demotions = Recommendation.objects.filter(appraisal__cycle=cycle, kind="demotion")
    # The default rule recommends a demotion after a fail wherever a lower grade exists.
    assert {r.manager_id for r in demotions} == {a.manager_id for a in failed if a.grade.code != "trainee"}


def test_a_saved_draft_never_counts_in_the_score(company) -> None:
    # Two managers alike in every way miss their self rating; one has left a draft of all 1s. Closing must score
    # both the same: the draft is nobody's rating, so both self ratings are the same gap.
    cycle = AppraisalCycleFactory(template=small_template())
    cycle_open(cycle=cycle)
    _fill_all(cycle)
    drafted, plain = company["seconds"][0], company["seconds"][1]
    for manager in (drafted, plain):
        rating = Rating.objects.get(appraisal__cycle=cycle, appraisal__manager=manager, rater_type="self")
        rating.scores.all().delete()
        rating.submitted_at = None
        rating.save(update_fields=["submitted_at"])
    own = Rating.objects.get(appraisal__cycle=cycle, appraisal__manager=drafted, rater_type="self")
    indicators = [i for i in cycle.template.indicators.filter(kind="rated") if "self" in i.rater_types]
    rating_draft_save(
        rating=own,
        by=drafted.user,
        values={i.pk: 1 for i in indicators},
        comments={i.pk: "harsh on myself" for i in indicators},
    )

    cycle_to_review(cycle=cycle)
    cycle_close(cycle=cycle, reason="Two self ratings were not submitted")

    with_draft = Appraisal.objects.get(cycle=cycle, manager=drafted)
    without = Appraisal.objects.get(cycle=cycle, manager=plain)
    assert with_draft.total_score == without.total_score
    assert with_draft.explanation["notes"] == without.explanation["notes"]
    assert {"code": "ratings_pending", "params": {"count": 1}} in with_draft.explanation["notes"]
    assert not RatingScore.objects.filter(rating=own).exists()
