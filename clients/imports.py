"""Imports from a CSV or XLSX upload (clients, assignments, business records), in two jobs: check every row, then
(when HR confirms) apply all.

The upload is stored under MEDIA_ROOT/imports/<token>, with what it imports (<token>.meta.json); each job reads it
row by row in batches (as clients.feeds does), so 100,000 rows take the memory of one batch plus the keys seen (a key
twice in the file is refused where it must be unique). Each job writes its report next to the file
(<token>.check.json, <token>.apply.json): the row count and every refused row with its line (the header is line 1)
and why. Both jobs go through one runner, ``import_run``, inside one transaction: the check's is always rolled back
(an assignment is checked by writing it, since each row's rules depend on the rows before it), the apply's is rolled
back when any row is refused, so a file is applied whole or not at all. Each kind of row has one class here that
checks and writes a batch; business records reuse the nightly feed's parsing and upsert (clients.feeds).
The tier is never imported: the 80/20 tiering sets it.
"""

from __future__ import annotations

import codecs
import csv
import json
import re
import secrets
import time
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Protocol

import openpyxl
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils.translation import gettext as _

from clients.feeds import MAX_REPORTED_REFUSALS, BusinessRecordRows, RefusedRow, import_date, numbered_batches
from clients.models import Client, ImportPolicy
from clients.services import CLIENT_EDITABLE_FIELDS, assignment_create
from core.choices import ClientTier
from managers.models import AccountManager

__all__ = ["import_date"]  # kept importable from here: the import pages' date rule

FORMATS = ("csv", "xlsx")
# A feed's JSON body is stored as JSON lines (one row a line), so that its job reads it row by row as well.
STORED_FORMATS = (*FORMATS, "jsonl")
KINDS = ("clients", "assignments", "business_records")
_TOKEN = re.compile(r"^[0-9a-f]{32}$")


@dataclass(frozen=True)
class ImportRefusal:
    line: int
    registration_code: str
    errors: dict[str, list[str]]


@dataclass
class ImportReport:
    stage: str  # "check" or "apply"
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    refused_count: int = 0
    refused: list[ImportRefusal] = field(default_factory=list)
    applied: bool = False

    def refuse(self, row: ImportRefusal | RefusedRow) -> None:
        self.refused_count += 1
        if len(self.refused) < MAX_REPORTED_REFUSALS:
            if isinstance(row, RefusedRow):
                row = ImportRefusal(row.line, row.client_code, row.errors)
            self.refused.append(row)


# --- the stored upload --------------------------------------------------------------------------------------------


def _folder() -> Path:
    return Path(settings.MEDIA_ROOT) / "imports"


def import_path(token: str) -> Path:
    """The stored upload of a token; a token that is not one of ours is refused (it names a file)."""
    if not _TOKEN.match(token or ""):
        raise ValidationError(_("This import does not exist."), code="import_unknown")
    for fmt in STORED_FORMATS:
        path = _folder() / f"{token}.{fmt}"
        if path.exists():
            return path
    raise ValidationError(_("This import does not exist."), code="import_unknown")


def import_store(upload: UploadedFile, *, fmt: str, kind: str = "clients", user_id: int | None = None) -> str:
    """Store an upload (already checked by import_file_validate) for the jobs, with what it imports and who
    uploaded it (an assignment records who made it); returns its token."""
    if fmt not in FORMATS:
        raise ValidationError(_("Import a CSV or XLSX file."), code="import_format")
    if kind not in KINDS:
        raise ValueError(f"unknown import kind {kind!r}")
    return upload_store(upload.chunks(), fmt=fmt, meta={"kind": kind, "user_id": user_id})


def upload_store(chunks: Iterable[bytes], *, fmt: str, meta: dict[str, Any]) -> str:
    """Store a file (an import's upload, a feed's body) chunk by chunk with its note, for a job; returns its token.
    Everything stored here is deleted by import_uploads_purge after the import policy's retention."""
    if fmt not in STORED_FORMATS:
        raise ValueError(f"unknown stored format {fmt!r}")
    token = secrets.token_hex(16)
    _folder().mkdir(parents=True, exist_ok=True)
    (_folder() / f"{token}.meta.json").write_text(json.dumps(meta))
    with open(_folder() / f"{token}.{fmt}", "wb") as out:
        for chunk in chunks:
            out.write(chunk)
    return token


def upload_delete(token: str) -> None:
    """Delete a stored file and its notes at once (a body refused before any job read it)."""
    if _TOKEN.match(token or ""):
        for path in _folder().glob(f"{token}.*"):
            path.unlink(missing_ok=True)


def import_meta(token: str) -> dict[str, Any]:
    """What the token's file imports and who uploaded it: {"kind": ..., "user_id": ...}."""
    path = import_path(token).with_suffix(".meta.json")
    return json.loads(path.read_text()) if path.exists() else {"kind": "clients", "user_id": None}


