"""Where a page's time goes, in-process: each benchmarked page requested N times through Django's test Client
(DEBUG off, logged in with force_login), with its total, SQL and Python milliseconds (medians), and, with
--profile NAME, the functions that take the most cumulative time for that page.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench .venv/bin/python -m bench.profile_pages [--requests 20]
        [--profile "my clients"] [--language zh-hans]

The benchmark cycle is closed for the run and put back afterwards, as bench.run does."""

from __future__ import annotations

import argparse
import cProfile
import io
import pstats
import statistics
import time


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=20)
    parser.add_argument("--profile", action="append", default=[], help="a page name (substring) to profile")
    parser.add_argument("--language", default="en")
    parser.add_argument("--top", type=int, default=40)
    args = parser.parse_args(argv)

    from bench.setup import django_setup

    django_setup()
    # The benchmark's modules import the models, which need Django set up first.
    from django.db import connection
    from django.test import Client

    from appraisals.models import AppraisalCycle
    from bench.pages import cycle_close_for_pages, cycle_reopen, page_list, page_subjects
    from bench.querylog import QueryLog

    cycle = AppraisalCycle.objects.filter(state__in=["open", "review"]).order_by("-pk").first()
    if cycle is not None:
        cycle_close_for_pages(cycle.pk)
    try:
        subjects = page_subjects()
        print(f"{'page':<44} {'total ms':>9} {'SQL ms':>7} {'Python':>7} {'queries':>7}")
        for name, path, user in page_list(subjects):
            client = Client(HTTP_ACCEPT_LANGUAGE=args.language)
            if user is not None:
                client.force_login(user)
            assert client.get(path).status_code == 200, path  # warm-up
            totals, sqls, queries = [], [], 0
            for _ in range(args.requests):
                log = QueryLog()
                with connection.execute_wrapper(log):
                    start = time.perf_counter()
                    client.get(path)
                    totals.append(time.perf_counter() - start)
                sqls.append(sum(elapsed for elapsed, _sql in log.times))
                queries = log.count
            total, sql = statistics.median(totals) * 1000, statistics.median(sqls) * 1000
            print(f"{name[:44]:<44} {total:>9.1f} {sql:>7.1f} {total - sql:>7.1f} {queries:>7}")
            if any(wanted in name for wanted in args.profile):
                profiler = cProfile.Profile()
                profiler.enable()
                for _ in range(args.requests):
                    client.get(path)
                profiler.disable()
                out = io.StringIO()
                pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(args.top)
                print(out.getvalue())
    finally:
        if cycle is not None:
            cycle_reopen(cycle.pk)


if __name__ == "__main__":
    main()
