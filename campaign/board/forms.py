from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SubmitField
from wtforms.validators import NumberRange, Optional

from campaign.areas.forms import IdField
from campaign.types import MAX_ID


class PublishForm(FlaskForm):
    """Publish or unpublish a board: `code` is the province (empty for the national board)."""

    code = IdField(validators=[Optional(), NumberRange(1, MAX_ID)])
    publish = SubmitField(_l("Công bố bảng xếp hạng"))
    unpublish = SubmitField(_l("Ngừng công bố"))
