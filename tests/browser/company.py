"""The small company the browser tests work in: a department, its head, a senior supervising three managers, their
clients and work, closed cycles and an open one, pay statements, an assistant and HR."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.utils import timezone

from appraisals.models import Appraisal, AppraisalCycle, Rating
from clients.models import Client, TieringRun
from clients.tiering import client_ranking, pareto_points, tiering_window
from core.choices import ClientTier
from core.roles import Role, roles_sync
from incentives.models import PayStatement
from tests.appraisals.factories_ratings import AppraisalCycleFactory as OpenCycleFactory
from tests.appraisals.factories_ratings import AppraisalFactory, RatingFactory
from tests.appraisals.factories_results import ClosedCycleFactory, FinalAppraisalFactory
from tests.clients.factories import AssignmentFactory, BusinessRecordFactory, InteractionFactory
from tests.core.factories import UserFactory
from tests.incentives.factories import PayStatementFactory
from tests.managers.factories import AccountManagerFactory, AssistantFactory, DepartmentFactory, TargetFactory


def small_company() -> dict[str, object]:
    """A department with its head, a senior supervising three managers, their clients and work, two closed
    cycles and an open one, a pay statement, an assistant and HR."""
    today = timezone.localdate()
    head = UserFactory(role=Role.DEPARTMENT_HEAD, first_name="Wei", last_name="Li")
    department = DepartmentFactory(name="East China client department", head=head)
    # The demo company's names (README), not random English ones, on the screenshots.
    supervisor = AccountManagerFactory(
        grade="senior", department=department, user__first_name="Jun", user__last_name="Wang"
    )
    team = [
        AccountManagerFactory(
            grade=code, department=department, supervisor=supervisor, user__first_name=first, user__last_name=last
        )
        for code, first, last in [("first", "Fang", "Liu"), ("second", "Lei", "Chen"), ("trainee", "Min", "Zhao")]
    ]
    window = tiering_window(today).start
    tiers = [ClientTier.CORE, ClientTier.KEY, ClientTier.ORDINARY, ClientTier.ORDINARY]
    for index, manager in enumerate([supervisor, *team]):
        for number, tier in enumerate(tiers[index % 2 :]):
            client = AssignmentFactory(manager=manager, client__tier=tier).client
            BusinessRecordFactory(client=client, month=window, volume=Decimal(10 ** (5 - number)) * (index + 1))
            days_ago = 3 + 20 * number * index
            InteractionFactory(
                manager=manager,
                client=client,
                date=today - dt.timedelta(days=days_ago),
                follow_up_date=today + dt.timedelta(days=2),
            )
        TargetFactory(manager=manager, period_start=today.replace(day=1) - dt.timedelta(days=90),
                      period_end=today.replace(day=1) + dt.timedelta(days=90), interactions=30)  # fmt: skip
    for year, totals in [(2025, ["78", "84", "66", "58"]), (2026, ["86", "91", "72", "61"])]:
        cycle = ClosedCycleFactory(
            name=f"{year} H1", period_start=dt.date(year, 1, 1), period_end=dt.date(year, 6, 30),
            template__name=f"Template {year}",
        )  # fmt: skip
        for manager, total in zip([supervisor, *team], totals, strict=True):
            FinalAppraisalFactory(cycle=cycle, manager=manager, total=Decimal(total))
    open_cycle = OpenCycleFactory(name="2026 H2", state=AppraisalCycle.State.OPEN)
    for manager in [supervisor, *team]:
        appraisal = AppraisalFactory(cycle=open_cycle, manager=manager)
        RatingFactory(appraisal=appraisal)
        RatingFactory(appraisal=appraisal, rater_type="head", rater=head)
    # HR's 80/20 chart is drawn from the latest tiering run; a run's record without changing the tiers set above.
    ranking = client_ranking(tiering_window(today))
    TieringRun.objects.create(
        period_start=tiering_window(today).start, period_end=tiering_window(today).end,
        total_volume=ranking[0].total,
        **{f"{tier}_count": Client.objects.filter(tier=tier).count() for tier in ClientTier.values},
        pareto_points=pareto_points(ranking),
    )  # fmt: skip
    PayStatementFactory(manager=supervisor, grade=supervisor.grade, total=Decimal("18655.40"))
    assistant = AssistantFactory(manager=supervisor)
    return {
        "manager": team[1].user,
        "supervisor": supervisor.user,
        "head": head,
        "hr": UserFactory(role=Role.HR),
        "assistant": assistant.user,
    }


def company_with_work() -> dict[str, object]:
    """The small company and the objects of each role's main pages: the second-level manager's client, pending self
    rating and latest appraisal, a pay statement of theirs, the head's pending rating and the assistant's employer's
    client."""
    users = small_company()
    roles_sync()  # HR's permissions, which the admin checks
    manager = users["manager"].account_manager
    PayStatementFactory(manager=manager, grade=manager.grade, total=Decimal("14220.70"))
    return users | {
        "client": manager.assignments.first().client,
        "self_rating": Rating.objects.get(appraisal__manager=manager, rater=users["manager"], submitted_at=None),
        "head_rating": Rating.objects.filter(rater=users["head"], submitted_at=None).order_by("pk").first(),
        "appraisal": Appraisal.objects.filter(manager=manager, total_score__isnull=False).order_by("-pk").first(),
        "statement": PayStatement.objects.get(manager=manager),
        "employer_client": users["assistant"].assistant.manager.assignments.first().client,
    }
