"""CSV imports, one machinery for every list a lead uploads (hamlets, households).

A file is read whole, every row is checked, and the errors come back with their line numbers.
The caller changes nothing unless `errors` is empty. Headers may be Vietnamese or English,
with or without accents; the file must be UTF-8 (a BOM is fine).
"""

import csv
import io
import unicodedata
from dataclasses import dataclass, field

from flask_babel import gettext as _

from campaign import numbers
from campaign.i18n import number as format_number

MAX_BYTES = 1024 * 1024
MAX_ROWS = 5000
FIELD_LIMIT = csv.field_size_limit()  # the csv module's, per cell


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
    """Read a CSV into rows keyed by column name. Raises ImportFileError for an unreadable file."""
    data = read_bytes(upload)
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
