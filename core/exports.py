"""CSV and XLSX downloads: a list (any queryset or iterable) with its columns, or rows a report builds.

CSV is written in UTF-8 with a byte-order mark so that spreadsheet programs read Chinese names correctly; a text
cell starting with = + - @ is prefixed with an apostrophe so that a client's name can never run as a formula.
XLSX keeps numbers as numbers (two decimals) and dates as dates.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.http import Http404, HttpResponse
from django.utils.functional import Promise
from django.utils.timezone import localtime
from django.utils.translation import gettext as _

FORMATS = ("csv", "xlsx")
CSV_TYPE = "text/csv; charset=utf-8"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class Column:
    """One column of an export: its header and how to read the value from a row."""

    header: str | Promise
    value: Callable[[Any], Any]


def column(header: str | Promise, path: str) -> Column:
    """A column reading a dotted attribute path (``manager.user.username``); a missing link gives an empty cell."""

    def read(row: Any) -> Any:
        value = row
        for name in path.split("."):
            value = getattr(value, name, None)
            if value is None:
                return None
            if callable(value):
                value = value()
        return value

    return Column(header, read)


def table_rows(items: Iterable[Any], columns: list[Column]) -> Iterator[list[Any]]:
    """The header row, then one row per item."""
    yield [str(c.header) for c in columns]
    for item in items:
        yield [c.value(item) for c in columns]


def _plain(value: Any) -> Any:
    """A value as a spreadsheet cell: lazy strings translated, aware datetimes in local time without zone."""
    if isinstance(value, Promise):
        return str(value)
    if isinstance(value, dt.datetime) and value.tzinfo is not None:
        return localtime(value).replace(tzinfo=None)
    return value


def _csv_cell(value: Any) -> Any:
    value = _plain(value)
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return f"{value:.2f}"
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def render_csv(rows: Iterable[list[Any]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    for row in rows:
        writer.writerow([_csv_cell(value) for value in row])
    return buffer.getvalue().encode("utf-8-sig")


def _xlsx_cell(value: Any) -> Any:
    value = _plain(value)
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def render_xlsx(sheets: list[tuple[str, Iterable[list[Any]]]], *, bold_rows: Iterable[int] = (1,)) -> bytes:
    """A workbook of one sheet per (title, rows); the header row in bold, decimals shown with two places."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    workbook = Workbook()
    workbook.remove(workbook.active)
    bold = set(bold_rows)
    for title, rows in sheets:
        # Sheet titles are at most 31 characters and may not contain []:*?/\ .
        sheet = workbook.create_sheet(title="".join(ch for ch in str(title) if ch not in "[]:*?/\\")[:31] or "Sheet")
        widths: dict[int, int] = {}
        for row in rows:
            sheet.append([_xlsx_cell(value) for value in row])
            for index, value in enumerate(row, start=1):
                widths[index] = max(widths.get(index, 0), min(60, len(str(value or "")) + 2))
        for row in sheet.iter_rows():
            for cell in row:
                if isinstance(cell.value, Decimal | float):
                    cell.number_format = "#,##0.00"
                elif isinstance(cell.value, dt.datetime):
                    cell.number_format = "yyyy-mm-dd hh:mm"
                elif isinstance(cell.value, dt.date):
                    cell.number_format = "yyyy-mm-dd"
                if cell.row in bold:
                    cell.font = Font(bold=True)
        for index, width in widths.items():
            sheet.column_dimensions[sheet.cell(row=1, column=index).column_letter].width = max(10, width)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def download(content: bytes, *, filename: str, fmt: str) -> HttpResponse:
    """The file as an attachment (filenames are ASCII: the date and the kind of list)."""
    response = HttpResponse(content, content_type=CSV_TYPE if fmt == "csv" else XLSX_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{filename}.{fmt}"'
    return response


def export_response(
    *, items: Iterable[Any], columns: list[Column], fmt: str, filename: str, title: str | Promise
) -> HttpResponse:
    """A list as CSV or XLSX; any other format is a 404 (a mistyped link, not a server error)."""
    if fmt not in FORMATS:
        raise Http404(_("Unknown export format."))
    rows = table_rows(items, columns)
    content = render_csv(rows) if fmt == "csv" else render_xlsx([(str(title), rows)])
    return download(content, filename=filename, fmt=fmt)
