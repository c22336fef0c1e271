"""Nightly feeds from the core systems: each client's business of a month, upserted by (registration code, month).

One service for every way a feed arrives (the API's bulk endpoint, ``manage.py import_business_records``). It reads
the rows as they come, in batches, so 100,000 rows take the memory of one batch plus the set of (client, month)
keys seen (to refuse a row that repeats another of the same feed). Every row is checked by the model's own field
rules; a refused row is reported with its line and why. Loading the same feed twice changes nothing the second time.
With ``all_or_nothing`` a single refused row rolls the whole feed back.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from itertools import islice
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from clients.models import BusinessRecord, Client

COLUMNS = ("client_code", "month", "volume", "products_used")
# Columns a feed may carry besides COLUMNS: a profit column, when present, is written too (empty: not known).
OPTIONAL_COLUMNS = ("profit",)
_SLASHED_DATE = re.compile(r"^\s*(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{2,4})\s*$")
BATCH_SIZE = 2000
# A feed of bad rows says why for the first ones; the count covers them all.
MAX_REPORTED_REFUSALS = 1000


@dataclass(frozen=True)
class RefusedRow:
    line: int  # the row's number in the feed (a CSV's header is line 1, its first row line 2)
    client_code: str
    month: str
    errors: dict[str, list[str]]
    external_id: str = ""  # an interaction's id in the call centre's system


@dataclass
class FeedResult:
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    refused_count: int = 0
    refused: list[RefusedRow] = field(default_factory=list)
    applied: bool = False  # False when all_or_nothing met a refused row: nothing was written

    def refuse(self, row: RefusedRow) -> None:
        self.refused_count += 1
        if len(self.refused) < MAX_REPORTED_REFUSALS:
            self.refused.append(row)


class _RolledBack(Exception):
    """Raised inside the feed's transaction to undo it when all_or_nothing met a refused row."""


def import_date(value: object) -> dt.date | None:
    """A date in an import or a feed: a spreadsheet's date, or text as YYYY-MM-DD only; 01/02/2026 could be
    1 February or 2 January, so it is refused saying so rather than guessed."""
    if value in (None, ""):
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = str(value).strip()
    try:
        return dt.date.fromisoformat(text) if len(text) == 10 else _bad_date(text)
    except ValueError:
        return _bad_date(text)


def _bad_date(text: str) -> dt.date:
    if _SLASHED_DATE.match(text):
        raise ValueError(
            _("The date “%(value)s” is ambiguous (day and month could be either way): write it as YYYY-MM-DD.")
            % {"value": text}
        )
    raise ValueError(_("The date “%(value)s” is not a date: write it as YYYY-MM-DD.") % {"value": text})


def _month(value: object) -> dt.date:
    """YYYY-MM or any day of the month (YYYY-MM-DD, or a spreadsheet's date); stored as its first day, as
    business_record_upsert does. A day written 01/02/2026 is refused as ambiguous."""
    text = value.strip() if isinstance(value, str) else value
    if isinstance(text, str) and len(text) == 7:
        text = f"{text}-01"
    if text in (None, ""):
        raise ValidationError(_("Give the month as YYYY-MM."))
    try:
        day = import_date(text)
    except ValueError as error:
        raise ValidationError(str(error)) from None
    return day.replace(day=1)


def _decimal(value: object) -> Decimal | None:
    """A number from a feed's cell ("" or None: none); raises InvalidOperation for anything else."""
    if value in (None, ""):
        return None
    number = Decimal(str(value).strip())
    if not number.is_finite():
        raise InvalidOperation
    return number


def _parse(raw: Mapping[str, object]) -> tuple[str, dt.date | None, BusinessRecord | None, dict[str, list[str]]]:
    """The row's client code, month and an unsaved record checked by the model's field rules, or its errors."""
    errors: dict[str, list[str]] = {}
    code = str(raw.get("client_code") or "").strip()
    if not code:
        errors["client_code"] = [_("Give the client's registration code.")]
    elif "\x00" in code or len(code) > Client._meta.get_field("registration_code").max_length:
        errors["client_code"] = [_("This is not a registration code.")]
        code = ""
    month = None
    try:
        month = _month(raw.get("month"))
    except ValidationError as error:
        errors["month"] = error.messages
    volume = profit = None
    try:
        volume = _decimal(raw.get("volume"))
    except InvalidOperation:
        errors["volume"] = [_("The volume must be a number.")]
    try:
        profit = _decimal(raw.get("profit"))
    except InvalidOperation:
        errors["profit"] = [_("The profit must be a number.")]
    products = raw.get("products_used")
    try:
        products = int(str(products).strip()) if products not in (None, "") else None
    except ValueError:
        errors["products_used"] = [_("The number of products used must be a whole number.")]
        products = None
    record = BusinessRecord(month=month, volume=volume, products_used=products, profit=profit)
    # Whether the feed carries a profit column: one that does not leaves the recorded profit alone.
    record.feed_has_profit = "profit" in raw
    try:
        record.full_clean(exclude=["client", *errors], validate_unique=False, validate_constraints=False)
    except ValidationError as error:
        for name, messages in error.message_dict.items():
            errors.setdefault(name, []).extend(messages)
    return code, month, (None if errors else record), errors


