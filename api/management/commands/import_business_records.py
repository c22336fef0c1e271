"""Load a nightly feed of business records from a CSV file, through the service behind the API's bulk endpoint."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from api.management.commands._feed import run_feed_file
from clients.feeds import COLUMNS
from clients.models import FeedRun


class Command(BaseCommand):
    help = "Upsert business records by (client registration code, month) from a CSV file: " + ", ".join(COLUMNS)

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument(
            "--valid-rows-only",
            action="store_true",
            help="Write the valid rows even when some are refused (by default one refused row writes nothing).",
        )

    def handle(self, *args: Any, file: Path, valid_rows_only: bool, **options: Any) -> None:
        run_feed_file(
            self,
            file=file,
            kind=FeedRun.Kind.BUSINESS_RECORDS,
            all_or_nothing=not valid_rows_only,
        )
