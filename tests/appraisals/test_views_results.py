"""Managers' result pages: my appraisals, the explanation that adds up, acknowledge / appeal, my line's results."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from appraisals.models import Appeal, Appraisal, SpotCheck, SpotCheckDraw
from core.roles import Role
from tests.appraisals.factories_results import (
    ClosedCycleFactory,
    FinalAppraisalFactory,
    explanation_of,
    hr_user,
)
from tests.core.factories import UserFactory
from tests.managers.factories import AccountManagerFactory, DepartmentFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fast_passwords(settings):
    # Factories hash a password per user; the default hasher makes each test take seconds.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def org():
    """Two departments. In Sales: a first-level supervisor over a second-level manager. In Risk: one manager."""
    sales = DepartmentFactory(name="Sales")
    risk = DepartmentFactory(name="Risk")
    supervisor = AccountManagerFactory(grade="first", department=sales)
    manager = AccountManagerFactory(grade="second", department=sales, supervisor=supervisor)
    outsider = AccountManagerFactory(grade="second", department=risk)
    return {"sales": sales, "risk": risk, "supervisor": supervisor, "manager": manager, "outsider": outsider}


def cycles(n: int) -> list:
    """n closed half-year cycles, oldest first."""
    return [
        ClosedCycleFactory(name=f"Cycle {i}", period_start=dt.date(2015 + i, 1, 1), period_end=dt.date(2015 + i, 6, 30))
        for i in range(n)
    ]


# --- my appraisals ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("count", [2, 10])
def test_my_appraisals_lists_closed_cycles_in_a_fixed_number_of_queries(client, org, django_assert_num_queries, count):
    manager = org["manager"]
    for i, cycle in enumerate(cycles(count)):
        FinalAppraisalFactory(cycle=cycle, manager=manager, total=Decimal(70 + i))
    FinalAppraisalFactory(cycle=cycles(1)[0], manager=org["outsider"], total=Decimal("99"))
    client.force_login(manager.user)

    # session, user, the manager, the history (cycle, grade, appeal), the groups (role, for the navigation)
    with django_assert_num_queries(5):
        response = client.get(reverse("appraisals:mine"))
    page = response.content.decode()
    assert response.status_code == 200
    assert len(re.findall(r'href="/appraisals/\d+/"', page)) == count  # one link per closed appraisal, none of others
    assert f"{70 + count - 1}.00" in page  # the newest
    assert "+1.00" in page  # each cycle one point better than the one before


def test_my_appraisals_omits_an_open_cycle_and_is_for_managers_only(client, org):
    FinalAppraisalFactory(manager=org["manager"], total=Decimal("80"))
    open_cycle = ClosedCycleFactory(name="Still open", state="open", closed_at=None)
    Appraisal.objects.create(cycle=open_cycle, manager=org["manager"])
    client.force_login(org["manager"].user)
    page = client.get(reverse("appraisals:mine")).content.decode()
    assert "80.00" in page and "Still open" not in page

    client.force_login(hr_user())
    assert client.get(reverse("appraisals:mine")).status_code == 404


# --- the explanation -------------------------------------------------------------------------------------------------


def worked_example(manager):
    """Hand computation (contribution = dimension weight × indicator weight 50 % × score, rounded to 2 places):
    performance 60: R 0.60 × 0.5 × 85    = 25.50; M 0.60 × 0.5 × 70 = 21.00 → 46.50
    behaviour   20: R 0.20 × 0.5 × 90    =  9.00; M 0.20 × 0.5 × 75 =  7.50 → 16.50
    ability     20: R 0.20 × 0.5 × 66.67 =  6.667 → 6.67; M 0.20 × 0.5 × 80 = 8.00 → 14.67
    sum 46.50 + 16.50 + 14.67 = 77.67; spot-check effect −2.00 → total 75.67 (pass: 60 ≤ 75.67 < 80)."""
    explanation = explanation_of(
        {
            "performance": (Decimal("85"), Decimal("70")),
            "behaviour": (Decimal("90"), Decimal("75")),
            "ability": (Decimal("66.67"), Decimal("80")),
        },
        spot_checks=[(1, Decimal("-2"), "Visit reports missing for two clients.")],
        excluded=[("client", "The client is in a dispute with the bank.")],
    )
    # Names that must never reach the manager, even if a future explanation carried them.
    explanation["dimensions"][0]["indicators"][0]["raters"][0]["rater"] = "Zhang Wei"
    explanation["excluded_ratings"][0]["client"] = "Acme Trading Co."
    return FinalAppraisalFactory(manager=manager, explanation=explanation, comments="Keep the client files current.")


def test_the_explanation_shows_contributions_that_add_up_to_the_total(client, org, django_assert_num_queries):
    appraisal = worked_example(org["manager"])
    assert appraisal.total_score == Decimal("75.67")
    client.force_login(org["manager"].user)

    # session, user, groups, the viewer as manager, the appraisal (cycle, manager, grade, appeal), its earlier
    # versions, the active rule
    with django_assert_num_queries(7):
        response = client.get(reverse("appraisals:detail", args=[appraisal.pk]))
    page = response.content.decode()

    contributions = [Decimal(x) for x in re.findall(r'class="text-end contribution">([-\d.]+)<', page)]
    assert contributions == [Decimal(x) for x in ("25.50", "21.00", "9.00", "7.50", "6.67", "8.00")]
    summary = page[page.index('id="explanation-sum"') :]
    for figure in ("46.50", "16.50", "14.67", "-2.00", "<strong>75.67</strong>"):
        assert figure in summary
    assert sum(contributions) + Decimal("-2.00") == Decimal("75.67")
    assert 'id="total-score">75.67<' in page
    assert "pass" in page
    assert "Visit reports missing for two clients." in page
    assert "Keep the client files current." in page
    assert "The client is in a dispute with the bank." in page
    assert "Zhang Wei" not in page and "Acme Trading Co." not in page


def test_a_spot_check_not_yet_counted_is_never_shown_to_the_manager(client, org):
    appraisal = FinalAppraisalFactory(manager=org["manager"])
    draw = SpotCheckDraw.objects.create(population=[org["manager"].pk], sample_size=1, seed="x", sample=[])
    SpotCheck.objects.create(draw=draw, manager=org["manager"], findings="PENDING-FINDING", score_effect=-5)
    client.force_login(org["manager"].user)
    for url in (reverse("appraisals:mine"), reverse("appraisals:detail", args=[appraisal.pk])):
        assert "PENDING-FINDING" not in client.get(url).content.decode()


def test_who_may_see_an_appraisal(client, org):
    appraisal = FinalAppraisalFactory(manager=org["manager"])
    url = reverse("appraisals:detail", args=[appraisal.pk])
    allowed = [org["manager"].user, org["supervisor"].user, org["sales"].head, hr_user()]
    refused = [org["outsider"].user, org["risk"].head, UserFactory(role=Role.ASSISTANT)]
    for user in allowed:
        client.force_login(user)
        assert client.get(url).status_code == 200, user
    for user in refused:
        client.force_login(user)
        assert client.get(url).status_code == 404, user


def test_another_managers_appraisal_is_a_404(client, org):
    theirs = FinalAppraisalFactory(manager=org["outsider"])
    client.force_login(org["manager"].user)
    assert client.get(reverse("appraisals:detail", args=[theirs.pk])).status_code == 404
    assert client.post(reverse("appraisals:acknowledge", args=[theirs.pk])).status_code == 404
    assert client.post(reverse("appraisals:appeal", args=[theirs.pk]), {"text": "x"}).status_code == 404


# --- acknowledge and appeal ------------------------------------------------------------------------------------------


def test_the_manager_acknowledges_from_the_page_once(client, org):
    appraisal = FinalAppraisalFactory(manager=org["manager"])
    client.force_login(org["manager"].user)
    url = reverse("appraisals:detail", args=[appraisal.pk])
    assert "Acknowledge this result" in client.get(url).content.decode()

    page = client.post(reverse("appraisals:acknowledge", args=[appraisal.pk]), follow=True).content.decode()
    assert "You have acknowledged this result." in page
    assert "Acknowledge this result" not in page
    appraisal.refresh_from_db()
    assert appraisal.acknowledged_at is not None

    page = client.post(reverse("appraisals:acknowledge", args=[appraisal.pk]), follow=True).content.decode()
    assert "already acknowledged" in page


def test_the_supervisor_sees_no_forms_and_cannot_acknowledge_for_the_manager(client, org):
    appraisal = FinalAppraisalFactory(manager=org["manager"])
    client.force_login(org["supervisor"].user)
    assert (
        "Acknowledge this result" not in client.get(reverse("appraisals:detail", args=[appraisal.pk])).content.decode()
    )
    client.post(reverse("appraisals:acknowledge", args=[appraisal.pk]))
    appraisal.refresh_from_db()
    assert appraisal.acknowledged_at is None


def test_the_manager_appeals_from_the_page_with_grounds(client, org):
    appraisal = FinalAppraisalFactory(manager=org["manager"])
    client.force_login(org["manager"].user)
    url = reverse("appraisals:appeal", args=[appraisal.pk])
    response = client.post(url, {"text": ""})
    assert "This field is required" in response.content.decode()

    page = client.post(url, {"text": "A lost client was counted."}, follow=True).content.decode()
    assert "Your appeal was sent to HR." in page
    assert Appeal.objects.get(appraisal=appraisal).text == "A lost client was counted."
    assert f'action="/appraisals/{appraisal.pk}/appeal/"' not in page  # no second appeal form


def test_after_the_deadline_the_page_offers_nothing(client, org):
    late = FinalAppraisalFactory(
        manager=org["manager"], cycle=ClosedCycleFactory(closed_at=timezone.now() - dt.timedelta(days=60))
    )
    client.force_login(org["manager"].user)
    page = client.get(reverse("appraisals:detail", args=[late.pk])).content.decode()
    assert "The deadline to acknowledge or appeal has passed." in page
    assert "Acknowledge this result" not in page


# --- my line's results -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("extra", [0, 8])
def test_line_results_show_the_line_side_by_side_in_fixed_queries(client, org, django_assert_num_queries, extra):
    old, latest = cycles(2)
    FinalAppraisalFactory(cycle=old, manager=org["manager"], total=Decimal("61"))
    FinalAppraisalFactory(cycle=latest, manager=org["manager"], total=Decimal("83"))
    FinalAppraisalFactory(cycle=latest, manager=org["supervisor"], total=Decimal("91"))
    FinalAppraisalFactory(cycle=latest, manager=org["outsider"], total=Decimal("77"))
    for _ in range(extra):
        below = AccountManagerFactory(grade="second", department=org["sales"], supervisor=org["supervisor"])
        FinalAppraisalFactory(cycle=latest, manager=below, total=Decimal("70"))
    client.force_login(org["supervisor"].user)

    # session, user, groups, the viewer as manager, has subordinates, the latest closed cycle, the line's appraisals
    with django_assert_num_queries(7):
        response = client.get(reverse("appraisals:line_results"))
    page = response.content.decode()
    assert latest.name in page
    assert "83.00" in page and "91.00" in page
    assert "61.00" not in page  # an older cycle
    assert "77.00" not in page  # outside the line
    assert page.count("<strong>70.00</strong>") == extra  # one total per extra member of the line


def test_the_department_head_sees_the_department(client, org):
    cycle = ClosedCycleFactory()
    FinalAppraisalFactory(cycle=cycle, manager=org["manager"], total=Decimal("83"))
    FinalAppraisalFactory(cycle=cycle, manager=org["outsider"], total=Decimal("77"))
    client.force_login(org["sales"].head)
    page = client.get(reverse("appraisals:line_results")).content.decode()
    assert "83.00" in page and "77.00" not in page


def test_a_manager_who_supervises_no_one_has_no_line_page(client, org):
    client.force_login(org["manager"].user)
    assert client.get(reverse("appraisals:line_results")).status_code == 404
