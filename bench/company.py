"""What the benchmark generator writes, as its later steps (and the tests) need it."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

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
