"""Forms of the onboarding pages."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import BooleanField, HiddenField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from campaign.areas.forms import IdField, WholeNumberField
from campaign.campaigns.forms import LocalDateField
from campaign.campaigns.services import ORG_LABELS
from campaign.imports import PROVINCE_MAX_BYTES


class FileOrPasteForm(FlaskForm):
    """A CSV or XLSX file, or (for a roster) lines pasted from a spreadsheet."""

    file = FileField(_l("Tệp CSV (UTF-8) hoặc XLSX"))
    pasted = TextAreaField(
        _l("Hoặc dán các dòng từ bảng tính (kèm dòng tiêu đề)"),
        validators=[Optional(), Length(max=PROVINCE_MAX_BYTES)],
    )

    def data_or_none(self):
        if self.file.data and getattr(self.file.data, "filename", ""):
            return self.file.data
        if self.pasted.data and self.pasted.data.strip():
            return self.pasted.data
        return None


class ApplyForm(FlaskForm):
    token = HiddenField(validators=[DataRequired(), Length(max=64)])
    create_teams = BooleanField(_l("Tạo các đội mới ở trên"))


ORG_CHOICES = [(kind.value, label) for kind, label in ORG_LABELS.items()]


class CardsForm(FlaskForm):
    team = IdField(_l("Đội"), validators=[Optional()])
    which = SelectField(
        _l("In thẻ cho"),
        choices=[
            ("not_joined", _l("Những người chưa tham gia")),
            ("all", _l("Mọi người (thẻ cũ hết hiệu lực)")),
        ],
        default="not_joined",
    )


class JoinForm(FlaskForm):
    code = StringField(
        _l("Mã tham gia"),
        validators=[DataRequired(_l("Vui lòng nhập mã trên thẻ.")), Length(max=40)],
        render_kw={"autocomplete": "one-time-code", "autocapitalize": "characters", "spellcheck": "false"},
    )


class RememberForm(FlaskForm):
    days = WholeNumberField(
        _l("Số ngày"),
        validators=[
            InputRequired(_l("Vui lòng nhập số ngày.")),
            NumberRange(min=1, max=365, message=_l("Từ 1 đến 365 ngày.")),
        ],
    )


class NextCampaignForm(FlaskForm):
    name = StringField(
        _l("Tên chiến dịch"), validators=[DataRequired(_l("Vui lòng nhập tên chiến dịch.")), Length(max=120)]
    )
    start_date = LocalDateField(
        _l("Ngày bắt đầu"), validators=[InputRequired(_l("Vui lòng chọn ngày bắt đầu."))]
    )
    deadline = LocalDateField(_l("Hạn chót"), validators=[InputRequired(_l("Vui lòng chọn hạn chót."))])
