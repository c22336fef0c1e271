"""Assignment rules: grade may serve tier, active manager, reassignment keeps history, one open row per client."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, connections, transaction

from clients import services
from clients.models import Assignment
from clients.selectors import client_manager_on
from clients.services import assignment_create, assignment_end
from core.choices import ClientTier
from managers.models import AccountManager
from tests.clients.factories import ClientFactory
from tests.managers.factories import AccountManagerFactory, GradeChangeFactory, grade

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fast_password_hashing(settings) -> None:
    """The factories give every user a password; the production hasher takes seconds per user on a busy machine."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def test_a_trainee_may_not_serve_a_core_client_and_the_message_says_why() -> None:
    client = ClientFactory(tier=ClientTier.CORE)
    trainee = AccountManagerFactory(grade="trainee")

    with pytest.raises(ValidationError) as exc:
        assignment_create(client=client, manager=trainee, start=dt.date(2026, 3, 1), reason="initial")

    assert exc.value.messages == [f"A trainee account manager may not serve core clients ({trainee} on 2026-03-01)."]
    assert not Assignment.objects.exists()


def test_the_grade_on_the_start_date_counts_not_todays() -> None:
    client = ClientFactory(tier=ClientTier.KEY)
    manager = AccountManagerFactory(grade="trainee", grade__since=dt.date(2020, 1, 1))
    GradeChangeFactory(manager=manager, to_grade=grade("second"), effective_date=dt.date(2026, 6, 1))

    with pytest.raises(ValidationError, match="trainee account manager may not serve key clients"):
        assignment_create(client=client, manager=manager, start=dt.date(2026, 5, 31), reason="too early")
    assignment = assignment_create(client=client, manager=manager, start=dt.date(2026, 6, 1), reason="promoted")

    assert assignment.manager == manager


def test_a_manager_who_left_cannot_take_clients() -> None:
    manager = AccountManagerFactory(grade="senior", status=AccountManager.Status.LEFT)

    with pytest.raises(ValidationError, match="not an active account manager"):
        assignment_create(client=ClientFactory(), manager=manager, start=dt.date(2026, 1, 1), reason="x")


def test_reassignment_ends_the_old_row_and_opens_a_new_one() -> None:
    client = ClientFactory()
    first, second = AccountManagerFactory(grade="senior"), AccountManagerFactory(grade="first")
    old = assignment_create(client=client, manager=first, start=dt.date(2025, 1, 1), reason="initial")

    new = assignment_create(client=client, manager=second, start=dt.date(2026, 4, 1), reason="workload")

    old.refresh_from_db()
    assert (old.manager, old.start, old.end) == (first, dt.date(2025, 1, 1), dt.date(2026, 3, 31))
    assert (new.manager, new.start, new.end) == (second, dt.date(2026, 4, 1), None)
    assert client.assignments.count() == 2  # history kept, nothing overwritten
    assert client_manager_on(client=client, day=dt.date(2026, 3, 31)) == first
    assert client_manager_on(client=client, day=dt.date(2026, 4, 1)) == second
    assert client_manager_on(client=client, day=dt.date(2024, 12, 31)) is None


def test_a_same_day_correction_closes_the_old_row_on_that_day_and_the_new_one_wins() -> None:
    client = ClientFactory()
    wrong, right = AccountManagerFactory(grade="senior"), AccountManagerFactory(grade="senior")
    old = assignment_create(client=client, manager=wrong, start=dt.date(2026, 4, 1), reason="typo")

    assignment_create(client=client, manager=right, start=dt.date(2026, 4, 1), reason="correction")

    old.refresh_from_db()
    assert old.end == dt.date(2026, 4, 1)
    assert client_manager_on(client=client, day=dt.date(2026, 4, 1)) == right


