"""Writing the benchmark company in bulk: PostgreSQL's COPY in chunks, ids taken past the largest, the sequences
moved after it."""

from __future__ import annotations

import io
import random
import string
from collections.abc import Iterable
from datetime import date

CHUNK = 100_000


def month_add(month: date, months: int) -> date:
    index = month.year * 12 + month.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def _text(value: object) -> str:
    """One field of PostgreSQL's text COPY format (\\N for NULL, escapes for tab, newline and backslash)."""
    if value is None:
        return "\\N"
    if isinstance(value, bool):
        return "t" if value else "f"
    text = str(value)
    if "\\" in text or "\t" in text or "\n" in text or "\r" in text:
        text = text.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")
    return text


def copy_rows(cursor, table: str, columns: tuple[str, ...], rows: Iterable[tuple]) -> int:
    """COPY the rows into the table in chunks; returns how many were written."""
    written = 0
    buffer = io.StringIO()
    pending = 0

    def flush() -> None:
        buffer.seek(0)
        cursor.copy_expert(f"COPY {table} ({', '.join(columns)}) FROM STDIN", buffer)
        buffer.seek(0)
        buffer.truncate()

    for row in rows:
        buffer.write("\t".join(_text(value) for value in row))
        buffer.write("\n")
        pending += 1
        written += 1
        if pending >= CHUNK:
            flush()
            pending = 0
    if pending:
        flush()
    return written


def next_id(cursor, table: str) -> int:
    cursor.execute(f"SELECT COALESCE(MAX(id), 0) + 1 FROM {table}")
    return cursor.fetchone()[0]


def reset_sequences(cursor, tables: Iterable[str]) -> None:
    """After COPY with explicit ids, move each identity sequence past the largest id."""
    for table in tables:
        cursor.execute(
            f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), GREATEST((SELECT MAX(id) FROM {table}), 1))"
        )


def unusable_password(rng: random.Random) -> str:
    # The form Django's set_unusable_password() writes: "!" and 40 random characters.
    return "!" + "".join(rng.choices(string.ascii_letters + string.digits, k=40))


def pareto_cents(rng: random.Random) -> int:
    """A client's yearly volume in cents: Pareto with alpha 1.16, the 80/20 distribution, capped at 1e11 cents."""
    return min(int(rng.paretovariate(1.16) * 5_000_000), 100_000_000_000)
