"""The benchmark company written in one transaction, step by step, each step timed."""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date, timedelta

from django.contrib.auth.models import Group
from django.db import connection, transaction
from django.utils import timezone

from bench.book import business_write, clients_write, feedback_and_targets_write, interactions_write
from bench.bulk import month_add, reset_sequences
from bench.company import Company
from bench.cycle import cycle_write
from bench.people import people_write
from core.roles import GROUP_NAMES

# Every table written with explicit ids, whose sequence must move past them.
TABLES = [
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
]


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
    if connection.vendor != "postgresql":
        raise SystemExit("The benchmark generator writes with COPY: point DATABASE_URL at PostgreSQL.")
    rng = random.Random(seed)
    today = today or timezone.localdate()
    company = Company(today=today)
    # 12 full months ending with the month before today's: the tiering window the benchmark ranks.
    first_month = month_add(today.replace(day=1), -12)
    company.months = [month_add(first_month, offset) for offset in range(12)]
    company.period = (company.months[6], today.replace(day=1) - timedelta(days=1))
    now = timezone.now()
    steps = Steps(company, echo)
    groups = {role: Group.objects.get(name=name).pk for role, name in GROUP_NAMES.items()}

    with transaction.atomic(), connection.cursor() as cursor:
        with steps.step("users, departments, managers, grades"):
            people_write(cursor, company, rng, managers=managers, groups=groups, now=now)
        with steps.step("clients, contacts, assignments"):
            volumes = clients_write(cursor, company, rng, clients=clients, now=now)
        with steps.step(f"business records ({len(company.months)} months)"):
            business_write(cursor, company, rng, volumes=volumes)
        with steps.step("interactions"):
            interactions_write(cursor, company, rng, interactions=interactions, now=now)
        with steps.step("feedback and targets"):
            feedback_and_targets_write(cursor, company, rng, volumes=volumes)
        with steps.step("cycle, appraisals, ratings, scores"):
            cycle_write(cursor, company, rng, now=now)
        reset_sequences(cursor, TABLES)
    with steps.step("vacuum and analyze"), connection.cursor() as cursor:
        if connection.in_atomic_block:  # a test's transaction: VACUUM cannot run inside one
            cursor.execute("ANALYZE")
        else:
            # Each assignment COPYed made its client's current_manager trigger write a new version of the client
            # row: compact the table and its indexes to what a company that grew a client at a time would have.
            cursor.execute("VACUUM (FULL) clients_client")
            cursor.execute("VACUUM (ANALYZE)")
    return company
