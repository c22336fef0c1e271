"""The demo's pay part: schemes for every grade, January to September paid month by month, recognition; re-runnable."""

from __future__ import annotations

import io
import random

import pytest

from core.demo import seed as accounts_seed
from incentives import demo
from incentives.explanation import pay_explanation_from_json
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
    assert PayPeriod.objects.get(code="2026-08").state == PayPeriod.State.APPROVED
    assert PayPeriod.objects.get(code="2026-09").state == PayPeriod.State.DRAFT  # the month HR approves next
    # Every month pays the senior; June (the month 2026 H1 ends) catches up January to May, paid nothing while no
    # appraisal had closed.
    statements = PayStatement.objects.filter(manager=senior)
    assert statements.count() == 9
    june = statements.get(period__code="2026-06")
    lines = pay_explanation_from_json(june.explanation).term("performance_pay").parts
    assert [(part.line, part.pays_for.code) for part in lines] == [("month", "2026-06")] + [
        ("catch_up", f"2026-0{month}") for month in range(1, 6)
    ]
    assert Recognition.objects.filter(manager=senior).count() == 2


def test_demo_skips_pay_silently_without_managers() -> None:
    users = accounts_seed(random.Random(1))
    demo.seed(rng=random.Random(1), users=users, stdout=io.StringIO())
    assert not PayPeriod.objects.exists()
    assert PayScheme.objects.count() == Grade.objects.count()
