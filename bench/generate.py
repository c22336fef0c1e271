"""Generate the benchmark company straight into PostgreSQL, in bulk (COPY).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench .venv/bin/python -m bench.generate --size bench

(--size small | bench | large: 200, 2,000 or 10,000 managers, 50 clients and 500 interactions each; or --managers,
--clients, --interactions.)

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
import time
from datetime import date

from bench.setup import django_setup

# The three sizes "how cost grows" compares, in managers; clients and interactions are in proportion to them (the
# benchmark company's 50 clients and 500 interactions a manager, 12 business records a client).
SIZES = {"small": 200, "bench": 2_000, "large": 10_000}
CLIENTS_PER_MANAGER = 50
INTERACTIONS_PER_MANAGER = 500


def company_size(managers: int) -> dict[str, int]:
    """The generator's arguments for a company of this many managers, everything else in proportion."""
    return {
        "managers": managers,
        "clients": managers * CLIENTS_PER_MANAGER,
        "interactions": managers * INTERACTIONS_PER_MANAGER,
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--size",
        choices=sorted(SIZES),
        default=None,
        help="a preset: small 200, bench 2,000, large 10,000 managers, with clients and interactions in proportion",
    )
    parser.add_argument("--managers", type=int, default=None)
    parser.add_argument("--clients", type=int, default=None)
    parser.add_argument("--interactions", type=int, default=None)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--today", type=date.fromisoformat, default=None, help="the day the company is built on")
    args = parser.parse_args(argv)
    # A preset (bench by default), and any count given on the command line over it.
    size = company_size(SIZES[args.size or "bench"] if args.managers is None else args.managers)
    for name in ("clients", "interactions"):
        if getattr(args, name) is not None:
            size[name] = getattr(args, name)

    django_setup()
    from bench.build import generate  # the models it imports need Django set up first

    started = time.perf_counter()
    company = generate(
        managers=size["managers"],
        clients=size["clients"],
        interactions=size["interactions"],
        seed=args.seed,
        today=args.today,
    )
    print(f"{'total':<40} {time.perf_counter() - started:8.1f} s")
    print("rows:", ", ".join(f"{name} {count:,}" for name, count in company.counts.items()))
    print(f"cycle id {company.cycle_id}, period {company.period[0]} … {company.period[1]}")


if __name__ == "__main__":
    main()
