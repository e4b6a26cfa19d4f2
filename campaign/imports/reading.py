"""Reading an uploaded CSV or XLSX whole into rows keyed by column, with the errors by line.

Headers may be Vietnamese or English, with or without accents; a CSV must be UTF-8 (a BOM is
fine), an XLSX is read with openpyxl. An unreadable file raises ImportFileError."""

import csv
import io
import unicodedata
import zipfile
from dataclasses import dataclass, field

from flask_babel import gettext as _

from campaign.i18n import number as format_number

MAX_BYTES = 1024 * 1024


MAX_ROWS = 5000


# A province's hamlets (about 100 wards of up to 60) or a roster of thousands.
PROVINCE_MAX_BYTES = 5 * 1024 * 1024


PROVINCE_MAX_ROWS = 20_000


FIELD_LIMIT = csv.field_size_limit()  # the csv module's, per cell


XLSX_MAGIC = b"PK\x03\x04"


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
