"""One set of error handlers: JSON for the API (and clients that ask for it), HTML otherwise.

Every API error has one shape: {"error": {"status", "code", "message", "fields"?}}.
"""

from flask import jsonify, render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.exceptions import HTTPException

from campaign.extensions import db
from campaign.query_args import UnknownParameters
from campaign.request_log import request_id


class RequestError(Exception):
    """A request refused with a status and a message for a person, plus, for the API, a code and
    field errors. Raised by views and by request readers (`coverage.context`); on /api/v1 it is
    answered in the one error shape (registered in campaign.api)."""

    def __init__(self, status: int, message: str, code: str | None = None, fields: dict | None = None):
        super().__init__(message)
        self.status, self.message, self.code, self.fields = status, message, code, fields


MESSAGES = {
    400: lambda: _("Yêu cầu không hợp lệ."),
    401: lambda: _("Bạn cần đăng nhập."),
    403: lambda: _("Bạn không có quyền xem hoặc sửa mục này."),
    404: lambda: _("Không tìm thấy."),
    405: lambda: _("Thao tác này không được hỗ trợ ở đây."),
    409: lambda: _("Dữ liệu vừa được người khác thay đổi. Hãy tải lại rồi thử lại."),
    413: lambda: _("Dữ liệu gửi lên quá lớn."),
    415: lambda: _("Định dạng dữ liệu không được hỗ trợ."),
    429: lambda: _("Bạn thử quá nhiều lần. Vui lòng đợi một lúc rồi thử lại."),
    500: lambda: _("Đã có lỗi ở máy chủ. Dữ liệu của bạn chưa bị mất, vui lòng thử lại."),
}


def wants_json() -> bool:
    if request.path.startswith("/api/"):
        return True
    best = request.accept_mimetypes.best_match(["text/html", "application/json"])
    return (
        best == "application/json" and request.accept_mimetypes[best] > request.accept_mimetypes["text/html"]
    )


def message_for(status: int) -> str:
    return MESSAGES.get(status, MESSAGES[400])()


def json_error(status: int, message: str | None = None, *, code: str | None = None, fields=None):
    body = {"status": status, "code": code or _code_name(status), "message": message or message_for(status)}
    if fields:
        body["fields"] = fields
    if status >= 500:  # what a volunteer reports, to find the log line
        body["request_id"] = request_id()
    response = jsonify(error=body)
    response.status_code = status
    return response


def _code_name(status: int) -> str:
    return {
        400: "bad_request",
        401: "unauthorized",
        403: "forbidden",
        404: "not_found",
        405: "method_not_allowed",
        409: "conflict",
        413: "too_large",
        415: "unsupported_media_type",
        422: "invalid",
        428: "precondition_required",
        429: "too_many_requests",
        500: "server_error",
    }.get(status, "error")


def _error_page(status: int, message: str | None = None):
    return render_template("errors/error.html", status=status, message=message or message_for(status)), status


def error_response(status: int, message: str | None = None, *, code: str | None = None):
    """The error as JSON for the API and JSON clients, as a page for people."""
    return json_error(status, message, code=code) if wants_json() else _error_page(status, message)


def register(app) -> None:
    @app.errorhandler(CSRFError)
    def csrf_error(error):
        message = _("Phiên làm việc đã hết hạn hoặc thiếu mã bảo mật. Vui lòng tải lại trang rồi thử lại.")
        if wants_json():
            return json_error(400, message, code="csrf")
        return _error_page(400, message)

    @app.errorhandler(UnknownParameters)
    def unknown_parameters(error: UnknownParameters):
        if wants_json():
            return json_error(422, error.message, code="unknown_parameters", fields=error.fields)
        return _error_page(422, error.message)

    @app.errorhandler(StaleDataError)
    def stale_data(_error):
        # A versioned row changed between its read and its write (campaign.visits.models.Visit);
        # the services lock what they change, so this is the last guard, not the usual path.
        db.session.rollback()
        return error_response(409)

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        status = error.code or 500
        response = error_response(status)
        if status == 405 and hasattr(error, "valid_methods") and error.valid_methods:
            response = app.make_response(response)
            response.headers["Allow"] = ", ".join(error.valid_methods)
        return response

    @app.errorhandler(Exception)
    def server_error(error):
        db.session.rollback()
        app.logger.exception("unhandled error")
        if wants_json():
            return json_error(500)
        return _error_page(500)
