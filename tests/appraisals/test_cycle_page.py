"""HR's cycle page: the cycle's state, what is missing, and buttons that open, remind, close and pay, each as a job
with its progress page; refusals said on the page in the reader's language."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from appraisals.models import AppraisalCycle, Rating
from appraisals.services.cycles import cycle_close, cycle_open
from config import celery_app
from core.models import JobOccurrence
from core.roles import Role
from incentives.models import PayPeriod, PayStatement
from tests.appraisals.factories import (
    AppraisalCycleFactory,
    AppraisalPlanFactory,
    SpotCheckFactory,
    hr_user,
    small_template,
)
from tests.core.factories import UserFactory
from tests.incentives.factories import PaySchemeFactory
from tests.managers.factories import AccountManagerFactory, DepartmentFactory, grade

pytestmark = pytest.mark.django_db

ZH = {"HTTP_ACCEPT_LANGUAGE": "zh-hans"}


def _cycle(managers: int = 2, *, opened: bool = True) -> AppraisalCycle:
    """A 2026 H1 cycle over `managers` second-level managers of one department (its head rates them)."""
    department = DepartmentFactory()
    for _ in range(managers):
        AccountManagerFactory(grade="second", department=department)
    cycle = AppraisalCycleFactory(template=small_template(), plan=AppraisalPlanFactory(year=2026))
    if opened:
        cycle_open(cycle=cycle)
        cycle.refresh_from_db()
    return cycle


@pytest.fixture
def eager(monkeypatch) -> None:
    """Queued jobs run in-process once the request's transaction commits, as a worker would run them."""
    monkeypatch.setitem(celery_app.conf, "task_always_eager", True)


@pytest.fixture
def hr(client):
    client.force_login(hr_user(email="hr@example.com"))
    return client


def test_only_hr_opens_the_cycle_pages_and_presses_their_buttons(client) -> None:
    cycle = _cycle()
    client.force_login(AccountManagerFactory(grade="senior").user)
    assert client.get(reverse("cycles:list")).status_code == 403
    assert client.get(reverse("cycles:detail", args=[cycle.pk])).status_code == 403
    for action in ("open", "remind", "close", "pay"):
        assert client.post(reverse(f"cycles:{action}", args=[cycle.pk]), {"reason": "x"}).status_code == 403
    assert not JobOccurrence.objects.exists()
    client.force_login(UserFactory(role=Role.DEPARTMENT_HEAD))
    assert client.get(reverse("cycles:detail", args=[cycle.pk])).status_code == 403

    client.force_login(hr_user())
    listing = client.get(reverse("cycles:list")).content.decode()
    assert reverse("cycles:detail", args=[cycle.pk]) in listing and cycle.name in listing
    assert client.get(reverse("cycles:detail", args=[999999])).status_code == 404


def test_the_navigation_and_the_admin_link_to_the_cycle_pages(client) -> None:
    cycle = _cycle(1)
    client.force_login(AccountManagerFactory(grade="senior").user)
    assert reverse("cycles:list") not in client.get(reverse("home")).content.decode()
    client.force_login(hr_user())
    assert reverse("cycles:list") in client.get(reverse("home")).content.decode()
    change = client.get(reverse("admin:appraisals_appraisalcycle_change", args=[cycle.pk])).content.decode()
    assert reverse("cycles:detail", args=[cycle.pk]) in change


def test_the_page_says_what_is_missing_and_who_owes_it(hr) -> None:
    cycle = _cycle(2)
    manager = cycle.appraisals.select_related("manager__user").order_by("manager__employee_no").first().manager
    SpotCheckFactory(manager=manager, checked_on=None)
    page = hr.get(reverse("cycles:detail", args=[cycle.pk]))
    html = page.content.decode()
    # Per manager: self, head and one peer (the other manager) = 3; 2 managers → 6 pending, owed by 3 people:
    # the head 2 (one per manager), each manager 2 (their self rating and one peer rating).
    owed = page.context["owed"]
    assert sum(row.count for row in owed) == 6
    by_type = {(row.rater_type, row.rater.pk): row.count for row in owed}
    head = manager.department.head
    assert by_type[("head", head.pk)] == 2 and by_type[("self", manager.user_id)] == 1
    assert "6 of 6" in " ".join(html.split())
    assert "drawn, not yet carried out" in html
    # The measured values have not been computed yet: no appraisal is listed as without data before they are.
    assert "Remind the raters who owe ratings" in html and "Close the cycle" in html
    assert "Open the cycle</button>" not in html


def test_open_runs_as_a_job_and_the_cycle_opens(hr, eager, django_capture_on_commit_callbacks) -> None:
    cycle = _cycle(2, opened=False)
    assert "Open the cycle</button>" in hr.get(reverse("cycles:detail", args=[cycle.pk])).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = hr.post(reverse("cycles:open", args=[cycle.pk]))
    occurrence = JobOccurrence.objects.get(task="appraisals.cycle_open")
    assert response.status_code == 302 and response.url.startswith(reverse("job_progress", args=[occurrence.task_id]))
    assert "Done." in hr.get(response.url).content.decode()
    cycle.refresh_from_db()
    assert cycle.state == "open" and cycle.appraisals.count() == 2

    # Pressed again on a stale page: refused at once, on the cycle page, in the reader's language.
    again = hr.post(reverse("cycles:open", args=[cycle.pk]), follow=True, **ZH)
    assert "只有草稿状态的考核周期才能开启" in again.content.decode()
    assert JobOccurrence.objects.filter(task="appraisals.cycle_open").count() == 1


