"""Generate the benchmark company straight into PostgreSQL, in bulk (COPY).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench .venv/bin/python -m bench.generate \
        --managers 2000 --clients 100000 --interactions 1000000

Run ``manage.py migrate`` on the database first (the grades and the "Standard appraisal" template come from the
migrations). What it writes, deterministic for a seed:
- departments (one per 200 managers), each with a head (a user in the "Department head" group) and an HR user;
- managers in a supervision tree inside each department (senior 10 %, first 20 %, second 30 %, trainee 40 %;
  every supervisor holds a higher grade), their users with unusable passwords, a GradeChange chain from trainee
  up to the grade held, a target for the cycle's period;
- clients with a primary contact, 12 months of BusinessRecord each (Pareto volumes, so the 80/20 rule bites), one
  open Assignment each to a manager whose grade may serve the client's tier (core only to senior and first), and
  5 % of them an earlier, ended assignment; the tiers are those of the 80/20 rule over 11 of the 12 months, so
  the benchmark's tiering run finds a realistic few changes;
- interactions over the 12 months, feedback for half the clients (3 % complaints);
- one open regular cycle of the default template over the last 6 full months, an Appraisal per manager, every
  Rating submitted (self, head, two peers of the same grade and department, three sampled clients with their
  survey invitation) with a RatingScore for every indicator its rater type rates; a few ratings excluded by the
  fairness review, and a spot-check draw of 1 % of the managers whose effects the close will attach.
Bulk writes bypass simple-history: the benchmark company has no audit trail of its own creation.
"""

from __future__ import annotations

import argparse
import io
import random
import string
import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

DEPARTMENT_SIZE = 200
GRADE_SHARES = (("senior", 0.10), ("first", 0.20), ("second", 0.30), ("trainee", 0.40))
INDUSTRIES = (
    "Manufacturing",
    "Retail",
    "Logistics",
    "Construction",
    "Energy",
    "Healthcare",
    "Education",
    "Agriculture",
    "Finance",
    "Telecommunications",
    "Hospitality",
    "Real estate",
)
KINDS = ("visit", "call", "email", "meeting", "event")
KIND_WEIGHTS = (25, 40, 20, 10, 5)
CHUNK = 100_000


@dataclass
class Company:
    """What the generator wrote, as the later steps (and the tests) need it."""

    today: date
    months: list[date] = field(default_factory=list)
    period: tuple[date, date] | None = None
    hr_user_id: int = 0
    department_ids: list[int] = field(default_factory=list)
    head_of: dict[int, int] = field(default_factory=dict)  # department id -> head user id
    manager_ids: list[int] = field(default_factory=list)
    manager_user: dict[int, int] = field(default_factory=dict)
    manager_grade: dict[int, str] = field(default_factory=dict)
    manager_department: dict[int, int] = field(default_factory=dict)
    client_ids: list[int] = field(default_factory=list)
    client_tier: dict[int, str] = field(default_factory=dict)
    client_manager: dict[int, int] = field(default_factory=dict)
    client_start: dict[int, date] = field(default_factory=dict)
    cycle_id: int = 0
    counts: dict[str, int] = field(default_factory=dict)
    timings: dict[str, float] = field(default_factory=dict)


# --- helpers ------------------------------------------------------------------------------------------------------


def month_add(month: date, months: int) -> date:
    index = month.year * 12 + month.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def _text(value: object) -> str:
    """One field of PostgreSQL's text COPY format (\\N for NULL, escapes for tab, newline and backslash)."""
    if value is None:
        return "\\N"
    if isinstance(value, bool):
        return "t" if value else "f"
    text = str(value)
    if "\\" in text or "\t" in text or "\n" in text or "\r" in text:
        text = text.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")
    return text


