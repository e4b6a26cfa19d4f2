from datetime import timedelta

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import DateField, HiddenField, SubmitField
from wtforms.validators import InputRequired, NumberRange, Optional, ValidationError

from campaign.areas.forms import CommaFloatField, IdField
from campaign.i18n import local_today, short_date
from campaign.types import MAX_ID


class AreaFilterForm(FlaskForm):
    """GET filters of an area page and the areas API: campaign, as-of date, earlier date."""

    class Meta:
        csrf = False

    campaign_id = IdField(
        _l("Chiến dịch"), validators=[Optional(), NumberRange(1, MAX_ID, _l("Không có chiến dịch này."))]
    )
    date = DateField(_l("Tính đến ngày"), validators=[Optional()])
    since = DateField(_l("So với ngày"), validators=[Optional()])

    def validate_date(self, field):
        _within_reach(field)

    def validate_since(self, field):
        _within_reach(field)
        if field.data and self.date.data and field.data > self.date.data:
            raise ValidationError(_l("Ngày so sánh phải trước ngày tính."))


class ActivityFilterForm(FlaskForm):
    """GET filters of the activity page: the campaign, and a day of the week to show."""

    class Meta:
        csrf = False

    campaign_id = IdField(
        _l("Chiến dịch"), validators=[Optional(), NumberRange(1, MAX_ID, _l("Không có chiến dịch này."))]
    )
    date = DateField(_l("Tuần có ngày"), validators=[Optional()])

    def validate_date(self, field):
        _within_reach(field)


# How far from today an area's numbers may be asked for. The trend has a point per day up to the
# date, and the pace subtracts days from it: year 1 or 9999 overflowed, and took seconds first.
YEARS_BACK, DAYS_AHEAD = 30, 366


def _within_reach(field) -> None:
    if field.data is None:
        return
    today = local_today()
    first, last = today.replace(year=today.year - YEARS_BACK, day=1), today + timedelta(days=DAYS_AHEAD)
    if not first <= field.data <= last:
        raise ValidationError(
            _("Hãy chọn một ngày từ %(first)s đến %(last)s.", first=short_date(first), last=short_date(last))
        )


class ThresholdsForm(FlaskForm):
    """Colours of the coverage tables, as a percentage of the target."""

    warn = CommaFloatField(
        _l("Vàng từ (% mục tiêu)"),
        validators=[InputRequired(_l("Vui lòng nhập ngưỡng.")), NumberRange(0, 1000, _l("Từ 0 đến 1000."))],
    )
    good = CommaFloatField(
        _l("Xanh từ (% mục tiêu)"),
        validators=[InputRequired(_l("Vui lòng nhập ngưỡng.")), NumberRange(0, 1000, _l("Từ 0 đến 1000."))],
    )
    level = HiddenField()
    code = HiddenField()

    def validate_good(self, field):
        if self.warn.data is not None and field.data is not None and field.data < self.warn.data:
            raise ValidationError(_l("Ngưỡng xanh phải lớn hơn hoặc bằng ngưỡng vàng."))


class PopulationImportForm(FlaskForm):
    file = FileField(_l("Tệp CSV dân số chính thức"), validators=[FileRequired(_l("Vui lòng chọn tệp CSV."))])


class OfficialImportForm(FlaskForm):
    file = FileField(
        _l("Tệp CSV hoặc XLSX số người dùng chính thức"),
        validators=[FileRequired(_l("Vui lòng chọn tệp CSV hoặc XLSX."))],
    )
    preview = SubmitField(_l("Xem trước"))
    apply = SubmitField(_l("Nhập"))
