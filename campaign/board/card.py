"""The board as a shareable PNG card (1200×630, the size Zalo and Facebook show whole): the top 5,
the fastest climbers and one highlighted area, drawn on the server with Pillow.

The text is set in Noto Sans (SIL Open Font License, `fonts/OFL.txt`), which has every Vietnamese
letter. The card is laid out first as a list of items, then painted: the items are what a test
reads to check that each character is in the font. Names come from the database: they are
normalised (NFC), any character the font lacks becomes "?", and a name too long for its place is
cut with "…", so no name can break the layout.
"""

import io
import unicodedata
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from flask_babel import gettext as _
from fontTools.ttLib import TTFont
from PIL import Image, ImageDraw, ImageFont

from campaign.board.services import Board, Row
from campaign.i18n import percent, short_date

WIDTH, HEIGHT = 1200, 630
FONTS = Path(__file__).parent / "fonts"
FONT_FILES = {False: FONTS / "NotoSans-Regular.ttf", True: FONTS / "NotoSans-Bold.ttf"}
GREEN, INK, MUTED, WHITE, PALE, LINE = "#0b6e4f", "#1d2939", "#5b6677", "#ffffff", "#cde9dd", "#d0d5dd"
HIGHLIGHT, UP, DOWN = "#fff7d6", "#0b6e4f", "#b42318"
MARGIN, GUTTER = 60, 40
COLUMN = (WIDTH - 2 * MARGIN - GUTTER) // 2
ELLIPSIS = "…"


@dataclass(frozen=True)
class Text:
    x: float
    y: float
    text: str
    size: int
    bold: bool = False
    fill: str = INK
    anchor: str = "la"  # Pillow's anchors: left (or "r" right) and ascender


@dataclass(frozen=True)
class Box:
    x0: float
    y0: float
    x1: float
    y1: float
    fill: str
    radius: int = 12


@dataclass(frozen=True)
class Triangle:
    """▲ or ▼ drawn as a shape: Noto Sans has no geometric shapes."""

    x: float
    y: float
    size: int
    up: bool


@cache
def font(size: int, bold: bool = False) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(str(FONT_FILES[bold]), size)


@cache
def glyphs() -> frozenset[int]:
    """The characters both weights of the font have."""
    maps = [set(TTFont(str(path), lazy=True).getBestCmap()) for path in FONT_FILES.values()]
    return frozenset(maps[0] & maps[1])


def clean(text: str) -> str:
    """A name as the card can print it: NFC, one line, only characters the font has."""
    text = " ".join(unicodedata.normalize("NFC", text).split())
    known = glyphs()
    return "".join(ch if ord(ch) in known else "?" for ch in text)


def width(text: str, size: int, bold: bool = False) -> float:
    return font(size, bold).getlength(text)


def fit(text: str, size: int, bold: bool, room: float) -> str:
    """The text, cut with "…" to fit `room` pixels."""
    if width(text, size, bold) <= room:
        return text
    low, high = 0, len(text)
    while low < high:  # the longest prefix that fits with the ellipsis
        middle = (low + high + 1) // 2
        if width(text[:middle].rstrip() + ELLIPSIS, size, bold) <= room:
            low = middle
        else:
            high = middle - 1
    return text[:low].rstrip() + ELLIPSIS


def wrap(text: str, size: int, bold: bool, room: float, lines: int) -> list[str]:
    """The text on at most `lines` lines of `room` pixels, the last one cut with "…"."""
    result, words = [], text.split(" ")
    while words and len(result) < lines - 1:
        line = words.pop(0)
        while words and width(line + " " + words[0], size, bold) <= room:
            line += " " + words.pop(0)
        if width(line, size, bold) > room:  # one word longer than the line
            words.insert(0, line)
            break
        result.append(line)
    if words:
        result.append(fit(" ".join(words), size, bold, room))
    return result


