from flask import request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, HiddenField, IntegerField, SelectField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional
from wtforms.widgets import HiddenInput

from campaign.review import queries
from campaign.types import MAX_ID
from campaign.visits.rules import MAX_COUNT
from campaign.vocabulary import OUTCOMES, STATUSES

STATUS_CHOICES = [
    ("open", _l("Chờ duyệt và cần xem lại")),
    *STATUSES.items(),
    ("all", _l("Tất cả")),
]
ACTION_CHOICES = [
    ("approve", _l("Duyệt")),
    ("flag", _l("Đánh dấu cần xem lại")),
    ("reject", _l("Không chấp nhận")),
]


def _id(value: str | None) -> int | None:
    return int(value) if value else None


class VisitFilterForm(FlaskForm):
    """GET filter of the queue, the API list, the bulk action and the exports."""

    ward = SelectField(_l("Phường/xã"), default="")
    hamlet = SelectField(_l("Khu vực"), default="")
    volunteer = SelectField(_l("Tình nguyện viên"), default="")
    day = DateField(_l("Ngày"), validators=[Optional()])
    date_from = DateField(_l("Từ ngày"), validators=[Optional()])
    date_to = DateField(_l("Đến ngày"), validators=[Optional()])
    outcome = SelectField(
        _l("Kết quả"),
        default="",
        choices=[("", _l("Tất cả"))] + [(o.value, label) for o, label in OUTCOMES.items()],
    )
    status = SelectField(_l("Trạng thái"), choices=STATUS_CHOICES, default="open")

    def __init__(self, user, formdata=None, default_status="open", **kwargs):
        super().__init__(
            formdata=request.args if formdata is None else formdata, meta={"csrf": False}, **kwargs
        )
        if not self.status.raw_data:
            self.status.data = default_status
        everyone = [("", _l("Tất cả"))]
        self.ward.choices = everyone + [(str(k), v) for k, v in queries.ward_choices(user)]
        self.hamlet.choices = everyone + [(str(k), v) for k, v in queries.hamlet_choices(user)]
        self.volunteer.choices = everyone + [(str(k), v) for k, v in queries.volunteer_choices(user)]

    def query_args(self) -> dict:
        """The filter as the page received it, without anything else the address carried
        (?fbclid=…): links to the bulk action and the exports, which refuse unknown parameters."""
        return {field.name: field.raw_data[0] for field in self if field.raw_data and field.raw_data[0]}

    def to_filter(self, upto_id=None) -> queries.VisitFilter:
        return queries.VisitFilter(
            ward_code=_id(self.ward.data),
            hamlet_id=_id(self.hamlet.data),
            volunteer_id=_id(self.volunteer.data),
            day=self.day.data,
            date_from=self.date_from.data,
            date_to=self.date_to.data,
            outcome=self.outcome.data or None,
            status=self.status.data or "open",
            upto_id=upto_id,
        )


def version_field():
    """The version of the visit the page showed (hidden): a change checks it (services.lock_current)."""
    return IntegerField(widget=HiddenInput(), validators=[Optional(), NumberRange(min=0, max=MAX_ID)])


class ActionForm(FlaskForm):
    action = SelectField(_l("Thao tác"), choices=ACTION_CHOICES, validators=[DataRequired()])
    reason = TextAreaField(_l("Lý do (tình nguyện viên sẽ đọc)"), validators=[Optional(), Length(max=300)])


class ReviewActionForm(ActionForm):
    next = HiddenField()
    version = version_field()


class BulkReviewForm(ActionForm):
    # The largest visit id the lead saw: visits arriving after the page was drawn are left alone.
    upto_id = IntegerField(validators=[InputRequired(), NumberRange(min=0, max=MAX_ID)])
    # The number of visits the confirmation showed; without it the action is only previewed.
    count = IntegerField(widget=HiddenInput(), validators=[Optional(), NumberRange(min=0, max=MAX_ID)])


def count_field(label):
    return IntegerField(
        label,
        validators=[
            InputRequired(_l("Vui lòng nhập một số.")),
            NumberRange(min=0, max=MAX_COUNT, message=_l("Số từ 0 đến 100.000.")),
        ],
    )


class EditCountsForm(FlaskForm):
    version = version_field()
    residents = count_field(_l("Số người trong hộ"))
    smartphones = count_field(_l("Số điện thoại thông minh"))
    already_installed = count_field(_l("Số người đã có ứng dụng"))


def edit_counts_form(campaign, formdata=None, obj=None, **kwargs):
    """The edit form with one 'installs' field per app of the campaign."""

    class Form(EditCountsForm):
        pass

    for app in campaign.apps:
        # gettext, not lazy_gettext: a lazy string passes for markup (it has __html__), so the
        # app's name inside it would reach the page unescaped.
        setattr(Form, f"app_{app.id}", count_field(_("Cài mới %(app)s", app=app.name)))
    form = Form(formdata=formdata, **kwargs) if formdata is not None else Form(**kwargs)
    form.app_fields = [(app, getattr(form, f"app_{app.id}")) for app in campaign.apps]
    if obj is not None and not form.is_submitted() and formdata is None:
        show_stored(form, obj)
    return form


def show_stored(form, visit) -> None:
    """Fill the edit form with the visit as stored (on opening, and after a conflict, where the
    reviewer's own input gives way to what the other reviewer saved)."""
    counts = {i.app_id: i.count for i in visit.installs}
    values = [
        (form.version, visit.version),
        (form.residents, visit.residents),
        (form.smartphones, visit.smartphones),
        (form.already_installed, visit.already_installed),
        *((field, counts.get(app.id, 0)) for app, field in form.app_fields),
    ]
    for field, value in values:
        field.data, field.raw_data = value, []
