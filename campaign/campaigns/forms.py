"""Forms for campaigns, teams, volunteers, leads and assignments (also used for JSON bodies)."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    DateField,
    PasswordField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from campaign.areas.forms import CommaFloatField, WholeNumberField
from campaign.campaigns.services import ORG_LABELS


class LocalDateField(DateField):
    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError as error:
            raise ValueError(_l("Ngày không hợp lệ.")) from error


USERNAME_HINT = _l("Chữ không dấu, số và . _ - ; ví dụ: tnv.lan")


class TeamForm(FlaskForm):
    name = StringField(_l("Tên đội"), validators=[DataRequired(_l("Vui lòng nhập tên đội.")), Length(max=80)])
    org_kind = SelectField(
        _l("Tổ chức"),
        choices=[(kind.value, label) for kind, label in ORG_LABELS.items()],
        validators=[DataRequired(_l("Vui lòng chọn tổ chức."))],
    )


class PasswordForm(FlaskForm):
    password = PasswordField(
        _l("Mật khẩu mới"),
        validators=[DataRequired(_l("Vui lòng nhập mật khẩu.")), Length(max=200)],
        render_kw={"autocomplete": "new-password"},
    )
    # Only for one's own account (auth.services.require_current_password).
    current_password = PasswordField(
        _l("Mật khẩu hiện tại"),
        validators=[Optional(), Length(max=200)],
        render_kw={"autocomplete": "current-password"},
    )


class PersonForm(FlaskForm):
    username = StringField(
        _l("Tên đăng nhập"),
        validators=[DataRequired(_l("Vui lòng nhập tên đăng nhập.")), Length(max=40)],
        render_kw={"autocapitalize": "none", "autocomplete": "off"},
    )
    display_name = StringField(
        _l("Họ tên hiển thị"), validators=[DataRequired(_l("Vui lòng nhập tên hiển thị.")), Length(max=80)]
    )
    password = PasswordField(
        _l("Mật khẩu (ít nhất 12 ký tự)"),
        validators=[DataRequired(_l("Vui lòng nhập mật khẩu.")), Length(max=200)],
        render_kw={"autocomplete": "new-password"},
    )


class LeadForm(PersonForm):
    ward_code = SelectField(
        _l("Phường/xã"), coerce=int, validators=[InputRequired(_l("Vui lòng chọn phường/xã."))]
    )


class MoveForm(FlaskForm):
    team_id = SelectField(
        _l("Chuyển sang đội"), coerce=int, validators=[InputRequired(_l("Vui lòng chọn đội."))]
    )


class CampaignForm(FlaskForm):
    name = StringField(
        _l("Tên chiến dịch"), validators=[DataRequired(_l("Vui lòng nhập tên chiến dịch.")), Length(max=120)]
    )
    province_code = SelectField(_l("Tỉnh/thành phố"), coerce=int, validators=[InputRequired()])
    apps = TextAreaField(
        _l("Ứng dụng theo dõi (mỗi dòng “mã: tên”)"),
        validators=[DataRequired(_l("Cần ít nhất một ứng dụng.")), Length(max=1000)],
        default="bluezone: Bluezone\nncovi: NCOVI",
    )
    start_date = LocalDateField(
        _l("Ngày bắt đầu"), validators=[InputRequired(_l("Vui lòng chọn ngày bắt đầu."))]
    )
    deadline = LocalDateField(_l("Hạn chót"), validators=[InputRequired(_l("Vui lòng chọn hạn chót."))])
    target_percent = CommaFloatField(
        _l("Mục tiêu (phần trăm dân số dùng ứng dụng)"),
        validators=[
            InputRequired(_l("Vui lòng nhập mục tiêu.")),
            # NumberRange formats its message with %, hence %%.
            NumberRange(min=0.01, max=100, message=_l("Mục tiêu từ trên 0 đến 100 %%.")),
        ],
        default=30,
    )
    warn_percent = CommaFloatField(
        _l("Ngưỡng vàng (phần trăm của mục tiêu)"),
        validators=[Optional(), NumberRange(min=0, max=1000)],
        default=50,
    )
    good_percent = CommaFloatField(
        _l("Ngưỡng xanh (phần trăm của mục tiêu)"),
        validators=[Optional(), NumberRange(min=0, max=1000)],
        default=100,
    )
    gps_max_distance_m = WholeNumberField(
        _l("Khoảng cách GPS tối đa tới tâm thôn (m)"),
        validators=[Optional(), NumberRange(min=1, max=1_000_000)],
        default=1000,
    )
    burst_max_visits = WholeNumberField(
        _l("Quá nhiều lượt: số lượt"), validators=[Optional(), NumberRange(min=1, max=10_000)], default=15
    )
    burst_minutes = WholeNumberField(
        _l("… trong số phút"), validators=[Optional(), NumberRange(min=1, max=10_000)], default=10
    )
    max_plausible_residents = WholeNumberField(
        _l("Số người trong hộ tối đa hợp lý"),
        validators=[Optional(), NumberRange(min=1, max=10_000)],
        default=20,
    )
    revisit_max_attempts = WholeNumberField(
        _l("Số lần quay lại tối đa"), validators=[Optional(), NumberRange(min=1, max=100)], default=3
    )

    def show(self, campaign) -> None:
        """Fill the form from a stored campaign (the reverse of `values`)."""
        self.name.data = campaign.name
        self.province_code.data = campaign.province_code or 0
        self.apps.data = "\n".join(f"{a.code}: {a.name}" for a in campaign.apps)
        self.start_date.data, self.deadline.data = campaign.start_date, campaign.deadline
        self.target_percent.data = round(campaign.target_rate * 100, 4)
        self.warn_percent.data = round(campaign.warn_share * 100, 4)
        self.good_percent.data = round(campaign.good_share * 100, 4)
        for key in ("gps_max_distance_m", "burst_max_visits", "burst_minutes", "max_plausible_residents"):
            getattr(self, key).data = getattr(campaign, key)
        self.revisit_max_attempts.data = campaign.revisit_max_attempts

    def values(self) -> dict:
        def given(field, default):
            return field.data if field.data is not None else default

        return {
            "name": self.name.data.strip(),
            "province_code": self.province_code.data or None,
            "start_date": self.start_date.data,
            "deadline": self.deadline.data,
            "target_rate": round(self.target_percent.data / 100, 6),
            "warn_share": round(given(self.warn_percent, 50) / 100, 6),
            "good_share": round(given(self.good_percent, 100) / 100, 6),
            "gps_max_distance_m": given(self.gps_max_distance_m, 1000),
            "burst_max_visits": given(self.burst_max_visits, 15),
            "burst_minutes": given(self.burst_minutes, 10),
            "max_plausible_residents": given(self.max_plausible_residents, 20),
            "revisit_max_attempts": given(self.revisit_max_attempts, 3),
        }