def test_remind_e_mails_those_who_owe_ratings_of_this_cycle(hr, eager, django_capture_on_commit_callbacks) -> None:
    cycle = _cycle(2)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = hr.post(reverse("cycles:remind", args=[cycle.pk]))
    assert "Done." in hr.get(response.url).content.decode()
    # The head and the two managers owe ratings: one e-mail each.
    assert len(mail.outbox) == 3
    assert Rating.objects.filter(appraisal__cycle=cycle, last_reminded_on=timezone.localdate()).count() == 6


def test_close_without_a_reason_is_a_form_error_and_with_one_the_job_closes(
    hr, eager, django_capture_on_commit_callbacks
) -> None:
    cycle = _cycle(2)
    page = hr.post(reverse("cycles:close", args=[cycle.pk]), {"reason": "   "}, **ZH)
    assert page.status_code == 200
    assert "该字段是必填项。" in page.content.decode()  # "This field is required." next to the reason
    assert not JobOccurrence.objects.exists()

    reason = "Raters reminded twice; the committee closes without them"
    with django_capture_on_commit_callbacks(execute=True):
        response = hr.post(reverse("cycles:close", args=[cycle.pk]), {"reason": reason})
    progress = hr.get(response.url).content.decode()
    assert "Done." in progress and reverse("appraisals:cycle_results") in progress  # "See the result" link
    cycle.refresh_from_db()
    assert cycle.state == "closed" and cycle.close_reason == reason

    # Closing a closed cycle: said on the cycle page, nothing queued.
    again = hr.post(reverse("cycles:close", args=[cycle.pk]), {"reason": reason}, follow=True, **ZH)
    assert f"{cycle} 已经关闭。" in again.content.decode()
    assert JobOccurrence.objects.filter(task="appraisals.cycle_close").count() == 1


def test_pay_for_the_closing_month_runs_as_a_job(hr, eager, django_capture_on_commit_callbacks) -> None:
    cycle = _cycle(1)
    cycle_close(cycle=cycle, reason="test: nobody rated")
    PaySchemeFactory(grade=grade("second"), year=timezone.localdate().year)
    page = hr.get(reverse("cycles:detail", args=[cycle.pk])).content.decode()
    assert "Generate the pay statements of" in page
    with django_capture_on_commit_callbacks(execute=True):
        response = hr.post(reverse("cycles:pay", args=[cycle.pk]))
    assert "Done." in hr.get(response.url).content.decode()
    period = PayPeriod.objects.get(start=timezone.localdate().replace(day=1))
    assert PayStatement.objects.filter(period=period).count() == 1


def test_pay_for_an_approved_month_is_refused_in_the_readers_language(hr) -> None:
    cycle = _cycle(1)
    cycle_close(cycle=cycle, reason="test: nobody rated")
    start = timezone.localdate().replace(day=1)
    period = PayPeriod.objects.create(
        code=f"{start:%Y-%m}", start=start, end=(start + dt.timedelta(days=40)).replace(day=1) - dt.timedelta(days=1)
    )
    PayPeriod.objects.filter(pk=period.pk).update(state="approved")
    chinese = hr.get(reverse("cycles:detail", args=[cycle.pk]), **ZH).content.decode()
    refusal = f"工资期间 {period.code} 当前状态为“已批准”，其工资单已锁定，不会再次生成。"
    assert refusal in chinese and "生成" in chinese
    assert 'action="{}"'.format(reverse("cycles:pay", args=[cycle.pk])) not in chinese  # no button to press
    # A stale page's POST: the same refusal on the cycle page, nothing queued.
    response = hr.post(reverse("cycles:pay", args=[cycle.pk]), follow=True, **ZH)
    assert response.redirect_chain[-1][0] == reverse("cycles:detail", args=[cycle.pk])
    assert refusal in response.content.decode()
    # (the close queued only the managers' "result published" notifications)
    assert not JobOccurrence.objects.exclude(task__startswith="notifications.").exists()


def test_a_refusal_inside_the_pay_job_is_said_on_its_progress_page_in_chinese(
    hr, eager, django_capture_on_commit_callbacks
) -> None:
    cycle = _cycle(1)
    cycle_close(cycle=cycle, reason="test: nobody rated")
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = hr.post(reverse("cycles:pay", args=[cycle.pk]))
    # The period is approved after the job was queued and before a worker runs it.
    PayPeriod.objects.filter(start=timezone.localdate().replace(day=1)).update(state="approved")
    for callback in callbacks:
        callback()
    assert JobOccurrence.objects.get(task="incentives.pay_statements_generate").status == JobOccurrence.Status.REFUSED
    chinese = hr.get(response.url, **ZH).content.decode()
    assert "当前状态为“已批准”，其工资单已锁定，不会再次生成。" in chinese


@pytest.mark.parametrize("managers", [2, 6])
def test_the_cycle_page_makes_a_fixed_number_of_queries(hr, managers: int, django_assert_num_queries) -> None:
    cycle = _cycle(managers)
    for appraisal in cycle.appraisals.all()[:2]:
        SpotCheckFactory(manager=appraisal.manager, checked_on=dt.date(2026, 3, 1))
    # session, user, user's groups (role), the cycle with its counts, the ratings owed grouped, their raters'
    # names, appraisals without data, spot-checks pending
    with django_assert_num_queries(8):
        response = hr.get(reverse("cycles:detail", args=[cycle.pk]))
    pending = Rating.objects.filter(appraisal__cycle=cycle, submitted_at__isnull=True).count()
    assert pending >= 3 * managers and sum(row.count for row in response.context["owed"]) == pending
    # session, user, user's groups, the cycles with their counts
    with django_assert_num_queries(4):
        hr.get(reverse("cycles:list"))
