"""The clients part of the demo company (called by manage.py seed_demo, in dependency order).

About 600 clients with Chinese company names and 18-character unified social credit codes (统一社会信用代码, with
their check digit), one or two contacts each, 24 months of business for the active ones with Pareto-like volumes
(so that the 80/20 tiering finds about a fifth of them core), tiers set by the tiering service, one manager each
whose grade may serve the tier (some with an earlier manager in their history), a year of interaction records
(by the manager or, for a manager with an assistant, sometimes by the assistant), feedback and reports.

Deterministic for the rng and the day it runs (dates are relative to today, so the pages look current), and
idempotent: a company that already has clients is left alone. Rows are written with bulk_create: well under a
minute on SQLite.
"""

from __future__ import annotations

import datetime as dt
import random
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TextIO

from django.contrib.auth.models import User
from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from clients.models import Assignment, BusinessRecord, Client, Contact, Feedback, Interaction, Report
from clients.tiering import tiering_run
from core.choices import ClientTier
from managers.models import AccountManager, Assistant, Grade

CLIENT_COUNT = 600
BUSINESS_MONTHS = 24
BATCH = 1000

CITIES = [
    "上海",
    "北京",
    "深圳",
    "杭州",
    "南京",
    "苏州",
    "广州",
    "成都",
    "武汉",
    "天津",
    "宁波",
    "无锡",
    "厦门",
    "青岛",
]
# Administrative division codes of those cities (the 3rd–8th characters of a credit code).
DIVISIONS = {
    "上海": "310115",
    "北京": "110108",
    "深圳": "440300",
    "杭州": "330106",
    "南京": "320106",
    "苏州": "320505",
    "广州": "440106",
    "成都": "510107",
    "武汉": "420106",
    "天津": "120116",
    "宁波": "330212",
    "无锡": "320214",
    "厦门": "350206",
    "青岛": "370212",
}
CITIES = list(DIVISIONS)
TRADE_NAME_CHARS = "华信达通宏远恒瑞泰安盛鑫源隆昌伟业嘉诚金鼎新联创科博中天海润德丰永明亚东"
INDUSTRIES = {
    # industry: (weight, the words that end a company name in it)
    "制造业": (24, ["精密机械", "电子科技", "汽车零部件", "新材料", "智能装备"]),
    "批发和零售业": (16, ["商贸", "贸易", "供应链管理", "百货"]),
    "信息技术": (12, ["信息技术", "软件", "网络科技", "数据科技"]),
    "建筑业": (9, ["建设工程", "建筑安装", "市政工程"]),
    "交通运输和物流": (9, ["物流", "国际货运", "运输"]),
    "医药卫生": (8, ["医药", "生物科技", "医疗器械"]),
    "能源": (6, ["能源", "新能源科技", "电力设备"]),
    "房地产业": (5, ["置业", "物业管理", "房地产开发"]),
    "农业和食品": (6, ["食品", "农业发展", "粮油"]),
    "住宿和餐饮业": (5, ["酒店管理", "餐饮管理"]),
}
SIZES = [(Client.Size.SMALL, 50), (Client.Size.MEDIUM, 35), (Client.Size.LARGE, 15)]
# Yearly business volume scale by size (yuan); the Pareto variate multiplies it.
SIZE_SCALE = {Client.Size.SMALL: 120_000, Client.Size.MEDIUM: 400_000, Client.Size.LARGE: 1_500_000}
BASE_PRODUCTS = {Client.Size.SMALL: 1, Client.Size.MEDIUM: 2, Client.Size.LARGE: 3}
STATUSES = [(Client.Status.ACTIVE, 80), (Client.Status.PROSPECT, 12), (Client.Status.LOST, 8)]
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘"
GIVEN = ["伟", "芳", "敏", "静", "强", "磊", "军", "洋", "杰", "涛", "明", "霞", "建国", "晓红", "志伟", "丽华", "海涛"]
TITLES = ["总经理", "财务总监", "采购经理", "董事会秘书", "行政主管", "副总经理"]
STREETS = ["人民路", "中山路", "解放路", "建设路", "长江路", "科技园路", "滨江大道"]