def test_a_new_assignment_cannot_start_before_the_current_one() -> None:
    client = ClientFactory()
    senior = AccountManagerFactory(grade="senior")
    assignment_create(client=client, manager=senior, start=dt.date(2026, 4, 1), reason="a")

    with pytest.raises(ValidationError, match="before the current one"):
        assignment_create(
            client=client, manager=AccountManagerFactory(grade="senior"), start=dt.date(2026, 3, 1), reason="b"
        )
    assert client.assignments.get().end is None


def test_assignment_end_closes_the_open_row_and_keeps_why() -> None:
    client = ClientFactory()
    senior = AccountManagerFactory(grade="senior")
    assignment_create(client=client, manager=senior, start=dt.date(2026, 1, 1), reason="initial")

    ended = assignment_end(client=client, end=dt.date(2026, 6, 30), reason="client lost")

    assert ended.end == dt.date(2026, 6, 30)
    assert "client lost" in ended.reason
    assert client_manager_on(client=client, day=dt.date(2026, 7, 1)) is None
    assert assignment_end(client=client, end=dt.date(2026, 7, 1)) is None


def test_the_database_refuses_a_second_open_row_whatever_the_code() -> None:
    client = ClientFactory()
    manager = AccountManagerFactory(grade="senior")
    Assignment.objects.create(client=client, manager=manager, start=dt.date(2026, 1, 1), reason="a")

    with pytest.raises(IntegrityError), transaction.atomic():
        Assignment.objects.create(client=client, manager=manager, start=dt.date(2026, 2, 1), reason="b")


def test_a_concurrent_assignment_that_committed_first_becomes_a_clear_error(monkeypatch) -> None:
    """The other request commits its row between our read of the open assignment and our insert.

    The race is placed exactly there by wrapping the read (the database and its constraint are real): our read sees
    no open row, the competing row is committed, our INSERT violates one_active_manager_per_client.
    """
    client = ClientFactory()
    them, us = AccountManagerFactory(grade="senior"), AccountManagerFactory(grade="senior")
    read = services._open_assignment

    def read_then_lose_the_race(*, client):
        found = read(client=client)
        Assignment.objects.create(client=client, manager=them, start=dt.date(2026, 5, 1), reason="theirs")
        return found

    monkeypatch.setattr(services, "_open_assignment", read_then_lose_the_race)

    with pytest.raises(ValidationError) as exc:
        assignment_create(client=client, manager=us, start=dt.date(2026, 5, 1), reason="ours")

    assert "was assigned to" in exc.value.messages[0]
    assert str(them) in exc.value.messages[0]
    # The competing row was written inside our transaction here, so it is rolled back with it; what matters is
    # that ours was never saved and the caller got a message, not an IntegrityError.
    assert not client.assignments.filter(manager=us).exists()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="two connections writing at once need PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_two_concurrent_assignments_one_wins_one_gets_a_clear_error() -> None:
    client = ClientFactory()
    managers = [AccountManagerFactory(grade="senior"), AccountManagerFactory(grade="first")]
    both_inserted_or_waiting = threading.Barrier(2, timeout=10)
    outcomes: dict[int, str] = {}

    def assign(index: int) -> None:
        try:
            with transaction.atomic():
                if index == 1:
                    both_inserted_or_waiting.wait()  # start only once the first has written, not yet committed
                assignment_create(client=client, manager=managers[index], start=dt.date(2026, 5, 1), reason="race")
                if index == 0:
                    both_inserted_or_waiting.wait()
                    threading.Event().wait(0.5)  # hold the transaction open while the second one runs into it
            outcomes[index] = "assigned"
        except ValidationError as exc:
            outcomes[index] = exc.messages[0]
        finally:
            connections.close_all()

    threads = [threading.Thread(target=assign, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert outcomes[0] == "assigned"
    assert "was assigned to" in outcomes[1] and str(managers[0]) in outcomes[1]
    assert list(Assignment.objects.filter(client=client).values_list("manager", "end")) == [(managers[0].pk, None)]
