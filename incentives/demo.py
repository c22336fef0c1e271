"""The incentives part of the demo company (called by manage.py seed_demo, in dependency order)."""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal
from typing import TextIO

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError

from core.refusals import refusal_text
from incentives.models import PayPeriod, PayScheme, PayStatement, Recognition
from incentives.services import (
    pay_period_approve,
    pay_period_for_month,
    pay_scheme_create,
    pay_statements_generate,
    recognition_award,
)
from managers.models import AccountManager, Grade

YEAR = 2026
# January to September: the demo's "now" is 1 October 2026, when September's payroll runs.
PAID_MONTHS = [dt.date(YEAR, month, 1) for month in range(1, 10)]
# grade: performance rate, floor, cap; behaviour rate, floor, cap (CNY per point, per month).
RATES = {
    Grade.Code.SENIOR: ("80", "1000", "6000", "30", "0", "3000"),
    Grade.Code.FIRST: ("60", "500", "4500", "25", "0", "2500"),
    Grade.Code.SECOND: ("45", "0", "3500", "20", "0", "2000"),
    Grade.Code.TRAINEE: ("30", "0", "2500", "15", "0", "1500"),
}
RECOGNITIONS = [
    (
        "senior",
        Recognition.Kind.HONORARY_TITLE,
        dt.date(YEAR, 7, 20),
        "优秀客户经理",
        "2026年上半年考核结果优秀，并新增三家核心客户。",
    ),
    (
        "senior",
        Recognition.Kind.TRAINING,
        dt.date(YEAR, 8, 5),
        "公司金融高级研修班",
        "因持续取得优秀业绩而获得的培训机会。",
    ),
    (
        "first",
        Recognition.Kind.COMMENDATION,
        dt.date(YEAR, 7, 20),
        "客户服务表彰",
        "2026年上半年部门客户满意度最高。",
    ),
]


def _schemes(stdout: TextIO) -> None:
    existing = set(PayScheme.objects.filter(year=YEAR).values_list("grade__code", flat=True))
    for grade in Grade.objects.exclude(code__in=existing):
        perf_rate, perf_floor, perf_cap, beh_rate, beh_floor, beh_cap = (Decimal(v) for v in RATES[grade.code])
        pay_scheme_create(
            grade=grade,
            year=YEAR,
            performance_rate=perf_rate,
            performance_floor=perf_floor,
            performance_cap=perf_cap,
            behaviour_rate=beh_rate,
            behaviour_floor=beh_floor,
            behaviour_cap=beh_cap,
        )
        stdout.write(f"  pay scheme {YEAR} {grade.code}")


def _payroll(users: dict[str, User], stdout: TextIO) -> None:
    """Pay each month of the demo's year up to its "now", one month after the other as the monthly job would, each
    approved before the next; the last one is left a draft for HR to approve."""
    if not AccountManager.objects.exists():
        return
    for month in PAID_MONTHS:
        period = pay_period_for_month(day=month)
        if period.state != PayPeriod.State.DRAFT:
            continue
        try:
            changed = pay_statements_generate(period=period)
            if month != PAID_MONTHS[-1] and PayStatement.objects.filter(period=period).exists():
                pay_period_approve(period=period, by=users["hr"])
        except ValidationError as error:
            stdout.write(f"  pay period {period.code} left as a draft: {refusal_text(error)}")
            return
        stdout.write(f"  pay period {period.code}: {changed} statements")


def _recognitions(users: dict[str, User]) -> None:
    managers = {m.user_id: m for m in AccountManager.objects.filter(user__in=list(users.values()))}
    for username, kind, day, title, reason in RECOGNITIONS:
        manager = managers.get(users[username].pk) if username in users else None
        if manager is None or Recognition.objects.filter(manager=manager, kind=kind, title=title, date=day).exists():
            continue
        recognition_award(manager=manager, kind=kind, day=day, title=title, reason=reason, by=users["hr"])


def seed(*, rng: random.Random, users: dict[str, User], stdout: TextIO) -> None:
    """Create this app's demo data; a re-run with the same seed creates nothing new."""
    _schemes(stdout)
    _payroll(users, stdout)
    _recognitions(users)
