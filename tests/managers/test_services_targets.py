from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from managers.services import target_split
from tests.managers.factories import AccountManagerFactory, TargetFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def line():
    senior = AccountManagerFactory(grade="senior", employee_no="E1")
    first = AccountManagerFactory(grade="first", supervisor=senior, employee_no="E2")
    second = AccountManagerFactory(grade="second", supervisor=first, employee_no="E3")
    trainee = AccountManagerFactory(grade="trainee", supervisor=second, employee_no="E4")
    return senior, first, second, trainee


def test_split_parts_sum_exactly_to_the_parent(line) -> None:
    senior, first, second, trainee = line
    parent = TargetFactory(manager=senior, business_volume=Decimal("1000.05"), new_clients=7, interactions=55)
    # Shares 0.3 / 0.3 / 0.4 (employee numbers E2, E3, E4):
    # volume 1000.05 → 300.015, 300.015, 400.02 → cents rounded down 300.01 + 300.01 + 400.02 = 1000.04;
    #   the one cent left goes to the largest remainder (.005, tie → the first): 300.02, 300.01, 400.02.
    # new clients 7 → 2.1, 2.1, 2.8 → 2 + 2 + 2 = 6; the one left goes to .8: 2, 2, 3.
    # interactions 55 → 16.5, 16.5, 22 → 16 + 16 + 22 = 54; the one left goes to the first tie: 17, 16, 22.
    shares = {trainee: Decimal("0.4"), first: Decimal("0.3"), second: Decimal("0.3")}

    parts = target_split(target=parent, shares=shares)

    assert [p.manager for p in parts] == [first, second, trainee]
    assert [p.business_volume for p in parts] == [Decimal("300.02"), Decimal("300.01"), Decimal("400.02")]
    assert [p.new_clients for p in parts] == [2, 2, 3]
    assert [p.interactions for p in parts] == [17, 16, 22]
    assert sum(p.business_volume for p in parts) == parent.business_volume
    assert all(p.parent == parent for p in parts)


def test_shares_not_summing_to_one_are_refused(line) -> None:
    senior, first, second, _ = line
    parent = TargetFactory(manager=senior)

    with pytest.raises(ValidationError, match="add up to 0.9"):
        target_split(target=parent, shares={first: Decimal("0.5"), second: Decimal("0.4")})
    assert not parent.parts.exists()


def test_managers_outside_the_line_are_refused_by_name(line) -> None:
    senior, first, _, _ = line
    stranger = AccountManagerFactory(grade="trainee", user__first_name="Ke", user__last_name="Qian")
    parent = TargetFactory(manager=first)

    with pytest.raises(ValidationError, match="Ke Qian"):
        target_split(target=parent, shares={stranger: Decimal("1")})
