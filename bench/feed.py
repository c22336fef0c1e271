"""The nightly feed at size: N business records POSTed as CSV to /api/business-records/bulk/ on PostgreSQL, the time
of a first load (inserts), of the same file again (nothing changes) and the peak of Python memory while the request
runs (tracemalloc, in a separate run because tracing slows it down). The endpoint stores the body and answers 202;
here the feed's job runs in-process (Celery eager) as the request commits, so each time covers storing and loading.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_feed DEBUG=true .venv/bin/python -m bench.feed --rows 100000

It creates its clients (FEED-000001 …) if missing and deletes their business records before the first load.
"""

from __future__ import annotations

import argparse
import os
import time
import tracemalloc

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
django.setup()

from django.contrib.auth.models import User  # noqa: E402 - after django.setup()
from django.test import Client as HttpClient  # noqa: E402
from django.test.utils import override_settings  # noqa: E402

from clients.models import BusinessRecord, Client  # noqa: E402
from config import celery_app  # noqa: E402

MONTHS = 20


def _clients(count: int) -> None:
    have = set(Client.objects.filter(registration_code__startswith="FEED-").values_list("registration_code", flat=True))
    Client.objects.bulk_create(
        [
            Client(name=f"Feed client {i}", registration_code=code, industry="Manufacturing", size="medium")
            for i in range(count)
            if (code := f"FEED-{i:06d}") not in have
        ],
        batch_size=5000,
    )


def _csv(rows: int) -> bytes:
    lines = ["client_code,month,volume,products_used"]
    for i in range(rows):
        client, month = divmod(i, MONTHS)
        lines.append(f"FEED-{client:06d},{2024 + month // 12}-{month % 12 + 1:02d},{1000 + i % 997}.25,{1 + i % 7}")
    return ("\n".join(lines) + "\n").encode()


def _post(http: HttpClient, body: bytes) -> tuple[float, dict]:
    started = time.perf_counter()
    response = http.post("/api/business-records/bulk/", body, content_type="text/csv")
    elapsed = time.perf_counter() - started
    assert response.status_code == 202, response.content[:500]
    run = http.get(response["Location"]).json()
    assert run["state"] == "succeeded", run
    return elapsed, run


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=100_000)
    args = parser.parse_args()
    _clients(-(-args.rows // MONTHS))
    BusinessRecord.objects.filter(client__registration_code__startswith="FEED-").delete()
    user, _ = User.objects.get_or_create(username="bench-feed", defaults={"is_superuser": True, "is_staff": True})
    celery_app.conf.task_always_eager = True  # the feed's job runs in this process, when the request commits
    http = HttpClient(HTTP_HOST="localhost")
    http.force_login(user)
    body = _csv(args.rows)
    with override_settings(REST_FRAMEWORK={"DEFAULT_THROTTLE_RATES": {"token": None, "feed": None}}):
        first, result = _post(http, body)
        print(f"first load: {first:.1f} s, created {result['created']}, refused {result['refused_count']}")
        again, result = _post(http, body)
        print(f"same file again: {again:.1f} s, unchanged {result['unchanged']}, created {result['created']}")
        tracemalloc.start()
        _post(http, body)
        _current, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        # The answer alone (stored, counted, queued): the job's message goes to an in-process broker and is dropped.
        celery_app.conf.task_always_eager = False
        with override_settings(CELERY_BROKER_URL="memory://"):
            started = time.perf_counter()
            response = http.post("/api/business-records/bulk/", body, content_type="text/csv")
            accepted = time.perf_counter() - started
        assert response.status_code == 202 and response.json()["state"] == "queued", response.content[:500]
        print(f"answered 202 (body stored, {response.json()['rows_total']} rows counted, job queued): {accepted:.2f} s")
    print(
        f"peak Python memory during a load (tracemalloc, the {len(body) / 1e6:.1f} MB body included): "
        f"{peak / 1e6:.1f} MB"
    )


if __name__ == "__main__":
    main()
