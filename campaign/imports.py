"""CSV and XLSX imports, one machinery for every list uploaded (hamlets, households, rosters).

A file is read whole, every row is checked, and the errors come back with their line numbers.
The caller changes nothing unless `errors` is empty. Headers may be Vietnamese or English,
with or without accents; a CSV must be UTF-8 (a BOM is fine), an XLSX is read with openpyxl.

Province-wide files (every hamlet of a province, a roster of thousands) are previewed first and
applied after: `stage` keeps the uploaded bytes for the apply step, `Preview` holds the counts per
group and the errors, and `apply_all_or_nothing` stores everything or nothing.
"""

import csv
import io
import os
import re
import secrets
import time
import unicodedata
import zipfile
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from flask import current_app, request
from flask_babel import gettext as _

from campaign import numbers
from campaign.extensions import db
from campaign.i18n import number as format_number

MAX_BYTES = 1024 * 1024
MAX_ROWS = 5000
# A province's hamlets (about 100 wards of up to 60) or a roster of thousands.
PROVINCE_MAX_BYTES = 5 * 1024 * 1024
PROVINCE_MAX_ROWS = 20_000
FIELD_LIMIT = csv.field_size_limit()  # the csv module's, per cell
XLSX_MAGIC = b"PK\x03\x04"
STAGE_SECONDS = 24 * 3600  # a preview not applied within a day is forgotten


class ImportFileError(ValueError):
    """The file as a whole cannot be read; the message is for a person."""


class ImportRejected(Exception):
    """Nothing may be stored: the file cannot be read (`unreadable`, one message) or some of its
    rows are wrong (`errors`, by line). The caller rolls back what the import flushed."""

    def __init__(self, errors: list[str], *, unreadable: bool = False):
        super().__init__("; ".join(errors))
        self.errors, self.unreadable = errors, unreadable


def all_or_nothing(run, *args) -> dict:
    """Run an import service (`run(*args)`, which returns its counts and `errors`); its counts
    when every row is fine, else ImportRejected. The pages and the API read uploads through it."""
    try:
        result = run(*args)
    except ImportFileError as error:
        raise ImportRejected([str(error)], unreadable=True) from error
    if result["errors"]:
        raise ImportRejected(result["errors"])
    return result


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


def size_text(max_bytes: int) -> str:
    return f"{format_number(max_bytes // (1024 * 1024))} MB"


def read_bytes(upload, max_bytes: int = MAX_BYTES) -> bytes:
    """The bytes of an uploaded file (FileStorage) or of bytes/str, at most `max_bytes`."""
    if upload is None:
        raise ImportFileError(_("Hãy chọn một tệp CSV."))
    if isinstance(upload, str):
        upload = upload.encode("utf-8")
    data = upload if isinstance(upload, bytes) else upload.read(max_bytes + 1)
    if len(data) > max_bytes:
        if max_bytes == MAX_BYTES:
            raise ImportFileError(_("Tệp quá lớn (tối đa 1 MB)."))
        raise ImportFileError(_("Tệp quá lớn (tối đa %(size)s).", size=size_text(max_bytes)))
    if not data.strip():
        raise ImportFileError(_("Tệp trống."))
    return data


def parse(upload, columns: list[Column], max_rows: int = MAX_ROWS, max_bytes: int = MAX_BYTES) -> Parsed:
    """Read a CSV or XLSX into rows keyed by column name. Raises ImportFileError for an
    unreadable file."""
    data = read_bytes(upload, max_bytes)
    if data.startswith(XLSX_MAGIC):
        return _parse_xlsx(data, columns, max_rows)
    if b"\x00" in data:
        raise ImportFileError(_("Tệp không phải CSV dạng văn bản (có vẻ là tệp nhị phân)."))
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise ImportFileError(
            _("Tệp không phải mã UTF-8. Hãy lưu lại dưới dạng “CSV UTF-8” rồi thử lại.")
        ) from error
    sample = text[:4096]
    # Lines pasted from a spreadsheet are separated by tabs.
    counts = {d: sample.count(d) for d in (",", ";", "\t")}
    delimiter = max(counts, key=lambda d: (counts[d], d == ","))
    line = 0  # where the last record ended; a broken one starts on the next line
    try:
        reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
        header = next(reader, None)
        if header is None:
            raise ImportFileError(_("Tệp trống."))
        mapping = _map_header(header, columns)
        parsed = Parsed()
        line = reader.line_num
        for record in reader:
            line = reader.line_num
            if not any(cell.strip() for cell in record):
                continue
            if len(parsed.rows) >= max_rows:
                raise ImportFileError(_("Tệp có quá nhiều dòng (tối đa %(n)d).", n=max_rows))
            if len(record) > len(header):
                parsed.error(line, _("có nhiều ô hơn dòng tiêu đề."))
                continue
            row = {name: "" for name in (c.name for c in columns)}
            for index, name in mapping.items():
                if index < len(record):
                    row[name] = record[index].strip()
            parsed.rows.append((line, row))
    except csv.Error as error:
        if "field larger than field limit" in str(error):  # a quoted cell that never closes, or a paste
            raise ImportFileError(
                _("Dòng %(line)d: một ô dài quá %(n)s ký tự.", line=line + 1, n=format_number(FIELD_LIMIT))
            ) from error
        raise ImportFileError(_("Tệp CSV bị lỗi định dạng: %(detail)s", detail=str(error))) from error
    if not parsed.rows and not parsed.errors:
        raise ImportFileError(_("Tệp không có dòng dữ liệu nào."))
    return parsed


