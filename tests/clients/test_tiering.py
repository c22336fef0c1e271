"""The 80/20 tiering (核心客户) on a hand-computed example, its history, idempotence, query count and the task."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from clients.models import Client, ClientTierChange, TieringRun
from clients.services import assignment_create
from clients.tasks import tiering_run_task
from clients.tiering import tiering_run, tiering_window
from core.choices import ClientTier
from core.models import JobRun
from tests.clients.factories import BusinessRecordFactory, ClientFactory
from tests.managers.factories import AccountManagerFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fast_password_hashing(settings) -> None:
    """The factories give every user a password; the production hasher takes seconds per user on a busy machine."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


TODAY = dt.date(2026, 11, 23)
# The window is the 12 full months before today: 2025-11-01 … 2026-10-31.
IN_WINDOW = [dt.date(2025, 11, 1), dt.date(2026, 3, 1), dt.date(2026, 7, 1), dt.date(2026, 10, 1)]


def test_window_is_the_last_twelve_full_months() -> None:
    window = tiering_window(TODAY)
    assert (window.start, window.end) == (dt.date(2025, 11, 1), dt.date(2026, 10, 31))
    january = tiering_window(dt.date(2027, 1, 1))
    assert (january.start, january.end) == (dt.date(2026, 1, 1), dt.date(2026, 12, 31))


def make_company() -> dict[str, Client]:
    """Ten clients A…J created in that order (so pk order is A < B < … < J).

    Volumes in the window (total 1000):
        client  volume  before  cumulative  share  tier
        A       400       0       400      40 %   core      (4 × 100, spread over the year)
        B       200     400       600      60 %   core
        C       200     600       800      80 %   core      reaches exactly 80 %: the smallest prefix ends here
        D        50     800       850      85 %   key       before = 80 %, not below it: not core
        E        50     850       900      90 %   key
        F        50     900       950      95 %   key       reaches exactly 95 %
        G        50     950      1000     100 %   ordinary  ties with D, E, F; ranked last by pk
        H         0                               ordinary  (was core: demoted)
        I         0                               ordinary  (10 000 this month: outside the window)
        J         0                               ordinary  (10 000 in 2025-10: outside the window)
    """
    clients = {letter: ClientFactory(name=f"Client {letter}") for letter in "ABCDEFGHIJ"}
    Client.objects.filter(pk=clients["H"].pk).update(tier=ClientTier.CORE)
    for month in IN_WINDOW:
        BusinessRecordFactory(client=clients["A"], month=month, volume=Decimal("100"))
    for letter, volume in {"B": 200, "C": 200, "D": 50, "E": 50, "F": 50, "G": 50}.items():
        BusinessRecordFactory(client=clients[letter], month=dt.date(2026, 5, 1), volume=Decimal(volume))
    BusinessRecordFactory(client=clients["I"], month=dt.date(2026, 11, 1), volume=Decimal("10000"))
    BusinessRecordFactory(client=clients["J"], month=dt.date(2025, 10, 1), volume=Decimal("10000"))
    return clients


def tiers() -> dict[str, str]:
    return {name[-1]: tier for name, tier in Client.objects.values_list("name", "tier")}


def test_pareto_tiers_on_the_worked_example() -> None:
    make_company()

    run = tiering_run(today=TODAY)

    assert tiers() == {
        "A": "core", "B": "core", "C": "core",
        "D": "key", "E": "key", "F": "key",
        "G": "ordinary", "H": "ordinary", "I": "ordinary", "J": "ordinary",
    }  # fmt: skip
    assert (run.core_count, run.key_count, run.ordinary_count) == (3, 3, 4)
    assert run.total_volume == Decimal("1000")
    assert (run.period_start, run.period_end) == (dt.date(2025, 11, 1), dt.date(2026, 10, 31))


def test_history_rows_only_for_changes_with_volume_and_share() -> None:
    make_company()

    run = tiering_run(today=TODAY)

    changes = {c.client.name[-1]: c for c in run.changes.select_related("client")}
    # G, I and J were ordinary and stay ordinary: no row. H falls from core to ordinary.
    assert sorted(changes) == ["A", "B", "C", "D", "E", "F", "H"]
    assert (changes["C"].from_tier, changes["C"].to_tier) == ("ordinary", "core")
    assert changes["C"].volume == Decimal("200")
    assert changes["C"].cumulative_share == Decimal("0.8000")
    assert changes["F"].cumulative_share == Decimal("0.9500")
    assert (changes["H"].from_tier, changes["H"].to_tier, changes["H"].volume) == ("core", "ordinary", 0)


