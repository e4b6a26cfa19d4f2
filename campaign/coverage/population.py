"""Official population figures for wards and provinces, imported from CSV by a coordinator.

The file has a header and one line per area: `cap,ma,dan_so` (or `level,code,population`), where
`cap` is `tinh` (province) or `xa` (ward), `ma` the official code and `dan_so` the population; an
empty `dan_so` removes the official figure (the sum of hamlets counts again). Every line is
checked first; if any is wrong nothing is stored. Importing the same file twice changes nothing.
"""

import csv
import io

from flask_babel import gettext as _

from campaign.areas.models import Province, Ward
from campaign.extensions import db

LEVEL_WORDS = {
    "tinh": "province",
    "tỉnh": "province",
    "province": "province",
    "xa": "ward",
    "xã": "ward",
    "phuong": "ward",
    "phường": "ward",
    "ward": "ward",
}
HEADERS = {"cap": "level", "cấp": "level", "level": "level", "ma": "code", "mã": "code", "code": "code"}
HEADERS |= {
    "dan_so": "population",
    "dân số": "population",
    "dân_số": "population",
    "population": "population",
}


class PopulationImportError(Exception):
    def __init__(self, errors: list[str]):
        super().__init__("; ".join(errors))
        self.errors = errors


def import_population(text: str, province_code: int | None = None) -> int:
    """Store the figures; returns how many areas changed. `province_code` limits the scope."""
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    rows = [r for r in rows if any(cell.strip() for cell in r)]
    if not rows:
        raise PopulationImportError([_("Tệp trống.")])
    header = [HEADERS.get(cell.strip().lower()) for cell in rows[0]]
    if sorted(h for h in header if h) != ["code", "level", "population"]:
        raise PopulationImportError([_("Dòng 1: cần các cột cap, ma, dan_so.")])
    position = {name: header.index(name) for name in ("level", "code", "population")}
    errors, changes, seen = [], [], set()
    for line_number, row in enumerate(rows[1:], start=2):
        cells = {name: (row[i].strip() if i < len(row) else "") for name, i in position.items()}
        level = LEVEL_WORDS.get(cells["level"].lower())
        if level is None:
            errors.append(
                _('Dòng %(n)d: cấp "%(v)s" không rõ (tinh hoặc xa).', n=line_number, v=cells["level"])
            )
            continue
        try:
            code = int(cells["code"])
        except ValueError:
            errors.append(_('Dòng %(n)d: mã "%(v)s" không phải số.', n=line_number, v=cells["code"]))
            continue
        area = db.session.get(Province if level == "province" else Ward, code)
        if area is None:
            errors.append(_("Dòng %(n)d: không có khu vực mã %(code)d.", n=line_number, code=code))
            continue
        area_province = area.code if level == "province" else area.province_code
        if province_code is not None and area_province != province_code:
            errors.append(_("Dòng %(n)d: %(name)s không thuộc tỉnh của bạn.", n=line_number, name=area.name))
            continue
        if (level, code) in seen:
            errors.append(_("Dòng %(n)d: %(name)s đã có ở dòng trước.", n=line_number, name=area.name))
            continue
        seen.add((level, code))
        population = None
        if cells["population"]:
            try:
                population = int(cells["population"].replace(".", "").replace(",", "").replace(" ", ""))
            except ValueError:
                population = -1
            if population < 0:
                errors.append(
                    _(
                        'Dòng %(n)d: dân số "%(v)s" phải là số nguyên không âm.',
                        n=line_number,
                        v=cells["population"],
                    )
                )
                continue
        changes.append((area, population))
    if errors:
        raise PopulationImportError(errors)
    changed = 0
    for area, population in changes:
        if area.population_official != population:
            area.population_official = population
            changed += 1
    db.session.flush()
    return changed
