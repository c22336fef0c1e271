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
    Recommendation,
    SurveyInvitation,
    Template,
)
from appraisals.services.appeals import appeal_uphold
from appraisals.services.cycles import cycle_close, cycle_open
from appraisals.services.results import appeal_create, promotion_qualification_failures, recommendation_approve
from managers.models import AccountManager, Grade
from managers.services import manager_set_supervisor

TEMPLATE_NAME = "Standard appraisal"
CYCLES = [
    # name, period start, period end, rating deadline, share of ratings given
    ("2026年上半年常规考核", dt.date(2026, 1, 1), dt.date(2026, 6, 30), dt.date(2026, 7, 20), 1.0),
    ("2026年下半年常规考核", dt.date(2026, 7, 1), dt.date(2026, 12, 31), dt.date(2027, 1, 20), 0.5),
]
VALUES = [2, 3, 3, 4, 4, 4, 5]
PROMOTED_FROM = dt.date(2026, 8, 1)
OVERRIDE_REASON = "自1月起负责本部门两个最大的客户，考核委员会认定这一经历相当于该等级要求的同类工作年限。"


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
                comment = "一贯超出要求。" if value == 5 else ""
                scores.append(RatingScore(rating=rating, indicator=indicator, value=value, comment=comment))
    RatingScore.objects.bulk_create(scores)
    now = timezone.now()
    Rating.objects.filter(pk__in=[rating.pk for rating in chosen]).update(submitted_at=now)
    # A client rating given here is answered: its survey link is used, so it is neither mailed nor open.
    SurveyInvitation.objects.filter(rating__in=[rating.pk for rating in chosen]).update(used_at=now)
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
            cycle = cycle_close(cycle=cycle, by=hr, reason="演示：抽样客户未交回的评价")
            _appeal_decided(cycle=cycle, hr=hr, stdout=stdout)
            _promotion_overridden(cycle=cycle, hr=hr, stdout=stdout)
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
        appraisal=appraisal, by=appraisal.manager.user, text="同事在与我发生客户交接争议后随即给我评分。"
    )
    decision = appeal_uphold(
        appeal=appeal,
        by=hr,
        resolution="该同事评价发生在客户交接争议之后，予以排除。",
        exclusions={lowest: "利益冲突：客户交接争议"},
    )
    stdout.write(
        f"appraisals: appeal of {appraisal.manager} upheld, {decision.superseded.total_score} → {decision.total}."
    )


def _promotion_overridden(*, cycle: AppraisalCycle, hr: User | None, stdout: TextIO) -> None:
    """A promotion HR approves against a failed qualification check (任职条件), with its written reason: the
    department nominates its best-scored second-level manager for first-level, one who falls short of the grade's
    requirements. The result rule asks for two excellent cycles and the demo has one closed cycle, so the rule alone
    would recommend nobody."""
    promotions = Recommendation.objects.filter(appraisal__cycle=cycle, kind=Recommendation.Kind.PROMOTION)
    if hr is None or promotions.exists():
        return
    first = Grade.objects.get(code=Grade.Code.FIRST)
    candidates = Appraisal.objects.filter(cycle=cycle, finalised_at__isnull=False, grade__code=Grade.Code.SECOND)
    for appraisal in candidates.select_related("manager__supervisor").order_by("-total_score", "pk"):
        # A first-level manager is supervised by a senior: the nominee's supervisor's own supervisor.
        senior = appraisal.manager.supervisor.supervisor if appraisal.manager.supervisor else None
        if senior is None or getattr(senior.grade_on(PROMOTED_FROM), "code", "") != Grade.Code.SENIOR:
            continue
        nomination = Recommendation(
            manager=appraisal.manager,
            appraisal=appraisal,
            kind=Recommendation.Kind.PROMOTION,
            proposed_grade=first,
            basis="因负责本部门两个最大的客户，由部门主管提名。",
        )
        if promotion_qualification_failures(recommendation=nomination, day=PROMOTED_FROM):
            break
    else:
        return
    nomination.full_clean()
    nomination.save()
    # A senior may not supervise a second-level manager: the nominee leaves their first-level supervisor's line for
    # the promotion and joins the senior's once first-level.
    manager_set_supervisor(manager=appraisal.manager, supervisor=None)
    approved = recommendation_approve(
        recommendation=nomination, by=hr, effective_date=PROMOTED_FROM, override_reason=OVERRIDE_REASON
    )
    manager_set_supervisor(manager=approved.manager, supervisor=senior)
    stdout.write(f"appraisals: promotion of {approved.manager} approved over 任职条件 by HR, with a written reason.")
