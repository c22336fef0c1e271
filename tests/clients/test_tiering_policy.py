"""The tiering rule as HR's data: the measure (volume, profit or a mix) and the cut-offs, per plan year, recorded on
every run."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from clients.models import Client, ClientTierChange, TieringPolicy
from clients.selectors import tiering_policy_on
from clients.tiering import tiering_run
from tests.clients.factories import BusinessRecordFactory, ClientFactory

pytestmark = pytest.mark.django_db
D = Decimal
TODAY = dt.date(2026, 11, 23)  # window 2025-11-01 … 2026-10-31


def make_company() -> dict[str, Client]:
    """Five clients A…E (pk order), their business in the window (one month, 2026-05):
    client  volume  profit
    A        600       0
    B        200     300
    C        100     100
    D        100     100
    E          0     -50   a loss counts as no profit
    """
    clients = {letter: ClientFactory(name=f"Client {letter}") for letter in "ABCDE"}
    for letter, volume, profit in [("A", 600, 0), ("B", 200, 300), ("C", 100, 100), ("D", 100, 100), ("E", 0, -50)]:
        BusinessRecordFactory(client=clients[letter], month=dt.date(2026, 5, 1), volume=D(volume), profit=D(profit))
    return clients


def tiers() -> dict[str, str]:
    return {name[-1]: tier for name, tier in Client.objects.values_list("name", "tier")}


def test_tiering_by_a_volume_profit_mix_on_a_worked_example() -> None:
    """Mix 50 % volume, 50 % profit; totals V = 1 000, P = 0 + 300 + 100 + 100 + 0 = 500.
    A client's measure = (50 × volume / V + 50 × profit / P) / 100 × V (its weighted share, in volume units):
        B  (50 × 200/1000 + 50 × 300/500) / 100 × 1000 = (10 + 30) × 10 = 400   before    0 →  0 % < 80 %: core
        A  (50 × 600/1000 + 0)            / 100 × 1000 =  30 × 10      = 300   before  400 → 40 % < 80 %: core
        C  (50 × 100/1000 + 50 × 100/500) / 100 × 1000 = (5 + 10) × 10 = 150   before  700 → 70 % < 80 %: core
        D  the same as C, ranked after it by pk                          = 150   before  850 → 85 %, < 95 %: key
        E  0 (no volume, a loss)                                                                  ordinary
    By volume alone the same clients give A 600 (core), B 200 (before 60 %: core), C 100 (before 80 %: not below
    it, key), D 100 (before 90 %: key), E ordinary.
    """
    make_company()
    by_volume = tiering_run(today=TODAY)  # the seeded rule: volume, 80 %, 95 %
    assert tiers() == {"A": "core", "B": "core", "C": "key", "D": "key", "E": "ordinary"}
    assert by_volume.measure == "volume" and by_volume.total_volume == D("1000")

    mix = TieringPolicy(year=2026, measure="mix", volume_weight=50, profit_weight=50)
    mix.full_clean()
    mix.save()
    run = tiering_run(today=TODAY)

    assert tiers() == {"A": "core", "B": "core", "C": "core", "D": "key", "E": "ordinary"}
    # The run records the rule it used, even if the row is edited later.
    assert (run.policy, run.measure, run.volume_weight, run.profit_weight) == (mix, "mix", 50, 50)
    assert (run.core_share, run.key_share) == (D("80"), D("95"))
    assert run.total_volume == D("1000")
    change = ClientTierChange.objects.get(run=run, client__name="Client C")
    assert (change.from_tier, change.to_tier, change.volume) == ("key", "core", D("150"))
    assert "50% volume + 50% profit" in run.rule() and "80%" in run.rule()
    TieringPolicy.objects.filter(pk=mix.pk).update(core_share=D("50"))
    run.refresh_from_db()
    assert run.core_share == D("80")


def test_profit_alone_and_cut_offs_hr_sets() -> None:
    """By profit with core 60 %, key 90 % (P = 500): B 300 (before 0: core), C 100 (before 300 = 60 %: key),
    D 100 (before 400 = 80 % < 90 %: key), A 0 and E (a loss) ordinary."""
    make_company()
    TieringPolicy.objects.create(
        year=2025, measure="profit", volume_weight=0, profit_weight=100, core_share=D("60"), key_share=D("90")
    )
    tiering_run(today=TODAY)  # the 2025 row is in force in 2026 (no later one)
    assert tiers() == {"A": "ordinary", "B": "core", "C": "key", "D": "key", "E": "ordinary"}


def test_the_rule_in_force_is_the_latest_plan_year_not_after_the_day() -> None:
    TieringPolicy.objects.all().delete()
    assert tiering_policy_on(TODAY).pk is None  # no row: the defaults, volume 80 % / 95 %
    assert (tiering_policy_on(TODAY).measure, tiering_policy_on(TODAY).core_share) == ("volume", D("80"))
    old = TieringPolicy.objects.create(year=2024)
    new = TieringPolicy.objects.create(year=2027, core_share=D("70"))
    assert tiering_policy_on(TODAY) == old
    assert tiering_policy_on(dt.date(2027, 1, 1)) == new


def test_the_seeded_rule_is_the_fair_default() -> None:
    seeded = TieringPolicy.objects.order_by("year").first()
    assert (seeded.measure, seeded.core_share, seeded.key_share) == ("volume", D("80"), D("95"))


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"measure": "mix", "volume_weight": 100, "profit_weight": 0}, "profit_weight"),
        ({"measure": "mix", "volume_weight": 60, "profit_weight": 30}, "profit_weight"),
        ({"core_share": D("95"), "key_share": D("95")}, "key_share"),
        ({"core_share": D("0"), "key_share": D("95")}, "core_share"),
        ({"key_share": D("101")}, "key_share"),
    ],
)
def test_hr_cannot_save_a_rule_that_makes_no_sense(fields: dict, field: str) -> None:
    with pytest.raises(ValidationError) as raised:
        TieringPolicy(year=2030, **fields).full_clean()
    assert field in raised.value.message_dict


def test_volume_or_profit_alone_sets_the_weights_and_the_database_refuses_bad_rows() -> None:
    policy = TieringPolicy(year=2030, measure="profit", volume_weight=70, profit_weight=30)
    policy.full_clean()
    assert (policy.volume_weight, policy.profit_weight) == (0, 100)
    with pytest.raises(IntegrityError), transaction.atomic():
        TieringPolicy.objects.create(year=2031, measure="mix", volume_weight=60, profit_weight=60)
