"""Appeals with effect: an open appeal suspends the result's consequences; an upheld appeal re-scores the appraisal
through the close's scoring and keeps the earlier version; acknowledge and appeal exclude each other."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from appraisals.explanation import Explanation
from appraisals.models import Appeal, Appraisal, AppraisalVersion, PeerDraw, RaterType, Rating, Recommendation
from appraisals.services.appeals import appeal_reject, appeal_resolve, appeal_uphold
from appraisals.services.cycles import cycle_close, cycle_open
from appraisals.services.draws import peer_draw_verify
from appraisals.services.results import appeal_create, appraisal_acknowledge, recommendation_approve
from tests.appraisals.factories import AppraisalCycleFactory, TemplateFactory, rated_indicator, rating_fill
from tests.appraisals.factories_results import FinalAppraisalFactory, hr_user, result_rule
from tests.managers.factories import AccountManagerFactory, DepartmentFactory, grade

pytestmark = pytest.mark.django_db

D = Decimal


@pytest.fixture(autouse=True)
def fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def hr():
    return hr_user()


@pytest.fixture
def closed():
    """Manager M (second-level) with two peers of the same grade and department, in a cycle closed with a fail.

    Template: performance 60, behaviour 25, ability 15; rater weights self 20, head 35, peer 15 (client 30, no
    client rates here). P (performance, 100) is rated by self, head, peer; B (behaviour, 100) by head and peer;
    A (ability, 100) by self and head.
    """
    result_rule(demote_on_fail=True)
    department = DepartmentFactory(name="Appeals")
    manager = AccountManagerFactory(grade="second", department=department)
    peers = [AccountManagerFactory(grade="second", department=department) for _ in range(2)]
    template = TemplateFactory(name="Appeal example", peers_per_manager=2)
    P = rated_indicator(template, "performance", "P", 100, "shp")
    B = rated_indicator(template, "behaviour", "B", 100, "hp")
    A = rated_indicator(template, "ability", "A", 100, "sh")
    cycle = AppraisalCycleFactory(template=template, name="2026 H1 appeal example")
    cycle_open(cycle=cycle)
    appraisal = Appraisal.objects.get(cycle=cycle, manager=manager)
    ratings = {(r.rater_type, r.rater_id): r for r in appraisal.ratings.all()}
    rating_fill(ratings[("self", manager.user_id)], {P: 3, A: 3})
    rating_fill(ratings[("head", department.head_id)], {P: 3, B: 3, A: 3})
    rating_fill(ratings[("peer", peers[0].user_id)], {P: 3, B: 3})
    outlier = rating_fill(ratings[("peer", peers[1].user_id)], {P: 1, B: 1})
    cycle_close(cycle=cycle, reason="The peers' own appraisals are not part of the example")
    appraisal.refresh_from_db()
    return {"appraisal": appraisal, "manager": manager, "outlier": outlier, "P": P, "peers": peers}


def test_an_upheld_appeal_excludes_a_rating_and_rescores_through_the_close(closed, hr):
    # Before (as closed): points = average × 20; shares renormalised over the rater types that rated.
    #   P: self 3 → 60, head 3 → 60, peer (3 + 1) / 2 = 2 → 40; shares 20/70, 35/70, 15/70
    #      (20 × 60 + 35 × 60 + 15 × 40) / 70 = 3900 / 70 = 55.714… → 55.71; × 60 % = 33.426 → 33.43
    #   B: head 60, peer 40; shares 35/50, 15/50: (2100 + 600) / 50 = 54.00; × 25 % = 13.50
    #   A: self 60, head 60 → 60.00; × 15 % = 9.00
    #   total 33.43 + 13.50 + 9.00 = 55.93 → fail (< 60): the rule recommends demoting the second-level manager.
    appraisal, manager = closed["appraisal"], closed["manager"]
    assert (appraisal.total_score, appraisal.band) == (D("55.93"), Appraisal.Band.FAIL)
    demotion = Recommendation.objects.get(appraisal=appraisal)
    assert (demotion.kind, demotion.proposed_grade) == (Recommendation.Kind.DEMOTION, grade("trainee"))

    appeal = appeal_create(appraisal=appraisal, by=manager.user, text="One peer rated me after a personal dispute.")
    # The open appeal suspends the result's consequences.
    with pytest.raises(ValidationError, match="under appeal"):
        recommendation_approve(recommendation=demotion, by=hr, effective_date=dt.date(2026, 8, 1))

    # Upheld, the dispute's rating excluded. After: peer = 3 → 60 everywhere.
    #   P: 60.00 × 60 % = 36.00 · B: 60.00 × 25 % = 15.00 · A: 60.00 × 15 % = 9.00 → total 60.00 → pass (≥ 60).
    decision = appeal_uphold(
        appeal=appeal,
        by=hr,
        resolution="The peer's rating followed a personal dispute.",
        exclusions={closed["outlier"]: "Conflict of interest: a personal dispute with the rated manager"},
    )

    appraisal.refresh_from_db()
    assert decision.appeal.state == Appeal.State.UPHELD
    assert (appraisal.total_score, appraisal.band) == (D("60.00"), Appraisal.Band.PASS)
    assert (appraisal.performance_score, appraisal.behaviour_score, appraisal.ability_score) == (
        D("60.00"),
        D("60.00"),
        D("60.00"),
    )
    explanation = Explanation.from_json(appraisal.explanation)
    assert explanation.total == D("60.00")
    assert [(e.rater_type, e.reason) for e in explanation.excluded_ratings] == [
        ("peer", "Conflict of interest: a personal dispute with the rated manager")
    ]
    assert any("55.93" in str(note) for note in explanation.notes)  # the new explanation names the earlier result

    # Both versions kept: the earlier one as version 1, with its own explanation.
    earlier = AppraisalVersion.objects.get(appraisal=appraisal)
    assert (earlier.number, earlier.total_score, earlier.band) == (1, D("55.93"), Appraisal.Band.FAIL)
    assert Explanation.from_json(earlier.explanation).total == D("55.93")
    assert earlier.changes == [
        {
            "change": "excluded",
            "rating": closed["outlier"].pk,
            "rater_type": "peer",
            "reason": "Conflict of interest: a personal dispute with the rated manager",
        }
    ]

    # The rule applied again: a pass recommends nothing, so the pending demotion is withdrawn.
    demotion.refresh_from_db()
    assert demotion.state == Recommendation.State.WITHDRAWN
    assert not Recommendation.objects.filter(appraisal=appraisal).exclude(state=Recommendation.State.WITHDRAWN)

    # Every step in the history, with HR as its author.
    rating_history = closed["outlier"].history.order_by("-history_date").first()
    assert (rating_history.excluded, rating_history.history_user) == (True, hr)
    appraisal_history = appraisal.history.order_by("-history_date").first()
    assert (appraisal_history.total_score, appraisal_history.history_user) == (D("60.00"), hr)
    assert appeal.history.count() == 2  # appealed, upheld
    assert demotion.history.filter(state=Recommendation.State.WITHDRAWN, history_user=hr).exists()


def test_a_corrected_score_rescores_and_the_rule_recommends_again(closed, hr):
    # The outlier's P score was keyed in as 1 instead of 3: corrected. B keeps its 1.
    #   P: peer (3 + 3) / 2 = 3 → 60; all 60 → 60.00 × 60 % = 36.00
    #   B: unchanged 54.00 × 25 % = 13.50 · A: 9.00 → total 58.50 → still a fail.
    appraisal, manager = closed["appraisal"], closed["manager"]
    score = closed["outlier"].scores.get(indicator=closed["P"])
    appeal = appeal_create(appraisal=appraisal, by=manager.user, text="A score was keyed in wrongly.")
    first = Recommendation.objects.get(appraisal=appraisal)

    appeal_resolve(
        appeal=appeal,
        by=hr,
        state=Appeal.State.UPHELD,
        resolution="The peer confirms 3 for P.",
        corrections={score: 3},
    )

    appraisal.refresh_from_db()
    assert (appraisal.total_score, appraisal.band) == (D("58.50"), Appraisal.Band.FAIL)
    score.refresh_from_db()
    assert score.value == 3
    first.refresh_from_db()
    assert first.state == Recommendation.State.WITHDRAWN
    again = Recommendation.objects.get(appraisal=appraisal, state=Recommendation.State.PENDING)
    assert again.kind == Recommendation.Kind.DEMOTION and "58.50" in again.basis
    assert AppraisalVersion.objects.get(appraisal=appraisal).changes[0]["from"] == 1
    # Now the appeal is decided, the new recommendation can be approved.
    approved = recommendation_approve(recommendation=again, by=hr, effective_date=dt.date(2026, 8, 1))
    assert approved.state == Recommendation.State.APPROVED


def test_an_upheld_appeal_must_change_a_rating(closed, hr):
    appeal = appeal_create(appraisal=closed["appraisal"], by=closed["manager"].user, text="Unfair")
    with pytest.raises(ValidationError, match="exclude a rating or correct a score"):
        appeal_uphold(appeal=appeal, by=hr, resolution="Agreed")
    appeal.refresh_from_db()
    assert appeal.state == Appeal.State.OPEN
    assert not AppraisalVersion.objects.exists()


def test_a_rejected_appeal_lets_the_consequences_resume(closed, hr):
    appraisal = closed["appraisal"]
    appeal = appeal_create(appraisal=appraisal, by=closed["manager"].user, text="Unfair")
    appeal_reject(appeal=appeal, by=hr, resolution="The ratings stand.")

    demotion = Recommendation.objects.get(appraisal=appraisal)
    approved = recommendation_approve(recommendation=demotion, by=hr, effective_date=dt.date(2026, 8, 1))
    assert approved.state == Recommendation.State.APPROVED
    assert closed["manager"].grade_on(dt.date(2026, 8, 1)) == grade("trainee")
    appraisal.refresh_from_db()
    assert appraisal.total_score == D("55.93")  # unchanged


def test_the_peer_draw_of_the_example_reruns_from_its_record(closed):
    # M's peers: the two other second-level managers of the department, both drawn (2 of 2).
    draw = PeerDraw.objects.get(cycle=closed["appraisal"].cycle, manager=closed["manager"])
    assert draw.population == sorted(p.pk for p in closed["peers"])
    assert draw.sample == draw.population and draw.sample_size == 2
    assert peer_draw_verify(draw=draw)
    raters = set(
        Rating.objects.filter(appraisal=closed["appraisal"], rater_type=RaterType.PEER).values_list("rater", flat=True)
    )
    assert raters == {p.user_id for p in closed["peers"]}


# --- acknowledge and appeal exclude each other ----------------------------------------------------------------------


def test_an_appealed_result_cannot_be_acknowledged():
    appraisal = FinalAppraisalFactory()
    appeal_create(appraisal=appraisal, by=appraisal.manager.user, text="The complaint was withdrawn.")
    with pytest.raises(ValidationError, match="appealed this result"):
        appraisal_acknowledge(appraisal=appraisal, by=appraisal.manager.user)
    assert Appraisal.objects.get(pk=appraisal.pk).acknowledged_at is None


def test_an_acknowledged_result_cannot_be_appealed_either():
    appraisal = FinalAppraisalFactory()
    appraisal_acknowledge(appraisal=appraisal, by=appraisal.manager.user)
    with pytest.raises(ValidationError, match="acknowledged this result"):
        appeal_create(appraisal=appraisal, by=appraisal.manager.user, text="Second thoughts")
    assert not Appeal.objects.exists()


# --- the pages ------------------------------------------------------------------------------------------------------


def test_hr_upholds_on_the_appeal_page_and_the_manager_sees_both_versions(client, closed):
    appraisal, manager, outlier = closed["appraisal"], closed["manager"], closed["outlier"]
    appeal = appeal_create(appraisal=appraisal, by=manager.user, text="One peer rated me after a personal dispute.")
    hr = hr_user()
    client.force_login(hr)
    url = reverse("admin:appraisals_appeal_uphold", args=[appeal.pk])
    page = client.get(url).content.decode()
    assert f'data-test="rating-{outlier.pk}"' in page  # HR sees every counting rating, with who gave it

    # Every score field is posted back as shown; the outlier is ticked for exclusion with its reason.
    form = {"resolution": "The peer's rating followed a personal dispute."}
    for rating in Rating.objects.filter(appraisal=appraisal, submitted_at__isnull=False).prefetch_related("scores"):
        for score in rating.scores.all():
            form[f"score_{score.pk}"] = score.value
    response = client.post(url, {**form, f"exclude_{outlier.pk}": "on"})
    assert response.status_code == 200  # refused by the form: an exclusion needs its reason
    appeal.refresh_from_db()
    assert appeal.state == Appeal.State.OPEN

    response = client.post(url, {**form, f"exclude_{outlier.pk}": "on", f"reason_{outlier.pk}": "Personal dispute"})
    assert response.status_code == 302
    appraisal.refresh_from_db()
    assert appraisal.total_score == D("60.00")  # as computed by hand above

    client.force_login(manager.user)
    page = client.get(reverse("appraisals:detail", args=[appraisal.pk])).content.decode()
    assert 'id="total-score">60.00<' in page
    assert 'data-test="version-1"' in page and "55.93" in page
    assert "Personal dispute" in page
    assert outlier.rater.username not in page  # the manager never learns who rated
