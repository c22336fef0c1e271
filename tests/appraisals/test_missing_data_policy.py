"""Missing data is never a zero: worked examples of the missing-data policy, the policy's bands and the fairness
review of peers, each computed by hand in the comments and compared with what cycle_close writes."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from appraisals.explanation import Explanation
from appraisals.models import Appraisal, AppraisalPolicy, MeasuredValue, MissingDataRule, Rating, Recommendation
from appraisals.services.cycles import cycle_close, cycle_close_preview, cycle_open, cycle_to_review
from appraisals.services.fairness import rating_exclude
from appraisals.services.policies import managers_gaps, scoring_policy_for
from appraisals.services.scoring import RatingSummary, Tally, appraisal_score, rating_summary
from tests.appraisals.factories import (
    AppraisalCycleFactory,
    AppraisalPlanFactory,
    TemplateFactory,
    hr_user,
    measured_indicator,
    rated_indicator,
    rating_fill,
    small_template,
)
from tests.appraisals.factories_policies import AppraisalPolicyFactory, MissingDataRuleFactory
from tests.clients.factories import (
    AssignmentFactory,
    BusinessRecordFactory,
    ClientFactory,
    FeedbackFactory,
    InteractionFactory,
)
from tests.managers.factories import AccountManagerFactory, DepartmentFactory

pytestmark = pytest.mark.django_db

D = Decimal


def _lines(appraisal: Appraisal) -> dict[str, dict]:
    return {line["code"]: line for d in appraisal.explanation["dimensions"] for line in d["indicators"]}


def _ratings(appraisal: Appraisal) -> dict[str, Rating]:
    return {rating.rater_type: rating for rating in appraisal.ratings.all()}


# --- a missing rater type, a manager with no clients -----------------------------------------------------------------


@pytest.fixture
def two_managers():
    """M has a client, business in both periods, feedback and interactions; N, in the same department, has no client
    and no survey answer (but logged 5 interactions). Nobody has a client contact, so no client rates anyone."""
    department = DepartmentFactory(name="Corporate clients")
    m = AccountManagerFactory(grade="second", department=department)
    n = AccountManagerFactory(grade="second", department=department)
    template = TemplateFactory(
        name="Missing data example"
    )  # perf 60 / beh 25 / abil 15; self 20, client 30, head 35, peer 15
    measured_indicator(template, "performance", "P1", 40, "volume_growth", "20", "ratio")
    rated_indicator(template, "performance", "P2", 60, "schp")
    measured_indicator(template, "behaviour", "B1", 50, "avg_satisfaction", "5", "ratio")
    rated_indicator(template, "behaviour", "B2", 50, "ch")
    rated_indicator(template, "ability", "A1", 50, "sh")
    measured_indicator(template, "ability", "A2", 50, "interactions", "10", "ratio")
    indicators = {indicator.code: indicator for indicator in template.indicators.all()}

    client = ClientFactory()
    AssignmentFactory(client=client, manager=m, start=dt.date(2025, 1, 1))
    BusinessRecordFactory(client=client, month=dt.date(2025, 10, 1), volume=D("100000"))  # the period before
    BusinessRecordFactory(client=client, month=dt.date(2026, 3, 1), volume=D("110000"))
    FeedbackFactory(manager=m, client=client, date=dt.date(2026, 2, 1), satisfaction=4)
    FeedbackFactory(manager=m, client=client, date=dt.date(2026, 4, 1), satisfaction=5)
    for day in range(8):
        InteractionFactory(manager=m, client=client, date=dt.date(2026, 1, 10) + dt.timedelta(days=day * 7))
    prospect = ClientFactory()
    for day in range(5):
        InteractionFactory(manager=n, client=prospect, date=dt.date(2026, 2, 10) + dt.timedelta(days=day * 7))

    cycle = AppraisalCycleFactory(template=template, name="2026 H1 missing data")
    cycle_open(cycle=cycle)
    mine = Appraisal.objects.get(cycle=cycle, manager=m)
    theirs = Appraisal.objects.get(cycle=cycle, manager=n)
    m_ratings, n_ratings = _ratings(mine), _ratings(theirs)
    assert set(m_ratings) == set(n_ratings) == {"self", "head", "peer"}  # no client rating: nobody has a contact
    P2, B2, A1 = indicators["P2"], indicators["B2"], indicators["A1"]
    rating_fill(m_ratings["self"], {P2: 4, A1: 4})
    rating_fill(m_ratings["head"], {P2: 4, B2: 3, A1: 5})
    rating_fill(m_ratings["peer"], {P2: 5})
    rating_fill(n_ratings["self"], {P2: 3, A1: 4})
    rating_fill(n_ratings["head"], {P2: 4, B2: 4, A1: 4})
    rating_fill(n_ratings["peer"], {P2: 4})
    cycle_close(cycle=cycle)  # every rating task was answered: no reason needed
    mine.refresh_from_db()
    theirs.refresh_from_db()
    return mine, theirs


def test_worked_example_a_missing_rater_type_shares_its_weight(two_managers) -> None:
    mine, _theirs = two_managers
    # Rater weights self 20 / client 30 / head 35 / peer 15; nobody in the client sample rated (no contacts), so the
    # client weight is shared among the raters who did rate:
    # P2: self 4 → 80, head 4 → 80, peer 5 → 100 over 20 + 35 + 15 = 70:
    #     shares 20/70 = 28.57 %, 35/70 = 50.00 %, 15/70 = 21.43 %
    #     (20 × 80 + 35 × 80 + 15 × 100) / 70 = 5900 / 70 = 84.2857… → 84.29
    # B2 (client and head): head 3 → 60 alone, at 100 % → 60.00
    # A1 (self and head): (20 × 80 + 35 × 100) / 55 = 5100 / 55 = 92.7272… → 92.73
    # P1 volume growth: (110 000 − 100 000) / 100 000 = 10 %, / target 20 → 50.00
    # B1 satisfaction: (4 + 5) / 2 = 4.5, / 5 → 90.00;  A2 interactions: 8 / 10 → 80.00
    # PERFORMANCE (60): 0.4 × 50 + 0.6 × 84.29 = 70.574 → 70.57
    #     contributions 50 × 0.4 × 0.6 = 12.00 and 84.29 × 0.6 × 0.6 = 30.3444 → 30.34; 42.34
    # BEHAVIOUR (25): 0.5 × 90 + 0.5 × 60 = 75.00; contributions 11.25 + 7.50 = 18.75
    # ABILITY (15): 0.5 × 92.73 + 0.5 × 80 = 86.365 → 86.37; contributions 6.95475 → 6.95 and 6.00; 12.95
    # TOTAL 42.34 + 18.75 + 12.95 = 74.04 → pass
    lines = _lines(mine)
    p2 = {r["rater_type"]: (r["effective_weight"], r["count"], r["score"]) for r in lines["P2"]["raters"]}
    assert p2 == {
        "self": ("28.57", 1, "80.00"),
        "client": ("0.00", 0, None),
        "head": ("50.00", 1, "80.00"),
        "peer": ("21.43", 1, "100.00"),
    }
    assert lines["P2"]["gaps"] == [{"gap": "rater_type_missing", "action": "leave_out", "rater_type": "client"}]
    assert {code: (line["score"], line["contribution"]) for code, line in lines.items()} == {
        "P1": ("50.00", "12.00"),
        "P2": ("84.29", "30.34"),
        "B1": ("90.00", "11.25"),
        "B2": ("60.00", "7.50"),
        "A1": ("92.73", "6.95"),
        "A2": ("80.00", "6.00"),
    }
    assert (mine.performance_score, mine.behaviour_score, mine.ability_score) == (D("70.57"), D("75.00"), D("86.37"))
    assert mine.total_score == D("74.04") and mine.band == "pass" and not mine.incomplete


def test_worked_example_a_manager_with_no_clients_is_scored_on_what_exists(two_managers) -> None:
    _mine, theirs = two_managers
    # N has no client (no volume growth) and no survey answer (no satisfaction): both indicators are left out and
    # their weight goes to the other indicator of the dimension, never a 0.
    # P2: self 3 → 60, head 4 → 80, peer 4 → 80, client missing: (20 × 60 + 35 × 80 + 15 × 80) / 70 = 5200 / 70
    #     = 74.2857… → 74.29
    # PERFORMANCE (60): P1 left out, P2 at 60 / 60 = 100 %: score 74.29; contribution 74.29 × 1 × 0.6 = 44.574 → 44.57
    # BEHAVIOUR (25): B1 left out, B2 (head 4 → 80) at 100 %: score 80.00; contribution 80 × 0.25 = 20.00
    # ABILITY (15): A1 self 4 → 80, head 4 → 80: 80.00; A2 5 / 10 → 50.00; score 65.00;
    #     contributions 80 × 0.5 × 0.15 = 6.00 and 50 × 0.5 × 0.15 = 3.75; 9.75
    # TOTAL 44.57 + 20.00 + 9.75 = 74.32 → pass.
    # (Counting the missing data as 0, as before: 74.29 × 0.36 = 26.74, 80 × 0.125 = 10.00, + 9.75 = 46.49 → fail.)
    lines = _lines(theirs)
    assert lines["P1"]["score"] is None and lines["P1"]["effective_weight"] == "0.00"
    assert lines["P1"]["gaps"] == [{"gap": "no_clients", "action": "leave_out"}]
    assert lines["P2"]["effective_weight"] == "100.00" and lines["P2"]["contribution"] == "44.57"
    assert lines["B1"]["score"] is None and lines["B1"]["gaps"] == [{"gap": "no_survey_answers", "action": "leave_out"}]
    assert lines["B2"]["effective_weight"] == "100.00" and lines["B2"]["contribution"] == "20.00"
    assert (lines["A1"]["contribution"], lines["A2"]["contribution"]) == ("6.00", "3.75")
    assert (theirs.performance_score, theirs.behaviour_score, theirs.ability_score) == (
        D("74.29"),
        D("80.00"),
        D("65.00"),
    )
    assert theirs.total_score == D("74.32") and theirs.band == "pass"
    # The figures the manager reads add up to the total, and each gap is named with what was done.
    explanation = Explanation.from_json(theirs.explanation)
    assert explanation.computed_total == explanation.total == D("74.32")
    words = [str(gap) for _code, gap in explanation.all_gaps]
    left_out = "the indicator was left out and its weight shared among the other indicators of its dimension."
    assert f"a manager with no clients: {left_out}" in words
    assert explanation.policy.year == 2000  # the seeded default version


def test_the_result_page_names_each_gap_worded_when_shown(client, two_managers) -> None:
    _mine, theirs = two_managers
    # Stored as codes (no words), so each reader gets them in their own language.
    assert theirs.explanation["dimensions"][1]["indicators"][0]["gaps"] == [
        {"gap": "no_survey_answers", "action": "leave_out"}
    ]
    client.force_login(theirs.manager.user)
    page = client.get(reverse("appraisals:detail", args=[theirs.pk])).content.decode()
    assert "Missing data and what was done" in page
    assert "a manager with no survey answers: the indicator was left out" in page
    assert (
        "Scored under the appraisal policy from 2000: excellent from 90.00, good from 80.00, pass from 60.00." in page
    )


# --- a cycle nobody rated ------------------------------------------------------------------------------------------


@pytest.fixture
def unrated_cycle():
    """One manager alone in a department: 3 new clients, 12 interactions, no complaint; nobody rates anything."""
    manager = AccountManagerFactory(grade="second", department=DepartmentFactory())
    for month in (2, 3, 4):
        AssignmentFactory(manager=manager, start=dt.date(2026, month, 1))
    client = ClientFactory()
    for day in range(12):
        InteractionFactory(manager=manager, client=client, date=dt.date(2026, 1, 5) + dt.timedelta(days=day * 10))
    cycle = AppraisalCycleFactory(template=small_template(), name="Nobody rated")
    cycle_open(cycle=cycle)
    return cycle, manager


def test_a_cycle_with_no_ratings_scores_nobody_down_for_them(unrated_cycle) -> None:
    cycle, manager = unrated_cycle
    cycle_close(cycle=cycle, reason="Nobody rated in time")
    appraisal = Appraisal.objects.get(cycle=cycle, manager=manager)
    # Every rated indicator (P2, B2, A1) had no rating at all: each is left out and its dimension rests on its
    # measured indicator. P1 new clients 3 / 5 → 60.00; B1 no complaint → 100.00; A2 12 / 24 → 50.00.
    # TOTAL 60 × 0.6 + 100 × 0.25 + 50 × 0.15 = 36.00 + 25.00 + 7.50 = 68.50 → pass.
    # (Counting the missing ratings as 0: 60 × 0.3 + 100 × 0.1 + 50 × 0.075 = 18 + 10 + 3.75 = 31.75 → fail,
    # and a recommended demotion for ratings others did not give.)
    assert appraisal.total_score == D("68.50") and appraisal.band == "pass"
    lines = _lines(appraisal)
    assert [lines[code]["score"] for code in ("P2", "B2", "A1")] == [None, None, None]
    assert lines["P2"]["gaps"] == [{"gap": "rater_type_missing", "action": "leave_out", "whole_indicator": True}]
    assert not Recommendation.objects.filter(appraisal=appraisal, kind="demotion").exists()


def test_a_policy_that_holds_such_appraisals_says_who_before_the_close_and_recommends_nothing(
    unrated_cycle, client, django_capture_on_commit_callbacks
) -> None:
    cycle, manager = unrated_cycle
    policy = AppraisalPolicyFactory(year=2026)
    MissingDataRuleFactory(policy=policy, gap="rater_type_missing", action="incomplete")
    preview = cycle_close_preview(cycle=cycle)
    assert preview.missing_ratings == 2  # the manager's own self and head rating tasks
    (held,) = preview.incomplete
    assert (held.employee_no, held.manager_name) == (manager.employee_no, manager.name)
    assert "a rater type with no ratings: the appraisal is held as incomplete." in held.reasons

    # The admin shows how many and who before the close runs, and asks for the reason.
    client.force_login(hr_user())
    url = reverse("admin:appraisals_appraisalcycle_changelist")
    page = client.post(url, {"action": "close_cycles", "_selected_action": [cycle.pk]}).content.decode()
    assert "1 appraisal held as incomplete" in page and manager.employee_no in page

    with pytest.raises(ValidationError, match="rating"):
        cycle_close(cycle=cycle)  # neither the missing ratings nor the incomplete appraisal without a reason
    cycle_close(cycle=cycle, reason="The head was away; HR decides on the held appraisal")
    appraisal = Appraisal.objects.get(cycle=cycle, manager=manager)
    # Scored as if left out (68.50, as above), but held: no band, and so no recommendation.
    assert appraisal.incomplete and appraisal.band == "" and appraisal.total_score == D("68.50")
    assert not Recommendation.objects.filter(appraisal=appraisal).exists()
    explanation = Explanation.from_json(appraisal.explanation)
    assert explanation.incomplete and explanation.policy.year == 2026
    assert any(note.code == "held_incomplete" for note in explanation.notes)


# --- a peer outlier --------------------------------------------------------------------------------------------------


def _head_and_peers_template():
    """One indicator per dimension, each rated by the head and peers; head and peers weigh 50 each."""
    template = TemplateFactory(weight_self=0, weight_client=0, weight_head=50, weight_peer=50, peers_per_manager=4)
    for dimension in ("performance", "behaviour", "ability"):
        rated_indicator(template, dimension, dimension[0].upper() + "1", 100, "hp")
    return template


def test_worked_example_a_peer_outlier_is_flagged_and_hr_excludes_it(client) -> None:
    department = DepartmentFactory()
    manager = AccountManagerFactory(grade="second", department=department)
    for _ in range(4):
        AccountManagerFactory(grade="second", department=department)
    template = _head_and_peers_template()
    indicators = list(template.indicators.all())
    cycle = AppraisalCycleFactory(template=template)
    cycle_open(cycle=cycle)
    appraisal = Appraisal.objects.get(cycle=cycle, manager=manager)
    head = appraisal.ratings.get(rater_type="head")
    peers = list(appraisal.ratings.filter(rater_type="peer").order_by("pk"))
    assert len(peers) == 4
    rating_fill(head, dict.fromkeys(indicators, 4))
    for peer, value in zip(peers, (4, 4, 4, 1), strict=True):
        rating_fill(peer, dict.fromkeys(indicators, value))

    # Before the review: peers (4 + 4 + 4 + 1) / 4 = 3.25 → 65; head 4 → 80; each indicator 0.5 × 80 + 0.5 × 65
    # = 72.50, and so is every dimension; contributions 72.5 × 0.60 = 43.50, × 0.25 = 18.125 → 18.13,
    # × 0.15 = 10.875 → 10.88; total 72.51 → pass (a good manager moved down by one peer).
    loaded = Rating.objects.filter(appraisal=appraisal).prefetch_related("scores")
    before = appraisal_score(template=template, indicators=indicators, ratings=rating_summary(loaded), measured={})
    assert (before.total, before.band) == (D("72.51"), "pass")

    # The review flags it when the cycle moves to review: means 4, 4, 4, 1, median 4; |1 − 4| = 3 > 1.5, and one
    # flagged of four is not half.
    cycle_to_review(cycle=cycle)
    outlier = Rating.objects.get(pk=peers[3].pk)
    assert outlier.flagged
    assert outlier.flag_reason == (
        "Mean value 1.00 is 3.00 points from the median 4.00 of the 4 peer ratings of this manager (limit 1.5)."
    )
    assert not Rating.objects.filter(pk__in=[peer.pk for peer in peers[:3]], flagged=True).exists()

    # HR decides: excluded with a reason. Peers now (4 + 4 + 4) / 3 = 4 → 80; 0.5 × 80 + 0.5 × 80 = 80.00 in every
    # dimension; 48.00 + 20.00 + 12.00 = 80.00 → good.
    rating_exclude(rating=outlier, by=hr_user(), reason="Rated a project the manager was not on")
    cycle_close(cycle=cycle, reason="The other managers' peer ratings are not part of this example")
    appraisal.refresh_from_db()
    assert appraisal.total_score == D("80.00") and appraisal.band == "good"
    assert appraisal.explanation["excluded_ratings"] == [
        {"rater_type": "peer", "reason": "Rated a project the manager was not on"}
    ]


# --- bands from a changed row ----------------------------------------------------------------------------------------


def _head_only_cycle(plan_year: int, name: str):
    """A cycle of the plan year, one manager alone: the head rates 4 everywhere (80 points), no peer exists."""
    manager = AccountManagerFactory(grade="first", department=DepartmentFactory())
    template = _head_and_peers_template()
    cycle = AppraisalCycleFactory(
        template=template,
        name=name,
        plan=AppraisalPlanFactory(year=plan_year),
        period_start=dt.date(plan_year, 1, 1),
        period_end=dt.date(plan_year, 6, 30),
    )
    cycle_open(cycle=cycle)
    appraisal = Appraisal.objects.get(cycle=cycle, manager=manager)
    rating_fill(appraisal.ratings.get(rater_type="head"), dict.fromkeys(template.indicators.all(), 4))
    return cycle, appraisal


def test_bands_come_from_the_policy_row_of_the_cycles_plan_year() -> None:
    # HR lowers the cut-offs from plan year 2026 on: excellent from 80, good from 70, pass from 55.
    AppraisalPolicyFactory(year=2026, excellent_from=D("80"), good_from=D("70"), pass_from=D("55"))
    earlier, before = _head_only_cycle(2025, "2025 H1")
    later, after = _head_only_cycle(2026, "2026 H1")
    cycle_close(cycle=earlier)
    cycle_close(cycle=later, reason="The 2025 manager's rating of 2026 is not part of this example")
    before.refresh_from_db()
    after.refresh_from_db()
    # Both totals: head 4 → 80 points, the peer weight shared (no peer): every indicator 80.00, total 80.00.
    # 2025 follows the seeded version (good from 80, excellent from 90) → good; 2026 the changed row → excellent.
    assert before.total_score == after.total_score == D("80.00")
    assert (before.band, after.band) == ("good", "excellent")
    assert before.explanation["policy"] == {
        "year": 2000,
        "excellent_from": "90.00",
        "good_from": "80.00",
        "pass_from": "60.00",
    }
    assert after.explanation["policy"] == {
        "year": 2026,
        "excellent_from": "80.00",
        "good_from": "70.00",
        "pass_from": "55.00",
    }
    # The version in force is the latest one not after the plan year.
    assert scoring_policy_for(year=2027).year == 2026 and scoring_policy_for(year=2025).year == 2000


@pytest.mark.parametrize(
    ("excellent", "good", "passing"),
    [("80", "85", "60"), ("90", "80", "80"), ("101", "80", "60"), ("90", "80", "-1")],
)
def test_band_cut_offs_must_rise_within_0_to_100(excellent: str, good: str, passing: str) -> None:
    policy = AppraisalPolicy(year=2030, excellent_from=D(excellent), good_from=D(good), pass_from=D(passing))
    with pytest.raises(ValidationError):
        policy.full_clean()


def test_a_neutral_action_needs_its_score_and_only_it_has_one() -> None:
    policy = AppraisalPolicyFactory(year=2031)
    with pytest.raises(ValidationError, match="neutral score"):
        MissingDataRule(policy=policy, gap="no_target", action="neutral").full_clean()
    with pytest.raises(ValidationError, match="neutral"):
        MissingDataRule(policy=policy, gap="no_target", action="leave_out", neutral_score=D("50")).full_clean()
    MissingDataRule(policy=policy, gap="no_target", action="neutral", neutral_score=D("50")).full_clean()


def test_the_policy_is_seeded_with_the_fair_defaults() -> None:
    seeded = AppraisalPolicy.objects.get(year=2000)
    assert (seeded.excellent_from, seeded.good_from, seeded.pass_from) == (D("90"), D("80"), D("60"))
    assert seeded.deadline_extension_days == 0
    assert set(seeded.missing_data.values_list("action", flat=True)) == {"leave_out"}
    assert seeded.missing_data.count() == 7


# --- a manager who joined or moved mid-cycle -------------------------------------------------------------------------


def test_a_manager_who_joined_mid_cycle_is_not_measured_on_the_months_before() -> None:
    template = small_template()
    indicators = list(template.indicators.all())
    by_code = {indicator.code: indicator for indicator in indicators}
    measured = {
        by_code["P1"].pk: MeasuredValue(value=D("1"), inputs={}),  # 1 new client / 5 → 20.00
        by_code["B1"].pk: MeasuredValue(value=D("0"), inputs={}),  # no complaint → 100.00
        by_code["A2"].pk: MeasuredValue(value=D("6"), inputs={}),  # 6 interactions / 24 → 25.00
    }
    ratings = RatingSummary(
        tallies={
            by_code["P2"].pk: {"head": Tally(4, 1)},  # 80
            by_code["B2"].pk: {"head": Tally(4, 1)},  # 80
            by_code["A1"].pk: {"head": Tally(3, 1)},  # 60
        }
    )
    result = appraisal_score(
        template=template,
        indicators=indicators,
        ratings=ratings,
        measured=measured,
        manager_gaps={"joined_mid_cycle"},
    )
    # Hired after the period started: the counts over the whole period (P1, B1, A2) are left out, each dimension
    # rests on its rated indicator: 80 × 0.6 + 80 × 0.25 + 60 × 0.15 = 48.00 + 20.00 + 9.00 = 77.00.
    # (Counted as measured: P1 20 and P2 80 → 50.00; B1 100 and B2 80 → 88.00; A1 60 and A2 25 → 42.50;
    # 50 × 0.6 + 88 × 0.25 + 42.5 × 0.15 = 30 + 22 + 6.375 → 58.38, a fail for months before the hire.)
    assert result.total == D("77.00") and result.band == "pass"
    assert [gap.gap for gap in result.explanation.gaps] == ["joined_mid_cycle"]
    lines = {line.code: line for line in result.explanation.indicators}
    assert lines["P1"].score is None and lines["P1"].gaps[0].gap == "joined_mid_cycle"


def test_a_supervisor_change_in_the_period_is_found_in_the_managers_history() -> None:
    newcomer = AccountManagerFactory(grade="second", hire_date=dt.date(2026, 12, 1))
    moved = AccountManagerFactory(grade="second")
    stayed = AccountManagerFactory(grade="second")
    # Their records as they stood before the period, then the move (recorded today, inside the period).
    AccountManagerFactory._meta.model.history.filter(id__in=[moved.pk, stayed.pk]).update(
        history_date=dt.datetime(2026, 10, 1, tzinfo=dt.UTC)
    )
    moved.supervisor = AccountManagerFactory(grade="senior", department=moved.department)
    moved.save()
    gaps = managers_gaps(
        manager_ids=[newcomer.pk, moved.pk, stayed.pk], start=dt.date(2026, 11, 1), end=dt.date(2027, 4, 30)
    )
    assert gaps == {newcomer.pk: {"joined_mid_cycle"}, moved.pk: {"supervisor_changed"}}


def test_hr_edits_the_policy_in_the_admin_and_a_falling_cut_off_is_refused(client) -> None:
    client.force_login(hr_user())
    seeded = AppraisalPolicy.objects.get(year=2000)
    page = client.get(reverse("admin:appraisals_appraisalpolicy_change", args=[seeded.pk])).content.decode()
    assert "A total at or above this is excellent" in page  # help texts
    assert "no earlier period to grow from" in page  # the missing-data rules, inline
    data = {
        "year": "2027",
        "note": "",
        "excellent_from": "80",
        "good_from": "85",
        "pass_from": "60",
        "deadline_extension_days": "0",
        "deadline_max_extensions": "0",
        "missing_data-TOTAL_FORMS": "0",
        "missing_data-INITIAL_FORMS": "0",
    }
    response = client.post(reverse("admin:appraisals_appraisalpolicy_add"), data)
    assert response.status_code == 200 and "The cut-offs must rise" in response.content.decode()
    assert not AppraisalPolicy.objects.filter(year=2027).exists()
    response = client.post(reverse("admin:appraisals_appraisalpolicy_add"), {**data, "excellent_from": "88"})
    assert response.status_code == 302 and AppraisalPolicy.objects.get(year=2027).excellent_from == D("88")
