"""Two departments, two supervision lines, and everything the matrix rules over, for the security tests.

Line A (department North) is the victim: every one of its objects carries a marker string that must never appear in
a page, an export or a search result served to line B (department South), South's head or B's assistant.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.contrib.auth.models import User

from appraisals.models import Appraisal, AppraisalCycle, RaterType, Rating, SurveyInvitation
from clients.models import Client, Interaction, Report
from core.roles import Role
from incentives.models import PayStatement
from managers.models import AccountManager, Assistant
from tests.appraisals.factories_ratings import AppraisalCycleFactory
from tests.appraisals.factories_results import ClosedCycleFactory, FinalAppraisalFactory, hr_user
from tests.clients.factories import AssignmentFactory, ClientFactory, InteractionFactory, ReportFactory
from tests.core.factories import UserFactory
from tests.incentives.factories import PayPeriodFactory, PayStatementFactory, RecognitionFactory
from tests.managers.factories import AccountManagerFactory, AssistantFactory, DepartmentFactory

GRADES = ("senior", "first", "second", "trainee")
# Distinct, improbable figures: a total or an amount that shows up in a page can only have come from that object.
# Appraisal totals are multiples of 0.40, so that every contribution of the explanation is exact (no rounding makes
# two lines' totals meet).
APPRAISAL_TOTALS = {"senior": "73.20", "first": "71.60", "second": "69.20", "trainee": "67.60"}
PAY_TOTALS = {"senior": "45678.91", "first": "34567.19", "second": "23456.37", "trainee": "12345.53"}


@dataclass
class Line:
    """One supervision line: a manager of each grade, the senior's assistant, and each manager's objects."""

    key: str
    head: User
    managers: dict[str, AccountManager] = field(default_factory=dict)
    assistant: Assistant | None = None
    clients: dict[str, Client] = field(default_factory=dict)
    interactions: dict[str, Interaction] = field(default_factory=dict)
    reports: dict[str, Report] = field(default_factory=dict)
    appraisals: dict[str, Appraisal] = field(default_factory=dict)
    statements: dict[str, PayStatement] = field(default_factory=dict)
    ratings: dict[str, Rating] = field(default_factory=dict)


@dataclass
class Company:
    hr: User
    a: Line
    b: Line
    closed_cycle: AppraisalCycle
    open_cycle: AppraisalCycle
    survey_token_of_a: str = ""

    def secret_strings_of_a(self) -> list[str]:
        """Everything of line A that line B must never see: client names and codes, interaction summaries, report
        titles, appraisal totals and pay totals (as plain numbers and with thousands separators)."""
        found = []
        for client in self.a.clients.values():
            found += [client.name, client.registration_code]
        found += [i.summary for i in self.a.interactions.values()]
        found += [r.title for r in self.a.reports.values()]
        for appraisal in self.a.appraisals.values():
            found.append(f"{appraisal.total_score:.2f}")
        for statement in self.a.statements.values():
            found += [f"{statement.total:.2f}", f"{statement.total:,.2f}"]
        return found


def _line(key: str, *, closed_cycle: AppraisalCycle, open_cycle: AppraisalCycle, offset: Decimal) -> Line:
    department = DepartmentFactory(name=f"Department {key}")
    line = Line(key=key, head=department.head)
    supervisor = None
    for grade in GRADES:
        user = UserFactory(username=f"{key.lower()}-{grade}", role=Role.ACCOUNT_MANAGER)
        manager = AccountManagerFactory(user=user, department=department, supervisor=supervisor, grade=grade)
        line.managers[grade] = manager
        supervisor = manager
        client = ClientFactory(name=f"{key}-{grade} Secret Client Co.", registration_code=f"REG-{key}-{grade}-0042")
        AssignmentFactory(client=client, manager=manager)
        line.clients[grade] = client
        line.interactions[grade] = InteractionFactory(
            client=client, manager=manager, summary=f"{key}-{grade} confidential visit summary"
        )
        line.reports[grade] = ReportFactory(client=client, manager=manager, title=f"{key}-{grade} risk memo")
        line.appraisals[grade] = FinalAppraisalFactory(
            cycle=closed_cycle, manager=manager, total=Decimal(APPRAISAL_TOTALS[grade]) + offset
        )
        line.statements[grade] = PayStatementFactory(
            period=PayPeriodFactory(), manager=manager, total=Decimal(PAY_TOTALS[grade]) + offset
        )
        RecognitionFactory(manager=manager, title=f"{key}-{grade} commendation")
        # A pending peer rating the manager owes (in the open cycle) on a colleague of the same line.
        appraisal = Appraisal.objects.create(cycle=open_cycle, manager=manager)
        line.ratings[grade] = appraisal
    # Each manager rates the next one of the line as a peer (the senior rates the trainee).
    pending = {}
    for index, grade in enumerate(GRADES):
        rated = line.ratings[GRADES[(index + 1) % len(GRADES)]]
        pending[grade] = Rating.objects.create(
            appraisal=rated, rater_type=RaterType.PEER, rater=line.managers[grade].user
        )
    line.ratings = pending
    line.assistant = AssistantFactory(
        user=UserFactory(username=f"{key.lower()}-assistant", role=Role.ASSISTANT), manager=line.managers["senior"]
    )
    return line


def company_build() -> Company:
    """The two lines, their cycles and a survey link of line A (its token kept to show it works, once)."""
    from appraisals.services.surveys import survey_token

    open_cycle = AppraisalCycleFactory()
    # One template for both cycles: the two factories' template names would collide.
    closed_cycle = ClosedCycleFactory(template=open_cycle.template)
    a = _line("North", closed_cycle=closed_cycle, open_cycle=open_cycle, offset=Decimal("0"))
    # Line B's figures differ from A's, so that B's own totals never look like A's markers.
    b = _line("South", closed_cycle=closed_cycle, open_cycle=open_cycle, offset=Decimal("1.20"))
    rating = Rating.objects.create(
        appraisal=a.ratings["senior"].appraisal, rater_type=RaterType.CLIENT, client=a.clients["first"]
    )
    invitation = SurveyInvitation.objects.create(
        rating=rating,
        email="buyer@client.example.com",
        nonce="nonce-north-0001",
        expires_at=dt.datetime(2099, 7, 15, tzinfo=dt.UTC),
    )
    company = Company(hr=hr_user(), a=a, b=b, closed_cycle=closed_cycle, open_cycle=open_cycle)
    company.survey_token_of_a = survey_token(invitation)
    return company
