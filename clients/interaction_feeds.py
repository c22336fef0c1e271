"""The call centre's feed of interactions: each row a call, visit or message with a client, recorded by the feed.

The same service for every way the feed arrives (``POST /api/interactions/bulk/``, ``manage.py import_interactions``),
read in batches as clients.feeds does: 100,000 rows take the memory of one batch plus the set of external ids seen.
Each row carries the call centre's own id (``external_id``): a row whose id is recorded already updates that record
when it differs and is counted unchanged when it does not, so loading the same file twice creates nothing twice; a
withdrawn record stays withdrawn and unchanged whatever its row says. The
manager is the one named by staff number, or when none is named the client's manager on the interaction's day; as on
the pages, a named manager must be the client's manager of that day. With ``all_or_nothing`` one refused row means
nothing is written.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from clients.feeds import FeedResult, RefusedRow, feed_apply, import_date
from clients.models import Assignment, Client, Interaction
from managers.models import AccountManager

COLUMNS = ("external_id", "client_code", "manager", "kind", "date", "summary")
REQUIRED_COLUMNS = ("external_id", "client_code", "kind", "date", "summary")
_EXTERNAL_REF_MAX = Interaction._meta.get_field("external_ref").max_length
_UPDATED_FIELDS = ["manager", "kind", "date", "summary"]


def _day(value: object) -> dt.date:
    """The interaction's day: YYYY-MM-DD, an ISO date and time (with an offset: its day here), or a spreadsheet's."""
    if isinstance(value, dt.datetime):
        return timezone.localdate(value) if timezone.is_aware(value) else value.date()
    text = value.strip() if isinstance(value, str) else value
    if isinstance(text, str) and len(text) > 10 and text[:4].isdigit() and text[10:11] in ("T", " "):
        try:
            moment = dt.datetime.fromisoformat(text)
            return timezone.localdate(moment) if timezone.is_aware(moment) else moment.date()
        except (ValueError, OverflowError):
            raise ValueError(
                _("The date “%(value)s” is not a date: write it as YYYY-MM-DD.") % {"value": text}
            ) from None
    day = import_date(text)
    if day is None:
        raise ValueError(_("Give the date of the interaction."))
    return day


def _text(raw: Mapping[str, object], name: str) -> str:
    return str(raw.get(name) or "").strip()


def _parse(raw: Mapping[str, object], today: dt.date) -> tuple[dict[str, Any], dict[str, list[str]]]:
    """The row's values checked on their own (the client, manager and external id are looked up by batch)."""
    errors: dict[str, list[str]] = {}
    values: dict[str, Any] = {
        "external_id": _text(raw, "external_id"),
        "client_code": _text(raw, "client_code"),
        "manager_no": _text(raw, "manager"),
        "kind": _text(raw, "kind"),
        "summary": str(raw.get("summary") or "").strip(),
        "date": None,
    }
    for name, column in (("external_id", "external_id"), ("client_code", "client_code"), ("manager_no", "manager")):
        if "\x00" in values[name]:
            # The database cannot hold (or look up) a NUL character: the cell is refused, never queried.
            errors[column] = [_("This cell holds a character that is not text.")]
            values[name] = ""
    if "\x00" in values["summary"]:
        errors["summary"] = [_("This cell holds a character that is not text.")]
    if not values["external_id"] and "external_id" not in errors:
        errors["external_id"] = [_("Give the interaction's id in the call centre's system.")]
    elif len(values["external_id"]) > _EXTERNAL_REF_MAX:
        errors["external_id"] = [_("The id is longer than %(limit)s characters.") % {"limit": _EXTERNAL_REF_MAX}]
    if not values["client_code"] and "client_code" not in errors:
        errors["client_code"] = [_("Give the client's registration code.")]
    try:
        values["date"] = _day(raw.get("date"))
        if values["date"] > today:
            errors["date"] = [_("An interaction cannot be recorded before it happens.")]
    except ValueError as error:
        errors["date"] = [str(error)]
    candidate = Interaction(kind=values["kind"], summary=values["summary"], date=values["date"])
    try:
        candidate.full_clean(
            exclude=["client", "manager", "recorded_by", "date", "external_ref", *errors],
            validate_unique=False,
            validate_constraints=False,
        )
    except ValidationError as error:
        for name, messages in error.message_dict.items():
            errors.setdefault(name, []).extend(messages)
    return values, errors


