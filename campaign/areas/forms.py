"""Forms for hamlets, their household lists and CSV uploads (also used for JSON bodies)."""

import math

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import FloatField, IntegerField, SelectField, StringField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from campaign import imports
from campaign.areas.models import HamletKind
from campaign.areas.services import KIND_LABELS


class WholeNumberField(IntegerField):
    """An integer with a Vietnamese message; "1.250" (thousands dot) is read as 1250."""

    def process_formdata(self, valuelist):
        if not valuelist or not str(valuelist[0]).strip():
            self.data = None
            return
        text = str(valuelist[0]).strip()
        if imports.GROUPED.fullmatch(text):
            text = text.replace(".", "").replace(",", "").replace(" ", "")
        try:
            self.data = int(text)
        except ValueError as error:
            self.data = None
            raise ValueError(_l("Hãy nhập một số nguyên.")) from error


class CommaFloatField(FloatField):
    """A decimal number; a comma works as the decimal mark (7,54)."""

    def process_formdata(self, valuelist):
        if not valuelist or not str(valuelist[0]).strip():
            self.data = None
            return
        try:
            self.data = float(str(valuelist[0]).strip().replace(",", "."))
        except ValueError as error:
            self.data = None
            raise ValueError(_l("Hãy nhập một số, ví dụ 10,03.")) from error
        if not math.isfinite(self.data):  # "nan" and "inf" parse, and NaN passes every NumberRange
            self.data = None
            raise ValueError(_l("Hãy nhập một số, ví dụ 10,03."))


class HamletForm(FlaskForm):
    name = StringField(_l("Tên thôn/ấp"), validators=[DataRequired(_l("Vui lòng nhập tên.")), Length(max=80)])
    kind = SelectField(
        _l("Loại"),
        choices=[(kind.value, label) for kind, label in KIND_LABELS.items()],
        validators=[DataRequired(_l("Vui lòng chọn loại."))],
    )
    households = WholeNumberField(
        _l("Số hộ"),
        validators=[
            Optional(),
            NumberRange(min=0, max=10_000_000, message=_l("Số hộ phải từ 0 trở lên.")),
        ],
        default=0,
    )
    population = WholeNumberField(
        _l("Dân số"),
        validators=[Optional(), NumberRange(min=0, max=10_000_000, message=_l("Dân số phải từ 0 trở lên."))],
        default=0,
    )
    lat = CommaFloatField(
        _l("Vĩ độ tâm (không bắt buộc)"),
        validators=[Optional(), NumberRange(min=-90, max=90, message=_l("Vĩ độ từ -90 đến 90."))],
    )
    lon = CommaFloatField(
        _l("Kinh độ tâm (không bắt buộc)"),
        validators=[Optional(), NumberRange(min=-180, max=180, message=_l("Kinh độ từ -180 đến 180."))],
    )

    def values(self) -> dict:
        return {
            "name": self.name.data.strip(),
            "kind": HamletKind(self.kind.data),
            "households": self.households.data or 0,
            "population": self.population.data or 0,
            "lat": self.lat.data,
            "lon": self.lon.data,
        }


class UploadForm(FlaskForm):
    file = FileField(_l("Tệp CSV (UTF-8)"), validators=[FileRequired(_l("Hãy chọn một tệp CSV."))])
