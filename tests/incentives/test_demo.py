"""The demo's pay part: schemes for every grade, a paid 2026-H1 when the cycle is closed, recognition; re-runnable."""

from __future__ import annotations

import io
import random

import pytest

from core.demo import seed as accounts_seed
from incentives import demo
from incentives.models import PayPeriod, PayScheme, PayStatement, Recognition
from managers.models import Grade
from tests.incentives.factories import FinalAppraisalFactory
from tests.managers.factories import AccountManagerFactory

pytestmark = pytest.mark.django_db


def test_demo_seeds_schemes_period_and_recognition_once() -> None:
    users = accounts_seed(random.Random(1))
    senior = AccountManagerFactory(user=users["senior"], grade="senior")
    FinalAppraisalFactory(manager=senior)

    demo.seed(rng=random.Random(1), users=users, stdout=io.StringIO())
    counts = (PayScheme.objects.count(), PayStatement.objects.count(), Recognition.objects.count())
    demo.seed(rng=random.Random(1), users=users, stdout=io.StringIO())

    assert (PayScheme.objects.count(), PayStatement.objects.count(), Recognition.objects.count()) == counts
    assert PayScheme.objects.filter(year=2026).count() == Grade.objects.count()
    assert PayPeriod.objects.get(code="2026-H1").state == PayPeriod.State.APPROVED
    assert PayStatement.objects.get(manager=senior).state == PayStatement.State.APPROVED
    assert Recognition.objects.filter(manager=senior).count() == 2


def test_demo_skips_pay_silently_without_a_closed_cycle() -> None:
    users = accounts_seed(random.Random(1))
    demo.seed(rng=random.Random(1), users=users, stdout=io.StringIO())
    assert not PayPeriod.objects.exists()
    assert PayScheme.objects.count() == Grade.objects.count()
