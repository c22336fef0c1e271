"""Client.current_manager is kept by the database (clients.db_triggers): whatever writes an assignment or the
client, the column names the manager of the open assignment, or nothing. Runs on SQLite and, in CI, on PostgreSQL:
each has its own triggers."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from django.db import OperationalError, connection, connections, transaction

from clients import db_triggers
from clients.models import Assignment, Client
from clients.selectors import client_manager_on, clients_visible_to
from clients.services import assignment_create, assignment_end, client_update
from managers.selectors import manager_line, manager_line_ids
from tests.clients.factories import AssignmentFactory, ClientFactory
from tests.managers.factories import AccountManagerFactory

pytestmark = pytest.mark.django_db


def current_manager_id(client: Client) -> int | None:
    return Client.objects.filter(pk=client.pk).values_list("current_manager_id", flat=True).get()


@pytest.fixture
def managers():
    return AccountManagerFactory(grade="senior"), AccountManagerFactory(grade="senior")


def test_a_new_client_has_no_current_manager() -> None:
    assert current_manager_id(ClientFactory()) is None


def test_the_services_keep_it_through_assignment_reassignment_and_end(managers) -> None:
    first, second = managers
    client = ClientFactory()
    assignment_create(client=client, manager=first, start=dt.date(2026, 1, 1), reason="new client")
    assert current_manager_id(client) == first.pk
    assignment_create(client=client, manager=second, start=dt.date(2026, 6, 1), reason="reassigned")
    assert current_manager_id(client) == second.pk
    assignment_end(client=client, end=dt.date(2026, 9, 30), reason="client left")
    assert current_manager_id(client) is None


def test_writes_that_bypass_the_services_keep_it_too(managers) -> None:
    """The admin, imports and bulk writes save assignments directly: the database follows them all."""
    first, second = managers
    client = ClientFactory()
    assignment = Assignment.objects.create(client=client, manager=first, start=dt.date(2026, 1, 1), reason="x")
    assert current_manager_id(client) == first.pk
    Assignment.objects.filter(pk=assignment.pk).update(manager=second)
    assert current_manager_id(client) == second.pk
    Assignment.objects.filter(pk=assignment.pk).update(end=dt.date(2026, 3, 1))
    assert current_manager_id(client) is None
    Assignment.objects.bulk_create([Assignment(client=client, manager=first, start=dt.date(2026, 3, 2), reason="bulk")])
    assert current_manager_id(client) == first.pk
    Assignment.objects.filter(client=client, end__isnull=True).delete()
    assert current_manager_id(client) is None


def test_an_assignment_moved_to_another_client_updates_both(managers) -> None:
    first, _second = managers
    old_client, new_client = ClientFactory(), ClientFactory()
    assignment = AssignmentFactory(client=old_client, manager=first)
    Assignment.objects.filter(pk=assignment.pk).update(client=new_client)
    assert current_manager_id(old_client) is None
    assert current_manager_id(new_client) == first.pk


def test_a_stale_instance_saved_after_a_reassignment_does_not_undo_it(managers) -> None:
    first, second = managers
    client = ClientFactory()
    AssignmentFactory(client=client, manager=first)
    stale = Client.objects.get(pk=client.pk)
    assert stale.current_manager_id == first.pk
    assignment_create(client=client, manager=second, start=dt.date(2026, 6, 1), reason="reassigned")
    stale.name = "Renamed Co., Ltd."
    stale.save()  # writes every column, current_manager_id = first included
    assert current_manager_id(client) == second.pk
    client_update(client=stale, address="1 New Road")
    assert current_manager_id(client) == second.pk


def test_the_column_cannot_be_set_by_hand(managers) -> None:
    first, second = managers
    client = AssignmentFactory(manager=first).client
    Client.objects.filter(pk=client.pk).update(current_manager=second)
    assert current_manager_id(client) == first.pk
    unassigned = ClientFactory(current_manager=second)
    assert current_manager_id(unassigned) is None


def test_the_column_agrees_with_the_selector_after_every_kind_of_write(managers) -> None:
    """The triggers and clients.selectors.client_assignment_on both say who serves a client now: on this database
    they name the same manager for every client."""
    first, second = managers
    ClientFactory()  # never assigned
    AssignmentFactory(manager=first)
    reassigned, corrected, ended, later = ClientFactory(), ClientFactory(), ClientFactory(), ClientFactory()
    assignment_create(client=reassigned, manager=first, start=dt.date(2026, 1, 1), reason="new client")
    assignment_create(client=reassigned, manager=second, start=dt.date(2026, 6, 1), reason="reassigned")
    assignment_create(client=corrected, manager=first, start=dt.date(2026, 3, 1), reason="new client")
    assignment_create(client=corrected, manager=second, start=dt.date(2026, 3, 1), reason="same-day correction")
    assignment_create(client=ended, manager=first, start=dt.date(2026, 1, 1), reason="new client")
    assignment_end(client=ended, end=dt.date(2026, 2, 28), reason="client left")
    assignment_create(client=later, manager=first, start=dt.date(2026, 1, 1), reason="new client")
    assignment_create(client=later, manager=second, start=dt.date(2099, 1, 1), reason="handover planned")
    moved = AssignmentFactory(manager=second)
    Assignment.objects.filter(pk=moved.pk).update(client=ClientFactory())

    for client in Client.objects.all():
        expected = client_manager_on(client=client)
        assert client.current_manager_id == (expected.pk if expected else None), client.name


def test_the_line_ids_are_the_line() -> None:
    """manager_line_ids reads the line down the supervisor index; it must name exactly manager_line's managers,
    four levels deep and not one more."""
    top = AccountManagerFactory(grade="senior")
    chain = [top]
    for _ in range(5):
        chain.append(AccountManagerFactory(grade="first", supervisor=chain[-1]))
    side = AccountManagerFactory(grade="first", supervisor=top)
    AccountManagerFactory(grade="senior")  # another line
    expected = set(manager_line(top).values_list("pk", flat=True))
    assert set(manager_line_ids(top)) == expected
    assert expected == {m.pk for m in chain[:5]} | {side.pk}
    assert set(manager_line_ids(chain[3])) == set(manager_line(chain[3]).values_list("pk", flat=True))


def test_a_reassigned_client_leaves_the_old_line_at_once(managers) -> None:
    first, second = managers
    client = AssignmentFactory(manager=first).client
    assert list(clients_visible_to(first.user)) == [client]
    assignment_create(client=client, manager=second, start=dt.date(2026, 6, 1), reason="reassigned")
    assert list(clients_visible_to(first.user)) == []
    assert list(clients_visible_to(second.user)) == [client]


def test_an_update_of_other_columns_keeps_it(managers) -> None:
    """The tiering's UPDATE sets tiers only: the column keeps its value (and the trigger does not run for it)."""
    first, _second = managers
    client = AssignmentFactory(manager=first).client
    Client.objects.filter(pk=client.pk).update(tier="core", name="Renamed")
    assert current_manager_id(client) == first.pk


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite rebuilds tables for schema changes")
@pytest.mark.django_db(transaction=True)
def test_on_sqlite_a_later_migration_that_rebuilds_both_tables_keeps_the_column_kept(managers) -> None:
    """What a future migration altering a field of Client and of Assignment does on SQLite, between the pre- and
    post-migrate signals that migrate sends: the tables are rebuilt, and the triggers work afterwards."""
    first, second = managers
    client = AssignmentFactory(manager=first).client
    fields = [(Client, "address", 400), (Assignment, "reason", 400)]

    def alter(max_lengths: list[int]) -> None:
        db_triggers.before_migrate(using="default")
        with connection.schema_editor() as editor:
            for (model, name, _length), length in zip(fields, max_lengths, strict=True):
                old = model._meta.get_field(name)
                new = old.clone()
                new.set_attributes_from_name(name)
                new.model = model
                new.max_length = length
                editor.alter_field(model, old, new)
        db_triggers.after_migrate(using="default")

    alter([length for _model, _name, length in fields])
    try:
        assignment_create(client=client, manager=second, start=dt.date(2026, 6, 1), reason="after the rebuild")
        assert current_manager_id(client) == second.pk
        Client.objects.filter(pk=client.pk).update(current_manager=first)
        assert current_manager_id(client) == second.pk
    finally:
        alter([model._meta.get_field(name).max_length for model, name, _length in fields])


@pytest.mark.skipif(connection.vendor != "postgresql", reason="advisory locks are PostgreSQL's")
@pytest.mark.django_db(transaction=True)
def test_an_assignment_write_waits_for_a_running_tiering(managers) -> None:
    """The tiering run holds its lock while it updates tiers; an assignment write (which locks its client row) waits
    for it instead of locking clients in the opposite order."""
    first, _second = managers
    client = ClientFactory()
    outcome: dict[str, str] = {}

    def assign() -> None:
        try:
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute("SET LOCAL lock_timeout = '300ms'")
                Assignment.objects.create(client=client, manager=first, start=dt.date(2026, 1, 1), reason="x")
            outcome["result"] = "written"
        except OperationalError as exc:
            outcome["result"] = str(exc)
        finally:
            connections.close_all()

    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [db_triggers.TIERING_LOCK_KEY])  # as tiering_run does
        thread = threading.Thread(target=assign)
        thread.start()
        thread.join(timeout=10)
    assert "lock timeout" in outcome["result"]
    assert current_manager_id(client) is None
    assign()  # no tiering running: the write goes through
    assert outcome["result"] == "written"
    assert current_manager_id(client) == first.pk
