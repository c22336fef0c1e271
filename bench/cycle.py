"""The benchmark company's open appraisal cycle: an appraisal per manager, every rating submitted and scored, and a
spot-check draw whose effects the close will attach."""

from __future__ import annotations

import random
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from appraisals.models import AppraisalCycle, SpotCheckDraw, Template
from bench.bulk import copy_rows, next_id
from bench.company import Company
from managers.models import Grade

RATER_TYPES = ("self", "client", "head", "peer")
RATING_COLUMNS = ("id", "appraisal_id", "rater_type", "rater_id", "client_id", "submitted_at", "comment", "flagged",
                  "flag_reason", "excluded", "excluded_reason", "excluded_by_id")  # fmt: skip
CHECK_COLUMNS = ("id", "draw_id", "manager_id", "mode", "method", "checked_on", "findings", "score_effect",
                 "recorded_by_id", "applied_to_id")  # fmt: skip


@dataclass
class Ratings:
    """The rating rows with their scores and survey invitations, numbered on from the tables' next ids."""

    company: Company
    rng: random.Random
    now: datetime
    rated_by: dict[str, list[int]]
    skill: dict[int, float]
    rating_id: int
    score_id: int
    invitation_id: int
    ratings: list[tuple] = field(default_factory=list)
    scores: list[tuple] = field(default_factory=list)
    invitations: list[tuple] = field(default_factory=list)

    def add(self, appraisal: int, manager: int, rater_type: str, rater: int | None, client: int | None) -> None:
        rng, company = self.rng, self.company
        submitted = self.now - timedelta(days=rng.randint(1, 20), seconds=rng.randint(0, 86_400))
        excluded = rater_type == "client" and rng.random() < 0.005
        reason = "Bench: far from the other client ratings." if excluded else ""
        self.ratings.append(
            (self.rating_id, appraisal, rater_type, rater, client, submitted, "", excluded, reason[:300], excluded,
             reason, company.hr_user_id if excluded else None)
        )  # fmt: skip
        bias = rng.gauss(0, 0.4)
        for indicator in self.rated_by[rater_type]:
            value = max(1, min(5, round(self.skill[manager] + bias + rng.gauss(0, 0.6))))
            self.scores.append(
                (self.score_id, self.rating_id, indicator, value, "Bench comment." if value in (1, 5) else "")
            )
            self.score_id += 1
        if rater_type == "client":
            self.invitations.append(
                (self.invitation_id, self.rating_id, f"contact{client}@client.example.com",
                 f"bench{self.rating_id:012d}", submitted, company.today + timedelta(days=30), submitted)
            )  # fmt: skip
            self.invitation_id += 1
        self.rating_id += 1


def cycle_write(cursor, company: Company, rng: random.Random, *, now: datetime) -> None:
    """Write the cycle, its appraisals, ratings, scores, invitations and spot-checks."""
    template = Template.objects.get(name="Standard appraisal")
    cycle = _cycle_open(cursor, company, template, now=now)
    appraisal_of = _appraisals(cursor, company, cycle)
    indicators = list(template.indicators.filter(kind="rated"))
    ratings = Ratings(
        company=company,
        rng=rng,
        now=now,
        rated_by={rater: [i.pk for i in indicators if rater in i.rater_types] for rater in RATER_TYPES},
        # A manager's own tendency, so that totals spread over the bands.
        skill={manager: rng.gauss(3.8, 0.5) for manager in company.manager_ids},
        rating_id=next_id(cursor, "appraisals_rating"),
        score_id=next_id(cursor, "appraisals_ratingscore"),
        invitation_id=next_id(cursor, "appraisals_surveyinvitation"),
    )
    _rate_everyone(company, rng, ratings, appraisal_of)
    copy_rows(cursor, "appraisals_rating", RATING_COLUMNS, ratings.ratings)
    copy_rows(cursor, "appraisals_ratingscore", ("id", "rating_id", "indicator_id", "value", "comment"), ratings.scores)
    copy_rows(
        cursor,
        "appraisals_surveyinvitation",
        ("id", "rating_id", "email", "nonce", "sent_at", "expires_at", "used_at"),
        ratings.invitations,
    )
    checks = _spot_checks(cursor, company, rng)
    company.counts.update(
        appraisals=len(appraisal_of),
        ratings=len(ratings.ratings),
        rating_scores=len(ratings.scores),
        survey_invitations=len(ratings.invitations),
        spot_checks=checks,
    )


