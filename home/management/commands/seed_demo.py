"""Create a believable demo company; deterministic with --seed, and a re-run duplicates nothing."""

from __future__ import annotations

import random

from django.core.management.base import BaseCommand
from django.db import transaction

from appraisals import demo as appraisals_demo
from clients import demo as clients_demo
from core import demo as accounts_demo
from incentives import demo as incentives_demo
from managers import demo as managers_demo


class Command(BaseCommand):
    help = "Create the demo company (accounts for every role, managers, clients, appraisals, pay)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--seed", type=int, default=2026, help="random seed; the same seed gives the same company")

    @transaction.atomic
    def handle(self, *args, seed: int, **options) -> None:
        rng = random.Random(seed)
        users = accounts_demo.seed(rng)
        # Each app adds its part of the company in dependency order.
        for step in self.steps():
            step(rng=rng, users=users, stdout=self.stdout)
        self.stdout.write(self.style.SUCCESS("Demo company ready. Accounts:"))
        for account in accounts_demo.DEMO_ACCOUNTS:
            self.stdout.write(f"  {account.username:<10} {account.password:<22} {account.role.value}")

    def steps(self) -> list:
        return [managers_demo.seed, clients_demo.seed, appraisals_demo.seed, incentives_demo.seed]
