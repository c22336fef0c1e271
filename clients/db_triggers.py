"""Client.current_manager, kept by the database: the triggers of PostgreSQL and SQLite, from one definition.

The column is the manager of the client's open assignment, or NULL: what clients.selectors.client_assignment_on
returns without a day (tests/clients/test_current_manager.py checks that they agree). Whatever writes an assignment
(the services, the admin, an import, a bulk COPY), the triggers recompute the column of the clients it names; a
write of the client row that sets the column recomputes it too, so a value saved from a stale instance never sticks.

PostgreSQL keeps its triggers through schema changes: a migration installs them (a change here needs a new migration
that calls postgresql_install). SQLite rebuilds a table for most schema changes, and a trigger naming the other table
breaks the rename, so there they are dropped before each migrate and created after it, every value recomputed.
"""

from __future__ import annotations

from django.db import connections
from django.db.backends.base.base import BaseDatabaseWrapper

CLIENT_TABLE = "clients_client"
ASSIGNMENT_TABLE = "clients_assignment"
# The advisory lock a tiering run holds while it updates tiers. An assignment write takes it shared before it touches
# a client row, so the two never lock the same clients in opposite orders (a deadlock that would abort one of them).
TIERING_LOCK_KEY = 8020


def open_manager_sql(client: str) -> str:
    """The manager of the open assignment of the client (an SQL expression); at most one row, by the constraint
    one_active_manager_per_client."""
    return f'SELECT a.manager_id FROM {ASSIGNMENT_TABLE} a WHERE a.client_id = {client} AND a."end" IS NULL'


def _recompute_sql(client: str) -> str:
    return f"UPDATE {CLIENT_TABLE} SET current_manager_id = ({open_manager_sql(client)}) WHERE id = {client};"


RECOMPUTE_ALL_SQL = f"UPDATE {CLIENT_TABLE} SET current_manager_id = ({open_manager_sql(f'{CLIENT_TABLE}.id')})"

# PostgreSQL sets NEW in a BEFORE trigger on the client; a write of an assignment touches its client(s) to fire it.
POSTGRESQL_INSTALL = [
    f"""
    CREATE OR REPLACE FUNCTION clients_client_current_manager() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        NEW.current_manager_id := ({open_manager_sql("NEW.id")});
        RETURN NEW;
    END $$
    """,
    f"""
    CREATE OR REPLACE TRIGGER clients_client_current_manager
        BEFORE INSERT OR UPDATE OF current_manager_id ON {CLIENT_TABLE}
        FOR EACH ROW EXECUTE FUNCTION clients_client_current_manager()
    """,
    f"""
    CREATE OR REPLACE FUNCTION clients_assignment_touch_client() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        PERFORM pg_advisory_xact_lock_shared({TIERING_LOCK_KEY});
        IF TG_OP IN ('UPDATE', 'DELETE') THEN
            UPDATE {CLIENT_TABLE} SET current_manager_id = NULL WHERE id = OLD.client_id;
        END IF;
        IF TG_OP = 'INSERT' OR (TG_OP = 'UPDATE' AND NEW.client_id IS DISTINCT FROM OLD.client_id) THEN
            UPDATE {CLIENT_TABLE} SET current_manager_id = NULL WHERE id = NEW.client_id;
        END IF;
        RETURN NULL;
    END $$
    """,
    f"""
    CREATE OR REPLACE TRIGGER clients_assignment_touch_client
        AFTER INSERT OR UPDATE OR DELETE ON {ASSIGNMENT_TABLE}
        FOR EACH ROW EXECUTE FUNCTION clients_assignment_touch_client()
    """,
    RECOMPUTE_ALL_SQL,
]

POSTGRESQL_UNINSTALL = [
    f"DROP TRIGGER IF EXISTS clients_assignment_touch_client ON {ASSIGNMENT_TABLE}",
    "DROP FUNCTION IF EXISTS clients_assignment_touch_client()",
    f"DROP TRIGGER IF EXISTS clients_client_current_manager ON {CLIENT_TABLE}",
    "DROP FUNCTION IF EXISTS clients_client_current_manager()",
]


def _wrong(client: str) -> str:
    return f"NEW.current_manager_id IS NOT ({open_manager_sql(client)})"


# SQLite cannot change NEW in a trigger: AFTER triggers set the column, guarded so that they stop once it is right.
SQLITE_TRIGGERS = {
    "clients_assignment_insert": f"AFTER INSERT ON {ASSIGNMENT_TABLE} BEGIN {_recompute_sql('NEW.client_id')} END",
    "clients_assignment_update": (
        f"AFTER UPDATE ON {ASSIGNMENT_TABLE} BEGIN {_recompute_sql('OLD.client_id')} "
        f"{_recompute_sql('NEW.client_id')} END"
    ),
    "clients_assignment_delete": f"AFTER DELETE ON {ASSIGNMENT_TABLE} BEGIN {_recompute_sql('OLD.client_id')} END",
    "clients_client_insert": (
        f"AFTER INSERT ON {CLIENT_TABLE} WHEN {_wrong('NEW.id')} BEGIN {_recompute_sql('NEW.id')} END"
    ),
    "clients_client_update": (
        f"AFTER UPDATE OF current_manager_id ON {CLIENT_TABLE} WHEN {_wrong('NEW.id')} "
        f"BEGIN {_recompute_sql('NEW.id')} END"
    ),
}


def postgresql_install(connection: BaseDatabaseWrapper) -> None:
    """Create or replace the PostgreSQL triggers and recompute every client's value."""
    with connection.cursor() as cursor:
        for statement in POSTGRESQL_INSTALL:
            cursor.execute(statement)


def postgresql_uninstall(connection: BaseDatabaseWrapper) -> None:
    with connection.cursor() as cursor:
        for statement in POSTGRESQL_UNINSTALL:
            cursor.execute(statement)


def sqlite_triggers_drop(connection: BaseDatabaseWrapper) -> None:
    with connection.cursor() as cursor:
        for name in SQLITE_TRIGGERS:
            cursor.execute(f"DROP TRIGGER IF EXISTS {name}")


def sqlite_triggers_install(connection: BaseDatabaseWrapper) -> None:
    """Create the triggers and recompute the column, if the column exists (its migration is applied)."""
    with connection.cursor() as cursor:
        columns = {column.name for column in connection.introspection.get_table_description(cursor, CLIENT_TABLE)}
        if "current_manager_id" not in columns:
            return
        for name, body in SQLITE_TRIGGERS.items():
            cursor.execute(f"CREATE TRIGGER IF NOT EXISTS {name} {body}")
        cursor.execute(RECOMPUTE_ALL_SQL)


def _sqlite_with_clients(using: str) -> BaseDatabaseWrapper | None:
    connection = connections[using]
    if connection.vendor != "sqlite":
        return None
    with connection.cursor() as cursor:
        tables = connection.introspection.table_names(cursor)
    return connection if CLIENT_TABLE in tables and ASSIGNMENT_TABLE in tables else None


def before_migrate(*, using: str, **kwargs: object) -> None:
    """pre_migrate: on SQLite, out of the way of table rebuilds."""
    if (connection := _sqlite_with_clients(using)) is not None:
        sqlite_triggers_drop(connection)


def after_migrate(*, using: str, **kwargs: object) -> None:
    """post_migrate: on SQLite, back, with every client's value recomputed."""
    if (connection := _sqlite_with_clients(using)) is not None:
        sqlite_triggers_install(connection)