def import_uploads_purge(*, now: float | None = None) -> int:
    """Delete every stored import (its upload, reports and notes) whose last file was written longer ago than the
    import policy's retention; returns the files deleted."""
    keep_days = ImportPolicy.current().keep_uploads_days
    before = (time.time() if now is None else now) - keep_days * 86400
    folder = _folder()
    if not folder.is_dir():
        return 0
    by_token: dict[str, list[Path]] = {}
    for path in folder.iterdir():
        token = path.name.split(".", 1)[0]
        if path.is_file() and _TOKEN.match(token):
            by_token.setdefault(token, []).append(path)
    deleted = 0
    for paths in by_token.values():
        if max(path.stat().st_mtime for path in paths) < before:
            for path in paths:
                path.unlink(missing_ok=True)
                deleted += 1
    return deleted


def import_report(token: str, stage: str) -> ImportReport | None:
    """The report a job wrote for the token's file, or None while it has not."""
    path = import_path(token).with_suffix(f".{stage}.json")
    if not path.exists():
        return None
    data = json.loads(path.read_text())
    data["refused"] = [ImportRefusal(**row) for row in data["refused"]]
    return ImportReport(**data)


def _report_save(token: str, report: ImportReport) -> None:
    path = import_path(token).with_suffix(f".{report.stage}.json")
    path.write_text(json.dumps(asdict(report), ensure_ascii=False))


def import_jobs(token: str) -> dict[str, str]:
    """The task ids of the token's jobs: {"check": ..., "apply": ...} as far as they were started."""
    path = import_path(token).with_suffix(".jobs.json")
    return json.loads(path.read_text()) if path.exists() else {}


def import_jobs_note(token: str, stage: str, task_id: str) -> None:
    jobs = import_jobs(token)
    jobs[stage] = task_id
    import_path(token).with_suffix(".jobs.json").write_text(json.dumps(jobs))


def _encoding(path: Path) -> str:
    """UTF-8 (with or without its byte-order mark) if the whole file decodes as such, else GB18030; read in chunks."""
    decoder = codecs.getincrementaldecoder("utf-8-sig")()
    with open(path, "rb") as raw:
        try:
            while chunk := raw.read(65536):
                decoder.decode(chunk)
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            return "gb18030"
    return "utf-8-sig"


def stored_rows(token: str) -> Iterator[dict[str, object]]:
    """The rows of a stored file, read one at a time."""
    return _rows(import_path(token))


def stored_csv_columns(token: str) -> list[str]:
    """The header of a stored CSV file, read as its rows are."""
    path = import_path(token)
    with open(path, encoding=_encoding(path), errors="replace", newline="") as text:
        return [(name or "").strip() for name in csv.DictReader(text).fieldnames or ()]


def _rows(path: Path) -> Iterator[dict[str, object]]:
    """The file's rows as {column: value}, read one at a time (an XLSX in read-only mode; JSON lines as written)."""
    if path.suffix == ".jsonl":
        with open(path, encoding="utf-8") as lines:
            for line in lines:
                yield json.loads(line)
        return
    if path.suffix == ".xlsx":
        workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
        try:
            values = workbook.active.iter_rows(values_only=True)
            header = [str(cell or "").strip() for cell in next(values, ())]
            for row in values:
                yield {name: ("" if cell is None else cell) for name, cell in zip(header, row, strict=False)}
        finally:
            workbook.close()
        return
    with open(path, encoding=_encoding(path), errors="replace", newline="") as text:
        for row in csv.DictReader(text):
            yield {(name or "").strip(): value for name, value in row.items()}


# --- checking and applying ----------------------------------------------------------------------------------------


class RowChecker(Protocol):
    def batch(self, batch: list[tuple[int, Mapping[str, object]]], *, write: bool) -> None: ...


def _text(raw: Mapping[str, object], name: str) -> str:
    return str(raw.get(name) or "").strip()


class ClientRows:
    """Client files by registration code: a known code updates the file, a new one opens it (a prospect)."""

    def __init__(self, report: ImportReport, user: Any) -> None:
        self.report = report
        self.seen: set[str] = set()

    @staticmethod
    def _row(raw: Mapping[str, object]) -> tuple[str, Client | None, dict[str, list[str]]]:
        """The row's registration code and an unsaved client checked by the model's field rules, or its errors."""
        values = {name: _text(raw, name) for name in CLIENT_EDITABLE_FIELDS}
        code = values["registration_code"]
        values["status"] = values["status"] or Client.Status.PROSPECT  # as client_create: a new file is a prospect
        errors: dict[str, list[str]] = {}
        if not code:
            errors["registration_code"] = [_("This column is required.")]
        client = Client(**values, tier=ClientTier.ORDINARY)
        try:
            client.full_clean(exclude=list(errors), validate_unique=False, validate_constraints=False)
        except ValidationError as error:
            for name, messages in error.message_dict.items():
                errors.setdefault(name, []).extend(messages)
        return code, (None if errors else client), errors

    def batch(self, batch: list[tuple[int, Mapping[str, object]]], *, write: bool) -> None:
        valid = []
        for line, raw in batch:
            self.report.rows += 1
            code, client, errors = self._row(raw)
            if code and code in self.seen:
                errors.setdefault("registration_code", []).append(
                    _("Registration code %(code)s appears twice in the file.") % {"code": code}
                )
            self.seen.add(code)
            if errors:
                self.report.refuse(ImportRefusal(line, code, errors))
            elif client is not None:
                valid.append(client)
        if write:
            codes = [client.registration_code for client in valid]
            existing = set(
                Client.objects.filter(registration_code__in=codes).values_list("registration_code", flat=True)
            )
            Client.objects.bulk_create(
                valid,
                update_conflicts=True,
                unique_fields=["registration_code"],
                update_fields=[name for name in CLIENT_EDITABLE_FIELDS if name != "registration_code"],
            )
            self.report.updated += len(existing)
            self.report.created += len(valid) - len(existing)