def copy_rows(cursor, table: str, columns: tuple[str, ...], rows: Iterable[tuple]) -> int:
    """COPY the rows into the table in chunks; returns how many were written."""
    written = 0
    buffer = io.StringIO()
    pending = 0

    def flush() -> None:
        buffer.seek(0)
        cursor.copy_expert(f"COPY {table} ({', '.join(columns)}) FROM STDIN", buffer)
        buffer.seek(0)
        buffer.truncate()

    for row in rows:
        buffer.write("\t".join(_text(value) for value in row))
        buffer.write("\n")
        pending += 1
        written += 1
        if pending >= CHUNK:
            flush()
            pending = 0
    if pending:
        flush()
    return written


def next_id(cursor, table: str) -> int:
    cursor.execute(f"SELECT COALESCE(MAX(id), 0) + 1 FROM {table}")
    return cursor.fetchone()[0]


def reset_sequences(cursor, tables: Iterable[str]) -> None:
    """After COPY with explicit ids, move each identity sequence past the largest id."""
    for table in tables:
        cursor.execute(
            f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), GREATEST((SELECT MAX(id) FROM {table}), 1))"
        )


def unusable_password(rng: random.Random) -> str:
    # The form Django's set_unusable_password() writes: "!" and 40 random characters.
    return "!" + "".join(rng.choices(string.ascii_letters + string.digits, k=40))


def pareto_cents(rng: random.Random) -> int:
    """A client's yearly volume in cents: Pareto with alpha 1.16, the 80/20 distribution, capped at 1e11 cents."""
    return min(int(rng.paretovariate(1.16) * 5_000_000), 100_000_000_000)


def tiers_by_8020(volumes: dict[int, int]) -> dict[int, str]:
    """The 80/20 rule of clients.tiering, in Python: core to 80 %, key to 95 %, rest and no volume ordinary."""
    total = sum(volumes.values())
    tiers: dict[int, str] = {}
    before = 0
    for client_id, volume in sorted(volumes.items(), key=lambda item: (-item[1], item[0])):
        if volume <= 0:
            tiers[client_id] = "ordinary"
        elif 5 * before < 4 * total:
            tiers[client_id] = "core"
        elif 20 * before < 19 * total:
            tiers[client_id] = "key"
        else:
            tiers[client_id] = "ordinary"
        before += volume
    return tiers


class Steps:
    """Times each step and prints it."""

    def __init__(self, company: Company, echo: Callable[[str], None]) -> None:
        self.company = company
        self.echo = echo

    @contextmanager
    def step(self, name: str) -> Iterator[None]:
        started = time.perf_counter()
        yield
        elapsed = time.perf_counter() - started
        self.company.timings[name] = round(elapsed, 2)
        self.echo(f"{name:<40} {elapsed:8.1f} s")


# --- the company --------------------------------------------------------------------------------------------------


