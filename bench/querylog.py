"""Counting a block's queries and their time, without DEBUG's query log."""

from __future__ import annotations

import time
from collections import Counter


class QueryLog:
    """A database execute wrapper: counts queries and keeps each one's time (a light stand-in for DEBUG's log)."""

    def __init__(self) -> None:
        self.times: list[tuple[float, str]] = []

    def __call__(self, execute, sql, params, many, context):
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.times.append((time.perf_counter() - started, sql))

    @property
    def count(self) -> int:
        return len(self.times)

    def slowest(self, n: int = 5) -> list[dict]:
        by_shape: Counter[str] = Counter()
        seconds: dict[str, float] = {}
        for elapsed, sql in self.times:
            shape = " ".join(sql.split())[:160]
            by_shape[shape] += 1
            seconds[shape] = seconds.get(shape, 0.0) + elapsed
        ranked = sorted(seconds.items(), key=lambda item: -item[1])[:n]
        return [{"seconds": round(total, 3), "count": by_shape[shape], "sql": shape} for shape, total in ranked]