def numbered_batches(
    rows: Iterable[Mapping[str, object]], first_line: int
) -> Iterator[list[tuple[int, Mapping[str, object]]]]:
    """The rows in lists of BATCH_SIZE, each row with its line (the first row's is first_line)."""
    numbered = enumerate(rows, start=first_line)
    while batch := list(islice(numbered, BATCH_SIZE)):
        yield batch


def _apply(batch: list[BusinessRecord], result: FeedResult) -> None:
    """Write a batch: new (client, month) rows created, changed ones updated, equal ones left alone."""
    existing = {
        (record.client_id, record.month): record
        for record in BusinessRecord.objects.filter(
            client_id__in={r.client_id for r in batch}, month__in={r.month for r in batch}
        )
    }
    changed = []
    for record in batch:
        current = existing.get((record.client_id, record.month))
        if current is None:
            continue
        profit = record.profit if record.feed_has_profit else current.profit
        if (current.volume, current.products_used, current.profit) == (record.volume, record.products_used, profit):
            result.unchanged += 1
        else:
            current.volume, current.products_used, current.profit = record.volume, record.products_used, profit
            changed.append(current)
    new = [r for r in batch if (r.client_id, r.month) not in existing]
    # A row another feed created meanwhile is updated rather than refused by the unique constraint.
    BusinessRecord.objects.bulk_create(
        new, update_conflicts=True, unique_fields=["client", "month"], update_fields=["volume", "products_used"]
    )
    BusinessRecord.objects.bulk_update(changed, ["volume", "products_used", "profit"])
    result.created += len(new)
    result.updated += len(changed)


class BusinessRecordRows:
    """Checks and writes a feed of business records batch by batch; the keys seen so far refuse a repeated row."""

    def __init__(self, result: FeedResult) -> None:
        self.result = result
        self.seen: set[tuple[int, dt.date]] = set()

    def batch(self, batch: list[tuple[int, Mapping[str, object]]], *, write: bool) -> None:
        """Check every row of the batch (refusals go to the result); with write, upsert the valid ones."""
        result = self.result
        parsed = [(line, raw, *_parse(raw)) for line, raw in batch]
        codes = {code for _line, _raw, code, _month, _record, _errors in parsed if code}
        clients = dict(Client.objects.filter(registration_code__in=codes).values_list("registration_code", "pk"))
        valid = []
        for line, raw, code, month, record, errors in parsed:
            result.rows += 1
            client_id = clients.get(code)
            if code and client_id is None:
                errors["client_code"] = [_("No client has the registration code “%(code)s”.") % {"code": code}]
            elif client_id is not None and month is not None and (client_id, month) in self.seen:
                errors["month"] = [_("This client's month is already in the feed, on an earlier line.")]
            if errors:
                result.refuse(RefusedRow(line, code, str(raw.get("month") or ""), errors))
                continue
            self.seen.add((client_id, month))
            record.client_id = client_id
            valid.append(record)
        if write:
            _apply(valid, result)


def business_records_feed(
    *,
    rows: Iterable[Mapping[str, object]],
    all_or_nothing: bool = True,
    first_line: int = 1,
    progress: Callable[[int], None] | None = None,
) -> FeedResult:
    """Upsert a feed of business records by (client registration code, month); every row validated, the refused
    ones reported; with all_or_nothing, any refused row means nothing is written. progress(rows read) after each
    batch."""
    result = FeedResult()
    return feed_apply(
        BusinessRecordRows(result),
        result,
        rows,
        all_or_nothing=all_or_nothing,
        first_line=first_line,
        progress=progress,
    )


def feed_apply(
    checker: Any,
    result: FeedResult,
    rows: Iterable[Mapping[str, object]],
    *,
    all_or_nothing: bool,
    first_line: int,
    progress: Callable[[int], None] | None,
) -> FeedResult:
    """Every feed's loop: the rows in batches through checker.batch (which validates, and writes when told to) in one
    transaction, rolled back when all_or_nothing and a row was refused; progress(rows read) after each batch."""
    try:
        with transaction.atomic():
            for batch in numbered_batches(rows, first_line):
                # Once a row is refused under all_or_nothing nothing will be written: only go on validating.
                checker.batch(batch, write=not (all_or_nothing and result.refused_count))
                if progress is not None:
                    progress(result.rows)
            if all_or_nothing and result.refused_count:
                raise _RolledBack
    except _RolledBack:
        result.created = result.updated = result.unchanged = 0
        return result
    result.applied = True
    return result
