"""Reading JSON bodies safely and answering in the API's one shape."""

from flask import abort, request
from flask_babel import gettext as _
from werkzeug.datastructures import MultiDict

from campaign.errors import json_error


class ApiAbort(Exception):
    """Raised to answer with a JSON error; registered on the API blueprint."""

    def __init__(self, status: int, message: str, code: str | None = None, fields=None):
        super().__init__(message)
        self.status, self.message, self.code, self.fields = status, message, code, fields


def json_object() -> dict:
    """The request body as a JSON object, or a clear 400/415."""
    if not request.is_json:
        raise ApiAbort(415, _("Hãy gửi dữ liệu dạng JSON (Content-Type: application/json)."))
    data = request.get_json(silent=True)
    if data is None:
        raise ApiAbort(400, _("Dữ liệu JSON không đọc được."), code="bad_json")
    if not isinstance(data, dict):
        raise ApiAbort(400, _("Dữ liệu JSON phải là một đối tượng {…}."), code="bad_json")
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


def invalid(fields: dict, message: str | None = None):
    return json_error(
        422, message or _("Dữ liệu chưa hợp lệ, xem lỗi từng trường."), code="invalid", fields=fields
    )


def get_or_404(model, ident):
    from campaign.extensions import db

    obj = db.session.get(model, ident)
    if obj is None:
        abort(404)
    return obj
