"""The managers part of the demo company (called by manage.py seed_demo, in dependency order).

Three client departments, a supervision tree of about forty managers holding all four grades, their grade
histories (written through the grade_change service, so every history obeys the rules), an assistant, a
certification scheme with decided candidates, training records, and 2026 targets for everyone.
Deterministic for the rng, and idempotent: every row is found by its natural key before it is created.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TextIO

from django.contrib.auth.models import User

from core.demo import user_ensure
from core.roles import Role
from managers.models import (
    AccountManager,
    Assistant,
    AssistantKpi,
    Certification,
    CertificationScheme,
    Department,
    Education,
    Grade,
    GradeChange,
    Target,
    TrainingRecord,
)
from managers.services import certification_decide, grade_change, manager_set_supervisor, target_split

# A fixed "now" for the demo's history, so the same seed always gives the same company.
ANCHOR = dt.date(2026, 10, 1)
PATH = ["trainee", "second", "first", "senior"]

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
GIVEN = [
    "伟",
    "芳",
    "娜",
    "敏",
    "静",
    "丽",
    "强",
    "磊",
    "军",
    "洋",
    "勇",
    "艳",
    "杰",
    "娟",
    "涛",
    "明",
    "超",
    "秀英",
    "霞",
    "平",
    "刚",
    "桂英",
    "建华",
    "晓东",
    "志强",
    "海燕",
    "文博",
    "子涵",
    "雨欣",
    "浩然",
    "思远",
    "嘉怡",
]
DEPARTMENTS = [("华东客户部", "head"), ("华南客户部", "head-south"), ("大客户部", "head-key")]
HEAD_NAMES = {"head-south": ("国栋", "黄"), "head-key": ("慧敏", "郭")}
TRAININGS = [
    (TrainingRecord.Kind.ETHICS, "客户经理职业道德培训", "公司人力资源部", Decimal("8")),
    (TrainingRecord.Kind.INTERNAL, "新产品知识与营销技巧", "公司培训中心", Decimal("16")),
    (TrainingRecord.Kind.INTERNAL, "客户风险识别与分析", "公司风险管理部", Decimal("12")),
    (TrainingRecord.Kind.EXTERNAL, "大客户关系管理实务", "华信管理学院", Decimal("24")),
    (TrainingRecord.Kind.EXTERNAL, "商务谈判与公关", "中欧商务培训", Decimal("16")),
]
# Half-year targets by grade: (business volume range in yuan, new clients, interactions).
TARGET_SCALE = {
    "senior": ((8_000_000, 12_000_000), (6, 10), (90, 120)),
    "first": ((4_000_000, 6_000_000), (5, 8), (80, 110)),
    "second": ((2_000_000, 3_000_000), (4, 6), (70, 100)),
    "trainee": ((800_000, 1_200_000), (2, 4), (50, 70)),
}


@dataclass
class Plan:
    """One demo manager before it is written: who, which grade now, and how they got there."""

    employee_no: str
    department: Department
    grade: str
    user: User | None = None
    supervisor: Plan | None = None
    name: tuple[str, str] = ("", "")
    education: int = Education.BACHELOR
    years: Decimal = Decimal("1")
    history: list[tuple[dt.date, str]] = field(default_factory=list)
    status: str = AccountManager.Status.ACTIVE
    manager: AccountManager | None = None


def _months_before(day: dt.date, months: int) -> dt.date:
    index = day.year * 12 + day.month - 1 - months
    return dt.date(index // 12, index % 12 + 1, 1)


def _history(rng: random.Random, grade: str) -> list[tuple[dt.date, str]]:
    """From trainee up to the grade: the last promotion within three years, earlier ones 2–3 years apart."""
    steps = PATH[: PATH.index(grade) + 1]
    day = _months_before(ANCHOR, rng.randint(3, 34))
    history = [(day, steps[-1])]
    for code in reversed(steps[:-1]):
        day = _months_before(day, rng.randint(25, 36))
        history.insert(0, (day, code))
    return history


def _name(rng: random.Random) -> tuple[str, str]:
    return rng.choice(GIVEN), rng.choice(SURNAMES)


YEARS_NEEDED = {"senior": Decimal("6"), "first": Decimal("4"), "second": Decimal("2.5"), "trainee": Decimal("1")}


def _plans(rng: random.Random, users: dict[str, User], departments: list[Department]) -> list[Plan]:
    """The supervision tree: per department one senior, two first-level, four second-level, six trainees."""
    plans: list[Plan] = []

    def plan(d_index: int, department: Department, grade: str, supervisor: Plan | None) -> Plan:
        seen = [p for p in plans if p.department == department]
        # The demo accounts are the first of each grade in 华东客户部: one line, senior > first > second > trainee.
        first_of_line = d_index == 1 and all(p.grade != grade for p in seen)
        item = Plan(
            employee_no=f"KM{d_index}{len(seen) + 1:03d}",
            department=department,
            grade=grade,
            user=users[grade] if first_of_line else None,
            supervisor=supervisor,
            name=_name(rng),
            education=rng.choice([Education.ASSOCIATE, Education.BACHELOR, Education.BACHELOR, Education.MASTER]),
            years=YEARS_NEEDED[grade] + Decimal(rng.randint(0, 30)) / 10,
            history=_history(rng, grade),
        )
        plans.append(item)
        return item

    for d_index, department in enumerate(departments, start=1):
        senior = plan(d_index, department, "senior", None)
        for _ in range(2):
            first = plan(d_index, department, "first", senior)
            for s_index in range(2):
                second = plan(d_index, department, "second", first)
                # The first second-level of each first-level guides two trainees, the other one.
                for _ in range(2 if s_index == 0 else 1):
                    plan(d_index, department, "trainee", second)
    # A little of real life: one trainee new to similar work (fails a qualification requirement), one suspended.
    trainees = [p for p in plans if p.grade == "trainee" and p.user is None]
    trainees[-1].years = Decimal("0.5")
    trainees[-2].status = AccountManager.Status.SUSPENDED
    return plans


def _write_manager(plan: Plan, *, hr: User) -> bool:
    """Create the manager and their grade history once; True if created now."""
    existing = AccountManager.objects.filter(employee_no=plan.employee_no).first()
    if existing is not None:
        plan.manager = existing
        return False
    user = plan.user or user_ensure(
        username=plan.employee_no.lower(),
        role=Role.ACCOUNT_MANAGER,
        # Given name and family name in their own fields; core.names shows a Chinese name family name first (魏芳).
        first_name=plan.name[0],
        last_name=plan.name[1],
    )
    hire_date = plan.history[0][0]
    manager = AccountManager.objects.create(
        user=user,
        employee_no=plan.employee_no,
        department=plan.department,
        hire_date=hire_date,
        education=plan.education,
        years_experience=plan.years,
        status=plan.status,
    )
    grades = {grade.code: grade for grade in Grade.objects.all()}
    for index, (day, code) in enumerate(plan.history):
        grade_change(
            manager=manager,
            to_grade=grades[code],
            reason=GradeChange.Reason.CERTIFICATION if index == 0 else GradeChange.Reason.APPRAISAL,
            effective_date=day,
            approved_by=hr,
            note="" if index == 0 else "考核优秀，晋升",
        )
    plan.manager = manager
    return True


def _certifications(rng: random.Random, *, hr: User, department: Department) -> list[Certification]:
    """A standard selection scheme and five candidates of 2026, three passed and two failed."""
    scheme, _ = CertificationScheme.objects.get_or_create(
        name="客户经理资格认证（标准）",
        defaults={
            "weight_education": 15,
            "weight_experience": 20,
            "weight_track_record": 25,
            "weight_written": 20,
            "weight_interview": 20,
            "pass_mark": Decimal("70"),
            "entry_grade": Grade.objects.get(code="trainee"),
        },
    )
    candidates = [
        ("KM9001", (82, 75, 70, 78, 80), Education.BACHELOR, Decimal("1.5")),
        ("KM9002", (90, 72, 68, 85, 76), Education.MASTER, Decimal("2.0")),
        ("KM9003", (75, 70, 74, 72, 71), Education.ASSOCIATE, Decimal("1.0")),
        ("KM9004", (60, 55, 62, 58, 65), Education.ASSOCIATE, Decimal("1.0")),  # below the pass mark
        ("KM9005", (70, 80, 85, 88, 82), Education.SECONDARY, Decimal("3.0")),  # fails the education requirement
    ]
    decided = []
    for index, (employee_no, scores, education, years) in enumerate(candidates):
        given, surname = _name(rng)
        day = dt.date(2026, 3 + index, 10)
        certification, _ = Certification.objects.get_or_create(
            scheme=scheme,
            employee_no=employee_no,
            defaults={
                "first_name": given,
                "last_name": surname,
                "email": f"{employee_no.lower()}@demo.example.com",
                "department": department,
                "hire_date": day,
                "education": education,
                "years_experience": years,
                **{
                    f"score_{part}": Decimal(score)
                    for part, score in zip(
                        ("education", "experience", "track_record", "written", "interview"), scores, strict=True
                    )
                },
            },
        )
        if certification.outcome == Certification.Outcome.PENDING:
            certification = certification_decide(certification=certification, decided_by=hr, day=day)
        decided.append(certification)
    return decided


def _departments(users: dict[str, User]) -> list[Department]:
    heads = {"head": users["head"]}
    for username, (given, surname) in HEAD_NAMES.items():
        heads[username] = user_ensure(username=username, role=Role.DEPARTMENT_HEAD, first_name=given, last_name=surname)
    departments = []
    for name, head in DEPARTMENTS:
        department, _ = Department.objects.get_or_create(name=name, defaults={"head": heads[head]})
        departments.append(department)
    return departments


def _supervisors_set(plans: list[Plan]) -> None:
    """Through the service that enforces the grade rule, once every history is written. Only a manager without a
    supervisor gets one: a re-run keeps a line a later step changed (a promotion moves its manager up a line)."""
    for plan in plans:
        wanted = plan.supervisor.manager if plan.supervisor else None
        if wanted is not None and plan.manager.supervisor_id is None:
            manager_set_supervisor(manager=plan.manager, supervisor=wanted)


def _new_trainees_guided(certifications: list[Certification], guide: AccountManager) -> None:
    for certification in certifications:
        if certification.manager_id and certification.manager.supervisor_id is None:
            manager_set_supervisor(manager=certification.manager, supervisor=guide)


def _assistant_kpis(rng: random.Random, *, user: User, manager: AccountManager) -> None:
    assistant, _ = Assistant.objects.get_or_create(user=user, defaults={"manager": manager})
    for month in range(1, 11):
        contacts_done = rng.randint(32, 46)
        satisfaction = Decimal(rng.randint(820, 960)) / 10
        growth = Decimal(rng.randint(-20, 120)) / 10
        AssistantKpi.objects.get_or_create(
            assistant=assistant,
            month=dt.date(2026, month, 1),
            defaults={
                "contacts_target": 40,
                "contacts_done": contacts_done,
                "satisfaction": satisfaction,
                "sales_growth_pct": growth,
                "quarterly_review": "本季度维护联系达标，客户满意度稳定。" if month % 3 == 0 else "",
            },
        )


def _trainings(rng: random.Random, managers: list[AccountManager]) -> None:
    for manager in managers:
        chosen = [TRAININGS[0]] + rng.sample(TRAININGS[1:], rng.randint(0, 2))
        for index, (kind, title, provider, hours) in enumerate(chosen):
            start = dt.date(2025 + index % 2, rng.randint(1, 10), rng.randint(1, 20))
            TrainingRecord.objects.get_or_create(
                manager=manager,
                title=title,
                defaults={
                    "kind": kind,
                    "provider": provider,
                    "start": start,
                    "end": start + dt.timedelta(days=max(int(hours) // 8 - 1, 0)),
                    "hours": hours,
                    "result": rng.choice(["合格", "良好", "优秀"]),
                },
            )


def _half_year_targets(rng: random.Random, managers: list[AccountManager], grade_of: dict[int, str]) -> None:
    for manager in managers:
        (volume, clients, interactions) = TARGET_SCALE[grade_of.get(manager.pk, "trainee")]
        for start, end in ((dt.date(2026, 1, 1), dt.date(2026, 6, 30)), (dt.date(2026, 7, 1), dt.date(2026, 12, 31))):
            amount = Decimal(rng.randrange(volume[0], volume[1], 10_000))
            Target.objects.get_or_create(
                manager=manager,
                horizon=Target.Horizon.SHORT,
                period_start=start,
                period_end=end,
                defaults={
                    "business_volume": amount,
                    "new_clients": rng.randint(*clients),
                    "interactions": rng.randint(*interactions),
                    "goals": "巩固核心客户，拓展重点客户，按时提交客户报告。",
                },
            )


def _middle_term_plan(senior: AccountManager, plans: list[Plan]) -> None:
    """A 2026 plan for the senior of 华东客户部, split down to their first-level managers."""
    plan_2026, made = Target.objects.get_or_create(
        manager=senior,
        horizon=Target.Horizon.MIDDLE,
        period_start=dt.date(2026, 1, 1),
        period_end=dt.date(2026, 12, 31),
        defaults={
            "business_volume": Decimal("30000000"),
            "new_clients": 24,
            "interactions": 600,
            "goals": "年度中期目标：核心客户业务量增长15%，新增重点客户。",
        },
    )
    if made:
        firsts = [p.manager for p in plans if p.supervisor and p.supervisor.manager == senior]
        target_split(target=plan_2026, shares={firsts[0]: Decimal("0.6"), firsts[1]: Decimal("0.4")})


def seed(*, rng: random.Random, users: dict[str, User], stdout: TextIO) -> None:
    """Create this app's demo data; a re-run with the same seed creates nothing new."""
    hr = users["hr"]
    departments = _departments(users)
    plans = _plans(rng, users, departments)
    created = sum(_write_manager(plan, hr=hr) for plan in plans)
    _supervisors_set(plans)
    certifications = _certifications(rng, hr=hr, department=departments[1])
    # The new trainees from certification join the line of a second-level manager of 华南客户部.
    guide = next(p.manager for p in plans if p.department == departments[1] and p.grade == "second")
    _new_trainees_guided(certifications, guide)
    senior = next(p.manager for p in plans if p.user == users["senior"])
    _assistant_kpis(rng, user=users["assistant"], manager=senior)
    everyone = [plan.manager for plan in plans] + [c.manager for c in certifications if c.manager_id]
    _trainings(rng, everyone)
    _half_year_targets(rng, everyone, {plan.manager.pk: plan.grade for plan in plans})
    _middle_term_plan(senior, plans)
    stdout.write(
        f"managers: {len(departments)} departments, {len(everyone)} account managers ({created} new), "
        f"{len(certifications)} certifications, targets for 2026 H1 and H2."
    )
