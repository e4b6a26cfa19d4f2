"""Forms for hamlets, their household lists and CSV uploads (also used for JSON bodies)."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import FloatField, IntegerField, SelectField, StringField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from campaign import numbers
from campaign.areas.models import MAX_HAMLET_HOUSEHOLDS, MAX_HAMLET_POPULATION, HamletKind
from campaign.areas.services import KIND_LABELS

READ_MAX = 10**12  # above every range a form sets, and far below any integer column's end


class WholeNumberField(IntegerField):
    """A whole number with a Vietnamese message, read by the one strict reader (ASCII digits);
    "1.250" (thousands dot) is 1250. The field's NumberRange sets its range."""

    grouped = True

    def process_formdata(self, valuelist):
        if not valuelist or not str(valuelist[0]).strip():
            self.data = None
            return
        self.data = None
        try:
            self.data = numbers.whole_number(str(valuelist[0]), READ_MAX, grouped=self.grouped)
        except numbers.Negative as error:
            raise ValueError(_l("Hãy nhập một số nguyên từ 0 trở lên.")) from error
        except numbers.TooBig as error:
            raise ValueError(_l("Số quá lớn.")) from error
        except numbers.NotWhole as error:
            raise ValueError(_l("Hãy nhập một số nguyên.")) from error


class IdField(WholeNumberField):
    """An id or an official code: digits only, no thousands marks."""

    grouped = False


class CommaFloatField(FloatField):
    """A decimal number; a comma works as the decimal mark (7,54)."""

    def process_formdata(self, valuelist):
        if not valuelist or not str(valuelist[0]).strip():
            self.data = None
            return
        try:  # strict: float() takes "nan", which passes every NumberRange, and "١٢"
            self.data = numbers.decimal(str(valuelist[0]), comma=True)
        except ValueError as error:
            self.data = None
            raise ValueError(_l("Hãy nhập một số, ví dụ 10,03.")) from error


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
            NumberRange(min=0, max=MAX_HAMLET_HOUSEHOLDS, message=_l("Số hộ phải từ 0 đến %(max)s.")),
        ],
        default=0,
    )
    population = WholeNumberField(
        _l("Dân số"),
        validators=[
            Optional(),
            NumberRange(min=0, max=MAX_HAMLET_POPULATION, message=_l("Dân số phải từ 0 đến %(max)s.")),
        ],
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
