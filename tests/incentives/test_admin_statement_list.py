"""The admin's pay-statement list: amounts with their currency, nothing clipped, and totals of the filtered list."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from core.roles import Role
from incentives.admin import PayStatementAdmin
from incentives.models import PayStatement
from tests.core.factories import UserFactory
from tests.incentives.factories import PayPeriodFactory, PayStatementFactory

pytestmark = pytest.mark.django_db

ACCEPT = {"en": "en", "zh-hans": "zh-hans,zh;q=0.9"}
URL = "admin:incentives_paystatement_changelist"


@pytest.fixture
def hr(client):
    user = UserFactory(role=Role.HR, is_superuser=True)
    client.force_login(user)
    return user


def _totals(html: str) -> str:
    return re.search(r'<table class="pay-totals".*?</table>', html, re.S).group(0)


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("en", ["CNY 13,325.00", "CNY 27,000.00", "CNY 39,975.00"]),
        ("zh-hans", ["¥13,325.00", "¥27,000.00", "¥39,975.00"]),
    ],
)
def test_the_list_totals_every_statement_the_filters_select(client, hr, language: str, expected: list[str]) -> None:
    july, august = PayPeriodFactory(), PayPeriodFactory(start=PayPeriodFactory().start.replace(month=8))
    for _ in range(3):
        PayStatementFactory(period=july)
    PayStatementFactory(period=august, total=Decimal("99999.99"))
    html = client.get(reverse(URL), {"period__id__exact": july.pk}, HTTP_ACCEPT_LANGUAGE=ACCEPT[language]).text
    totals = _totals(html)
    # Three statements of July: base 3 × 9 000.00 = 27 000.00; total 3 × 13 325.00 = 39 975.00; August left out.
    assert expected[0] in html  # a row's total, with its currency
    assert expected[1] in totals and expected[2] in totals
    assert "99,999.99" not in totals and "13325.00 CNY" not in html
    caption = {"en": "Totals of the statements", "zh-hans": "筛选出的全部工资单合计"}[language]
    assert caption in totals


def test_the_totals_span_every_page(client, hr) -> None:
    PayStatementAdmin.list_per_page, per_page = 2, PayStatementAdmin.list_per_page
    try:
        for _ in range(5):
            PayStatementFactory()
        totals = _totals(client.get(reverse(URL)).text)
    finally:
        PayStatementAdmin.list_per_page = per_page
    # 5 × 13 325.00 = 66 625.00 although the page shows two rows.
    assert "CNY 66,625.00" in totals and "<td>5</td>" in totals


def test_amounts_and_state_do_not_wrap(client, hr) -> None:
    PayStatementFactory(state=PayStatement.State.APPROVED, approved_at=timezone.now())
    html = client.get(reverse(URL)).text
    assert '<span class="amount">CNY 13,325.00</span>' in html
    assert 'class="state state-approved"' in html and "white-space: nowrap" in html


@pytest.mark.parametrize("count", [2, 12])
def test_the_list_makes_the_same_number_of_queries_whatever_the_rows(
    client, hr, count: int, django_assert_num_queries
) -> None:
    for _ in range(count):
        PayStatementFactory()
    client.get(reverse(URL))  # the first visit reads the content types and permissions into their caches
    # session, user, the filters' periods and grades, the filtered count, the unfiltered count, the page's rows with
    # period, manager and user, the totals per currency
    with django_assert_num_queries(8):
        response = client.get(reverse(URL))
    assert response.status_code == 200


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_the_admin_writes_dates_as_the_pages_do_in_both_languages(client, hr, language: str) -> None:
    PayPeriodFactory()  # July 2026
    html = client.get(reverse("admin:incentives_payperiod_changelist"), HTTP_ACCEPT_LANGUAGE=ACCEPT[language]).text
    assert "2026-07-01" in html and "2026-07-31" in html
    assert "July 1, 2026" not in html and "2026年7月1日" not in html
