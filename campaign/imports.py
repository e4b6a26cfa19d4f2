"""CSV imports, one machinery for every list a lead uploads (hamlets, households).

A file is read whole, every row is checked, and the errors come back with their line numbers.
The caller changes nothing unless `errors` is empty. Headers may be Vietnamese or English,
with or without accents; a CSV must be UTF-8 (a BOM is fine); an XLSX is read from its first sheet.
`preview_or_apply` is the two steps every import page offers: a preview of what each line does,
then the same check again and, only if no line is wrong, every change at once.
"""

import csv
import io
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime

import openpyxl
from flask_babel import gettext as _

from campaign import numbers
from campaign.i18n import number as format_number

MAX_BYTES = 1024 * 1024
MAX_ROWS = 5000
FIELD_LIMIT = csv.field_size_limit()  # the csv module's, per cell
XLSX_MAGIC = b"PK\x03\x04"  # an XLSX file is a zip
XLSX_MAX_COLUMNS = 50


class ImportFileError(ValueError):
    """The file as a whole cannot be read; the message is for a person."""


@dataclass
class Column:
    name: str  # the key in each parsed row
    headers: tuple[str, ...]  # accepted header spellings, compared without accents or case
    required: bool = True


@dataclass
class Parsed:
    rows: list[tuple[int, dict]] = field(default_factory=list)  # (line number, {column: text})
    errors: list[str] = field(default_factory=list)

    def error(self, line: int, message: str) -> None:
        self.errors.append(_("Dòng %(line)d: %(message)s", line=line, message=message))


def fold(text: str) -> str:
    """'Số hộ' -> 'so ho': lower case, no accents, single spaces, for matching headers."""
    text = unicodedata.normalize("NFD", text.strip().lower()).replace("đ", "d")
    text = "".join(c for c in text if unicodedata.category(c) != "Mn")
    return " ".join(text.replace("_", " ").split())


def read_bytes(upload) -> bytes:
    """The bytes of an uploaded file (FileStorage) or of bytes/str, at most MAX_BYTES."""
    if upload is None:
        raise ImportFileError(_("Hãy chọn một tệp CSV."))
    if isinstance(upload, str):
        upload = upload.encode("utf-8")
    data = upload if isinstance(upload, bytes) else upload.read(MAX_BYTES + 1)
    if len(data) > MAX_BYTES:
        raise ImportFileError(_("Tệp quá lớn (tối đa 1 MB)."))
    if not data.strip():
        raise ImportFileError(_("Tệp trống."))
    return data


def parse(upload, columns: list[Column], max_rows: int = MAX_ROWS) -> Parsed:
    """Read a CSV or an XLSX file (its first sheet) into rows keyed by column name.
    Raises ImportFileError for an unreadable file."""
    data = read_bytes(upload)
    if data.startswith(XLSX_MAGIC):
        return _rows(_xlsx_records(data), columns, max_rows)
    if b"\x00" in data:
        raise ImportFileError(_("Tệp không phải CSV dạng văn bản (có vẻ là tệp nhị phân)."))
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise ImportFileError(
            _("Tệp không phải mã UTF-8. Hãy lưu lại dưới dạng “CSV UTF-8” rồi thử lại.")
        ) from error
    sample = text[:4096]
    delimiter = ";" if sample.count(";") > sample.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    position = [0]  # where the last record ended; a broken one starts on the next line

    def records():
        for record in reader:
            position[0] = reader.line_num
            yield reader.line_num, record

    try:
        return _rows(records(), columns, max_rows)
    except csv.Error as error:
        if "field larger than field limit" in str(error):  # a quoted cell that never closes, or a paste
            raise ImportFileError(
                _(
                    "Dòng %(line)d: một ô dài quá %(n)s ký tự.",
                    line=position[0] + 1,
                    n=format_number(FIELD_LIMIT),
                )
            ) from error
        raise ImportFileError(_("Tệp CSV bị lỗi định dạng: %(detail)s", detail=str(error))) from error


def _rows(records, columns: list[Column], max_rows: int) -> Parsed:
    """The rows after the header of (line number, cells) records, whatever the file's kind."""
    first = next(records, None)
    if first is None:
        raise ImportFileError(_("Tệp trống."))
    header = first[1]
    mapping = _map_header(header, columns)
    parsed = Parsed()
    for line, record in records:
        if not any(cell.strip() for cell in record):
            continue
        if len(parsed.rows) >= max_rows:
            raise ImportFileError(_("Tệp có quá nhiều dòng (tối đa %(n)d).", n=max_rows))
        if len(record) > len(header) and any(cell.strip() for cell in record[len(header) :]):
            parsed.error(line, _("có nhiều ô hơn dòng tiêu đề."))
            continue
        row = {name: "" for name in (c.name for c in columns)}
        for index, name in mapping.items():
            if index < len(record):
                row[name] = record[index].strip()
        parsed.rows.append((line, row))
    if not parsed.rows and not parsed.errors:
        raise ImportFileError(_("Tệp không có dòng dữ liệu nào."))
    return parsed