class InteractionRows:
    """Checks and writes a feed of interactions batch by batch."""

    def __init__(self, result: FeedResult, *, recorded_by: Any) -> None:
        self.result = result
        self.recorded_by = recorded_by
        self.seen: set[str] = set()
        self.today = timezone.localdate()

    def batch(self, batch: list[tuple[int, Mapping[str, object]]], *, write: bool) -> None:
        result = self.result
        parsed = [(line, *_parse(raw, self.today)) for line, raw in batch]
        codes = {values["client_code"] for _line, values, _errors in parsed if values["client_code"]}
        numbers = {values["manager_no"] for _line, values, _errors in parsed if values["manager_no"]}
        refs = {values["external_id"] for _line, values, _errors in parsed if values["external_id"]}
        clients = dict(Client.objects.filter(registration_code__in=codes).values_list("registration_code", "pk"))
        managers = dict(AccountManager.objects.filter(employee_no__in=numbers).values_list("employee_no", "pk"))
        served: dict[int, list[tuple[dt.date, dt.date | None, int]]] = defaultdict(list)
        for client_id, start, end, manager_id in Assignment.objects.filter(client_id__in=clients.values()).values_list(
            "client_id", "start", "end", "manager_id"
        ):
            served[client_id].append((start, end, manager_id))
        # The index on external_ref is partial (non-empty refs): the query repeats its condition so that PostgreSQL
        # uses it for a list of 2,000 refs (it proves the condition from an IN list of at most 100 values only).
        found = Interaction.objects.filter(external_ref__in=refs).exclude(external_ref="")
        existing = {row.external_ref: row for row in found}
        new, changed = [], []
        for line, values, errors in parsed:
            result.rows += 1
            ref, code, number, day = values["external_id"], values["client_code"], values["manager_no"], values["date"]
            client_id = clients.get(code)
            if code and client_id is None:
                errors["client_code"] = [_("No client has the registration code “%(code)s”.") % {"code": code}]
            manager_id = managers.get(number)
            if number and manager_id is None:
                errors["manager"] = [_("No account manager has the staff number “%(number)s”.") % {"number": number}]
            if ref and ref in self.seen:
                errors.setdefault("external_id", []).append(_("This id is already in the feed, on an earlier line."))
            if client_id is not None and day is not None and "date" not in errors and "manager" not in errors:
                on_day = next(
                    (m for start, end, m in served[client_id] if start <= day and (end is None or day <= end)), None
                )
                if on_day is None:
                    errors["manager"] = [_("The client had no account manager on %(day)s.") % {"day": day}]
                elif manager_id is not None and manager_id != on_day:
                    errors["manager"] = [
                        _("%(number)s was not the account manager of %(code)s on %(day)s.")
                        % {"number": number, "code": code, "day": day}
                    ]
                manager_id = on_day
            if ref:
                self.seen.add(ref)
            if errors:
                result.refuse(RefusedRow(line, code, "", errors, external_id=ref))
                continue
            current = existing.get(ref)
            fresh = {"manager_id": manager_id, "kind": values["kind"], "date": day, "summary": values["summary"]}
            if current is None:
                new.append(Interaction(client_id=client_id, recorded_by=self.recorded_by, external_ref=ref, **fresh))
            elif current.client_id != client_id:
                result.refuse(
                    RefusedRow(
                        line,
                        code,
                        "",
                        {"external_id": [_("This id is recorded for another client.")]},
                        external_id=ref,
                    )
                )
            elif current.is_withdrawn or all(getattr(current, name) == value for name, value in fresh.items()):
                # A record its author withdrew stays withdrawn: the call centre re-sending it changes nothing.
                result.unchanged += 1
            else:
                for name, value in fresh.items():
                    setattr(current, name, value)
                changed.append(current)
        if write:
            # With their history rows, as a correction on the page has: the feed is the change's author.
            bulk_create_with_history(new, Interaction, default_user=self.recorded_by)
            bulk_update_with_history(changed, Interaction, _UPDATED_FIELDS, default_user=self.recorded_by)
            result.created += len(new)
            result.updated += len(changed)


def interactions_feed(
    *,
    rows: Iterable[Mapping[str, object]],
    recorded_by: Any,
    all_or_nothing: bool = True,
    first_line: int = 1,
    progress: Callable[[int], None] | None = None,
) -> FeedResult:
    """Record a call centre's interactions by their external id; every row validated, the refused ones reported;
    with all_or_nothing, any refused row means nothing is written. progress(rows read) after each batch."""
    result = FeedResult()
    checker = InteractionRows(result, recorded_by=recorded_by)
    return feed_apply(checker, result, rows, all_or_nothing=all_or_nothing, first_line=first_line, progress=progress)
