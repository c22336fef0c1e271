"""One way to write numbers, money, dates and names per language (core/templatetags/formats.py), on the pages."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from core.roles import Role
from core.templatetags.formats import day, money, month, number, person, when
from tests.clients.factories import AssignmentFactory, BusinessRecordFactory, ClientFactory
from tests.core.factories import UserFactory
from tests.incentives.factories import PayStatementFactory
from tests.managers.factories import AccountManagerFactory

ACCEPT = {"en": "en", "zh-hans": "zh-CN,zh;q=0.9"}


@pytest.mark.parametrize(
    "language, amount, shown",
    [
        ("zh-hans", Decimal("1234.56"), "¥1,234.56"),
        ("en", Decimal("1234.56"), "CNY 1,234.56"),
        ("zh-hans", Decimal("1458832.3"), "¥1,458,832.30"),
        ("en", Decimal("-5000"), "CNY -5,000.00"),
        ("zh-hans", Decimal("-5000"), "-¥5,000.00"),
        ("en", Decimal("0.005"), "CNY 0.01"),  # to the cent, half up
        ("en", None, "—"),
    ],
)
def test_money_is_grouped_to_the_cent_with_the_languages_currency_sign(language, amount, shown) -> None:
    with translation.override(language):
        assert money(amount, "CNY") == shown


def test_numbers_are_grouped_in_both_languages() -> None:
    for language in ("en", "zh-hans"):
        with translation.override(language):
            assert number(Decimal("1458832.3")) == "1,458,832.30"
            assert number(12345, 0) == "12,345"
            assert number("73.2") == "73.20"
            assert number(None) == "—"


def test_dates_and_moments_read_the_same_in_both_languages() -> None:
    # 18:30 UTC on 19 July is 02:30 on 20 July in Shanghai, the site's time zone.
    moment = dt.datetime(2026, 7, 19, 18, 30, tzinfo=dt.UTC)
    for language in ("en", "zh-hans"):
        with translation.override(language), timezone.override("Asia/Shanghai"):
            assert day(dt.date(2026, 7, 20)) == "2026-07-20"
            assert day(moment) == "2026-07-20"
            assert when(moment) == "2026-07-20 02:30"
            assert month(dt.date(2026, 7, 1)) == "2026-07"
            assert day(None) == "—"


@pytest.mark.django_db
@pytest.mark.parametrize(
    "first, last, english, chinese",
    [
        ("子涵", "董", "董子涵", "董子涵"),  # Han characters: family name first, no space, in every language
        ("Hui", "Zhang", "Hui Zhang", "Zhang Hui"),
        ("", "", "jdoe", "jdoe"),
    ],
)
def test_names_follow_the_readers_language(first: str, last: str, english: str, chinese: str) -> None:
    user = UserFactory(username="jdoe", first_name=first, last_name=last)
    manager = AccountManagerFactory(user=user)
    with translation.override("en"):
        assert person(user) == english and person(manager) == english
    with translation.override("zh-hans"):
        assert person(user) == chinese and person(manager) == chinese


# --- on the pages -------------------------------------------------------------------------------------------------


def _chinese_named_manager(**kwargs: object):
    user = UserFactory(first_name="子涵", last_name="董", role=Role.ACCOUNT_MANAGER)
    return AccountManagerFactory(user=user, **kwargs)


@pytest.mark.django_db
@pytest.mark.parametrize(
    "language, texts",
    [
        ("en", ["CNY 9,000.00", "CNY 13,325.00", "2026-01-01 – 2026-06-30", "董子涵"]),
        ("zh-hans", ["¥9,000.00", "¥13,325.00", "2026-01-01 – 2026-06-30", "董子涵"]),
    ],
)
def test_the_pay_statement_writes_money_dates_and_name_in_the_readers_language(client, language, texts) -> None:
    statement = PayStatementFactory(manager=_chinese_named_manager(grade="first"))
    client.force_login(statement.manager.user)
    html = client.get(reverse("incentives:statement", args=[statement.pk]), HTTP_ACCEPT_LANGUAGE=ACCEPT[language]).text
    assert all(text in html for text in texts), [text for text in texts if text not in html]
    assert "子涵 董" not in html and "13325.00 CNY" not in html


@pytest.mark.django_db
@pytest.mark.parametrize("language, total", [("en", "CNY 13,325.00"), ("zh-hans", "¥13,325.00")])
def test_my_pay_and_the_home_page_show_the_same_total(client, language: str, total: str) -> None:
    statement = PayStatementFactory(manager=_chinese_named_manager(grade="first"))
    client.force_login(statement.manager.user)
    for url in (reverse("incentives:my_pay"), reverse("home")):
        assert total in client.get(url, HTTP_ACCEPT_LANGUAGE=ACCEPT[language]).text, url


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_the_client_page_writes_volumes_dates_and_names_alike_in_both_languages(client, language: str) -> None:
    manager = _chinese_named_manager(grade="senior")
    customer = AssignmentFactory(manager=manager, client=ClientFactory(), start=dt.date(2024, 3, 5)).client
    this_month = timezone.localdate().replace(day=1)
    BusinessRecordFactory(client=customer, month=this_month, volume=Decimal("1458832.30"))
    client.force_login(manager.user)
    html = client.get(reverse("clients:detail", args=[customer.pk]), HTTP_ACCEPT_LANGUAGE=ACCEPT[language]).text
    assert "1,458,832.30" in html
    assert "2024-03-05" in html and this_month.strftime("%Y-%m") in html
    assert "董子涵" in html and "子涵 董" not in html


@pytest.mark.django_db
@pytest.mark.parametrize("language, salary", [("en", "CNY 9,000.00"), ("zh-hans", "¥9,000.00")])
def test_the_profile_writes_the_grades_pay_as_money(client, language: str, salary: str) -> None:
    manager = _chinese_named_manager(grade="first", hire_date=dt.date(2021, 4, 1))
    client.force_login(manager.user)
    html = client.get(reverse("managers:profile"), HTTP_ACCEPT_LANGUAGE=ACCEPT[language]).text
    assert salary in html and "2021-04-01" in html and "董子涵" in html
