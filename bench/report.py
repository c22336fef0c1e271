"""The benchmark's report: the machine, the goals met or not, and the table printed at the end."""

from __future__ import annotations

import os
import platform
from pathlib import Path

from django.db import connection

from bench.pages import REFERENCE

GOALS = {
    "cycle_close_seconds": 10.0,
    "cycle_close_floor_ratio": 3.0,
    "tiering_seconds": 5.0,
    "tiering_floor_ratio": 2.0,
    "page_p95_ms": 150.0,
    "page_throughput_share": 1 / 3,
}


def machine() -> dict:
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        postgres = cursor.fetchone()[0]
    memory_kb = next(
        int(line.split()[1]) for line in Path("/proc/meminfo").read_text().splitlines() if line.startswith("MemTotal")
    )
    return {
        "nproc": os.cpu_count(),
        "memory_gib": round(memory_kb / 1024 / 1024, 1),
        "postgresql": postgres,
        "python": platform.python_version(),
        # Other work on the machine skews the figures: the load when the benchmark started.
        "load_average_at_start": [round(value, 2) for value in os.getloadavg()],
        "cpu": next(
            (
                line.split(":", 1)[1].strip()
                for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")
            ),
            platform.processor(),
        ),
    }


def goals(result: dict) -> list[dict]:
    rows = []

    def add(goal: str, figure: object, met: bool) -> None:
        rows.append({"goal": goal, "figure": figure, "met": bool(met)})

    close = result.get("cycle_close")
    if close:
        add("cycle close ≤ 10 s", f"{close['seconds']} s", close["seconds"] <= GOALS["cycle_close_seconds"])
        add("cycle close ≤ 3× SQL floor", f"{close['ratio_to_floor']}×", close["ratio_to_floor"] <= 3)
        small = result.get("cycle_close_small") or {}
        if small.get("queries") is not None:
            add(
                "cycle close query count independent of managers",
                f"{close['queries']} queries at {close['appraisals']} appraisals, "
                f"{small['queries']} at {small['appraisals']}",
                close["queries"] == small["queries"],
            )
    tiering = result.get("tiering")
    if tiering:
        add("tiering ≤ 5 s", f"{tiering['seconds']} s", tiering["seconds"] <= GOALS["tiering_seconds"])
        add("tiering ≤ 2× SQL floor", f"{tiering['ratio_to_floor']}×", tiering["ratio_to_floor"] <= 2)
    pages = result.get("pages")
    counts = result.get("query_counts")
    if pages:
        for row in pages["pages"][1:]:
            if row["page"].startswith(REFERENCE):
                continue
            if not row["rps"]:
                add(f"{row['page']}: p95 ≤ 150 ms", "no request completed within the run", False)
            else:
                add(f"{row['page']}: p95 ≤ 150 ms", f"{row['p95_ms']} ms", row["p95_ms"] <= GOALS["page_p95_ms"])
            add(
                f"{row['page']}: throughput ≥ 1/3 of the trivial view",
                f"{row['throughput_share_of_trivial']:.2f}",
                row["throughput_share_of_trivial"] >= GOALS["page_throughput_share"],
            )
    if counts:
        bench, demo = counts["bench"]["pages"], counts["demo"]["pages"]
        for name in bench:
            if name.startswith(("trivial", REFERENCE)):
                continue
            add(
                f"{name}: same query count at both sizes",
                f"{bench[name]['queries']} (bench) / {demo[name]['queries']} (demo)",
                bench[name]["queries"] == demo[name]["queries"],
            )
    return rows


def print_table(result: dict) -> None:
    close, tiering = result.get("cycle_close"), result.get("tiering")
    print()
    if close:
        print(
            f"cycle close   {close['appraisals']:>6} appraisals  {close['seconds']:>7.2f} s  floor "
            f"{close['floor_seconds']:.2f} s  ratio {close['ratio_to_floor']:.1f}×  {close['queries']} queries"
        )
    if tiering:
        print(
            f"tiering       {tiering['clients']:>6} clients     {tiering['seconds']:>7.2f} s  floor "
            f"{tiering['floor_seconds']:.2f} s  ratio {tiering['ratio_to_floor']:.1f}×  {tiering['queries']} queries"
        )
    pages, counts = result.get("pages"), result.get("query_counts")
    if pages:
        print()
        print(f"{'page':<28} {'p50 ms':>8} {'p95 ms':>8} {'req/s':>8} {'share':>6} {'q bench':>8} {'q demo':>7}")
        for row in pages["pages"]:
            qb = counts["bench"]["pages"][row["page"]]["queries"] if counts else ""
            qd = counts["demo"]["pages"][row["page"]]["queries"] if counts else ""
            print(
                f"{row['page']:<28} {row['p50_ms']:>8.1f} {row['p95_ms']:>8.1f} {row['rps']:>8.1f} "
                f"{row['throughput_share_of_trivial']:>6.2f} {qb!s:>8} {qd!s:>7}"
            )
    print()
    for row in result.get("goals", []):
        print(f"{'met    ' if row['met'] else 'NOT met'}  {row['goal']}: {row['figure']}")
