"""HR's admin lists over large tables: search through a client's name finds its rows by key, the count of a whole
large table is PostgreSQL's estimate in one query, and each list reads its rows in an indexed order."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.paginator import Paginator
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from clients.models import BusinessRecord, Client, Interaction
from core import admin_lists
from core.admin_lists import EstimatedCountPaginator
from tests.clients.factories import AssignmentFactory, BusinessRecordFactory, ClientFactory, InteractionFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fast_password_hashing(settings) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def listed(admin_client, url: str, query: str) -> set[int]:
    response = admin_client.get(url, {"q": query})
    assert response.status_code == 200
    return {obj.pk for obj in response.context["cl"].result_list}


@pytest.mark.parametrize("keys_limit", [admin_lists.RELATED_KEYS_LIMIT, 0])
def test_interactions_are_found_by_their_clients_name_code_or_their_own_text(admin_client, keys_limit) -> None:
    # keys_limit 0: more related rows match than the limit, so the search takes the subquery; same answers.
    admin_lists.RELATED_KEYS_LIMIT, saved = keys_limit, admin_lists.RELATED_KEYS_LIMIT
    try:
        acme = ClientFactory(name="Acme Trading Co., Ltd.", registration_code="91310000ACME00001")
        other = ClientFactory(name="Other Works", registration_code="91310000OTHR00002")
        acme_visit = InteractionFactory(client=acme, summary="Quarterly review")
        other_call = InteractionFactory(client=other, summary="Asked about ACME's offer")
        other_quiet = InteractionFactory(client=other, summary="Nothing new")
        url = reverse("admin:clients_interaction_changelist")

        assert listed(admin_client, url, "acme") == {acme_visit.pk, other_call.pk}  # client name, or the summary
        assert listed(admin_client, url, "ACME00001") == {acme_visit.pk}  # registration code
        assert listed(admin_client, url, "nothing") == {other_quiet.pk}
        assert listed(admin_client, url, "acme review") == {acme_visit.pk}  # every word must match
        assert listed(admin_client, url, "no such thing") == set()
        assert Interaction.objects.count() == 3
    finally:
        admin_lists.RELATED_KEYS_LIMIT = saved


def test_business_records_are_found_by_their_clients_name_newest_month_first(admin_client) -> None:
    acme = ClientFactory(name="Acme Trading")
    older = BusinessRecordFactory(client=acme, month=dt.date(2026, 1, 1))
    newer = BusinessRecordFactory(client=acme, month=dt.date(2026, 2, 1))
    BusinessRecordFactory(client=ClientFactory(name="Other"), month=dt.date(2026, 3, 1))
    response = admin_client.get(reverse("admin:clients_businessrecord_changelist"), {"q": "acme"})

    assert [record.pk for record in response.context["cl"].result_list] == [newer.pk, older.pk]
    assert BusinessRecord.objects.count() == 3


def test_a_filtered_or_small_list_is_counted_exactly() -> None:
    ClientFactory.create_batch(3)
    assert EstimatedCountPaginator(Client.objects.order_by("pk"), 50).count == 3
    assert EstimatedCountPaginator(Client.objects.filter(name__startswith="Client").order_by("pk"), 50).count == 3


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the estimate is PostgreSQL's pg_class.reltuples")
def test_a_whole_large_table_is_counted_from_the_estimate_in_one_query(monkeypatch) -> None:
    ClientFactory.create_batch(5)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE clients_client")
    queryset = Client.objects.order_by("pk")
    with CaptureQueriesContext(connection) as exact:
        assert EstimatedCountPaginator(queryset, 50).count == 5
    # A table over the threshold (here any table): the estimate ANALYZE left, in one query all the same.
    monkeypatch.setattr(admin_lists, "ESTIMATE_FROM_ROWS", 1)
    with CaptureQueriesContext(connection) as estimated:
        assert EstimatedCountPaginator(queryset, 50).count == 5
    ClientFactory.create_batch(2)  # not analysed yet: the estimate lags, as the admin's count may
    assert EstimatedCountPaginator(queryset, 50).count == 5
    assert Paginator(queryset, 50).count == 7
    assert len(exact) == len(estimated) == 1


def test_the_industry_filter_lists_each_industry_once_in_order_and_filters(admin_client) -> None:
    for industry in ("Retail", "Banking", "Retail", "Mining", "Banking"):
        ClientFactory(industry=industry)
    mining = Client.objects.get(industry="Mining")
    url = reverse("admin:clients_client_changelist")
    response = admin_client.get(url)
    (industry_filter,) = [spec for spec in response.context["cl"].filter_specs if spec.title == "industry"]

    assert [name for name, _label in industry_filter.lookup_choices] == ["Banking", "Mining", "Retail"]
    filtered = admin_client.get(url, {"industry": "Mining"}).context["cl"].result_list
    assert [client.pk for client in filtered] == [mining.pk]


def test_a_clients_page_makes_the_same_queries_with_more_assignment_history(admin_client) -> None:
    def change_form_queries(client: Client) -> int:
        url = reverse("admin:clients_client_change", args=[client.pk])
        admin_client.get(url)
        with CaptureQueriesContext(connection) as captured:
            assert admin_client.get(url).status_code == 200
        return len(captured)

    def with_history(ended: int) -> Client:
        client = ClientFactory()
        for year in range(2020, 2020 + ended):
            AssignmentFactory(client=client, start=dt.date(year, 1, 1), end=dt.date(year, 12, 31))
        AssignmentFactory(client=client, start=dt.date(2025, 1, 1))
        return client

    assert change_form_queries(with_history(0)) == change_form_queries(with_history(3))
