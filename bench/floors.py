"""The SQL floors of bench/floors.sql, loaded by name."""

from __future__ import annotations

from functools import cache
from pathlib import Path

FLOORS_FILE = Path(__file__).with_name("floors.sql")


@cache
def floor_sql(name: str) -> str:
    """The statement named ``-- name: NAME`` in floors.sql, without its comment lines (psycopg2 reads % in them)."""
    chunks = FLOORS_FILE.read_text().split("-- name: ")
    for chunk in chunks[1:]:
        title, _newline, body = chunk.partition("\n")
        if title.strip() == name:
            lines = [line for line in body.splitlines() if not line.lstrip().startswith("--")]
            return "\n".join(lines).strip().rstrip(";")
    raise KeyError(name)


def cycle_totals_floor(cursor, *, cycle_id: int) -> list[tuple]:
    """(appraisal id, manager id, total, band) of every appraisal of the cycle, by the SQL floor."""
    cursor.execute(floor_sql("cycle_totals"), {"cycle_id": cycle_id})
    return cursor.fetchall()


def tiering_floor(cursor, *, start, end) -> list[tuple]:
    """(client id, tier, new tier, volume, cumulative, total) of the clients whose tier changes, by the SQL floor."""
    cursor.execute(floor_sql("tiering"), {"start": start, "end": end})
    return cursor.fetchall()
