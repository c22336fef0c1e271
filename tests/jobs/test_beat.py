"""The beat schedule: every scheduled job of SPEC.md is a row after migrate, and HR's edit in the admin is what beat
follows (beat's own due-check, run on the rows as DatabaseScheduler loads them, with a fake clock)."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django import forms
from django.urls import reverse
from django.utils import timezone
from django_celery_beat.models import CrontabSchedule, PeriodicTask
from django_celery_beat.schedulers import DatabaseScheduler

from config.celery import app as celery_app
from core.beat import entry_due_time, schedule_submit, schedules_catch_up
from core.models import JobOccurrence, ScheduleCatchUp

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")

# The scheduled jobs: open regular cycles and close them at their deadline (cycles_due), remind raters, draw
# spot-checks, recompute client tiers, snapshot the measured indicators, run the monthly payroll; and the plumbing: the
# heartbeat and sending the jobs saved while the broker was down.
EXPECTED = {
    "Heartbeat": "core.heartbeat",
    "Send pending jobs": "core.jobs_pending_dispatch",
    "Appraisal cycles due (daily)": "appraisals.cycles_due",
    "Measured indicators snapshot (daily)": "appraisals.measures_snapshot",
    "Spot-check draw (weekly)": "appraisals.spot_check_draw",
    "Recompute client tiers": "clients.tiering_run",
    "Remind raters (daily)": "appraisals.ratings_remind",
    "Run the monthly payroll (1st of the month)": "incentives.payroll_monthly",
}


def test_every_scheduled_job_is_an_enabled_beat_row_after_migrate_and_names_a_real_task() -> None:
    celery_app.loader.import_default_modules()
    rows = {task.name: task for task in PeriodicTask.objects.filter(name__in=EXPECTED)}
    assert {name: row.task for name, row in rows.items()} == EXPECTED
    assert all(row.enabled for row in rows.values())
    assert set(EXPECTED.values()) <= set(celery_app.tasks)  # a row naming no task would fail only at run time
    remind = rows["Remind raters (daily)"].crontab
    assert (remind.minute, remind.hour, remind.day_of_week, str(remind.timezone)) == ("0", "9", "*", "Asia/Shanghai")
    payroll = rows["Run the monthly payroll (1st of the month)"].crontab
    assert (payroll.minute, payroll.hour, payroll.day_of_month, payroll.day_of_week) == ("0", "4", "1", "*")


def _entry(name: str):
    """Beat's entry for the row, built by DatabaseScheduler's own Entry class from the row as it is now (beat loads
    crontab rows only within two hours of the server's clock, so the test builds the entry rather than wait)."""
    return DatabaseScheduler.Entry(PeriodicTask.objects.get(name=name), app=celery_app)


def _next_run(entry, after: dt.datetime) -> dt.datetime:
    """When beat next sends the entry, by the schedule's own arithmetic (celery's remaining_delta)."""
    start, delta, _now = entry.schedule.remaining_delta(after.astimezone(SHANGHAI))
    return start + delta


def _is_due_at(entry, now: dt.datetime, last_run_at: dt.datetime) -> bool:
    """Beat's due check for the entry (ModelEntry.is_due → the crontab's is_due) with the clock stopped at now."""
    entry.schedule.nowfun = lambda: now.astimezone(SHANGHAI)
    entry.last_run_at = last_run_at
    return entry.is_due().is_due


def _change_form_data(admin_client, url: str) -> dict[str, object]:
    """The admin change form of a row as the browser would post it back unchanged."""
    form = admin_client.get(url).context["adminform"].form
    data: dict[str, object] = {}
    for field in form:
        value = field.value()
        if isinstance(field.field.widget, forms.MultiWidget):
            for index, part in enumerate(field.field.widget.decompress(value)):
                data[f"{field.html_name}_{index}"] = part or ""
        elif isinstance(value, bool):
            if value:
                data[field.html_name] = "on"
        elif value is not None:
            data[field.html_name] = value
    return data


# DatabaseScheduler closes old connections and commits as beat does: it needs real transactions.
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_changing_the_reminders_time_in_the_admin_changes_when_beat_sends_them(admin_client) -> None:
    scheduler = DatabaseScheduler(app=celery_app, lazy=True)
    scheduler.schedule_changed()  # the first call records the current change stamp, as beat's first tick does
    entry = _entry("Remind raters (daily)")
    yesterday_run = dt.datetime(2026, 11, 23, 9, 0, 5, tzinfo=SHANGHAI)
    quarter_to_nine = dt.datetime(2026, 11, 24, 8, 45, tzinfo=SHANGHAI)
    # Daily at 09:00 Shanghai: after yesterday's 09:00 run the next is today 09:00; not due at 08:45.
    assert _next_run(entry, yesterday_run) == dt.datetime(2026, 11, 24, 9, 0, tzinfo=SHANGHAI)
    assert not _is_due_at(entry, quarter_to_nine, yesterday_run)

    # HR adds a crontab "30 8 * * *" and points the reminders at it, both in the admin.
    response = admin_client.post(
        reverse("admin:django_celery_beat_crontabschedule_add"),
        {
            "minute": "30",
            "hour": "8",
            "day_of_month": "*",
            "month_of_year": "*",
            "day_of_week": "*",
            "timezone": "Asia/Shanghai",
            "periodictask_set-TOTAL_FORMS": "0",  # the inline of the tasks on this schedule, left empty
            "periodictask_set-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    half_past_eight = CrontabSchedule.objects.get(minute="30", hour="8", day_of_week="*")
    task = PeriodicTask.objects.get(name="Remind raters (daily)")
    url = reverse("admin:django_celery_beat_periodictask_change", args=[task.pk])
    data = {**_change_form_data(admin_client, url), "crontab": half_past_eight.pk}
    response = admin_client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors

    # The running scheduler notices the change (PeriodicTasks.last_update) and reloads the row.
    assert scheduler.schedule_changed()
    entry = _entry("Remind raters (daily)")
    assert _next_run(entry, yesterday_run) == dt.datetime(2026, 11, 24, 8, 30, tzinfo=SHANGHAI)
    assert _is_due_at(entry, quarter_to_nine, yesterday_run)


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_disabling_a_job_in_the_admin_stops_beat_sending_it(admin_client) -> None:
    task = PeriodicTask.objects.get(name="Run the monthly payroll (1st of the month)")
    response = admin_client.post(
        reverse("admin:django_celery_beat_periodictask_changelist"),
        {"action": "disable_tasks", "_selected_action": [task.pk]},
    )
    assert response.status_code == 302
    scheduler = DatabaseScheduler(app=celery_app, lazy=True)
    assert not scheduler.enabled_models_qs().filter(pk=task.pk).exists()  # beat loads enabled rows only
    entry = _entry("Run the monthly payroll (1st of the month)")
    assert not _is_due_at(
        entry, dt.datetime(2026, 12, 1, 4, 1, tzinfo=SHANGHAI), dt.datetime(2026, 11, 1, 4, 0, tzinfo=SHANGHAI)
    )


# --- occurrences and catch-up ---------------------------------------------------------------------------------------


def _catch_up(name: str, within: dt.timedelta) -> PeriodicTask:
    row = PeriodicTask.objects.get(name=name)
    ScheduleCatchUp.objects.update_or_create(
        periodic_task=row, defaults={"within": within, "since": dt.datetime(2026, 1, 1, tzinfo=SHANGHAI)}
    )
    return row


def test_a_draw_missed_by_a_day_is_caught_up_and_a_reminder_missed_by_a_week_is_not(
    django_capture_on_commit_callbacks,
) -> None:
    _catch_up("Spot-check draw (weekly)", dt.timedelta(days=3))  # Mondays 09:30
    _catch_up("Remind raters (daily)", dt.timedelta(hours=12))  # daily 09:00
    PeriodicTask.objects.exclude(name__in=["Spot-check draw (weekly)", "Remind raters (daily)"]).update(enabled=False)
    tuesday_night = dt.datetime(2026, 11, 24, 22, 0, tzinfo=SHANGHAI)  # nothing ran for a week
    with django_capture_on_commit_callbacks(execute=False):
        caught = schedules_catch_up(now=tuesday_night)
    (draw,) = JobOccurrence.objects.all()
    assert [outcome.task_id for outcome in caught] == [draw.task_id]
    assert (draw.task, draw.scheduled_for) == (
        "appraisals.spot_check_draw",
        dt.datetime(2026, 11, 23, 9, 30, tzinfo=SHANGHAI),
    )
    assert draw.expires_at == dt.datetime(2026, 11, 26, 9, 30, tzinfo=SHANGHAI)
    # Today's 09:00 reminder is 13 hours late (bound 12): not sent; a week of reminders even less.
    assert not JobOccurrence.objects.filter(schedule_name="Remind raters (daily)").exists()
    with django_capture_on_commit_callbacks(execute=False):
        assert schedules_catch_up(now=tuesday_night) == []  # recorded once: the next round finds it

    # Had the reminder been only an hour late, today's (one, not seven) would run.
    with django_capture_on_commit_callbacks(execute=False):
        schedules_catch_up(now=dt.datetime(2026, 11, 25, 10, 0, tzinfo=SHANGHAI))
    (remind,) = JobOccurrence.objects.filter(schedule_name="Remind raters (daily)")
    assert remind.scheduled_for == dt.datetime(2026, 11, 25, 9, 0, tzinfo=SHANGHAI)


def test_beat_back_after_a_week_records_the_late_reminder_as_missed_and_sends_nothing(
    django_capture_on_commit_callbacks,
) -> None:
    row = _catch_up("Remind raters (daily)", dt.timedelta(hours=12))
    row.last_run_at = dt.datetime(2026, 11, 17, 9, 0, 2, tzinfo=SHANGHAI)
    entry = _entry("Remind raters (daily)")
    entry.last_run_at = row.last_run_at
    now = timezone.now()
    when = entry_due_time(entry, now=now)
    assert when <= now and now - when < dt.timedelta(days=1)  # the latest 09:00, not the one of a week ago
    # Beat sends the run due at start; late past its bound, it is recorded as missed, not sent.
    with django_capture_on_commit_callbacks(execute=True):
        outcome = schedule_submit(row, dt.datetime(2026, 11, 17, 9, 0, tzinfo=SHANGHAI))
    occurrence = JobOccurrence.objects.get(task_id=outcome.task_id)
    assert occurrence.status == JobOccurrence.Status.SKIPPED


def test_a_restarted_beat_computes_the_same_run_and_records_it_once(django_capture_on_commit_callbacks) -> None:
    row = PeriodicTask.objects.get(name="Spot-check draw (weekly)")
    row.last_run_at = dt.datetime(2026, 11, 16, 9, 30, 1, tzinfo=SHANGHAI)
    row.save()
    with django_capture_on_commit_callbacks(execute=False):
        first = schedule_submit(row, entry_due_time(_entry(row.name)))
        again = schedule_submit(row, entry_due_time(_entry(row.name)))  # beat killed before saving last_run_at
    assert (first.duplicate, again.duplicate) == (False, True)
    assert again.task_id == first.task_id
    assert JobOccurrence.objects.filter(schedule_name=row.name).count() == 1


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_hr_sets_how_late_a_schedule_may_catch_up_in_its_admin_form(admin_client) -> None:
    row = PeriodicTask.objects.get(name="Spot-check draw (weekly)")
    url = reverse("admin:django_celery_beat_periodictask_change", args=[row.pk])
    data = _change_form_data(admin_client, url)
    assert data["catch_up_within"] == "3 00:00:00"  # seeded
    response = admin_client.post(url, {**data, "catch_up_within": "1 00:00:00"})
    assert response.status_code == 302, response.context["adminform"].form.errors
    rule = ScheduleCatchUp.objects.get(periodic_task=row)
    assert rule.within == dt.timedelta(days=1)
    assert timezone.now() - rule.since < dt.timedelta(minutes=1)  # runs due before the change are never caught up


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_run_selected_tasks_with_the_broker_down_saves_the_job_once_and_answers(admin_client, settings) -> None:
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"  # nothing listens on port 1
    row = PeriodicTask.objects.get(name="Spot-check draw (weekly)")
    changelist = reverse("admin:django_celery_beat_periodictask_changelist")
    for _ in range(2):
        response = admin_client.post(changelist, {"action": "run_tasks", "_selected_action": [row.pk]}, follow=True)
        assert response.status_code == 200
        assert "saved and will run when it is back" in response.content.decode()
    occurrence = JobOccurrence.objects.get()  # asked twice while waiting: one job
    assert (occurrence.task, occurrence.status) == ("appraisals.spot_check_draw", JobOccurrence.Status.PENDING)
