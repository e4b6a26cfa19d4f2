"""Reading JSON bodies safely and answering in the API's one shape."""

from flask import abort, request
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.datastructures import MultiDict

from campaign import access
from campaign.areas.models import Ward
from campaign.errors import RequestError, json_error
from campaign.extensions import db


def json_object() -> dict:
    """The request body as a JSON object, or a clear 400/415."""
    if not request.is_json:
        raise RequestError(415, _("Hãy gửi dữ liệu dạng JSON (Content-Type: application/json)."))
    data = request.get_json(silent=True)
    if data is None:
        raise RequestError(400, _("Dữ liệu JSON không đọc được."), code="bad_json")
    if not isinstance(data, dict):
        raise RequestError(400, _("Dữ liệu JSON phải là một đối tượng {…}."), code="bad_json")
    return data


def scalar_formdata(data: dict, fields: list[str]) -> tuple[MultiDict, dict]:
    """Form data for WTForms from a JSON object: scalars only; anything else is a field error."""
    formdata, errors = MultiDict(), {}
    for name in fields:
        if name not in data or data[name] is None:
            continue
        value = data[name]
        if isinstance(value, bool) or not isinstance(value, (str, int, float)):
            errors[name] = [_("Giá trị không đúng kiểu.")]
            continue
        formdata[name] = str(value)
    return formdata, errors


def form_errors(form) -> dict:
    return {name: [str(m) for m in messages] for name, messages in form.errors.items()}


def invalid_message() -> str:
    return _("Dữ liệu chưa hợp lệ, xem lỗi từng trường.")


def invalid(fields: dict, message: str | None = None):
    return json_error(422, message or invalid_message(), code="invalid", fields=fields)


def refuse(fields: dict, message: str | None = None):
    """Answer 422 with these field errors, from wherever the request is being read."""
    raise RequestError(422, message or invalid_message(), code="invalid", fields=fields)


def wrong_type(name: str):
    refuse({name: [_("Giá trị không đúng kiểu.")]})


def refuse_unknown_fields(data: dict, known) -> None:
    unknown = sorted(set(data) - set(known))
    if unknown:
        refuse({name: [_("Trường này không sửa được.")] for name in unknown})


def json_form(form_class, data: dict, fields: list[str]):
    """A WTForms form validated from a JSON object (CSRF is checked on the header); 422 if not."""
    formdata, type_errors = scalar_formdata(data, fields)
    form = form_class(formdata=formdata, meta={"csrf": False})
    if not form.validate() or type_errors:
        refuse({**form_errors(form), **type_errors})
    return form


def upload():
    """The CSV sent as multipart field `file`, or as the raw body with Content-Type text/csv."""
    if "file" in request.files:
        return request.files["file"]
    return request.get_data() if request.mimetype == "text/csv" else None


def managed_ward(code: int) -> Ward:
    """The ward of the URL, which the user sets up (404, 403 otherwise)."""
    ward = db.get_or_404(Ward, code)
    access.require(access.can_manage_ward(current_user, ward.code))
    return ward


def get_or_404(model, ident):
    obj = db.session.get(model, ident)
    if obj is None:
        abort(404)
    return obj
