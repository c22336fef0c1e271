"""What the feed commands share: read a CSV file row by row, run the feed with its record, print what it did."""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from clients.feeds import FeedResult, feed_run
from clients.models import FeedRun


def run_feed_file(
    command: BaseCommand,
    *,
    file: Path,
    kind: str,
    feed: Callable[..., FeedResult],
    columns: Iterable[str],
    all_or_nothing: bool,
    started_by: Any = None,
    **kwargs: Any,
) -> None:
    """Run the feed on the file (its header is line 1); refused rows go to stderr, the summary to stdout; a run that
    wrote nothing is a CommandError (a non-zero exit for the scheduler that called it)."""
    try:
        handle = file.open(newline="", encoding="utf-8-sig")
    except OSError as error:
        raise CommandError(str(error)) from error
    with handle:
        reader = csv.DictReader(handle)
        missing = set(columns) - set(reader.fieldnames or ())
        if missing:
            raise CommandError(_("The CSV lacks the columns: %(columns)s.") % {"columns": ", ".join(sorted(missing))})
        try:
            run, result = feed_run(
                feed,
                kind=kind,
                source=FeedRun.Source.COMMAND,
                started_by=started_by,
                all_or_nothing=all_or_nothing,
                rows=reader,
                first_line=2,
                **kwargs,
            )
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
