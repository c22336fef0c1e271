"""Load a nightly feed of business records from a CSV file, through the service behind the API's bulk endpoint."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from clients.feeds import COLUMNS, business_records_feed


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
        try:
            handle = file.open(newline="", encoding="utf-8-sig")
        except OSError as error:
            raise CommandError(str(error)) from error
        with handle:
            reader = csv.DictReader(handle)
            missing = set(COLUMNS) - set(reader.fieldnames or ())
            if missing:
                raise CommandError(
                    _("The CSV lacks the columns: %(columns)s.") % {"columns": ", ".join(sorted(missing))}
                )
            try:
                result = business_records_feed(rows=reader, all_or_nothing=not valid_rows_only, first_line=2)
            except (csv.Error, UnicodeDecodeError) as error:
                raise CommandError(_("The CSV cannot be read: %(error)s") % {"error": error}) from error
        for row in result.refused:
            reasons = "; ".join(f"{name}: {' '.join(messages)}" for name, messages in row.errors.items())
            self.stderr.write(f"line {row.line} ({row.client_code} {row.month}): {reasons}")
        summary = _(
            "%(rows)d rows: %(created)d created, %(updated)d updated, %(unchanged)d unchanged, %(refused)d refused."
        ) % {
            "rows": result.rows,
            "created": result.created,
            "updated": result.updated,
            "unchanged": result.unchanged,
            "refused": result.refused_count,
        }
        if not result.applied:
            raise CommandError(summary + " " + _("Nothing was written."))
        self.stdout.write(summary)
