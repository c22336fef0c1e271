"""How cost grows: the generator's sizes are in proportion, and every admin list HR uses (and every page the benchmark
measures) makes the same number of queries on a company twice as large."""

from __future__ import annotations

from datetime import date

import pytest
from django.db import connection

from bench.build import generate
from bench.generate import SIZES, company_size
from bench.pages import ADMIN, REFERENCE, query_counts
from clients.models import BusinessRecord, Client, Interaction
from managers.models import AccountManager

postgres_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the generator writes with PostgreSQL's COPY"
)

TODAY = date(2026, 11, 23)


def test_the_three_presets_are_in_proportion() -> None:
    # 200, 2,000 and 10,000 managers with 50 clients and 500 interactions each: ×10 then ×5 of everything.
    assert [SIZES[name] for name in ("small", "bench", "large")] == [200, 2_000, 10_000]
    assert company_size(SIZES["bench"]) == {"managers": 2_000, "clients": 100_000, "interactions": 1_000_000}
    for name in SIZES:
        size = company_size(SIZES[name])
        assert size["clients"] == 50 * size["managers"]
        assert size["interactions"] == 500 * size["managers"]


def _write(managers: int, seed: int) -> None:
    generate(**company_size(managers), seed=seed, today=TODAY, echo=lambda line: None)


@postgres_only
@pytest.mark.django_db
def test_a_company_twice_as_large_has_twice_of_everything() -> None:
    _write(4, seed=1)
    small = (AccountManager.objects.count(), Client.objects.count(), Interaction.objects.count())
    records = BusinessRecord.objects.count()
    _write(4, seed=2)  # a second company of the same size next to the first
    # 4 managers → 200 clients (12 months of records each) and 2,000 interactions; twice that with the second.
    assert small == (4, 200, 2_000)
    assert records == 200 * 12
    assert (AccountManager.objects.count(), Client.objects.count(), Interaction.objects.count()) == (8, 400, 4_000)
    assert BusinessRecord.objects.count() == 2 * records


@postgres_only
@pytest.mark.django_db
@pytest.mark.urls("bench.urls")
def test_admin_lists_and_pages_make_the_same_queries_on_a_company_three_times_as_large(settings) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    _write(4, seed=1)
    few = query_counts()["pages"]
    _write(8, seed=2)  # 12 managers, 600 clients, 6,000 interactions in all
    many = query_counts()["pages"]

    assert AccountManager.objects.count() == 12
    admin_rows = [name for name in few if name.startswith(ADMIN)]
    # Every list HR uses, its search and its change form (pay statements and recommendations have no objects here).
    assert len(admin_rows) >= 20
    for name in few:
        if name.startswith(REFERENCE) or name == "trivial view":
            continue
        assert few[name]["status"] == many[name]["status"] == 200, name
        assert few[name]["queries"] == many[name]["queries"], name
