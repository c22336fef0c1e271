"""What the feed commands share: read a CSV file row by row, run the feed with its record, print what it did."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from clients.feed_runs import feed_columns, feed_run_load, feed_run_start


def run_feed_file(
    command: BaseCommand,
    *,
    file: Path,
    kind: str,
    all_or_nothing: bool,
    started_by: Any = None,
) -> None:
    """Run the feed on the file (its header is line 1) in this process, recorded as a feed run as the API's are;
    refused rows go to stderr, the summary to stdout; a run that wrote nothing is a CommandError (a non-zero exit
    for the scheduler that called it)."""
    try:
        handle = file.open(newline="", encoding="utf-8-sig")
    except OSError as error:
        raise CommandError(str(error)) from error
    with handle:
        try:
            reader = csv.DictReader(handle)
            missing = set(feed_columns(kind)) - set(reader.fieldnames or ())
            if missing:
                raise CommandError(
                    _("The CSV lacks the columns: %(columns)s.") % {"columns": ", ".join(sorted(missing))}
                )
            total = sum(1 for _row in reader)
            handle.seek(0)
            reader = csv.DictReader(handle)
            run = feed_run_start(kind=kind, started_by=started_by, all_or_nothing=all_or_nothing, rows_total=total)
            run, result = feed_run_load(run, rows=reader, first_line=2)
        except (csv.Error, UnicodeDecodeError) as error:
            raise CommandError(_("The CSV cannot be read: %(error)s") % {"error": error}) from error
    for row in result.refused:
        reasons = "; ".join(f"{name}: {' '.join(messages)}" for name, messages in row.errors.items())
        key = " ".join(filter(None, (row.external_id, row.client_code, row.month)))
        command.stderr.write(f"line {row.line} ({key}): {reasons}")
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
        raise CommandError(summary + " " + _("Nothing was written.") + f" (feed run {run.pk})")
    command.stdout.write(summary + f" (feed run {run.pk})")
