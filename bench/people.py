"""The benchmark company's people: users in their groups, departments with their heads, and managers in a
supervision tree per department with their grade histories."""

from __future__ import annotations

import random
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from bench.bulk import copy_rows, next_id, unusable_password
from bench.company import DEPARTMENT_SIZE, GRADE_SHARES, Company
from core.roles import Role
from managers.models import Grade

RANKS = ["trainee", "second", "first", "senior"]
USER_COLUMNS = ("id", "password", "is_superuser", "username", "first_name", "last_name", "email", "is_staff",
                "is_active", "date_joined")  # fmt: skip
MANAGER_COLUMNS = ("id", "user_id", "employee_no", "department_id", "supervisor_id", "hire_date", "education",
                   "years_experience", "good_ethics", "bad_business_record", "healthy", "status")  # fmt: skip
CHANGE_COLUMNS = ("id", "manager_id", "from_grade_id", "to_grade_id", "reason", "note", "effective_date",
                  "approved_by_id", "created_at")  # fmt: skip


@dataclass
class Users:
    """The user rows and their group rows, numbered on from the tables' next ids."""

    rng: random.Random
    groups: dict[Role, int]
    now: datetime
    user_id: int
    link_id: int
    rows: list[tuple] = field(default_factory=list)
    links: list[tuple] = field(default_factory=list)

    def add(self, username: str, first: str, last: str, role: Role, *, staff: bool = False) -> int:
        uid = self.user_id
        self.user_id += 1
        self.rows.append(
            (uid, unusable_password(self.rng), False, username, first, last, f"{username}@bench.example.com", staff,
             True, self.now)
        )  # fmt: skip
        self.links.append((self.link_id, uid, self.groups[role]))
        self.link_id += 1
        return uid


@dataclass
class Managers:
    """The manager rows and their grade changes, numbered on from the tables' next ids."""

    manager_id: int
    change_id: int
    rows: list[tuple] = field(default_factory=list)
    changes: list[tuple] = field(default_factory=list)


def people_write(
    cursor, company: Company, rng: random.Random, *, managers: int, groups: dict[Role, int], now: datetime
) -> None:
    """Write the users, departments, managers and grade changes."""
    users = Users(
        rng=rng,
        groups=groups,
        now=now,
        user_id=next_id(cursor, "auth_user"),
        link_id=next_id(cursor, "auth_user_groups"),
    )
    tag = f"{users.user_id:06d}"  # usernames stay unique when the generator runs twice on one database
    company.hr_user_id = users.add(f"bench_hr_{tag}", "Bench", "HR", Role.HR, staff=True)
    departments = _departments(cursor, company, users, tag=tag, count=max(1, managers // DEPARTMENT_SIZE))
    written = Managers(
        manager_id=next_id(cursor, "managers_accountmanager"), change_id=next_id(cursor, "managers_gradechange")
    )
    grade_ids = dict(Grade.objects.values_list("code", "pk"))
    for index, (department_id, _name, _head) in enumerate(departments):
        size = managers // len(departments) + (1 if index < managers % len(departments) else 0)
        _department_managers(
            company, rng, users, written, department_id, size=size, tag=tag, grade_ids=grade_ids, now=now
        )

    copy_rows(cursor, "auth_user", USER_COLUMNS, users.rows)
    copy_rows(cursor, "auth_user_groups", ("id", "user_id", "group_id"), users.links)
    copy_rows(cursor, "managers_department", ("id", "name", "head_id"), departments)
    copy_rows(cursor, "managers_accountmanager", MANAGER_COLUMNS, written.rows)
    copy_rows(cursor, "managers_gradechange", CHANGE_COLUMNS, written.changes)
    company.counts.update(users=len(users.rows), managers=len(written.rows), grade_changes=len(written.changes))


def _departments(cursor, company: Company, users: Users, *, tag: str, count: int) -> list[tuple]:
    """(id, name, head's user id) of each department, its head added to the users."""
    department_id = next_id(cursor, "managers_department")
    departments = []
    for index in range(count):
        head = users.add(f"bench_head_{tag}_{index:03d}", "Head", f"Dept {index}", Role.DEPARTMENT_HEAD)
        departments.append((department_id, f"Bench department {tag}-{index:03d}", head))
        company.department_ids.append(department_id)
        company.head_of[department_id] = head
        department_id += 1
    return departments


def _department_managers(
    company: Company,
    rng: random.Random,
    users: Users,
    written: Managers,
    department_id: int,
    *,
    size: int,
    tag: str,
    grade_ids: dict[str, int],
    now: datetime,
) -> None:
    """The department's managers by the grade shares, each under a random manager of the grade above."""
    counts = {code: max(1, round(size * share)) for code, share in GRADE_SHARES}
    counts["trainee"] = max(1, size - counts["senior"] - counts["first"] - counts["second"])
    by_grade: dict[str, list[int]] = defaultdict(list)
    for code, _share in GRADE_SHARES:  # seniors first, so every supervisor exists before its subordinates
        for _ in range(counts[code]):
            mid = written.manager_id
            written.manager_id += 1
            uid = users.add(f"m{tag}_{mid:07d}", f"M{mid}", "Bench", Role.ACCOUNT_MANAGER)
            supervisor = None
            higher = {"first": "senior", "second": "first", "trainee": "second"}.get(code)
            if higher and by_grade[higher]:
                supervisor = rng.choice(by_grade[higher])
            steps_up = RANKS.index(code)
            hire = company.today - timedelta(days=steps_up * 400 + 30 + rng.randint(0, 800))
            written.rows.append(
                (mid, uid, f"B{tag}-{mid:07d}", department_id, supervisor, hire, rng.choice((20, 30, 30, 40)),
                 f"{1 + steps_up * 2 + rng.randint(0, 3)}.0", True, False, True, "active")
            )  # fmt: skip
            _grade_history(company, written, mid, hire=hire, steps_up=steps_up, grade_ids=grade_ids, now=now)
            by_grade[code].append(mid)
            company.manager_ids.append(mid)
            company.manager_user[mid] = uid
            company.manager_grade[mid] = code
            company.manager_department[mid] = department_id


def _grade_history(
    company: Company, written: Managers, mid: int, *, hire, steps_up: int, grade_ids: dict[str, int], now: datetime
) -> None:
    """From trainee at hire up to the grade held, one step every 400 days."""
    previous = None
    for step in range(steps_up + 1):
        grade = grade_ids[RANKS[step]]
        written.changes.append(
            (written.change_id, mid, previous, grade, "certification" if step == 0 else "appraisal", "",
             hire + timedelta(days=400 * step), company.hr_user_id, now)
        )  # fmt: skip
        written.change_id += 1
        previous = grade
