"""The benchmark company's clients and their book: contacts, assignments, business records, interactions, feedback,
and the managers' targets."""

from __future__ import annotations

import random
from collections import defaultdict
from collections.abc import Iterator
from datetime import datetime, timedelta

from bench.bulk import copy_rows, next_id, pareto_cents
from bench.company import INDUSTRIES, KIND_WEIGHTS, KINDS, Company
from clients.tiering import tiers_for_volumes


def clients_write(cursor, company: Company, rng: random.Random, *, clients: int, now: datetime) -> dict[int, list[int]]:
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
    company.client_tier = tiers_for_volumes({cid: sum(months[:11]) for cid, months in volumes.items()})

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


def business_write(cursor, company: Company, rng: random.Random, *, volumes: dict[int, list[int]]) -> None:
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


def interactions_write(cursor, company: Company, rng: random.Random, *, interactions: int, now: datetime) -> None:
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
                "",  # typed on a page, not loaded from a call-centre feed
                "",  # in force: no reason for withdrawing
            )
            interaction_id += 1

    columns = ("id", "client_id", "manager_id", "kind", "date", "summary", "client_needs", "follow_up_date",
               "recorded_by_id", "created_at", "external_ref", "withdrawn_reason")  # fmt: skip
    company.counts["interactions"] = copy_rows(cursor, "clients_interaction", columns, rows())


def feedback_and_targets_write(cursor, company: Company, rng: random.Random, *, volumes: dict[int, list[int]]) -> None:
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
             complaint, "", company.manager_user[manager], "")
        )  # fmt: skip
        feedback_id += 1
    columns = ("id", "client_id", "manager_id", "date", "source", "satisfaction", "complaint", "suggestion",
               "recorded_by_id", "withdrawn_reason")  # fmt: skip
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
