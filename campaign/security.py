"""Security headers on every response (OWASP ASVS 14.4).

The Content-Security-Policy allows no inline script or style: JavaScript lives in static/js/*.js
and CSS in static/css/*.css. HSTS is sent only when the request came over HTTPS (behind a proxy,
set TRUSTED_PROXIES so that `request.is_secure` is right), so plain-HTTP development keeps working.
"""

import re

from flask import Flask, Response, request
from flask_babel import gettext as _
from werkzeug.middleware.proxy_fix import ProxyFix

from campaign.errors import error_response

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "connect-src 'self'",
        "worker-src 'self'",
        "manifest-src 'self'",
        "frame-ancestors 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "object-src 'none'",
    ]
)

HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",  # frame-ancestors for browsers that predate CSP 2
    "Cross-Origin-Opener-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), payment=(), geolocation=(self)",
}
HSTS = "max-age=31536000; includeSubDomains"


def add_security_headers(response: Response) -> Response:
    for name, value in HEADERS.items():
        response.headers.setdefault(name, value)
    if request.is_secure:
        response.headers.setdefault("Strict-Transport-Security", HSTS)
    return response


def _nul_in_fields(values) -> bool:
    """A NUL in any name or value of a query string or form (a MultiDict)."""
    return any("\x00" in (key or "") or "\x00" in (value or "") for key, value in values.items(multi=True))


def has_nul(request) -> bool:
    """A NUL character anywhere a string can come from. PostgreSQL refuses it in text (a 500 if it
    reached a query) and no label, note or name a person types contains one."""
    # In a query string a NUL can only be spelt %00 or sent raw: looking at the raw bytes finds
    # it in any name or value without parsing request.args for the views that never read it.
    query = request.query_string
    if "\x00" in request.path or b"%00" in query or b"\x00" in query:
        return True
    if request.is_json:
        body = request.get_data(cache=True)
        return b"\\u0000" in body or b"\x00" in body
    if request.mimetype in ("application/x-www-form-urlencoded", "multipart/form-data"):
        return _nul_in_fields(request.form)
    return False


# Half of a UTF-16 pair: JSON can spell one ("\ud800"), but it is no character, so neither
# the database nor UTF-8 can hold it (a 500 where it reached a query or a hash).
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


def _lone_surrogate_in(data) -> bool:
    """A lone surrogate in any key or string of parsed JSON. Walks without recursion: the
    parser allows nesting deeper than a recursive walk would."""
    stack = [data]
    while stack:
        value = stack.pop()
        if isinstance(value, str):
            if _LONE_SURROGATE.search(value):
                return True
        elif isinstance(value, dict):
            stack.extend(value.keys())
            stack.extend(value.values())
        elif isinstance(value, list):
            stack.extend(value)
    return False


def refuse_unstorable_input():
    """Refuse, before any view runs, what no route could store: a NUL character, a JSON body
    nested too deep to parse, a lone surrogate. The views then read the parsed body from cache."""
    if has_nul(request):
        return error_response(
            400, _("Dữ liệu gửi lên có ký tự không hợp lệ (ký tự NUL). Vui lòng sửa rồi gửi lại."), code="nul"
        )
    if request.is_json:
        try:
            data = request.get_json(silent=True)  # cached: the view's get_json reads this
        except RecursionError:  # Flask's silent mode only catches ValueError
            return error_response(400, _("Dữ liệu JSON không đọc được."), code="bad_json")
        if data is not None and _lone_surrogate_in(data):
            return error_response(
                400,
                _("Dữ liệu gửi lên có ký tự không đọc được. Vui lòng sửa rồi gửi lại."),
                code="bad_character",
            )
    return None


def register(app: Flask) -> None:
    app.before_request(refuse_unstorable_input)
    app.after_request(add_security_headers)
    proxies = int(app.config.get("TRUSTED_PROXIES") or 0)
    if proxies:
        # Behind nginx/a load balancer: trust that many X-Forwarded-* hops, so that throttling
        # sees the phone's address (not the proxy's) and HSTS sees HTTPS. Never without a proxy:
        # anyone could then pick their own address.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=proxies)
