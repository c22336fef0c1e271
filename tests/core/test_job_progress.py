"""Long work started from a page shows its progress, fed by the job's state, and links to the result when done."""

import re

import pytest
from django.contrib.admin import helpers
from django.contrib.messages import get_messages
from django.urls import reverse

from config import celery_app
from core.jobs import jobs_dispatch
from core.models import JobOccurrence, JobRun
from core.roles import Role
from incentives.models import PayStatement
from tests.core.factories import UserFactory
from tests.incentives.factories import FinalAppraisalFactory, PayPeriodFactory, PaySchemeFactory
from tests.managers.factories import grade

pytestmark = pytest.mark.django_db


def _generate(client, period) -> str:
    """Start pay generation from the admin as HR; return the progress link the page shows."""
    response = client.post(
        reverse("admin:incentives_payperiod_changelist"),
        {"action": "generate_statements", helpers.ACTION_CHECKBOX_NAME: [str(period.pk)]},
    )
    message = " ".join(str(m) for m in get_messages(response.wsgi_request))
    return re.search(r'href="([^"]+)"', message).group(1).replace("&amp;", "&")


def test_pay_generation_links_to_its_progress_which_links_to_the_statements_when_done(
    client, monkeypatch, django_capture_on_commit_callbacks
) -> None:
    PaySchemeFactory(grade=grade("first"))
    FinalAppraisalFactory()
    period = PayPeriodFactory()
    client.force_login(UserFactory(role=Role.HR))

    with django_capture_on_commit_callbacks(execute=False):  # not yet sent: no worker has taken it
        link = _generate(client, period)
    page = client.get(link).content.decode()
    assert "Queued: waiting for a worker" in page
    assert '<meta http-equiv="refresh" content="2">' in page
    assert "See the result" not in page

    monkeypatch.setitem(celery_app.conf, "task_always_eager", True)  # the worker runs it in-process
    with django_capture_on_commit_callbacks(execute=True):
        again = _generate(client, period)
    assert again == link  # asked again while the first waits: the same job, not a second one
    jobs_dispatch()  # beat sends what is waiting
    page = client.get(link).content.decode()
    assert PayStatement.objects.filter(period=period).count() == 1
    assert "Done." in page and 'http-equiv="refresh"' not in page
    # The job's own log line is for operators (English, in the admin's job runs), never on the user's page.
    assert "statement(s) created" not in page
    result = re.search(r'href="([^"]+)">See the result', page).group(1).replace("&amp;", "&")
    assert result == f"{reverse('admin:incentives_paystatement_changelist')}?period__id__exact={period.pk}"


@pytest.mark.parametrize(
    "status, says",
    [
        (JobRun.Status.PENDING, "will be sent when it is back"),
        (JobRun.Status.RUNNING, 'role="progressbar"'),
        (JobRun.Status.FAILED, "The job failed"),
    ],
)
def test_progress_page_says_what_state_the_job_is_in(client, status: str, says: str) -> None:
    JobRun.objects.create(name="incentives.pay_statements_generate", task_id="abc-123", status=status, error="boom")
    client.force_login(UserFactory(role=Role.HR))
    page = client.get(reverse("job_progress", args=["abc-123"])).content.decode()
    assert says in page
    assert ('http-equiv="refresh"' in page) == (status != JobRun.Status.FAILED)


def test_only_hr_follows_jobs_and_the_result_link_stays_on_this_site(client) -> None:
    JobRun.objects.create(name="x", task_id="t-1", status=JobRun.Status.SUCCEEDED)
    url = reverse("job_progress", args=["t-1"])
    client.force_login(UserFactory(role=Role.ACCOUNT_MANAGER))
    assert client.get(url).status_code == 404
    client.force_login(UserFactory(role=Role.HR))
    page = client.get(url, {"next": "https://evil.example.com/"}).content.decode()
    assert 'href="https://evil.example.com' not in page and "See the result" not in page


def test_a_refusal_inside_the_job_is_said_on_its_page_in_the_readers_language(
    client, monkeypatch, django_capture_on_commit_callbacks
) -> None:
    period = PayPeriodFactory(state="approved")  # statements are generated only for a draft period
    client.force_login(UserFactory(role=Role.HR))
    monkeypatch.setitem(celery_app.conf, "task_always_eager", True)
    with django_capture_on_commit_callbacks(execute=True):
        link = _generate(client, period)
    occurrence = JobOccurrence.objects.get()
    assert (occurrence.status, occurrence.refusal["code"]) == (JobOccurrence.Status.REFUSED, "pay_period_not_draft")
    english = client.get(link).content.decode()
    assert f"The job was refused: Pay period {period.code} is already approved, so its statements are locked" in english
    assert 'http-equiv="refresh"' not in english
    chinese = client.get(link, HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert f"工资期间 {period.code} 当前状态为“已批准”，其工资单已锁定，不会再次生成。" in chinese


@pytest.mark.parametrize(
    "fields, says",
    [
        ({"status": "pending", "send_error": "broker unreachable"}, "will be sent when it is back"),
        ({"status": "queued"}, "Queued: waiting for a worker"),
        ({"status": "queued", "interrupted_at": "2026-11-24T09:00:00+08:00"}, "Interrupted, resuming"),
        ({"status": "running", "claimed_at": "2020-01-01T00:00:00+00:00"}, "Interrupted, resuming"),  # nobody holds it
        ({"status": "skipped"}, "Not run"),
    ],
)
def test_progress_page_follows_the_job_occurrence(client, fields: dict, says: str) -> None:
    JobOccurrence.objects.create(key="k", task="incentives.pay_statements_generate", task_id="occ-1", **fields)
    client.force_login(UserFactory(role=Role.HR))
    page = client.get(reverse("job_progress", args=["occ-1"])).content.decode()
    assert says in page
    assert ('http-equiv="refresh"' in page) == (fields["status"] != "skipped")
