"""Client files imported from a CSV or XLSX upload, in two jobs: check every row, then (when HR confirms) apply all.

The upload is stored under MEDIA_ROOT/imports/<token>; each job reads it row by row in batches (as clients.feeds
does), so 100,000 rows take the memory of one batch plus the set of registration codes seen (a code twice in the file
is refused). Each job writes its report next to the file (<token>.check.json, <token>.apply.json): the row count and
every refused row with its line (the header is line 1) and why. Applying checks every row again and writes all rows
or none (the job's one transaction); clients are upserted by registration code, so applying twice changes nothing
more. The tier is never imported: the 80/20 tiering sets it.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import json
import re
import secrets
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path

import openpyxl
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext as _

from clients.feeds import MAX_REPORTED_REFUSALS, numbered_batches
from clients.models import Client
from clients.services import CLIENT_EDITABLE_FIELDS
from core.choices import ClientTier

FORMATS = ("csv", "xlsx")
_TOKEN = re.compile(r"^[0-9a-f]{32}$")
_SLASHED_DATE = re.compile(r"^\s*(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{2,4})\s*$")


def import_date(value: object) -> dt.date | None:
    """A date in an import: a spreadsheet's date, or text as YYYY-MM-DD only; 01/02/2026 could be 1 February or
    2 January, so it is refused saying so rather than guessed."""
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
    refused_count: int = 0
    refused: list[ImportRefusal] = field(default_factory=list)
    applied: bool = False

    def refuse(self, row: ImportRefusal) -> None:
        self.refused_count += 1
        if len(self.refused) < MAX_REPORTED_REFUSALS:
            self.refused.append(row)


# --- the stored upload --------------------------------------------------------------------------------------------


def _folder() -> Path:
    return Path(settings.MEDIA_ROOT) / "imports"


def import_path(token: str) -> Path:
    """The stored upload of a token; a token that is not one of ours is refused (it names a file)."""
    if not _TOKEN.match(token or ""):
        raise ValidationError(_("This import does not exist."), code="import_unknown")
    for fmt in FORMATS:
        path = _folder() / f"{token}.{fmt}"
        if path.exists():
            return path
    raise ValidationError(_("This import does not exist."), code="import_unknown")


def import_store(upload: UploadedFile, *, fmt: str) -> str:
    """Store an upload (already checked by import_file_validate) for the jobs; returns its token."""
    if fmt not in FORMATS:
        raise ValidationError(_("Import a CSV or XLSX file."), code="import_format")
    token = secrets.token_hex(16)
    _folder().mkdir(parents=True, exist_ok=True)
    with open(_folder() / f"{token}.{fmt}", "wb") as out:
        for chunk in upload.chunks():
            out.write(chunk)
    return token


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


def _rows(path: Path) -> Iterator[dict[str, object]]:
    """The file's rows as {column: value}, read one at a time (an XLSX in read-only mode)."""
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


def _client_row(raw: dict[str, object]) -> tuple[str, Client | None, dict[str, list[str]]]:
    """The row's registration code and an unsaved client checked by the model's field rules, or its errors."""
    values = {name: str(raw.get(name) or "").strip() for name in CLIENT_EDITABLE_FIELDS}
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


def _write(batch: list[Client], report: ImportReport) -> None:
    codes = [client.registration_code for client in batch]
    existing = set(Client.objects.filter(registration_code__in=codes).values_list("registration_code", flat=True))
    Client.objects.bulk_create(
        batch,
        update_conflicts=True,
        unique_fields=["registration_code"],
        update_fields=[name for name in CLIENT_EDITABLE_FIELDS if name != "registration_code"],
    )
    report.updated += len(existing)
    report.created += len(batch) - len(existing)


def client_import_run(*, token: str, apply: bool) -> ImportReport:
    """Check every row of the token's file; with apply, also upsert them all by registration code. Writes the report
    for the import page. Applying a file with any refused row raises ValidationError once every row is checked: run
    it inside a transaction (the job's), which that rolls back, so nothing is written."""
    report = ImportReport(stage="apply" if apply else "check")
    seen: set[str] = set()
    for batch in numbered_batches(_rows(import_path(token)), first_line=2):
        valid = []
        for line, raw in batch:
            report.rows += 1
            code, client, errors = _client_row(raw)
            if code and code in seen:
                errors.setdefault("registration_code", []).append(
                    _("Registration code %(code)s appears twice in the file.") % {"code": code}
                )
            seen.add(code)
            if errors:
                report.refuse(ImportRefusal(line, code, errors))
            elif client is not None:
                valid.append(client)
        if apply and not report.refused_count:
            _write(valid, report)
    if not report.rows:
        report.refuse(ImportRefusal(1, "", {"file": [_("The file has no rows under its header.")]}))
    if apply and report.refused_count:
        report.created = report.updated = 0
    report.applied = apply and not report.refused_count
    _report_save(token, report)
    if apply and report.refused_count:
        raise ValidationError(
            _("%(count)s rows are refused: nothing was imported.") % {"count": report.refused_count},
            code="import_refused",
        )
    return report
