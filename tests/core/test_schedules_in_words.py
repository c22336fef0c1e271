"""Schedules as HR reads them: every seeded schedule in words in both languages, in the periodic-task list and on its
form; the task chosen from the registered tasks by label, and a name no worker knows a field error, not a 500."""

from __future__ import annotations

import pytest
from django import forms
from django.test import Client
from django.urls import reverse
from django.utils import translation
from django_celery_beat.models import CrontabSchedule, IntervalSchedule, PeriodicTask

from core.schedules import crontab_in_words, schedule_in_words
from tests.core.factories import UserFactory

pytestmark = pytest.mark.django_db

# The rows the migrations seed, and how each reads (the site's zone is Asia/Shanghai, so no zone is named).
SEEDED = {
    "Spot-check draw (weekly)": ("every Monday at 09:30", "每周一 09:30"),
    "Remind raters (daily)": ("every day at 09:00", "每天 09:00"),
    "Appraisal cycles due (daily)": ("every day at 01:00", "每天 01:00"),
    "Measured indicators snapshot (daily)": ("every day at 03:00", "每天 03:00"),
    "Run the monthly payroll (1st of the month)": ("on day 1 of every month at 04:00", "每月1日 04:00"),
    "Recompute client tiers": ("on day 1 of every month at 02:00", "每月1日 02:00"),
    "Compute assistant KPIs": ("on day 1 of every month at 02:30", "每月1日 02:30"),
    "Heartbeat": ("every 5 minutes", "每 5 分钟"),
    "Send pending jobs": ("every minute", "每 1 分钟"),
}


@pytest.fixture
def hr(client: Client) -> Client:
    client.force_login(UserFactory(username="schedule-root", is_superuser=True, is_staff=True))
    return client


def test_every_seeded_schedule_reads_in_words_in_both_languages() -> None:
    rows = {row.name: row for row in PeriodicTask.objects.select_related("crontab", "interval")}
    assert set(SEEDED) <= set(rows), "a seeded schedule was renamed: say here how it reads"
    for name, (english, chinese) in SEEDED.items():
        with translation.override("en"):
            assert schedule_in_words(rows[name]) == english, name
        with translation.override("zh-hans"):
            assert schedule_in_words(rows[name]) == chinese, name


@pytest.mark.parametrize(
    "fields, english, chinese",
    [
        ({"minute": "0", "hour": "8", "day_of_week": "1-5"}, "every working day (Monday to Friday) at 08:00", None),
        ({"minute": "0", "hour": "18", "day_of_week": "sun"}, "every Sunday at 18:00", "每周日 18:00"),
        ({"minute": "*/15", "hour": "*"}, "every 15 minutes", "每 15 分钟"),
        ({"minute": "5", "hour": "*"}, "every hour at minute 5", "每小时第 5 分"),
        # Anything else names each field with its value.
        (
            {"minute": "0", "hour": "9,17", "day_of_month": "1-7", "day_of_week": "1"},
            "minute 0, hour 9,17, day of month 1-7, month *, day of week 1",
            "分钟 0，小时 9,17，日期 1-7，月份 *，星期 1",
        ),
        ({"minute": "0", "hour": "9", "timezone": "UTC"}, "every day at 09:00 (UTC time)", "每天 09:00（UTC 时间）"),
    ],
)
def test_other_crontabs_read_in_words_or_field_by_field(fields: dict, english: str, chinese: str | None) -> None:
    crontab = CrontabSchedule(
        **{"day_of_month": "*", "month_of_year": "*", "day_of_week": "*", "timezone": "Asia/Shanghai", **fields}
    )
    with translation.override("en"):
        assert crontab_in_words(crontab) == english
    if chinese:
        with translation.override("zh-hans"):
            assert crontab_in_words(crontab) == chinese


def test_the_periodic_task_list_and_form_say_when_each_runs(hr: Client) -> None:
    listing = hr.get(reverse("admin:django_celery_beat_periodictask_changelist"), HTTP_ACCEPT_LANGUAGE="zh-hans")
    html = listing.content.decode()
    assert "每周一 09:30" in html and "每月1日 04:00" in html
    assert "抽取客户经理进行不事先通知的随机抽查" in html  # the task's label

    row = PeriodicTask.objects.get(name="Spot-check draw (weekly)")
    page = hr.get(reverse("admin:django_celery_beat_periodictask_change", args=[row.pk]))
    html = page.content.decode()
    assert "every Monday at 09:30" in html
    form = page.context["adminform"].form
    assert "regtask" not in form.fields
    choices = dict(form.fields["task"].choices)
    assert (
        choices["appraisals.spot_check_draw"]
        == "Draw managers for an unannounced spot-check (appraisals.spot_check_draw)"
    )
    assert "celery.backend_cleanup" not in choices  # Celery's own tasks are not offered
    crontab_labels = [label for _value, label in form.fields["crontab"].choices]
    assert "every Monday at 09:30" in crontab_labels


def _form_data(hr: Client, url: str) -> dict[str, object]:
    """The change form as the browser would post it back unchanged."""
    form = hr.get(url).context["adminform"].form
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


@pytest.mark.parametrize("task", ["appraisals.no_such_task", "", "x" * 300])
def test_a_task_name_no_worker_knows_is_a_field_error_not_a_500(hr: Client, task: str) -> None:
    row = PeriodicTask.objects.get(name="Spot-check draw (weekly)")
    url = reverse("admin:django_celery_beat_periodictask_change", args=[row.pk])
    response = hr.post(url, {**_form_data(hr, url), "task": task}, HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response.status_code == 200
    assert "task" in response.context["adminform"].form.errors
    assert PeriodicTask.objects.get(pk=row.pk).task == "appraisals.spot_check_draw"


def test_a_registered_task_saves(hr: Client) -> None:
    row = PeriodicTask.objects.get(name="Spot-check draw (weekly)")
    url = reverse("admin:django_celery_beat_periodictask_change", args=[row.pk])
    response = hr.post(url, {**_form_data(hr, url), "task": "appraisals.ratings_remind"})
    assert response.status_code == 302, response.context["adminform"].form.errors
    assert PeriodicTask.objects.get(pk=row.pk).task == "appraisals.ratings_remind"


def test_an_interval_in_words() -> None:
    with translation.override("zh-hans"):
        assert (
            schedule_in_words(
                PeriodicTask(interval=IntervalSchedule.objects.create(every=2, period=IntervalSchedule.HOURS))
            )
            == "每 2 小时"
        )