def _xlsx_text(value) -> str:
    """A cell as the CSV reader would see it: 1250.0 is "1250", a date is dd/mm/yyyy."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(int(value))
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    if hasattr(value, "strftime"):
        return value.strftime("%d/%m/%Y")
    return str(value)


def _parse_xlsx(data: bytes, columns: list[Column], max_rows: int) -> Parsed:
    """The first sheet of a workbook, its first row the header; line numbers are Excel's rows."""
    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError, TypeError) as error:
        raise ImportFileError(_("Tệp XLSX bị hỏng hoặc không phải bảng tính Excel.")) from error
    try:
        sheet = book.worksheets[0] if book.worksheets else None
        if sheet is None:
            raise ImportFileError(_("Tệp trống."))
        rows = sheet.iter_rows(values_only=True)
        header = None
        parsed = Parsed()
        for line, values in enumerate(rows, start=1):
            cells = [_xlsx_text(v) for v in values]
            if any(len(c) > FIELD_LIMIT for c in cells):
                raise ImportFileError(
                    _("Dòng %(line)d: một ô dài quá %(n)s ký tự.", line=line, n=format_number(FIELD_LIMIT))
                )
            if header is None:
                if not any(c.strip() for c in cells):
                    continue
                header, mapping = cells, _map_header(cells, columns)
                continue
            if not any(c.strip() for c in cells):
                continue
            if len(parsed.rows) + len(parsed.errors) >= max_rows:
                raise ImportFileError(_("Tệp có quá nhiều dòng (tối đa %(n)d).", n=max_rows))
            row = {c.name: "" for c in columns}
            for index, name in mapping.items():
                if index < len(cells):
                    row[name] = cells[index].strip()
            parsed.rows.append((line, row))
    except (zipfile.BadZipFile, KeyError, ValueError, OSError, TypeError) as error:
        if isinstance(error, ImportFileError):
            raise
        raise ImportFileError(_("Tệp XLSX bị hỏng hoặc không phải bảng tính Excel.")) from error
    finally:
        book.close()
    if header is None:
        raise ImportFileError(_("Tệp trống."))
    if not parsed.rows:
        raise ImportFileError(_("Tệp không có dòng dữ liệu nào."))
    return parsed


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


# --- preview, then apply: the steps every province-wide import shares -------------------------


def allow_upload(max_bytes: int = PROVINCE_MAX_BYTES) -> None:
    """Let this request carry a file up to `max_bytes` (the app's limit is 1 MB for every other
    request). Call before reading `request.files` or `request.form`."""
    request.max_content_length = max_bytes + 64 * 1024  # the multipart envelope
    request.max_form_memory_size = max_bytes + 64 * 1024  # a pasted roster is a form field


def _stage_dir() -> Path:
    path = Path(current_app.instance_path) / "imports"
    path.mkdir(parents=True, exist_ok=True)
    return path


TOKEN = re.compile(r"[0-9a-f]{32}")


def _stage_path(token: str, kind: str, user_id: int) -> Path:
    if not isinstance(token, str) or not TOKEN.fullmatch(token):
        raise ImportFileError(_("Bản xem trước đã hết hạn. Hãy tải tệp lên lại."))
    return _stage_dir() / f"{kind}-{user_id}-{token}.bin"


def stage(data: bytes, kind: str, user_id: int) -> str:
    """Keep a previewed file for its apply step; only the same user and kind can read it back.
    Files (not the session): a province's file is megabytes, and every worker sees instance/."""
    folder = _stage_dir()
    cutoff = time.time() - STAGE_SECONDS
    for old in folder.glob("*.bin"):
        if old.stat().st_mtime < cutoff:
            old.unlink(missing_ok=True)
    token = secrets.token_hex(16)
    path = _stage_path(token, kind, user_id)
    tmp = path.with_suffix(f".{os.getpid()}.tmp")
    tmp.write_bytes(data)
    tmp.replace(path)
    return token


def staged(token: str, kind: str, user_id: int) -> bytes:
    path = _stage_path(token, kind, user_id)
    try:
        if path.stat().st_mtime < time.time() - STAGE_SECONDS:
            raise FileNotFoundError(path)
        return path.read_bytes()
    except FileNotFoundError as error:
        raise ImportFileError(_("Bản xem trước đã hết hạn. Hãy tải tệp lên lại.")) from error


def unstage(token: str, kind: str, user_id: int) -> None:
    _stage_path(token, kind, user_id).unlink(missing_ok=True)


@dataclass
class Group:
    """One ward (or team) of a preview: what applying would do to it."""

    key: object
    label: str
    new: int = 0
    changed: int = 0
    unchanged: int = 0
    notes: list[str] = field(default_factory=list)


@dataclass
class Preview:
    """What an import would do, per group, and every error with its line: apply only if `ok`."""

    errors: list[str] = field(default_factory=list)
    groups: dict = field(default_factory=dict)
    rows: int = 0
    plan: dict = field(default_factory=lambda: defaultdict(list))  # what apply will write

    @property
    def ok(self) -> bool:
        return not self.errors

    def group(self, key, label: str) -> Group:
        if key not in self.groups:
            self.groups[key] = Group(key, label)
        return self.groups[key]

    def totals(self) -> dict:
        return {
            name: sum(getattr(g, name) for g in self.groups.values())
            for name in ("new", "changed", "unchanged")
        }


class ApplyFailed(ImportFileError):
    """The apply step failed part way; nothing it wrote was kept."""


def apply_all_or_nothing(write, *args, **kwargs):
    """Run `write` inside a savepoint: any error undoes every row it wrote and becomes one
    message for a person. The request still commits once, after."""
    savepoint = db.session.begin_nested()
    try:
        result = write(*args, **kwargs)
        db.session.flush()
    except Exception as error:
        savepoint.rollback()
        current_app.logger.exception("import apply failed")
        raise ApplyFailed(_("Không nhập được tệp; không có gì được lưu. Hãy thử lại.")) from error
    savepoint.commit()
    return result
