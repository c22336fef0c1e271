"""Load a call centre's interactions from a CSV file, through the service behind POST /api/interactions/bulk/."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from api.management.commands._feed import run_feed_file
from clients.interaction_feeds import COLUMNS
from clients.models import FeedRun


class Command(BaseCommand):
    help = "Record interactions by their external id from a CSV file: " + ", ".join(COLUMNS)

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument(
            "--user",
            required=True,
            help="The username the interactions are recorded by (the feed's service account).",
        )
        parser.add_argument(
            "--valid-rows-only",
            action="store_true",
            help="Write the valid rows even when some are refused (by default one refused row writes nothing).",
        )

    def handle(self, *args: Any, file: Path, user: str, valid_rows_only: bool, **options: Any) -> None:
        recorder = get_user_model().objects.filter(username=user, is_active=True).first()
        if recorder is None:
            raise CommandError(_("No active user is called “%(name)s”.") % {"name": user})
        run_feed_file(
            self,
            file=file,
            kind=FeedRun.Kind.INTERACTIONS,
            all_or_nothing=not valid_rows_only,
            started_by=recorder,
        )