def test_the_run_keeps_the_points_of_the_80_20_chart() -> None:
    make_company()

    run = tiering_run(today=TODAY)

    # Ten clients, fewer than the chart's 100 points: every rank is kept, [rank, cumulative share in %] from the
    # table above (A 40 %, B 60 %, C 80 %, D 85 %, E 90 %, F 95 %, G 100 %, then H, I, J with no volume).
    assert run.pareto_points == [
        [1, 40.0], [2, 60.0], [3, 80.0], [4, 85.0], [5, 90.0],
        [6, 95.0], [7, 100.0], [8, 100.0], [9, 100.0], [10, 100.0],
    ]  # fmt: skip


def test_running_twice_changes_nothing_the_second_time() -> None:
    make_company()
    tiering_run(today=TODAY)
    before = tiers()

    second = tiering_run(today=TODAY)

    assert tiers() == before
    assert second.changes.count() == 0
    assert ClientTierChange.objects.count() == 7
    assert TieringRun.objects.count() == 2


def test_no_business_at_all_makes_everyone_ordinary() -> None:
    ClientFactory.create_batch(3)

    run = tiering_run(today=TODAY)

    assert set(tiers().values()) == {"ordinary"}
    assert run.total_volume == 0
    assert run.changes.count() == 0


def test_a_manager_whose_grade_may_not_serve_the_new_tier_is_listed_not_reassigned() -> None:
    clients = make_company()
    second_level = AccountManagerFactory(grade="second")  # may serve key and ordinary clients, not core ones
    assignment_create(client=clients["A"], manager=second_level, start=dt.date(2026, 1, 1), reason="initial")

    run = tiering_run(today=TODAY)

    assert tiers()["A"] == "core"
    assert clients["A"].assignments.get().manager == second_level  # still assigned: HR decides
    assert run.needs_reassignment == [
        {
            "client_id": clients["A"].pk,
            "client": "Client A",
            "tier": "core",
            "manager_id": second_level.pk,
            "manager": second_level.employee_no,
            "grade": "second",
        }
    ]


def company_of(size: int) -> None:
    for n, client in enumerate(ClientFactory.create_batch(size)):
        BusinessRecordFactory(client=client, month=dt.date(2026, 5, 1), volume=Decimal(1000 - n * 10))


def count_queries() -> int:
    with CaptureQueriesContext(connection) as captured:
        tiering_run(today=TODAY)
    return len(captured)


@pytest.mark.parametrize("size", [10, 50])
def test_query_count_does_not_grow_with_clients(size: int, django_assert_max_num_queries) -> None:
    company_of(size)
    # savepoint, the tiering rule in force, [advisory lock on PostgreSQL], ranking (with the window total and the
    # chart points), insert run, bulk insert of changes, update of changed clients, counts per tier, clients needing
    # reassignment, save run, release savepoint
    with django_assert_max_num_queries(11):
        tiering_run(today=TODAY)


def test_same_query_count_for_ten_and_fifty_clients() -> None:
    company_of(10)
    ten = count_queries()
    company_of(40)  # 50 clients now, 40 of them new and ranked for the first time
    assert count_queries() == ten


def test_task_runs_the_tiering_and_records_the_job() -> None:
    make_company()

    run_pk = tiering_run_task.apply(kwargs={"today": TODAY.isoformat()}).get()

    assert TieringRun.objects.get(pk=run_pk).core_count == 3
    job = JobRun.objects.get(name="client tiering")
    assert job.status == JobRun.Status.SUCCEEDED
    assert "3 core" in job.result


def test_the_beat_schedule_recomputes_tiers_monthly_at_two_in_shanghai() -> None:
    from django_celery_beat.models import PeriodicTask

    task = PeriodicTask.objects.select_related("crontab").get(name="Recompute client tiers")

    assert task.task == "clients.tiering_run" and task.enabled
    crontab = task.crontab
    assert (crontab.minute, crontab.hour, crontab.day_of_month, crontab.month_of_year, crontab.day_of_week) == (
        "0",
        "2",
        "1",
        "*",
        "*",
    )
    assert str(crontab.timezone) == "Asia/Shanghai"