# The check digit of a unified social credit code (GB 32100-2015): 31 characters, these weights, modulo 31.
CREDIT_CODE_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
CREDIT_CODE_WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]

INTERACTION_KINDS = [
    (Interaction.Kind.VISIT, 35),
    (Interaction.Kind.CALL, 35),
    (Interaction.Kind.EMAIL, 12),
    (Interaction.Kind.MEETING, 12),
    (Interaction.Kind.EVENT, 6),
]
SUMMARIES = {
    Interaction.Kind.VISIT: [
        "上门拜访财务负责人，了解经营状况",
        "走访生产基地，核实业务规模",
        "拜访总经理，回顾合作情况",
    ],
    Interaction.Kind.CALL: ["电话回访，确认上月业务办理情况", "电话沟通新产品方案", "电话提醒续约事宜"],
    Interaction.Kind.EMAIL: ["发送季度对账单并确认", "邮件发送产品介绍资料"],
    Interaction.Kind.MEETING: ["召开合作洽谈会，讨论年度方案", "与客户管理层开会讨论授信需求"],
    Interaction.Kind.EVENT: ["邀请客户参加客户答谢会", "客户参加新产品推介会"],
}
FEEDBACK_SOURCES = [(Feedback.Source.SURVEY, 50), (Feedback.Source.CALLBACK, 40), (Feedback.Source.COMPLAINT, 10)]
NEEDS = ["流动资金贷款", "跨境结算服务", "现金管理方案", "供应链融资", "员工代发工资", "票据贴现", "理财产品咨询"]
COMPLAINTS = ["业务办理等待时间过长", "客户经理回复不及时", "收费标准说明不清楚", "网银系统频繁出错"]
SUGGESTIONS = ["希望增加上门服务频次", "建议简化开户资料", "希望提供更多线上办理渠道", "建议定期提供行业分析"]
REPORT_TITLES = {
    Report.Kind.PROPOSAL: (
        "关于拓展{name}业务合作的建议报告",
        "客户经营稳定，结算需求增长，建议增加供应链融资与现金管理产品。",
    ),
    Report.Kind.RISK: ("{name}风险分析报告", "客户应收账款上升，行业竞争加剧，建议关注现金流并按季度复核。"),
    Report.Kind.COMPOSITE: ("{name}综合评价报告", "客户经营稳健，合作深入，满意度较高，建议维持现有服务等级。"),
}


def credit_code(rng: random.Random, division: str) -> str:
    """A well-formed 18-character unified social credit code: 9 (industry and commerce), 1 (enterprise), the
    division, a 9-character organisation code, and the check digit."""
    body = "91" + division + "".join(rng.choice(CREDIT_CODE_CHARS) for _ in range(9))
    total = sum(CREDIT_CODE_CHARS.index(char) * weight for char, weight in zip(body, CREDIT_CODE_WEIGHTS, strict=True))
    return body + CREDIT_CODE_CHARS[(31 - total % 31) % 31]


def _weighted(rng: random.Random, options: list[tuple[object, int]]) -> object:
    return rng.choices([value for value, _ in options], weights=[weight for _, weight in options])[0]


