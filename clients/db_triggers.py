"""Client.current_manager's triggers on SQLite, kept across every migrate.

SQLite rebuilds a table for most schema changes (copy, drop, rename), and a trigger that names the other table then
breaks the rename ("error in trigger …: no such table"), while the triggers on the rebuilt table are dropped with it.
So on SQLite the triggers are not part of a migration: they are dropped before each migrate and created again after
it, with the column recomputed for every client (any assignment written while they were away is caught up). On
PostgreSQL the triggers belong to migration clients/0005 and survive schema changes.
"""

from __future__ import annotations

from django.db import connections
from django.db.backends.base.base import BaseDatabaseWrapper

OPEN_MANAGER = 'SELECT a.manager_id FROM clients_assignment a WHERE a.client_id = {client} AND a."end" IS NULL'


def _set(client: str) -> str:
    return f"UPDATE clients_client SET current_manager_id = ({OPEN_MANAGER.format(client=client)}) WHERE id = {client};"


def _wrong(client: str) -> str:
    return f"NEW.current_manager_id IS NOT ({OPEN_MANAGER.format(client=client)})"


# SQLite cannot change NEW in a trigger: AFTER triggers set the column, guarded so that they stop once it is right.
SQLITE_TRIGGERS = {
    "clients_assignment_insert": f"AFTER INSERT ON clients_assignment BEGIN {_set('NEW.client_id')} END",
    "clients_assignment_update": (
        f"AFTER UPDATE ON clients_assignment BEGIN {_set('OLD.client_id')} {_set('NEW.client_id')} END"
    ),
    "clients_assignment_delete": f"AFTER DELETE ON clients_assignment BEGIN {_set('OLD.client_id')} END",
    "clients_client_insert": f"AFTER INSERT ON clients_client WHEN {_wrong('NEW.id')} BEGIN {_set('NEW.id')} END",
    "clients_client_update": (
        f"AFTER UPDATE OF current_manager_id ON clients_client WHEN {_wrong('NEW.id')} BEGIN {_set('NEW.id')} END"
    ),
}


def sqlite_triggers_drop(connection: BaseDatabaseWrapper) -> None:
    with connection.cursor() as cursor:
        for name in SQLITE_TRIGGERS:
            cursor.execute(f"DROP TRIGGER IF EXISTS {name}")


def sqlite_triggers_install(connection: BaseDatabaseWrapper) -> None:
    """Create the triggers and recompute the column, if the column exists (migration clients/0005 applied)."""
    with connection.cursor() as cursor:
        columns = {column.name for column in connection.introspection.get_table_description(cursor, "clients_client")}
        if "current_manager_id" not in columns:
            return
        for name, body in SQLITE_TRIGGERS.items():
            cursor.execute(f"CREATE TRIGGER IF NOT EXISTS {name} {body}")
        cursor.execute(
            f"UPDATE clients_client SET current_manager_id = ({OPEN_MANAGER.format(client='clients_client.id')})"
        )


def _sqlite_with_clients(using: str) -> BaseDatabaseWrapper | None:
    connection = connections[using]
    if connection.vendor != "sqlite":
        return None
    with connection.cursor() as cursor:
        tables = connection.introspection.table_names(cursor)
    return connection if "clients_client" in tables and "clients_assignment" in tables else None


def before_migrate(*, using: str, **kwargs: object) -> None:
    """pre_migrate: on SQLite, out of the way of table rebuilds."""
    if (connection := _sqlite_with_clients(using)) is not None:
        sqlite_triggers_drop(connection)


def after_migrate(*, using: str, **kwargs: object) -> None:
    """post_migrate: on SQLite, back, with every client's value recomputed."""
    if (connection := _sqlite_with_clients(using)) is not None:
        sqlite_triggers_install(connection)
