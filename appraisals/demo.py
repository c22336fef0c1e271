"""The appraisals part of the demo company (called by manage.py seed_demo, in dependency order).

A closed 2026 H1 regular cycle with every rating given, and an open 2026 H2 cycle with some ratings still pending
(so that the "pending ratings" pages have work). Opening and closing go through the services.
"""

from __future__ import annotations

import datetime as dt
import random
from typing import TextIO

from django.contrib.auth.models import User
from django.utils import timezone

from appraisals.models import (
    Appeal,
    Appraisal,
    AppraisalCycle,
    AppraisalPlan,
    Indicator,
    RaterType,
    Rating,
    RatingScore,
    Template,
)
from appraisals.services.appeals import appeal_uphold
from appraisals.services.cycles import cycle_close, cycle_open
from appraisals.services.results import appeal_create
from managers.models import AccountManager

TEMPLATE_NAME = "Standard appraisal"
CYCLES = [
    # name, period start, period end, rating deadline, share of ratings given
    ("2026 H1 regular appraisal", dt.date(2026, 1, 1), dt.date(2026, 6, 30), dt.date(2026, 7, 20), 1.0),
    ("2026 H2 regular appraisal", dt.date(2026, 7, 1), dt.date(2026, 12, 31), dt.date(2027, 1, 20), 0.5),
]
VALUES = [2, 3, 3, 4, 4, 4, 5]


def _ratings_give(*, cycle: AppraisalCycle, rng: random.Random, share: float) -> int:
    """Give a share of the cycle's pending ratings deterministic values from rng (a comment at the extremes)."""
    indicators = list(cycle.template.indicators.filter(kind=Indicator.Kind.RATED))
    pending = list(Rating.objects.filter(appraisal__cycle=cycle, submitted_at__isnull=True).order_by("pk"))
    chosen = [rating for rating in pending if rng.random() < share]
    scores = []
    for rating in chosen:
        for indicator in indicators:
            if rating.rater_type in indicator.rater_types:
                value = rng.choice(VALUES)
                comment = "Consistently above what was asked." if value == 5 else ""
                scores.append(RatingScore(rating=rating, indicator=indicator, value=value, comment=comment))
    RatingScore.objects.bulk_create(scores)
    Rating.objects.filter(pk__in=[rating.pk for rating in chosen]).update(submitted_at=timezone.now())
    return len(chosen)


def seed(*, rng: random.Random, users: dict[str, User], stdout: TextIO) -> None:
    """Create this app's demo data; a re-run with the same seed creates nothing new."""
    # One draw from the shared generator whatever happens here, so later steps see the same state on a re-run.
    local = random.Random(rng.random())
    if not AccountManager.objects.exists():
        stdout.write("appraisals: no managers yet, no demo cycles.")
        return
    template = Template.objects.filter(name=TEMPLATE_NAME).first()
    if template is None:
        stdout.write("appraisals: the default template is missing (migrate first).")
        return
    plan = AppraisalPlan.objects.filter(year=2026).first()
    hr = users.get("hr")
    for name, start, end, deadline, share in CYCLES:
        cycle, _created = AppraisalCycle.objects.get_or_create(
            kind=AppraisalCycle.Kind.REGULAR,
            period_start=start,
            period_end=end,
            defaults={"name": name, "template": template, "plan": plan, "rating_deadline": deadline},
        )
        if cycle.state != AppraisalCycle.State.DRAFT:
            continue  # already seeded: a re-run changes nothing
        cycle = cycle_open(cycle=cycle, by=hr)
        given = _ratings_give(cycle=cycle, rng=local, share=share)
        if share >= 1:
            cycle = cycle_close(cycle=cycle, by=hr, reason="Demo: ratings the client sample did not return")
            _appeal_decided(cycle=cycle, hr=hr, stdout=stdout)
        stdout.write(f"appraisals: {cycle.name} {cycle.state}, {given} ratings given.")


def _appeal_decided(*, cycle: AppraisalCycle, hr: User | None, stdout: TextIO) -> None:
    """A decided appeal with both versions: the lowest-scored manager with a peer rating appeals, and HR upholds it,
    excluding their lowest peer rating (a dispute between colleagues)."""
    if hr is None or Appeal.objects.filter(appraisal__cycle=cycle).exists():
        return
    peer_rated = Rating.objects.filter(rater_type=RaterType.PEER, submitted_at__isnull=False, excluded=False)
    appraisal = (
        Appraisal.objects.filter(cycle=cycle, ratings__in=peer_rated).order_by("total_score", "pk").distinct().first()
    )
    if appraisal is None:
        return
    lowest = min(peer_rated.filter(appraisal=appraisal), key=lambda r: (sum(s.value for s in r.scores.all()), r.pk))
    appeal = appeal_create(
        appraisal=appraisal, by=appraisal.manager.user, text="A colleague rated me right after a dispute over a client."
    )
    decision = appeal_uphold(
        appeal=appeal,
        by=hr,
        resolution="The peer rating followed a dispute over a client hand-over; it is excluded.",
        exclusions={lowest: "Conflict of interest: a dispute over a client hand-over"},
    )
    stdout.write(
        f"appraisals: appeal of {appraisal.manager} upheld, {decision.superseded.total_score} → {decision.total}."
    )