def generate(
    *,
    managers: int,
    clients: int,
    interactions: int,
    seed: int = 2026,
    today: date | None = None,
    echo: Callable[[str], None] = print,
) -> Company:
    """Write the benchmark company into the default database (PostgreSQL) and return what was written."""
    from django.contrib.auth.models import Group
    from django.db import connection, transaction
    from django.utils import timezone

    from core.roles import GROUP_NAMES

    if connection.vendor != "postgresql":
        raise SystemExit("The benchmark generator writes with COPY: point DATABASE_URL at PostgreSQL.")
    rng = random.Random(seed)
    today = today or timezone.localdate()
    company = Company(today=today)
    # 12 full months ending with the month before today's: the tiering window the benchmark ranks.
    first_month = month_add(today.replace(day=1), -12)
    company.months = [month_add(first_month, offset) for offset in range(12)]
    period_start = company.months[6]
    period_end = today.replace(day=1) - timedelta(days=1)
    company.period = (period_start, period_end)
    now = timezone.now()
    steps = Steps(company, echo)
    groups = {role: Group.objects.get(name=name).pk for role, name in GROUP_NAMES.items()}

    with transaction.atomic(), connection.cursor() as cursor:
        with steps.step("users, departments, managers, grades"):
            _people(cursor, company, rng, managers=managers, groups=groups, now=now)
        with steps.step("clients, contacts, assignments"):
            volumes = _clients(cursor, company, rng, clients=clients, now=now)
        with steps.step(f"business records ({len(company.months)} months)"):
            _business(cursor, company, rng, volumes=volumes)
        with steps.step("interactions"):
            _interactions(cursor, company, rng, interactions=interactions, now=now)
        with steps.step("feedback and targets"):
            _feedback_and_targets(cursor, company, rng, volumes=volumes)
        with steps.step("cycle, appraisals, ratings, scores"):
            _cycle(cursor, company, rng, now=now)
        reset_sequences(
            cursor,
            [
                "auth_user",
                "auth_user_groups",
                "managers_department",
                "managers_accountmanager",
                "managers_gradechange",
                "managers_target",
                "clients_client",
                "clients_contact",
                "clients_assignment",
                "clients_businessrecord",
                "clients_interaction",
                "clients_feedback",
                "appraisals_appraisal",
                "appraisals_rating",
                "appraisals_ratingscore",
                "appraisals_surveyinvitation",
                "appraisals_spotcheck",
            ],
        )
    with steps.step("vacuum and analyze"), connection.cursor() as cursor:
        if connection.in_atomic_block:  # a test's transaction: VACUUM cannot run inside one
            cursor.execute("ANALYZE")
        else:
            # Each assignment COPYed made its client's current_manager trigger write a new version of the client
            # row: compact the table and its indexes to what a company that grew a client at a time would have.
            cursor.execute("VACUUM (FULL) clients_client")
            cursor.execute("VACUUM (ANALYZE)")
    return company


