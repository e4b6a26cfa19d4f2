"""Official population figures for wards and provinces, imported from CSV by a coordinator.

The file has a header and one line per area: `cap,ma,dan_so` (or `level,code,population`), where
`cap` is `tinh` (province) or `xa` (ward), `ma` the official code and `dan_so` the population; an
empty `dan_so` removes the official figure (the sum of hamlets counts again). Every line is
checked first; if any is wrong nothing is stored. Importing the same file twice changes nothing.
"""

from flask_babel import gettext as _

from campaign import imports, numbers
from campaign.areas.models import MAX_PROVINCE_POPULATION, MAX_WARD_POPULATION, Province, Ward
from campaign.extensions import db
from campaign.imports import Column
from campaign.types import MAX_ID

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
COLUMNS = [
    Column("level", ("cap", "cấp", "level")),
    Column("code", ("ma", "mã", "code")),
    Column("population", ("dan_so", "dân số", "population")),
]
MAXIMUM = {"province": MAX_PROVINCE_POPULATION, "ward": MAX_WARD_POPULATION}


class PopulationImportError(Exception):
    def __init__(self, errors: list[str]):
        super().__init__("; ".join(errors))
        self.errors = errors


def import_population(upload, province_code: int | None = None) -> int:
    """Store the figures; returns how many areas changed. `province_code` limits the scope.

    `upload` is a file, bytes or text, read as every import is (`imports.parse`).
    """
    try:
        parsed = imports.parse(upload, COLUMNS)
    except imports.ImportFileError as error:
        raise PopulationImportError([str(error)]) from error
    errors, changes, seen = parsed.errors, [], set()
    for line_number, cells in parsed.rows:
        level = LEVEL_WORDS.get(cells["level"].lower())
        if level is None:
            errors.append(
                _(
                    'Dòng %(n)d: cấp "%(v)s" không rõ (tinh hoặc xa).',
                    n=line_number,
                    v=imports.shown(cells["level"]),
                )
            )
            continue
        try:
            code = numbers.whole_number(cells["code"], MAX_ID)
        except numbers.TooBig:  # no code is that long
            errors.append(
                _('Dòng %(n)d: không có khu vực mã "%(v)s".', n=line_number, v=imports.shown(cells["code"]))
            )
            continue
        except numbers.NotWhole:
            errors.append(
                _('Dòng %(n)d: mã "%(v)s" không phải số.', n=line_number, v=imports.shown(cells["code"]))
            )
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
        population, problem = imports.whole_number(
            cells["population"], _("dân số"), maximum=MAXIMUM[level], required=False
        )
        if problem:
            parsed.error(line_number, problem)
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
