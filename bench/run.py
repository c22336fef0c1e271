"""The benchmark: cycle close and 80/20 tiering against their SQL floors, pages under gunicorn + wrk
against the framework's floor, and the query count of each page at benchmark and demo size.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench .venv/bin/python -m bench.run --runs 3 \
        --json bench/results.json [--sizes small=URL,bench=URL,large=URL]

(bench/full.sh makes the databases and runs all of it: see bench/README.md.)

Every figure is the median of --runs runs. Cycle close and tiering run inside a transaction that is rolled back,
so the benchmark company is unchanged afterwards; for the pages the cycle is closed for real (the results page
shows a closed cycle) and reset to open at the end with plain SQL.
"""

from __future__ import annotations

import argparse
import json
import os
from datetime import date
from pathlib import Path

from bench.setup import django_setup


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description="Benchmark the account-manager system at company scale.")
    parser.add_argument("--runs", type=int, default=3, help="runs per figure (the median is reported)")
    parser.add_argument("--json", type=Path, default=None, help="write the results here as JSON")
    parser.add_argument("--wrk-seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--workers", type=int, default=4, help="gunicorn sync workers (2 per core here)")
    parser.add_argument("--only", choices=["close", "tiering", "pages", "counts", "scale"], action="append")
    parser.add_argument("--rows", default=None, help="pages: only the rows whose name contains this (and references)")
    parser.add_argument(
        "--sizes",
        default=os.environ.get("BENCH_SIZES", ""),
        help="how cost grows: NAME=DATABASE_URL,… of companies made by bench.generate --size small|bench|large",
    )
    parser.add_argument(
        "--demo-url",
        default=os.environ.get("BENCH_DEMO_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/bench_demo"),
        help="the demo-size database (manage.py migrate && manage.py seed_demo) for the query counts",
    )
    parser.add_argument(
        "--small-url",
        default=os.environ.get("BENCH_SMALL_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/bench_small"),
        help="a small benchmark company (200 managers) for cycle close's query count",
    )
    parser.add_argument("--query-counts-only", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--close-queries-only", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--scale-child", action="store_true", help=argparse.SUPPRESS)
    return parser


def main(argv: list[str] | None = None) -> None:
    args = _parser().parse_args(argv)
    django_setup()
    # The benchmark's modules import the models, which need Django set up first.
    from django.conf import settings
    from django.db import connection

    from appraisals.models import AppraisalCycle
    from bench import measure, pages, report, scale

    if args.query_counts_only:
        print(json.dumps(pages.query_counts()))
        return
    if args.close_queries_only:
        print(json.dumps(measure.close_queries()))
        return
    if args.scale_child:
        print(json.dumps(scale.measure_here(args.runs), default=str))
        return
    if connection.vendor != "postgresql":
        raise SystemExit("Point DATABASE_URL at the benchmark company in PostgreSQL (bench/generate.py).")
    sizes = scale.parse_sizes(args.sizes)
    only = set(args.only or ["close", "tiering", "pages", "counts", *(["scale"] if sizes else [])])
    cycle = AppraisalCycle.objects.filter(state__in=["open", "review"]).order_by("-pk").first()
    result: dict = {"date": date.today().isoformat(), "machine": report.machine(), "runs": args.runs}
    result["database"] = settings.DATABASES["default"]["NAME"]

    def save() -> None:
        # Written after every section, so a failure late in the run keeps the figures already measured.
        if args.json:
            args.json.write_text(json.dumps(result, indent=2, default=str) + "\n")

    save()
    if "close" in only and cycle is not None:
        print("cycle close …", flush=True)
        result["cycle_close"] = measure.bench_cycle_close(cycle.pk, args.runs)
        result["cycle_close_small"] = pages.cycle_close_queries_on(args.small_url)
        save()
    if "tiering" in only:
        print("tiering …", flush=True)
        result["tiering"] = measure.bench_tiering(args.runs)
        save()
    closed_here = False
    try:
        if cycle is not None and ({"pages", "counts"} & only):
            pages.cycle_close_for_pages(cycle.pk)
            closed_here = True
        if "pages" in only:
            print("pages …", flush=True)
            result["pages"] = pages.bench_pages(
                args.runs, args.wrk_seconds, args.connections, args.workers, only=args.rows
            )
            save()
        if "counts" in only:
            print("query counts …", flush=True)
            result["query_counts"] = {"bench": pages.query_counts(), "demo": pages.query_counts_on(args.demo_url)}
    finally:
        if closed_here:
            pages.cycle_reopen(cycle.pk)
    if "scale" in only and sizes:
        result["scale"] = {"sizes": {}}
        for name, url in sizes.items():
            print(f"how cost grows: {name} …", flush=True)
            result["scale"]["sizes"][name] = scale.measure_on(url, args.runs)
            save()
        result["scale"]["growth"] = scale.growth(result["scale"]["sizes"])
    result["goals"] = report.goals(result)
    report.print_table(result)
    save()
    if args.json:
        print(f"\nwritten to {args.json}")


if __name__ == "__main__":
    main()
