"""How cost grows: cycle close, tiering, and every page's and admin row's query count and in-process time, measured on
companies of three sizes (bench.generate --size small | bench | large), each in a child process on its database."""

from __future__ import annotations

import json
import subprocess
import sys

from bench.pages import BASE_DIR, server_env

# In-process requests per row for its time at each size (the median is kept).
REQUESTS = 5


def measure_here(runs: int, requests: int = REQUESTS) -> dict:
    """This process's database: its size, close and tiering (rolled back), then every row's queries and time with the
    cycle closed (as bench.run's pages), the cycle put back afterwards."""
    from appraisals.models import AppraisalCycle
    from bench.measure import bench_cycle_close, bench_tiering
    from bench.pages import cycle_close_for_pages, cycle_reopen, query_counts
    from clients.models import BusinessRecord, Client, Interaction
    from managers.models import AccountManager

    result: dict = {
        "managers": AccountManager.objects.count(),
        "clients": Client.objects.count(),
        "interactions": Interaction.objects.count(),
        "business_records": BusinessRecord.objects.count(),
    }
    cycle = AppraisalCycle.objects.filter(state__in=["open", "review"]).order_by("-pk").first()
    if cycle is not None:
        result["cycle_close"] = bench_cycle_close(cycle.pk, runs)
    result["tiering"] = bench_tiering(runs)
    if cycle is not None:
        cycle_close_for_pages(cycle.pk)
    try:
        result["rows"] = query_counts(requests)["pages"]
    finally:
        if cycle is not None:
            cycle_reopen(cycle.pk)
    return result


def measure_on(database_url: str, runs: int) -> dict:
    """measure_here() in a child process on another database."""
    env = {**server_env(), "DATABASE_URL": database_url, "ALLOWED_HOSTS": "testserver,127.0.0.1"}
    output = subprocess.run(
        [sys.executable, "-m", "bench.run", "--scale-child", "--runs", str(runs)],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return json.loads(output.strip().splitlines()[-1])


def parse_sizes(text: str) -> dict[str, str]:
    """ "small=URL,bench=URL,large=URL" → {"small": URL, ...}, in the order given."""
    sizes = {}
    for part in filter(None, (piece.strip() for piece in text.split(","))):
        name, _sep, url = part.partition("=")
        if not url:
            raise SystemExit(f"--sizes: {part!r} is not NAME=DATABASE_URL")
        sizes[name] = url
    return sizes


def growth(sizes: dict[str, dict]) -> dict:
    """Between each size and the next: how many times the company grew, and how many times close and tiering took."""
    names = list(sizes)
    steps = []
    for smaller, larger in zip(names, names[1:], strict=False):
        a, b = sizes[smaller], sizes[larger]
        step = {"from": smaller, "to": larger, "managers": round(b["managers"] / a["managers"], 2)}
        step["clients"] = round(b["clients"] / a["clients"], 2)
        for part in ("cycle_close", "tiering"):
            if a.get(part) and b.get(part) and a[part]["seconds"]:
                step[part] = round(b[part]["seconds"] / a[part]["seconds"], 2)
        steps.append(step)
    return {"steps": steps}


def print_scale(scale: dict) -> None:
    sizes = scale["sizes"]
    names = list(sizes)
    if not names:
        return
    print()
    print(f"{'size':<8} {'managers':>9} {'clients':>9} {'interactions':>13} {'close s':>8} {'tiering s':>10}")
    for name in names:
        size = sizes[name]
        close = size.get("cycle_close", {}).get("seconds", "")
        tiering = size.get("tiering", {}).get("seconds", "")
        print(
            f"{name:<8} {size['managers']:>9,} {size['clients']:>9,} {size['interactions']:>13,} "
            f"{close!s:>8} {tiering!s:>10}"
        )
    for step in scale["growth"]["steps"]:
        print(
            f"{step['from']} → {step['to']}: managers ×{step['managers']}, clients ×{step['clients']}; "
            f"close ×{step.get('cycle_close', '—')}, tiering ×{step.get('tiering', '—')}"
        )
    print()
    header = " ".join(f"{'q ' + name:>9}" for name in names) + " " + " ".join(f"{'ms ' + name:>10}" for name in names)
    print(f"{'row':<52} {header}")
    for row in sizes[names[0]].get("rows", {}):
        queries = " ".join(f"{sizes[n].get('rows', {}).get(row, {}).get('queries', '—')!s:>9}" for n in names)
        times = " ".join(f"{sizes[n].get('rows', {}).get(row, {}).get('ms', '—')!s:>10}" for n in names)
        print(f"{row[:52]:<52} {queries} {times}")
