"""The clients of the demo company: believable, consistent with the rules, deterministic and idempotent."""

from __future__ import annotations

import datetime as dt
import random
import time
from io import StringIO

import pytest
from django.db.models import Count

from clients import demo
from clients.models import Assignment, BusinessRecord, Client, Interaction
from clients.selectors import clients_visible_to
from clients.tiering import clients_needing_reassignment
from core import demo as accounts_demo
from core.choices import ClientTier
from managers import demo as managers_demo

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 11, 23)


@pytest.fixture
def company():
    rng = random.Random(2026)
    users = accounts_demo.seed(rng)
    managers_demo.seed(rng=rng, users=users, stdout=StringIO())
    return rng, users


def test_without_managers_the_demo_adds_no_clients() -> None:
    users = accounts_demo.seed(random.Random(1))
    assert demo.seed_clients(rng=random.Random(1), users=users, stdout=StringIO(), today=TODAY) == 0
    assert not Client.objects.exists()


def test_credit_codes_are_18_characters_with_a_valid_check_digit() -> None:
    # Worked example from GB 32100-2015's rule: the weighted sum of the first 17 characters, then 31 - sum mod 31.
    code = demo.credit_code(random.Random(3), "310115")
    assert len(code) == 18 and code.startswith("91310115")
    total = sum(demo.CREDIT_CODE_CHARS.index(c) * w for c, w in zip(code[:17], demo.CREDIT_CODE_WEIGHTS, strict=True))
    assert code[17] == demo.CREDIT_CODE_CHARS[(31 - total % 31) % 31]


def test_the_plan_is_deterministic_for_the_rng() -> None:
    first = [(p.client.name, p.client.registration_code, p.yearly_volume) for p in demo._plan_clients(random.Random(9))]
    again = [(p.client.name, p.client.registration_code, p.yearly_volume) for p in demo._plan_clients(random.Random(9))]
    assert first == again
    assert len({code for _, code, _ in first}) == demo.CLIENT_COUNT


def test_the_demo_company_has_clients_every_page_can_show(company) -> None:
    rng, users = company
    started = time.monotonic()
    created = demo.seed_clients(rng=rng, users=users, stdout=StringIO(), today=TODAY)
    assert time.monotonic() - started < 60

    assert created == Client.objects.count() == demo.CLIENT_COUNT
    # One open assignment per client, and every manager's grade may serve their clients' tiers.
    assert Assignment.objects.filter(end__isnull=True).count() == demo.CLIENT_COUNT
    assert clients_needing_reassignment(TODAY) == []
    # The 80/20 rule finds a minority of core clients.
    tiers = dict(Client.objects.values_list("tier").annotate(n=Count("pk")))
    assert 0 < tiers[ClientTier.CORE] < tiers[ClientTier.ORDINARY]
    # 24 months of business for each active client, none for prospects.
    active = Client.objects.filter(status=Client.Status.ACTIVE)
    assert BusinessRecord.objects.filter(client__in=active).count() == active.count() * demo.BUSINESS_MONTHS
    assert not BusinessRecord.objects.filter(client__status=Client.Status.PROSPECT).exists()
    # Interactions within the last year, some typed in by the assistant.
    assert Interaction.objects.filter(date__lt=TODAY - dt.timedelta(days=366)).count() == 0
    assert Interaction.objects.filter(recorded_by=users["assistant"]).exists()

    # Each demo manager has clients, of the tiers their grade may serve only.
    allowed = {
        "senior": {"core", "key", "ordinary"},
        "first": {"core", "key", "ordinary"},
        "second": {"key", "ordinary"},
        "trainee": {"ordinary"},
    }
    for username, tiers_allowed in allowed.items():
        own = Client.objects.filter(assignments__end__isnull=True, assignments__manager__user=users[username])
        assert own.exists(), username
        assert set(own.values_list("tier", flat=True)) <= tiers_allowed, username
    assert clients_visible_to(users["assistant"]).exists()
    assert clients_visible_to(users["head"]).exists()


def test_a_second_run_adds_nothing(company) -> None:
    rng, users = company
    demo.seed_clients(rng=rng, users=users, stdout=StringIO(), today=TODAY)
    counts = (Client.objects.count(), BusinessRecord.objects.count(), Interaction.objects.count())
    assert demo.seed_clients(rng=random.Random(2026), users=users, stdout=StringIO(), today=TODAY) == 0
    assert (Client.objects.count(), BusinessRecord.objects.count(), Interaction.objects.count()) == counts