def _xlsx_text(value) -> str:
    """A cell as the text a CSV would hold: 1250.0 is "1250", a date is "2020-08-13"."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _xlsx_records(data: bytes):
    """(row number, cells as text) of the first sheet; at most XLSX_MAX_COLUMNS cells a row."""
    try:
        book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        sheet = book.worksheets[0]
        rows = sheet.iter_rows(max_col=XLSX_MAX_COLUMNS, values_only=True)
        for line, values in enumerate(rows, start=1):
            cells = [_xlsx_text(v) for v in values]
            while cells and not cells[-1].strip():
                cells.pop()
            yield line, cells
    except ImportFileError:
        raise
    except Exception as error:  # openpyxl raises many kinds for a broken or foreign zip
        raise ImportFileError(_("Không đọc được tệp XLSX. Hãy lưu lại bằng Excel rồi thử lại.")) from error


@dataclass
class Plan:
    """What an import does, line by line: a message per line (shown in the preview), the errors
    (any one of them stops the whole file), and the changes the importer stores on apply."""

    lines: list[tuple[int, str]] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    changes: list = field(default_factory=list)
    applied: bool = False

    def error(self, line: int, message: str) -> None:
        self.errors.append(_("Dòng %(line)d: %(message)s", line=line, message=message))


def preview_or_apply(
    upload,
    columns: list[Column],
    check: Callable[[Parsed, Plan], None],
    store: Callable[[list], None],
    *,
    apply: bool,
    max_rows: int = MAX_ROWS,
) -> Plan:
    """Read and check a file; with `apply`, store its changes, all of them or (on any error) none.

    `check` fills the plan from the parsed rows; `store` writes `plan.changes` (it flushes; the
    view commits once, or rolls back)."""
    plan = Plan()
    try:
        parsed = parse(upload, columns, max_rows)
    except ImportFileError as error:
        plan.errors.append(str(error))
        return plan
    plan.errors.extend(parsed.errors)
    check(parsed, plan)
    if apply and not plan.errors:
        store(plan.changes)
        plan.applied = True
    return plan


def _map_header(header: list[str], columns: list[Column]) -> dict[int, str]:
    known = {fold(h): c.name for c in columns for h in (c.name, *c.headers)}
    mapping: dict[int, str] = {}
    unknown = []
    for index, title in enumerate(header):
        if not title.strip():
            continue
        name = known.get(fold(title))
        if name is None:
            unknown.append(title.strip())
        elif name in mapping.values():
            raise ImportFileError(_("Cột “%(title)s” xuất hiện hai lần.", title=title.strip()))
        else:
            mapping[index] = name
    missing = [c.headers[0] for c in columns if c.required and c.name not in mapping.values()]
    if unknown or missing:
        expected = ", ".join(c.headers[0] for c in columns)
        parts = []
        if missing:
            parts.append(_("thiếu cột %(names)s", names=", ".join(missing)))
        if unknown:
            parts.append(_("không hiểu cột %(names)s", names=", ".join(unknown)))
        raise ImportFileError(
            _(
                "Dòng tiêu đề chưa đúng: %(problems)s. Các cột cần có: %(expected)s.",
                problems="; ".join(parts),
                expected=expected,
            )
        )
    return mapping


# --- cell parsers: return (value, error message or None) -------------------------------------


def shown(text: str, limit: int = 30) -> str:
    """A cell as a message quotes it: a 100,000-digit cell is not repeated whole."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def whole_number(text: str, label: str, *, maximum: int, required: bool = True):
    """A count from 0 to `maximum` ("1.250" is 1250), read by the one strict reader: ASCII digits."""
    text = text.strip()
    if not text:
        return (None, _("thiếu %(label)s.", label=label)) if required else (None, None)
    try:
        return numbers.whole_number(text, maximum, grouped=True), None
    except numbers.TooBig:
        return None, _(
            "%(label)s %(text)s lớn quá mức (tối đa %(maximum)s).",
            label=label,
            text=shown(text),
            maximum=format_number(maximum),
        )
    except numbers.NotWhole:
        return None, _("%(label)s “%(text)s” không phải số nguyên không âm.", label=label, text=shown(text))


def decimal(text: str, label: str, low: float, high: float):
    if not text:
        return None, None
    try:
        value = numbers.decimal(text, comma=True)
    except ValueError:
        return None, _("%(label)s “%(text)s” không phải số.", label=label, text=shown(text))
    if not low <= value <= high:
        return None, _(
            "%(label)s phải nằm trong khoảng %(low)s đến %(high)s.", label=label, low=low, high=high
        )
    return value, None
