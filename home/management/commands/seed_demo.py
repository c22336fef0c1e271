"""Create a believable demo company; deterministic with --seed, and a re-run duplicates nothing."""

from __future__ import annotations

import random
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import transaction

from appraisals import demo as appraisals_demo
from appraisals.models import SurveyInvitation
from clients import demo as clients_demo
from core import demo as accounts_demo
from incentives import demo as incentives_demo
from managers import demo as managers_demo

FILE_MAIL = "django.core.mail.backends.filebased.EmailBackend"


class Command(BaseCommand):
    help = (
        "Create the demo company (accounts for every role, managers, clients, appraisals, pay). The e-mails it "
        "sends (survey links) are written to files under EMAIL_FILE_PATH (var/mail), whatever EMAIL_BACKEND says."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--seed", type=int, default=2026, help="random seed; the same seed gives the same company")

    def handle(self, *args, seed: int, **options) -> None:
        mail_dir = Path(settings.EMAIL_FILE_PATH)
        mail_dir.mkdir(parents=True, exist_ok=True)
        sent_before = SurveyInvitation.objects.filter(sent_at__isnull=False).count()
        # The demo's addresses are invented: its mail goes to files, never to a console or a server. The links are
        # sent when the seeding commits, so the backend is swapped around the whole transaction.
        backend = settings.EMAIL_BACKEND
        settings.EMAIL_BACKEND = FILE_MAIL
        try:
            with transaction.atomic():
                self.seed(random.Random(seed))
        finally:
            settings.EMAIL_BACKEND = backend
        mailed = SurveyInvitation.objects.filter(sent_at__isnull=False).count() - sent_before
        self.stdout.write(f"e-mails: {mailed} survey links written to {mail_dir}/")
        self.stdout.write(self.style.SUCCESS("Demo company ready. Accounts:"))
        self.stdout.write(f"  {'username':<10} {'password':<22} role")
        for account in accounts_demo.DEMO_ACCOUNTS:
            self.stdout.write(f"  {account.username:<10} {account.password:<22} {account.role.value}")

    def seed(self, rng: random.Random) -> None:
        users = accounts_demo.seed(rng)
        # Each app adds its part of the company in dependency order, and says in a line what it added.
        for step in self.steps():
            step(rng=rng, users=users, stdout=self.stdout)

    def steps(self) -> list:
        return [managers_demo.seed, clients_demo.seed, appraisals_demo.seed, incentives_demo.seed]
