"""The benchmark's floors: the least the database needs for what a service computes. Cycle close's is a hand-written
query in floors.sql, loaded by name; tiering's is the tiering's own ranking query, without the writes of a run."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from clients.tiering import TieringWindow, client_ranking

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


def tiering_floor(*, start, end) -> list[tuple]:
    """(client id, tier, new tier) of the clients whose tier changes, by the ranking query alone."""
    ranking = client_ranking(TieringWindow(start=start, end=end))
    return [(row.pk, row.tier, row.new_tier) for row in ranking if row.new_tier != row.tier]
