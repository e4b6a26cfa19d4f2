from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, EqualTo, Length


class LoginForm(FlaskForm):
    username = StringField(
        _l("Tên đăng nhập"),
        validators=[DataRequired(_l("Vui lòng nhập tên đăng nhập.")), Length(max=40)],
        render_kw={"autocomplete": "username", "autocapitalize": "none"},
    )
    password = PasswordField(
        _l("Mật khẩu"),
        validators=[DataRequired(_l("Vui lòng nhập mật khẩu.")), Length(max=200)],
        render_kw={"autocomplete": "current-password"},
    )


class ChoosePasswordForm(FlaskForm):
    """A new password, typed twice: a roster account's first one, or (below) a change."""

    new_password = PasswordField(
        _l("Mật khẩu mới"),
        validators=[DataRequired(_l("Vui lòng nhập mật khẩu mới.")), Length(max=200)],
        render_kw={"autocomplete": "new-password", "minlength": 12},
    )
    confirm = PasswordField(
        _l("Nhập lại mật khẩu mới"),
        validators=[
            DataRequired(_l("Vui lòng nhập lại mật khẩu mới.")),
            EqualTo("new_password", _l("Hai lần nhập mật khẩu mới không giống nhau.")),
        ],
        render_kw={"autocomplete": "new-password"},
    )


class ChangePasswordForm(ChoosePasswordForm):
    """Changing one's own password also asks for the current one."""

    current_password = PasswordField(
        _l("Mật khẩu hiện tại"),
        validators=[DataRequired(_l("Vui lòng nhập mật khẩu hiện tại.")), Length(max=200)],
        render_kw={"autocomplete": "current-password"},
    )