def _people(cursor, company: Company, rng: random.Random, *, managers: int, groups: dict, now: datetime) -> None:
    from core.roles import Role
    from managers.models import Grade

    grade_ids = dict(Grade.objects.values_list("code", "pk"))
    user_id = next_id(cursor, "auth_user")
    user_group_id = next_id(cursor, "auth_user_groups")
    department_id = next_id(cursor, "managers_department")
    manager_id = next_id(cursor, "managers_accountmanager")
    change_id = next_id(cursor, "managers_gradechange")
    tag = f"{user_id:06d}"  # usernames stay unique when the generator runs twice on one database

    users: list[tuple] = []
    user_groups: list[tuple] = []

    def add_user(username: str, first: str, last: str, role: Role, *, staff: bool = False) -> int:
        nonlocal user_id, user_group_id
        uid = user_id
        user_id += 1
        users.append(
            (uid, unusable_password(rng), False, username, first, last, f"{username}@bench.example.com", staff, True,
             now)
        )  # fmt: skip
        user_groups.append((user_group_id, uid, groups[role]))
        user_group_id += 1
        return uid

    company.hr_user_id = add_user(f"bench_hr_{tag}", "Bench", "HR", Role.HR, staff=True)
    department_count = max(1, managers // DEPARTMENT_SIZE)
    departments = []
    for index in range(department_count):
        head = add_user(f"bench_head_{tag}_{index:03d}", "Head", f"Dept {index}", Role.DEPARTMENT_HEAD)
        departments.append((department_id, f"Bench department {tag}-{index:03d}", head))
        company.department_ids.append(department_id)
        company.head_of[department_id] = head
        department_id += 1

    rows: list[tuple] = []
    changes: list[tuple] = []
    ranks = ["trainee", "second", "first", "senior"]
    for index, (dept_id, _name, _head) in enumerate(departments):
        size = managers // department_count + (1 if index < managers % department_count else 0)
        counts = {code: max(1, round(size * share)) for code, share in GRADE_SHARES}
        counts["trainee"] = max(1, size - counts["senior"] - counts["first"] - counts["second"])
        by_grade: dict[str, list[int]] = defaultdict(list)
        for code, _share in GRADE_SHARES:  # seniors first, so every supervisor exists before its subordinates
            for _ in range(counts[code]):
                mid = manager_id
                manager_id += 1
                number = mid
                uid = add_user(f"m{tag}_{number:07d}", f"M{number}", "Bench", Role.ACCOUNT_MANAGER)
                supervisor = None
                higher = {"first": "senior", "second": "first", "trainee": "second"}.get(code)
                if higher and by_grade[higher]:
                    supervisor = rng.choice(by_grade[higher])
                steps_up = ranks.index(code)
                hire = company.today - timedelta(days=steps_up * 400 + 30 + rng.randint(0, 800))
                rows.append(
                    (mid, uid, f"B{tag}-{number:07d}", dept_id, supervisor, hire, rng.choice((20, 30, 30, 40)),
                     f"{1 + steps_up * 2 + rng.randint(0, 3)}.0", True, False, True, "active")
                )  # fmt: skip
                previous = None
                for step in range(steps_up + 1):
                    grade = grade_ids[ranks[step]]
                    changes.append(
                        (change_id, mid, previous, grade, "certification" if step == 0 else "appraisal", "",
                         hire + timedelta(days=400 * step), company.hr_user_id, now)
                    )  # fmt: skip
                    change_id += 1
                    previous = grade
                by_grade[code].append(mid)
                company.manager_ids.append(mid)
                company.manager_user[mid] = uid
                company.manager_grade[mid] = code
                company.manager_department[mid] = dept_id

    user_columns = ("id", "password", "is_superuser", "username", "first_name", "last_name", "email", "is_staff",
                    "is_active", "date_joined")  # fmt: skip
    copy_rows(cursor, "auth_user", user_columns, users)
    copy_rows(cursor, "auth_user_groups", ("id", "user_id", "group_id"), user_groups)
    copy_rows(cursor, "managers_department", ("id", "name", "head_id"), departments)
    manager_columns = ("id", "user_id", "employee_no", "department_id", "supervisor_id", "hire_date", "education",
                       "years_experience", "good_ethics", "bad_business_record", "healthy", "status")  # fmt: skip
    copy_rows(cursor, "managers_accountmanager", manager_columns, rows)
    change_columns = ("id", "manager_id", "from_grade_id", "to_grade_id", "reason", "note", "effective_date",
                      "approved_by_id", "created_at")  # fmt: skip
    copy_rows(cursor, "managers_gradechange", change_columns, changes)
    company.counts.update(users=len(users), managers=len(rows), grade_changes=len(changes))


def _clients(cursor, company: Company, rng: random.Random, *, clients: int, now: datetime) -> dict[int, list[int]]:
    """Clients, contacts and assignments; returns each client's 12 monthly volumes in cents."""
    client_id = next_id(cursor, "clients_client")
    contact_id = next_id(cursor, "clients_contact")
    assignment_id = next_id(cursor, "clients_assignment")
    tag = f"{client_id:07d}"
    ids = list(range(client_id, client_id + clients))
    company.client_ids = ids
    # Monthly volumes around the yearly figure; a client lost in the year has no volume in its later months.
    volumes: dict[int, list[int]] = {}
    for cid in ids:
        yearly = pareto_cents(rng)
        trend = rng.uniform(-0.04, 0.06)
        months = []
        for offset in range(12):
            months.append(max(0, int(yearly / 12 * (1 + trend) ** offset * rng.uniform(0.7, 1.3))))
        if rng.random() < 0.02:
            months = [volume if offset < 6 else 0 for offset, volume in enumerate(months)]
        volumes[cid] = months
    # Tiers as a run one month earlier would have left them (11 of the 12 months), so this month's run has work.
    company.client_tier = tiers_by_8020({cid: sum(months[:11]) for cid, months in volumes.items()})

    eligible = {
        "core": [m for m in company.manager_ids if company.manager_grade[m] in ("senior", "first")],
        "key": [m for m in company.manager_ids if company.manager_grade[m] in ("senior", "first", "second")],
        "ordinary": list(company.manager_ids),
    }
    client_rows, contact_rows, assignment_rows = [], [], []
    period_start = company.period[0]
    for number, cid in enumerate(ids):
        tier = company.client_tier[cid]
        status = "active" if sum(volumes[cid][-3:]) > 0 else "lost"
        client_rows.append(
            (cid, f"Bench client {tag}-{number:07d} Co., Ltd.", f"91B{tag}{number:09d}", rng.choice(INDUSTRIES),
             rng.choice(("small", "medium", "medium", "large")), status, tier, f"{number} Bench Road", now)
        )  # fmt: skip
        contact_rows.append(
            (contact_id, cid, f"Contact {number}", "Manager", "021-0000-0000", f"contact{number}@client.example.com",
             True)
        )  # fmt: skip
        contact_id += 1
        manager = rng.choice(eligible[tier])
        # 4 % are new clients of the cycle's period, the others were assigned before the 12 months.
        if rng.random() < 0.04:
            start = period_start + timedelta(days=rng.randint(0, 150))
        else:
            start = company.months[0] - timedelta(days=rng.randint(1, 1500))
        if rng.random() < 0.05 and start > company.months[0] - timedelta(days=1400):
            earlier = rng.choice(eligible[tier])
            earlier_start = start - timedelta(days=rng.randint(60, 700))
            assignment_rows.append(
                (assignment_id, cid, earlier, earlier_start, start - timedelta(days=1), "Bench: first manager",
                 company.hr_user_id)
            )  # fmt: skip
            assignment_id += 1
        assignment_rows.append((assignment_id, cid, manager, start, None, "Bench assignment", company.hr_user_id))
        assignment_id += 1
        company.client_manager[cid] = manager
        company.client_start[cid] = start

    copy_rows(
        cursor,
        "clients_client",
        ("id", "name", "registration_code", "industry", "size", "status", "tier", "address", "created_at"),
        client_rows,
    )
    copy_rows(
        cursor, "clients_contact", ("id", "client_id", "name", "title", "phone", "email", "is_primary"), contact_rows
    )
    copy_rows(
        cursor,
        "clients_assignment",
        ("id", "client_id", "manager_id", "start", '"end"', "reason", "created_by_id"),
        assignment_rows,
    )
    company.counts.update(clients=len(client_rows), contacts=len(contact_rows), assignments=len(assignment_rows))
    return volumes


def _business(cursor, company: Company, rng: random.Random, *, volumes: dict[int, list[int]]) -> None:
    record_id = next_id(cursor, "clients_businessrecord")

    def rows() -> Iterator[tuple]:
        nonlocal record_id
        for cid in company.client_ids:
            products = rng.randint(1, 6)
            for month, cents in zip(company.months, volumes[cid], strict=True):
                if rng.random() < 0.1:
                    products = max(1, min(12, products + rng.choice((-1, 1, 1))))
                yield (record_id, cid, month, f"{cents // 100}.{cents % 100:02d}", products)
                record_id += 1

    company.counts["business_records"] = copy_rows(
        cursor, "clients_businessrecord", ("id", "client_id", "month", "volume", "products_used"), rows()
    )


def _interactions(cursor, company: Company, rng: random.Random, *, interactions: int, now: datetime) -> None:
    interaction_id = next_id(cursor, "clients_interaction")
    first_day = company.months[0]
    span = (company.today - first_day).days
    clients = company.client_ids

    def rows() -> Iterator[tuple]:
        nonlocal interaction_id
        kinds = rng.choices(KINDS, weights=KIND_WEIGHTS, k=interactions)
        for index in range(interactions):
            cid = rng.choice(clients)
            manager = company.client_manager[cid]
            day = first_day + timedelta(days=rng.randrange(span))
            follow_up = day + timedelta(days=rng.randint(7, 60)) if index % 4 == 0 else None
            yield (
                interaction_id,
                cid,
                manager,
                kinds[index],
                day,
                f"Bench {kinds[index]} #{index}: reviewed the account and next steps.",
                "More credit line" if index % 7 == 0 else "",
                follow_up,
                company.manager_user[manager],
                now,
            )
            interaction_id += 1

    columns = ("id", "client_id", "manager_id", "kind", "date", "summary", "client_needs", "follow_up_date",
               "recorded_by_id", "created_at")  # fmt: skip
    company.counts["interactions"] = copy_rows(cursor, "clients_interaction", columns, rows())


def _feedback_and_targets(cursor, company: Company, rng: random.Random, *, volumes: dict[int, list[int]]) -> None:
    feedback_id = next_id(cursor, "clients_feedback")
    target_id = next_id(cursor, "managers_target")
    first_day = company.months[0]
    span = (company.today - first_day).days
    feedback = []
    for cid in rng.sample(company.client_ids, len(company.client_ids) // 2):
        manager = company.client_manager[cid]
        complaint = "Late answer to a request." if rng.random() < 0.03 else ""
        source = "complaint" if complaint else rng.choice(("survey", "callback"))
        satisfaction = None if complaint and rng.random() < 0.5 else rng.choices((1, 2, 3, 4, 5), (2, 5, 18, 45, 30))[0]
        feedback.append(
            (feedback_id, cid, manager, first_day + timedelta(days=rng.randrange(span)), source, satisfaction,
             complaint, "", company.manager_user[manager])
        )  # fmt: skip
        feedback_id += 1
    columns = ("id", "client_id", "manager_id", "date", "source", "satisfaction", "complaint", "suggestion",
               "recorded_by_id")  # fmt: skip
    company.counts["feedback"] = copy_rows(cursor, "clients_feedback", columns, feedback)

    # A short-term target over the cycle's period: the book's expected volume, give or take.
    book_cents: dict[int, int] = defaultdict(int)
    for cid, manager in company.client_manager.items():
        book_cents[manager] += sum(volumes[cid][6:])
    start, end = company.period
    targets = []
    for manager in company.manager_ids:
        cents = int(book_cents[manager] * rng.uniform(0.9, 1.2))
        targets.append(
            (target_id, manager, "short", start, end, f"{cents // 100}.{cents % 100:02d}", 3, 24, "Bench target",
             None)
        )  # fmt: skip
        target_id += 1
    columns = ("id", "manager_id", "horizon", "period_start", "period_end", "business_volume", "new_clients",
               "interactions", "goals", "parent_id")  # fmt: skip
    company.counts["targets"] = copy_rows(cursor, "managers_target", columns, targets)


def _cycle(cursor, company: Company, rng: random.Random, *, now: datetime) -> None:
    from appraisals.models import AppraisalCycle, SpotCheckDraw, Template
    from managers.models import Grade

    template = Template.objects.get(name="Standard appraisal")
    indicators = list(template.indicators.filter(kind="rated"))
    rated_by = {
        rater: [indicator.pk for indicator in indicators if rater in indicator.rater_types]
        for rater in ("self", "client", "head", "peer")
    }
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
    grade_ids = dict(Grade.objects.values_list("code", "pk"))
    appraisal_id = next_id(cursor, "appraisals_appraisal")
    rating_id = next_id(cursor, "appraisals_rating")
    score_id = next_id(cursor, "appraisals_ratingscore")
    invitation_id = next_id(cursor, "appraisals_surveyinvitation")

    appraisals, ratings, scores, invitations = [], [], [], []
    appraisal_of: dict[int, int] = {}
    for manager in company.manager_ids:
        appraisals.append((appraisal_id, cycle.pk, manager, grade_ids[company.manager_grade[manager]], 0, "", "{}", ""))
        appraisal_of[manager] = appraisal_id
        appraisal_id += 1

    peers_pool: dict[tuple[int, str], list[int]] = defaultdict(list)
    for manager in company.manager_ids:
        peers_pool[(company.manager_department[manager], company.manager_grade[manager])].append(manager)
    book: dict[int, list[int]] = defaultdict(list)
    for cid, manager in company.client_manager.items():
        book[manager].append(cid)

    # A manager's own tendency, so that totals spread over the bands.
    skill = {manager: rng.gauss(3.8, 0.5) for manager in company.manager_ids}

    def add_rating(appraisal: int, manager: int, rater_type: str, rater: int | None, client: int | None) -> None:
        nonlocal rating_id, score_id, invitation_id
        submitted = now - timedelta(days=rng.randint(1, 20), seconds=rng.randint(0, 86_400))
        excluded = rater_type == "client" and rng.random() < 0.005
        reason = "Bench: far from the other client ratings." if excluded else ""
        ratings.append(
            (rating_id, appraisal, rater_type, rater, client, submitted, "", excluded, reason[:300], excluded, reason,
             company.hr_user_id if excluded else None)
        )  # fmt: skip
        bias = rng.gauss(0, 0.4)
        for indicator in rated_by[rater_type]:
            value = max(1, min(5, round(skill[manager] + bias + rng.gauss(0, 0.6))))
            scores.append((score_id, rating_id, indicator, value, "Bench comment." if value in (1, 5) else ""))
            score_id += 1
        if rater_type == "client":
            invitations.append(
                (invitation_id, rating_id, f"contact{client}@client.example.com", f"bench{rating_id:012d}", submitted,
                 company.today + timedelta(days=30), submitted)
            )  # fmt: skip
            invitation_id += 1
        rating_id += 1

    for manager in company.manager_ids:
        appraisal = appraisal_of[manager]
        department = company.manager_department[manager]
        add_rating(appraisal, manager, "self", company.manager_user[manager], None)
        add_rating(appraisal, manager, "head", company.head_of[department], None)
        candidates = [m for m in peers_pool[(department, company.manager_grade[manager])] if m != manager]
        for peer in rng.sample(candidates, min(2, len(candidates))):
            add_rating(appraisal, manager, "peer", company.manager_user[peer], None)
        for client in rng.sample(book[manager], min(3, len(book[manager]))):
            add_rating(appraisal, manager, "client", None, client)

    copy_rows(
        cursor,
        "appraisals_appraisal",
        ("id", "cycle_id", "manager_id", "grade_id", "spot_check_effect", "band", "explanation", "comments"),
        appraisals,
    )
    rating_columns = ("id", "appraisal_id", "rater_type", "rater_id", "client_id", "submitted_at", "comment",
                      "flagged", "flag_reason", "excluded", "excluded_reason", "excluded_by_id")  # fmt: skip
    copy_rows(cursor, "appraisals_rating", rating_columns, ratings)
    copy_rows(cursor, "appraisals_ratingscore", ("id", "rating_id", "indicator_id", "value", "comment"), scores)
    copy_rows(
        cursor,
        "appraisals_surveyinvitation",
        ("id", "rating_id", "email", "nonce", "sent_at", "expires_at", "used_at"),
        invitations,
    )

    # A spot-check draw of 1 % of the managers, checked inside the period: the close attaches their effects.
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
    check_columns = ("id", "draw_id", "manager_id", "mode", "method", "checked_on", "findings", "score_effect",
                     "recorded_by_id", "applied_to_id")  # fmt: skip
    copy_rows(cursor, "appraisals_spotcheck", check_columns, checks)
    company.counts.update(
        appraisals=len(appraisals),
        ratings=len(ratings),
        rating_scores=len(scores),
        survey_invitations=len(invitations),
        spot_checks=len(checks),
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--managers", type=int, default=2000)
    parser.add_argument("--clients", type=int, default=100_000)
    parser.add_argument("--interactions", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--today", type=date.fromisoformat, default=None, help="the day the company is built on")
    args = parser.parse_args(argv)

    from bench.setup import django_setup

    django_setup()
    started = time.perf_counter()
    company = generate(
        managers=args.managers,
        clients=args.clients,
        interactions=args.interactions,
        seed=args.seed,
        today=args.today,
    )
    print(f"{'total':<40} {time.perf_counter() - started:8.1f} s")
    print("rows:", ", ".join(f"{name} {count:,}" for name, count in company.counts.items()))
    print(f"cycle id {company.cycle_id}, period {company.period[0]} … {company.period[1]}")


if __name__ == "__main__":
    main()