def _month_add(month: dt.date, months: int) -> dt.date:
    index = month.year * 12 + month.month - 1 + months
    return dt.date(index // 12, index % 12 + 1, 1)


def _day_between(rng: random.Random, start: dt.date, end: dt.date) -> dt.date:
    return start + dt.timedelta(days=rng.randint(0, max((end - start).days, 0)))


@dataclass
class ClientPlan:
    """One demo client before it is written."""

    client: Client
    yearly_volume: float = 0.0
    growth: float = 1.0
    products: int = 1
    months_active: int = BUSINESS_MONTHS
    contacts: list[Contact] = field(default_factory=list)


def _plan_clients(rng: random.Random) -> list[ClientPlan]:
    names: set[str] = set()
    codes: set[str] = set()
    plans = []
    industries = [(name, weight) for name, (weight, _) in INDUSTRIES.items()]
    while len(plans) < CLIENT_COUNT:
        city = rng.choice(CITIES)
        industry = _weighted(rng, industries)
        name = f"{city}{''.join(rng.sample(TRADE_NAME_CHARS, 2))}{rng.choice(INDUSTRIES[industry][1])}"
        name += rng.choice(["有限公司", "有限公司", "股份有限公司"])
        code = credit_code(rng, DIVISIONS[city])
        if name in names or code in codes:
            continue
        names.add(name)
        codes.add(code)
        size = _weighted(rng, SIZES)
        status = _weighted(rng, STATUSES)
        client = Client(
            name=name,
            registration_code=code,
            industry=industry,
            size=size,
            status=status,
            tier=ClientTier.ORDINARY,
            address=f"{city}市{rng.choice(STREETS)}{rng.randint(1, 999)}号",
        )
        plan = ClientPlan(client=client)
        if status != Client.Status.PROSPECT:
            # Pareto with α ≈ 1.16 is the 80/20 distribution; capped so one client cannot dwarf the whole company.
            plan.yearly_volume = SIZE_SCALE[size] * min(rng.paretovariate(1.16), 60.0)
            plan.growth = rng.uniform(0.85, 1.35)
            plan.products = {Client.Size.SMALL: 1, Client.Size.MEDIUM: 2, Client.Size.LARGE: 3}[size] + rng.randint(
                0, 2
            )
        if status == Client.Status.LOST:
            plan.months_active = rng.randint(8, 18)  # the business stopped some months ago
        for index in range(rng.choice([1, 1, 2])):
            person = rng.choice(SURNAMES) + rng.choice(GIVEN)
            plan.contacts.append(
                Contact(
                    name=person,
                    title=rng.choice(TITLES),
                    phone=f"1{rng.choice('3589')}{rng.randint(0, 999_999_999):09d}",
                    email=f"contact{len(plans)}x{index}@client{len(plans)}.example.cn",
                    is_primary=index == 0,
                )
            )
        plans.append(plan)
    return plans


def _business(rng: random.Random, plans: list[ClientPlan], first_month: dt.date) -> list[BusinessRecord]:
    records = []
    for plan in plans:
        if not plan.yearly_volume:
            continue
        for offset in range(plan.months_active):
            month = _month_add(first_month, offset)
            seasonal = 1.15 if month.month in (3, 6, 9, 12) else 0.95  # quarter-end peaks
            trend = plan.growth ** (offset / 12)
            volume = plan.yearly_volume / 12 * seasonal * trend * rng.lognormvariate(0, 0.15)
            products = max(1, min(8, plan.products + (1 if offset > 12 and plan.growth > 1.2 else 0)))
            records.append(
                BusinessRecord(
                    client=plan.client,
                    month=month,
                    volume=Decimal(f"{volume:.2f}"),
                    products_used=products,
                )
            )
    return records


def _set_tiers(plans: list[ClientPlan], today: dt.date) -> None:
    """The tiers the product's own 80/20 tiering gives the new clients (with their history)."""
    tiering_run(today=today)
    tiers = dict(Client.objects.filter(pk__in=[p.client.pk for p in plans]).values_list("pk", "tier"))
    for plan in plans:
        plan.client.tier = tiers[plan.client.pk]


class ManagerPool:
    """Spreads clients over the managers whose grade may serve each tier, keeping loads even by capacity."""

    CAPACITY = {"senior": 1.3, "first": 1.2, "second": 1.0, "trainee": 0.6}

    def __init__(self, rng: random.Random, managers: list[AccountManager], grades: dict[int, Grade]) -> None:
        self.rng = rng
        self.managers = managers
        self.grades = grades
        self.load: dict[int, int] = defaultdict(int)

    def eligible(self, tier: str) -> list[AccountManager]:
        return [m for m in self.managers if self.grades[m.grade_id_on].may_serve(tier)]

    def pick(self, tier: str, *, exclude: AccountManager | None = None) -> AccountManager | None:
        candidates = [m for m in self.eligible(tier) if m != exclude]
        if not candidates:
            return None
        ranked = sorted(
            candidates, key=lambda m: (self.load[m.pk] / self.CAPACITY[self.grades[m.grade_id_on].code], m.pk)
        )
        chosen = self.rng.choice(ranked[:3])
        return chosen


def _assign(
    rng: random.Random, plans: list[ClientPlan], pool: ManagerPool, today: dt.date, hr: User | None
) -> dict[int, list[Assignment]]:
    """One open assignment per client (about one in seven with an earlier, ended one); returns them by client."""
    by_client: dict[int, list[Assignment]] = defaultdict(list)
    rows = []
    order = {ClientTier.CORE: 0, ClientTier.KEY: 1, ClientTier.ORDINARY: 2}
    for plan in sorted(plans, key=lambda p: (order[p.client.tier], p.client.pk)):
        manager = pool.pick(plan.client.tier)
        if manager is None:
            continue
        pool.load[manager.pk] += 1
        start = max(
            _day_between(rng, today - dt.timedelta(days=3 * 365), today - dt.timedelta(days=400)), manager.hire_date
        )
        earlier = pool.pick(plan.client.tier, exclude=manager) if rng.random() < 0.15 else None
        if earlier is not None:
            handover = _day_between(rng, today - dt.timedelta(days=600), today - dt.timedelta(days=120))
            earlier_start = max(handover - dt.timedelta(days=rng.randint(300, 900)), earlier.hire_date)
            if earlier_start < handover and handover > manager.hire_date:
                previous = Assignment(
                    client=plan.client,
                    manager=earlier,
                    start=earlier_start,
                    end=handover - dt.timedelta(days=1),
                    reason="初始分配",
                    created_by=hr,
                )
                rows.append(previous)
                by_client[plan.client.pk].append(previous)
                start = handover
        current = Assignment(
            client=plan.client,
            manager=manager,
            start=start,
            reason="客户经理调整" if by_client[plan.client.pk] else "初始分配",
            created_by=hr,
        )
        rows.append(current)
        by_client[plan.client.pk].append(current)
    bulk_create_with_history(rows, Assignment, batch_size=BATCH)
    return by_client


def _manager_on(assignments: list[Assignment], day: dt.date) -> AccountManager | None:
    for assignment in assignments:
        if assignment.start <= day and (assignment.end is None or day <= assignment.end):
            return assignment.manager
    return None


def _work_log(
    rng: random.Random, plans: list[ClientPlan], assignments: dict[int, list[Assignment]], today: dt.date
) -> tuple[list[Interaction], list[Feedback], list[Report]]:
    """A year of interaction records, feedback and reports, each by the manager of the client on its date."""
    assistants = {a.manager_id: a.user for a in Assistant.objects.filter(active=True).select_related("user")}
    interactions, feedback, reports = [], [], []
    year_ago = today - dt.timedelta(days=365)
    for plan in plans:
        client = plan.client
        rows = assignments.get(client.pk, [])
        if not rows:
            continue
        per_quarter = {Client.Status.ACTIVE: (1, 3), Client.Status.PROSPECT: (1, 2), Client.Status.LOST: (0, 1)}
        low, high = per_quarter[client.status]
        if client.tier == ClientTier.CORE:
            high += 1  # core clients are seen more often
        for quarter in range(4):
            quarter_start = year_ago + dt.timedelta(days=91 * quarter)
            quarter_end = min(quarter_start + dt.timedelta(days=90), today)
            for _ in range(rng.randint(low, high)):
                day = _day_between(rng, quarter_start, quarter_end)
                manager = _manager_on(rows, day)
                if manager is None:
                    continue
                kind = _weighted(rng, INTERACTION_KINDS)
                recorder = manager.user
                if manager.pk in assistants and rng.random() < 0.35:
                    recorder = assistants[manager.pk]  # the assistant keeps the log for a busy manager
                follow_up = day + dt.timedelta(days=rng.randint(7, 30)) if rng.random() < 0.4 else None
                interactions.append(
                    Interaction(
                        client=client,
                        manager=manager,
                        kind=kind,
                        date=day,
                        summary=rng.choice(SUMMARIES[kind]),
                        client_needs=rng.choice(NEEDS) if rng.random() < 0.5 else "",
                        follow_up_date=follow_up,
                        recorded_by=recorder,
                    )
                )
        if client.status != Client.Status.PROSPECT:
            for _ in range(rng.choice([0, 1, 1, 2, 3])):
                day = _day_between(rng, year_ago, today)
                manager = _manager_on(rows, day)
                source = _weighted(
                    rng, [(Feedback.Source.SURVEY, 50), (Feedback.Source.CALLBACK, 40), (Feedback.Source.COMPLAINT, 10)]
                )
                complaint = rng.choice(COMPLAINTS) if source == Feedback.Source.COMPLAINT else ""
                satisfaction = rng.randint(1, 2) if complaint else _weighted(rng, [(2, 5), (3, 18), (4, 42), (5, 35)])
                feedback.append(
                    Feedback(
                        client=client,
                        manager=manager,
                        date=day,
                        source=source,
                        satisfaction=satisfaction,
                        complaint=complaint,
                        suggestion=rng.choice(SUGGESTIONS) if rng.random() < 0.25 else "",
                        recorded_by=None if source == Feedback.Source.SURVEY or manager is None else manager.user,
                    )
                )
        if client.tier in (ClientTier.CORE, ClientTier.KEY) and rng.random() < 0.4:
            kind = _weighted(rng, [(Report.Kind.PROPOSAL, 45), (Report.Kind.RISK, 25), (Report.Kind.COMPOSITE, 30)])
            title, body = REPORT_TITLES[kind]
            reports.append(
                Report(
                    client=client,
                    manager=rows[-1].manager,
                    kind=kind,
                    title=title.format(name=client.name)[:200],
                    body=body,
                    attests_truth=True,
                )
            )
    return interactions, feedback, reports


def seed(*, rng: random.Random, users: dict[str, User], stdout: TextIO) -> None:
    """Create this app's demo data; a re-run with the same seed creates nothing new."""
    seed_clients(rng=rng, users=users, stdout=stdout, today=timezone.localdate())


def seed_clients(*, rng: random.Random, users: dict[str, User], stdout: TextIO, today: dt.date) -> int:
    """The demo clients as of today; returns how many were created (0 when the company already has clients)."""
    # One draw from the shared rng whatever happens here, so the apps seeded after this one see the same sequence
    # on a first run and on a re-run.
    local = random.Random(rng.getrandbits(64))
    grades = {grade.pk: grade for grade in Grade.objects.all()}
    managers = [
        manager
        for manager in AccountManager.objects.active().with_grade(today).select_related("user").order_by("pk")
        if manager.grade_id_on
    ]
    if not managers:
        stdout.write("clients: no account managers yet, no demo clients.\n")
        return 0
    plans = _plan_clients(local)
    if Client.objects.exists():
        stdout.write("clients: the company already has clients, nothing added.\n")
        return 0

    Client.objects.bulk_create([plan.client for plan in plans], batch_size=BATCH)
    for plan in plans:
        for contact in plan.contacts:
            contact.client = plan.client  # the client has its primary key now
    Contact.objects.bulk_create([contact for plan in plans for contact in plan.contacts], batch_size=BATCH)
    # The window ends with last month: this month's business is not booked yet.
    first_month = _month_add(today.replace(day=1), -BUSINESS_MONTHS)
    records = _business(local, plans, first_month)
    BusinessRecord.objects.bulk_create(records, batch_size=BATCH)
    _set_tiers(plans, today)

    pool = ManagerPool(local, managers, grades)
    assignments = _assign(local, plans, pool, today, users.get("hr"))
    interactions, feedback, reports = _work_log(local, plans, assignments, today)
    Interaction.objects.bulk_create(interactions, batch_size=BATCH)
    Feedback.objects.bulk_create(feedback, batch_size=BATCH)
    bulk_create_with_history(reports, Report, batch_size=BATCH)

    tiers = defaultdict(int)
    for plan in plans:
        tiers[plan.client.tier] += 1
    stdout.write(
        f"clients: {len(plans)} clients ({tiers[ClientTier.CORE]} core, {tiers[ClientTier.KEY]} key, "
        f"{tiers[ClientTier.ORDINARY]} ordinary), {len(records)} business records, {len(interactions)} interaction "
        f"records, {len(feedback)} feedback, {len(reports)} reports.\n"
    )
    return len(plans)
