"""The one CSV writer and the one XLSX writer that every export goes through.

Text that people typed (a hamlet's name, a household label, a review reason) may start with
"=", "+", "-" or "@", which a spreadsheet would run as a formula (OWASP "CSV injection"). In CSV
such text gets an apostrophe in front, as OWASP advises; in XLSX text is always a string cell.
Numbers and dates stay numbers and dates: a rank change of -3 is not text.
"""

import csv
import io
import re
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from flask import Response
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

CSV_MIMETYPE = "text/csv"  # Werkzeug adds "; charset=utf-8" to text types
XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
DATE_TIME_FORMAT = "DD/MM/YYYY HH:MM"
NUMBERS = (int, float, Decimal)


@dataclass(frozen=True)
class Column:
    header: str
    number_format: str | None = None  # Excel's format for the column's numbers and dates
    csv_text: Callable[[object], str] | None = None  # how CSV spells the column's numbers


@dataclass
class Table:
    title: str  # the sheet's name
    columns: list[Column]
    rows: Iterable[Sequence]
    freeze: str = "A2"  # the first cell that scrolls
    # XLSX only: lines of text above the header (a report's title block), a bold last row (its
    # totals), and a print setup for A4 (landscape, as wide as the page, the header on every page).
    heading: Sequence[Sequence[str]] = ()  # rows of text cells
    totals: Sequence | None = None
    print_a4: bool = False


def is_text(value) -> bool:
    return not isinstance(value, (*NUMBERS, date)) and value is not None


def csv_safe(text: str) -> str:
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def _csv_value(value, column: Column):
    if value is None:
        return ""
    if is_text(value):
        return csv_safe(str(value))
    if isinstance(value, datetime):
        return value.strftime("%d/%m/%Y %H:%M")
    if isinstance(value, date):
        return value.strftime("%d/%m/%Y")
    return column.csv_text(value) if column.csv_text else value


def to_csv(table: Table) -> bytes:
    """UTF-8 with a BOM, so that Excel reads Vietnamese."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([csv_safe(str(c.header)) for c in table.columns])
    for row in table.rows:
        writer.writerow([_csv_value(v, c) for v, c in zip(row, table.columns, strict=True)])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def to_xlsx(table: Table) -> bytes:
    """A write-only workbook: bold header, numbers and dates formatted, text as string cells."""
    book = Workbook(write_only=True)
    sheet = book.create_sheet(table.title[:31])
    for index, column in enumerate(table.columns, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = max(10, min(40, len(column.header) + 4))
    bold = Font(bold=True)
    if table.heading:
        skip = len(table.heading) + 1  # the title block and a blank line
        column, row = (
            table.freeze.rstrip("0123456789"),
            int(table.freeze.lstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZ")),
        )
        sheet.freeze_panes = f"{column}{row + skip}"
        sheet.print_title_rows = f"{skip + 1}:{skip + 1}"
    else:
        sheet.freeze_panes = table.freeze
    if table.print_a4:
        sheet.page_setup.paperSize = Worksheet.PAPERSIZE_A4
        sheet.page_setup.orientation = Worksheet.ORIENTATION_LANDSCAPE
        sheet.page_setup.fitToWidth, sheet.page_setup.fitToHeight = 1, 0
        sheet.sheet_properties.pageSetUpPr.fitToPage = True

    def cell(value, column: Column | None = None):
        if is_text(value):
            # Characters XML cannot carry would make openpyxl refuse the whole file.
            c = WriteOnlyCell(sheet, value=ILLEGAL_CHARACTERS_RE.sub("\ufffd", str(value)))
            c.data_type = "s"  # never a formula, whatever the text starts with
            return c
        c = WriteOnlyCell(sheet, value=value)
        if column is not None and value is not None:
            fmt = column.number_format or (DATE_TIME_FORMAT if isinstance(value, datetime) else None)
            if fmt:
                c.number_format = fmt
        return c

    for index, line in enumerate(table.heading):
        cells = [cell(text) for text in line]
        if index == 0:
            cells[0].font = Font(bold=True, size=14)
        sheet.append(cells)
    if table.heading:
        sheet.append([])
    header = []
    for column in table.columns:
        header.append(cell(column.header))
        header[-1].font = bold
    sheet.append(header)
    for row in table.rows:
        sheet.append([cell(v, c) for v, c in zip(row, table.columns, strict=True)])
    if table.totals is not None:
        totals = [cell(v, c) for v, c in zip(table.totals, table.columns, strict=True)]
        for c in totals:
            c.font = bold
        sheet.append(totals)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def file_name(stem: str, kind: str) -> str:
    """An ASCII file name: the header must be Latin-1 and one line, whatever the stem holds."""
    ascii_stem = unicodedata.normalize("NFKD", stem).encode("ascii", "ignore").decode("ascii")
    return re.sub(r"[^A-Za-z0-9._-]+", "-", ascii_stem).strip("-.") + "." + kind


def download(table: Table, kind: str, stem: str) -> Response:
    """The table as a CSV or XLSX attachment. Build `stem` from resolved objects, not the URL."""
    if kind == "csv":
        response = Response(to_csv(table), mimetype=CSV_MIMETYPE)
    elif kind == "xlsx":
        response = Response(to_xlsx(table), mimetype=XLSX_MIMETYPE)
    else:
        raise ValueError(kind)
    response.headers.set("Content-Disposition", "attachment", filename=file_name(stem, kind))
    return response