def _cycle_open(cursor, company: Company, template: Template, *, now: datetime) -> AppraisalCycle:
    start, end = company.period
    cycle = AppraisalCycle.objects.create(
        name=f"Benchmark cycle {start:%Y-%m}–{end:%Y-%m} #{next_id(cursor, 'appraisals_appraisalcycle')}",
        template=template,
        plan=template.plan,
        kind=AppraisalCycle.Kind.IRREGULAR,  # irregular: a second generation does not clash with a regular period
        cause="Benchmark company (bench/generate.py).",
        period_start=start,
        period_end=end,
        rating_deadline=company.today + timedelta(days=7),
        state=AppraisalCycle.State.OPEN,
        opened_at=now,
    )
    company.cycle_id = cycle.pk
    return cycle


def _appraisals(cursor, company: Company, cycle: AppraisalCycle) -> dict[int, int]:
    """An appraisal per manager at the grade they hold; returns each manager's appraisal id."""
    grade_ids = dict(Grade.objects.values_list("code", "pk"))
    appraisal_id = next_id(cursor, "appraisals_appraisal")
    appraisals = []
    appraisal_of: dict[int, int] = {}
    for manager in company.manager_ids:
        appraisals.append((appraisal_id, cycle.pk, manager, grade_ids[company.manager_grade[manager]], 0, "", "{}", ""))
        appraisal_of[manager] = appraisal_id
        appraisal_id += 1
    copy_rows(
        cursor,
        "appraisals_appraisal",
        ("id", "cycle_id", "manager_id", "grade_id", "spot_check_effect", "band", "explanation", "comments"),
        appraisals,
    )
    return appraisal_of


def _rate_everyone(company: Company, rng: random.Random, ratings: Ratings, appraisal_of: dict[int, int]) -> None:
    """Self, head, two peers of the same grade and department, and three of the manager's clients."""
    peers_pool: dict[tuple[int, str], list[int]] = defaultdict(list)
    for manager in company.manager_ids:
        peers_pool[(company.manager_department[manager], company.manager_grade[manager])].append(manager)
    book: dict[int, list[int]] = defaultdict(list)
    for cid, manager in company.client_manager.items():
        book[manager].append(cid)
    for manager in company.manager_ids:
        appraisal = appraisal_of[manager]
        department = company.manager_department[manager]
        ratings.add(appraisal, manager, "self", company.manager_user[manager], None)
        ratings.add(appraisal, manager, "head", company.head_of[department], None)
        candidates = [m for m in peers_pool[(department, company.manager_grade[manager])] if m != manager]
        for peer in rng.sample(candidates, min(2, len(candidates))):
            ratings.add(appraisal, manager, "peer", company.manager_user[peer], None)
        for client in rng.sample(book[manager], min(3, len(book[manager]))):
            ratings.add(appraisal, manager, "client", None, client)


def _spot_checks(cursor, company: Company, rng: random.Random) -> int:
    """A draw of 1 % of the managers, checked inside the period: the close attaches their effects."""
    start, end = company.period
    sample = sorted(rng.sample(company.manager_ids, max(1, len(company.manager_ids) // 100)))
    draw = SpotCheckDraw.objects.create(
        population=sorted(company.manager_ids),
        sample_size=len(sample),
        seed=f"bench-{rng.getrandbits(64):016x}",
        sample=sample,
        drawn_by_id=company.hr_user_id,
    )
    check_id = next_id(cursor, "appraisals_spotcheck")
    checks = []
    for manager in sample:
        effect = rng.choice(("-5.00", "-2.50", "0.00", "2.00", "3.00"))
        checks.append(
            (check_id, draw.pk, manager, rng.choice(("on_site", "off_site")), "reconcile",
             start + timedelta(days=rng.randint(0, (end - start).days)), "Bench findings.", effect,
             company.hr_user_id, None)
        )  # fmt: skip
        check_id += 1
    return copy_rows(cursor, "appraisals_spotcheck", CHECK_COLUMNS, checks)