def _change_items(x: float, y: float, change: int | None, size: int) -> list:
    """ "▲6" / "▼2" / "=" right-aligned at x (the triangle is a shape, the number text)."""
    if change is None:
        return [Text(x, y, "–", size, True, MUTED, "ra")]
    if change == 0:
        return [Text(x, y, "=", size, True, MUTED, "ra")]
    number = str(abs(change))
    triangle_x = x - width(number, size, True) - size * 0.75
    return [
        Triangle(triangle_x, y + size * 0.28, size * 2 // 3, change > 0),
        Text(x, y, number, size, True, UP if change > 0 else DOWN, "ra"),
    ]


def _list(x: float, y: float, title: str, rows: tuple[Row, ...], empty: str, value) -> list:
    """A column: its title, then up to five lines "1  Name ..... value"."""
    items = [Text(x, y, fit(title, 28, True, COLUMN), 28, True)]
    y += 52
    if not rows:
        return [*items, Text(x, y, empty, 24, False, MUTED)]
    for row in rows:
        values = value(x + COLUMN, y, row)
        taken = max(width(i.text, 26, True) for i in values if isinstance(i, Text)) + 40
        rank = str(row.rank) if row.rank is not None else "–"
        items += [
            Text(x, y, rank, 26, True, MUTED),
            Text(x + 52, y, fit(clean(row.name), 26, False, COLUMN - 52 - taken), 26),
            *values,
        ]
        y += 44
    return items


def _highlight_items(board: Board, highlight: Row | None) -> list:
    """The band near the foot: the chosen area's rank, rate and change; without one, the area's
    own rate (and a province's rank in the country)."""
    top, bottom = 484, 560
    items: list = [Box(MARGIN - 20, top, WIDTH - MARGIN + 20, bottom, HIGHLIGHT)]
    y = top + 20
    if highlight is not None:
        of = board.ranked_count
        name, rank, change, rate = highlight.name, highlight.rank, highlight.rank_change, highlight.rate
    else:
        of = board.own_ranked_count
        name, rank, change, rate = board.own.name, board.own.rank, board.own.rank_change, board.own.rate
    parts = [percent(rate)]
    if rank is not None:
        parts.insert(0, _("hạng %(r)d/%(of)d", r=rank, of=of))
    figures = " · ".join(parts)
    room = WIDTH - 2 * MARGIN - width(figures, 30, True) - 110
    label = fit(clean(name), 30, True, room) + ": "
    items.append(Text(MARGIN, y, label, 30, True))
    items.append(Text(MARGIN + width(label, 30, True), y, figures, 30, True, GREEN))
    if rank is not None:
        items += _change_items(WIDTH - MARGIN, y, change, 30)
    return items


def layout(board: Board, highlight: Row | None = None) -> list:
    """Every item of the card, in painting order."""
    if board.province_code is None:
        title = _("Xếp hạng các tỉnh, thành phố")
    else:
        title = _("Xếp hạng xã, phường: %(name)s", name=clean(board.area_name))
    dates = " · ".join(
        [
            _("tính đến hết ngày %(d)s", d=short_date(board.as_of)),
            _("đổi hạng so với %(d)s", d=short_date(board.since)),
        ]
    )
    items: list = [
        Box(0, 0, WIDTH, 178, GREEN, 0),
        Text(MARGIN, 30, fit(clean(board.campaign_name), 24, True, WIDTH - 2 * MARGIN), 24, True, PALE),
        Text(MARGIN, 64, fit(title, 44, True, WIDTH - 2 * MARGIN), 44, True, WHITE),
        Text(MARGIN, 128, fit(dates[0].upper() + dates[1:], 24, False, WIDTH - 2 * MARGIN), 24, False, WHITE),
    ]
    items += _list(
        MARGIN,
        206,
        _("Top 5"),
        board.top5,
        _("Chưa có"),
        lambda x, y, row: [Text(x, y, percent(row.rate), 26, True, GREEN, "ra")],
    )
    items += _list(
        MARGIN + COLUMN + GUTTER,
        206,
        _("Tăng hạng nhanh nhất"),
        board.climbers,
        _("Chưa có khu vực nào tăng hạng"),
        lambda x, y, row: _change_items(x, y, row.rank_change, 26),
    )
    items += _highlight_items(board, highlight)
    basis = (
        _("theo số người dùng chính thức %(app)s", app=clean(board.basis_app))
        if board.basis_app
        else _("theo số người dùng tình nguyện viên ghi nhận")
    )
    footer = _("Gõ cửa từng nhà · %(basis)s · mục tiêu %(t)s", basis=basis, t=percent(board.target_rate, 0))
    items.append(Text(MARGIN, 584, fit(footer, 22, False, WIDTH - 2 * MARGIN), 22, False, MUTED))
    return items


def paint(items: list) -> bytes:
    image = Image.new("RGB", (WIDTH, HEIGHT), WHITE)
    draw = ImageDraw.Draw(image)
    for item in items:
        if isinstance(item, Box):
            draw.rounded_rectangle((item.x0, item.y0, item.x1, item.y1), radius=item.radius, fill=item.fill)
        elif isinstance(item, Triangle):
            s, x, y = item.size, item.x, item.y
            points = (
                [(x, y + s), (x + s, y + s), (x + s / 2, y)]
                if item.up
                else [(x, y), (x + s, y), (x + s / 2, y + s)]
            )
            draw.polygon(points, fill=UP if item.up else DOWN)
        else:
            draw.text(
                (item.x, item.y),
                item.text,
                font=font(item.size, item.bold),
                fill=item.fill,
                anchor=item.anchor,
            )
    out = io.BytesIO()
    image.save(out, format="PNG")  # optimize=True would take 4× longer to save 3 %
    return out.getvalue()


def card_png(board: Board, highlight: Row | None = None) -> bytes:
    return paint(layout(board, highlight))
