"""The benchmark's report: the machine, the goals met or not, and the table printed at the end."""

from __future__ import annotations

import os
import platform
from pathlib import Path

from django.db import connection

from bench.pages import ADMIN, REFERENCE, SEARCH
from bench.scale import print_scale

GOALS = {
    "cycle_close_seconds": 10.0,
    "cycle_close_floor_ratio": 2.0,
    "tiering_seconds": 5.0,
    "tiering_floor_ratio": 1.5,
    "page_p95_ms": 150.0,
    # Throughput as a share of the signed-in reference (session and user, no page) measured in the same run.
    "page_share_of_signed_in": 0.25,
    "layout_share_of_signed_in": 0.75,
    "admin_ms": 300.0,
    "admin_search_ms": 500.0,
}

FIVE_PAGES = ["my clients (senior)", "client page", "manager dashboard", "HR dashboard", "cycle results (HR)"]
HR_CLIENT_LIST = "HR's client list (every client)"
LAYOUT = f"{REFERENCE}a page of the layout (job progress)"


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
    """Every row of the issue's table with its goal, then the query counts at two sizes and how cost grows."""
    rows = []

    def add(goal: str, figure: object, met: bool) -> None:
        rows.append({"goal": goal, "figure": figure, "met": bool(met)})

    close = result.get("cycle_close")
    if close:
        add("cycle close ≤ 10 s", f"{close['seconds']} s", close["seconds"] <= GOALS["cycle_close_seconds"])
        add(
            "cycle close ≤ 2× its SQL floor",
            f"{close['ratio_to_floor']}× ({close['seconds']} s, floor {close['floor_seconds']} s)",
            close["ratio_to_floor"] <= GOALS["cycle_close_floor_ratio"],
        )
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
        add(
            "tiering ≤ 1.5× its SQL floor",
            f"{tiering['ratio_to_floor']}× ({tiering['seconds']} s, floor {tiering['floor_seconds']} s)",
            tiering["ratio_to_floor"] <= GOALS["tiering_floor_ratio"],
        )
    pages = {row["page"]: row for row in (result.get("pages") or {}).get("pages", [])}
    for name in [*FIVE_PAGES, HR_CLIENT_LIST]:
        row = pages.get(name)
        if row is None:
            continue
        conns = row.get("connections", 8)
        add(
            f"{name}: p95 ≤ 150 ms at {conns} connections",
            f"{row['p95_ms']} ms" if row["rps"] else "no request completed",
            row["rps"] and row["p95_ms"] <= GOALS["page_p95_ms"],
        )
        share = row.get("share_of_signed_in")
        add(
            f"{name}: throughput ≥ 1/4 of the signed-in reference",
            f"{share:.2f} ({row['rps']} req/s)" if share is not None else "no reference",
            share is not None and share >= GOALS["page_share_of_signed_in"],
        )
    layout = pages.get(LAYOUT)
    if layout and layout.get("share_of_signed_in") is not None:
        add(
            "page layout reference (job progress): throughput ≥ 0.75 of the signed-in reference",
            f"{layout['share_of_signed_in']:.2f} ({layout['rps']} req/s)",
            layout["share_of_signed_in"] >= GOALS["layout_share_of_signed_in"],
        )
    for name, row in pages.items():
        if not name.startswith(ADMIN):
            continue
        limit = GOALS["admin_search_ms"] if SEARCH in name else GOALS["admin_ms"]
        add(f"{name}: one request ≤ {limit:.0f} ms", f"{row['single_ms']} ms", row["single_ms"] <= limit)
        add(
            f"{name}: p95 ≤ {limit:.0f} ms at {row['connections']} connections",
            f"{row['p95_ms']} ms ({row['rps']} req/s, {row['share_of_signed_in']:.2f} of signed-in)"
            if row["rps"]
            else "no request completed",
            row["rps"] and row["p95_ms"] <= limit,
        )
    counts = result.get("query_counts")
    if counts:
        bench, demo = counts["bench"]["pages"], counts["demo"]["pages"]
        for name in bench:
            if name.startswith(("trivial", REFERENCE)):
                continue
            other = demo.get(name, {}).get("queries", "—")
            add(
                f"{name}: same query count at benchmark and demo size",
                f"{bench[name]['queries']} (bench) / {other} (demo)",
                bench[name]["queries"] == other,
            )
    scale = result.get("scale")
    if scale and scale.get("sizes"):
        for step in scale["growth"]["steps"]:
            for part, label in (("cycle_close", "cycle close"), ("tiering", "tiering")):
                if part in step:
                    add(
                        f"{label} grows linearly or better, {step['from']} → {step['to']}",
                        f"×{step[part]} for ×{step['managers']} managers",
                        step[part] <= step["managers"],
                    )
        sizes = scale["sizes"]
        names = list(sizes)
        for row in sizes[names[0]].get("rows", {}):
            if row.startswith(("trivial", REFERENCE)):
                continue
            found = [sizes[n].get("rows", {}).get(row, {}).get("queries") for n in names]
            add(
                f"{row}: same query count at the {len(names)} sizes",
                " / ".join(f"{q} ({n})" for q, n in zip(found, names, strict=True)),
                len(set(found)) == 1,
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
        print(
            f"{'row':<52} {'conns':>5} {'1 req ms':>9} {'p50 ms':>8} {'p95 ms':>8} {'req/s':>8} {'/signed-in':>10} "
            f"{'q bench':>8} {'q demo':>7}"
        )
        for row in pages["pages"]:
            qb = counts["bench"]["pages"].get(row["page"], {}).get("queries", "") if counts else ""
            qd = counts["demo"]["pages"].get(row["page"], {}).get("queries", "") if counts else ""
            share = row.get("share_of_signed_in")
            print(
                f"{row['page'][:52]:<52} {row.get('connections', ''):>5} {row.get('single_ms', 0):>9.1f} "
                f"{row['p50_ms']:>8.1f} {row['p95_ms']:>8.1f} {row['rps']:>8.1f} "
                f"{'' if share is None else f'{share:.2f}':>10} {qb!s:>8} {qd!s:>7}"
            )
    if result.get("scale"):
        print_scale(result["scale"])
    print()
    for row in result.get("goals", []):
        print(f"{'met    ' if row['met'] else 'NOT met'}  {row['goal']}: {row['figure']}")