class AssignmentRows:
    """Assignments by client registration code (column client) and manager staff number (column manager), each row
    a new assignment from its start, through assignment_create: the same grade/tier and one-manager rules as the
    reassignment form. A row's rules depend on the rows before it (the open assignment it ends), so every row is
    written, in a savepoint, even when checking; the runner rolls the check back."""

    def __init__(self, report: ImportReport, user: Any) -> None:
        self.report = report
        self.user = user

    def batch(self, batch: list[tuple[int, Mapping[str, object]]], *, write: bool) -> None:
        codes = {_text(raw, "client") for _line, raw in batch}
        numbers = {_text(raw, "manager") for _line, raw in batch}
        clients = Client.objects.in_bulk(codes - {""}, field_name="registration_code")
        managers = AccountManager.objects.select_related("user").in_bulk(numbers - {""}, field_name="employee_no")
        for line, raw in batch:
            self.report.rows += 1
            code, number, reason = _text(raw, "client"), _text(raw, "manager"), _text(raw, "reason")
            errors: dict[str, list[str]] = {}
            client, manager, start = clients.get(code), managers.get(number), None
            if not code:
                errors["client"] = [_("This column is required.")]
            elif client is None:
                errors["client"] = [_("No client has the registration code “%(code)s”.") % {"code": code}]
            if not number:
                errors["manager"] = [_("This column is required.")]
            elif manager is None:
                errors["manager"] = [_("No account manager has the staff number “%(number)s”.") % {"number": number}]
            try:
                start = import_date(raw.get("start"))
                if start is None:
                    errors["start"] = [_("This column is required.")]
            except ValueError as error:
                errors["start"] = [str(error)]
            if not reason:
                errors["reason"] = [_("This column is required.")]
            if not errors:
                try:
                    with transaction.atomic():
                        assignment_create(
                            client=client, manager=manager, start=start, reason=reason, created_by=self.user
                        )
                    self.report.created += 1
                except ValidationError as error:
                    errors = error.message_dict if hasattr(error, "error_dict") else {"row": error.messages}
                    # The client's tier or open assignment may have been changed by this savepoint's rollback.
                    client.refresh_from_db()
            if errors:
                self.report.refuse(ImportRefusal(line, code, errors))


class BusinessRecordImportRows(BusinessRecordRows):
    """Business records by (client registration code, month): the nightly feed's own checks and upsert."""

    def __init__(self, report: ImportReport, user: Any) -> None:
        super().__init__(report)  # type: ignore[arg-type]  # an ImportReport counts and refuses as a FeedResult

    def batch(self, batch: list[tuple[int, Mapping[str, object]]], *, write: bool) -> None:
        # The export names the column "client": a file exported from the admin imports back as it is.
        renamed = [(line, {"client_code": raw.get("client", ""), **raw}) for line, raw in batch]
        super().batch(renamed, write=write)


CHECKERS: dict[str, type] = {
    "clients": ClientRows,
    "assignments": AssignmentRows,
    "business_records": BusinessRecordImportRows,
}


def import_run(*, token: str, apply: bool) -> ImportReport:
    """Check every row of the token's file; with apply, also write them all. Writes the report for the import page.
    Applying a file with any refused row raises ValidationError once every row is checked: run it inside a
    transaction (the job's), which that rolls back, so nothing is written. A check writes nothing."""
    meta = import_meta(token)
    user = get_user_model().objects.filter(pk=meta.get("user_id")).first() if meta.get("user_id") else None
    report = ImportReport(stage="apply" if apply else "check")
    checker: RowChecker = CHECKERS[meta["kind"]](report, user)
    with transaction.atomic():
        for batch in numbered_batches(_rows(import_path(token)), first_line=2):
            # Once a row is refused nothing will be applied; assignments are written even then, to check the next.
            checker.batch(batch, write=(apply and not report.refused_count) or isinstance(checker, AssignmentRows))
        if not apply or report.refused_count:
            transaction.set_rollback(True)
    if not report.rows:
        report.refuse(ImportRefusal(1, "", {"file": [_("The file has no rows under its header.")]}))
    if not apply or report.refused_count:
        report.created = report.updated = report.unchanged = 0
    report.applied = apply and not report.refused_count
    _report_save(token, report)
    if apply and report.refused_count:
        raise ValidationError(
            _("%(count)s rows are refused: nothing was imported.") % {"count": report.refused_count},
            code="import_refused",
        )
    return report


client_import_run = import_run  # the name the client import's callers know
