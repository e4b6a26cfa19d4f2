"""Security headers, no inline script or style in any page, and session cookies."""

import json
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
import sqlalchemy as sa
from werkzeug.routing import IntegerConverter

from campaign import create_app
from campaign.auth.models import Role
from campaign.visits.models import Visit
from tests.conftest import CAN_THO, NINH_KIEU, PASSWORD, base_config
from tests.test_visits_api import count, item

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"


class InlineFinder(HTMLParser):
    """Collects what a strict Content-Security-Policy would block."""

    def __init__(self):
        super().__init__()
        self.problems: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag, attrs):
        names = {name.lower() for name, _ in attrs}
        if "style" in names:
            self.problems.append(f"style= on <{tag}>")
        self.problems += [f"{name}= on <{tag}>" for name in names if name.startswith("on")]
        if tag == "style":
            self.problems.append("<style> element")
        if tag == "script":
            self._in_script = True
            if "src" not in names and dict(attrs).get("type") != "application/json":
                self.problems.append("<script> without src")
        for name, value in attrs:
            if (
                name in ("href", "src", "action")
                and value
                and value.strip().lower().startswith("javascript:")
            ):
                self.problems.append(f"javascript: URL on <{tag}>")

    def handle_endtag(self, tag):
        if tag == "script":
            self._in_script = False

    def handle_data(self, data):
        if self._in_script and data.strip():
            self.problems.append("inline <script> body")


def inline_problems(html: str) -> list[str]:
    finder = InlineFinder()
    finder.feed(html)
    return finder.problems


def test_the_finder_finds_what_csp_blocks():
    assert inline_problems('<p style="color:red">x</p>') == ["style= on <p>"]
    assert inline_problems("<script>alert(1)</script>") == ["<script> without src", "inline <script> body"]
    assert inline_problems('<button onclick="go()">x</button>') == ["onclick= on <button>"]
    assert inline_problems('<a href="javascript:go()">x</a>') == ["javascript: URL on <a>"]
    assert inline_problems('<script type="module" src="/static/js/app.js"></script>') == []


def test_headers_on_pages_api_errors_and_static(client, auth, make_user):
    auth.login(make_user(Role.ADMIN))
    for url in ("/login", "/", "/api/v1/me", "/api/v1/nothing-here", "/nothing-here", "/static/css/app.css"):
        response = client.get(url)
        csp = response.headers["Content-Security-Policy"]
        for directive in (
            "default-src 'self'",
            "script-src 'self'",
            "style-src 'self'",
            "img-src 'self' data:",
            "frame-ancestors 'none'",
            "base-uri 'self'",
            "form-action 'self'",
        ):
            assert directive in csp, (url, directive)
        assert "unsafe-inline" not in csp
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["X-Frame-Options"] == "DENY"
        assert response.headers["Referrer-Policy"] in ("same-origin", "strict-origin-when-cross-origin")
        assert "Strict-Transport-Security" not in response.headers, url


def test_hsts_only_over_https(client):
    plain = client.get("/login")
    secure = client.get("/login", base_url="https://localhost")
    assert "Strict-Transport-Security" not in plain.headers
    assert secure.headers["Strict-Transport-Security"].startswith("max-age=31536000")


def test_no_template_has_inline_script_or_style():
    for path in TEMPLATES.rglob("*.html"):
        text = path.read_text()
        assert not re.search(r"\sstyle\s*=", text), path
        assert not re.search(r"<style[\s>]", text), path
        assert not re.search(r"\son[a-z]+\s*=", text), path
        for match in re.finditer(r"<script\b([^>]*)>(.*?)</script>", text, re.S):
            assert "src=" in match.group(1) and not match.group(2).strip(), path


# Values for the URL arguments of routes other features add (campaign_id, hamlet_id, ...).
def route_values(field) -> dict:
    return {
        "campaign_id": field.campaign.id,
        "hamlet_id": field.hamlet.id,
        "team_id": field.team.id,
        "user_id": field.volunteer.id,
        "ward_code": NINH_KIEU,
        "province_code": CAN_THO,
        "code": "vi",  # the language switch; integer `code` arguments are ward codes
    }


def get_urls(app, values: dict, *, api: bool) -> list[str]:
    """Every GET route (pages or API) whose arguments we have values for."""
    urls = []
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or rule.endpoint == "static" or rule.rule.startswith("/api/") != api:
            continue
        if all(arg in values for arg in rule.arguments):
            args = {arg: values[arg] for arg in rule.arguments}
            if "code" in args and isinstance(rule._converters["code"], IntegerConverter):
                args["code"] = NINH_KIEU
            urls.append(rule.build(args, append_unknown=False)[1])
    return sorted(set(urls))


def page_urls(app, values: dict) -> list[str]:
    return get_urls(app, values, api=False)


@pytest.mark.parametrize("role", ["admin", "coordinator", "lead", "volunteer"])
def test_every_page_renders_without_inline_script_or_style(app, client, auth, field, role):
    values = route_values(field)
    urls = page_urls(app, values) + ["/no-such-page"]
    assert "/login" in urls and "/password" in urls
    auth.login(getattr(field, role))
    seen = 0
    for url in urls:
        response = client.get(url)
        if response.status_code in (301, 302, 308):
            continue
        if response.mimetype != "text/html":  # the manifest, the service worker, downloads
            continue
        assert inline_problems(response.get_data(as_text=True)) == [], url
        seen += 1
    # A page with form errors and the signed-out login page too.
    response = client.post("/password", data={"current_password": "", "new_password": "x", "confirm": "y"})
    assert inline_problems(response.get_data(as_text=True)) == []
    client.post("/logout")
    assert inline_problems(client.get("/login").get_data(as_text=True)) == []
    assert seen >= 3


def test_production_cookies_are_secure_httponly_lax(app, db, monkeypatch, make_user):
    monkeypatch.setenv("PRODUCTION", "1")
    production = create_app(base_config(app.config["SQLALCHEMY_DATABASE_URI"]))
    assert production.config["SESSION_COOKIE_SECURE"] is True
    assert production.config["REMEMBER_COOKIE_SECURE"] is True
    username = make_user().username
    db.session.close()  # a second app answers: hold no SQLite lock meanwhile
    client = production.test_client()
    response = client.post(
        "/login", data={"username": username, "password": PASSWORD}, base_url="https://localhost"
    )
    assert response.status_code == 302
    cookie = next(v for v in response.headers.getlist("Set-Cookie") if v.startswith("session="))
    assert "Secure" in cookie
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie


def test_development_cookies_are_httponly_lax_without_secure(client, make_user):
    user = make_user()
    response = client.post("/login", data={"username": user.username, "password": PASSWORD})
    cookie = next(v for v in response.headers.getlist("Set-Cookie") if v.startswith("session="))
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert "Secure" not in cookie


def api_urls(app, values: dict) -> list[str]:
    return get_urls(app, values, api=True)


@pytest.mark.parametrize("role", ["admin", "coordinator", "lead", "volunteer"])
def test_api_answers_never_carry_password_hashes_or_session_ids(app, client, auth, field, role):
    urls = api_urls(app, route_values(field))
    assert "/api/v1/me" in urls
    assert auth.api_login(getattr(field, role)).status_code == 201
    cookie = client.get_cookie("session").value
    for url in urls:
        body = client.get(url).get_data(as_text=True)
        for secret in ("scrypt:", "password_hash", "session_version", cookie, app.config["SECRET_KEY"]):
            assert secret not in body, (url, secret)


NUL_MESSAGE = "ký tự NUL"


def test_nul_characters_are_refused_with_a_message_before_any_query(client, auth, field):
    """PostgreSQL refuses NUL in text, so one reaching a query was a 500 (schemathesis found it)."""

    login = client.post("/api/v1/session", json={"username": "a\u0000b", "password": "x"})
    assert login.status_code == 400
    assert login.get_json()["error"]["code"] == "nul"
    assert NUL_MESSAGE in login.get_json()["error"]["message"]

    page = client.post("/login", data={"username": "a\x00b", "password": "x"})
    assert page.status_code == 400
    assert NUL_MESSAGE in page.get_data(as_text=True)

    assert auth.api_login(field.volunteer).status_code == 201
    visits = client.post(
        "/api/v1/visits",
        json={"visits": [{"household": "Số 1\u0000", "campaign_id": field.campaign.id}]},
    )
    assert visits.status_code == 400 and visits.get_json()["error"]["code"] == "nul"
    assert client.get("/api/v1/visits?mine=1&since=%00").status_code == 400
    assert client.get("/api/v1/visits?mine=1").status_code == 200


@pytest.mark.parametrize(
    "query", ["since=%00", "since=a%00b", "a%00=1", "%00", "x=1&since=%00&y=2", "since=a\x00"]
)
def test_a_nul_anywhere_in_a_query_string_is_refused(client, auth, field, query):
    """Read from the raw query string: a NUL in any name or value, spelt %00 or sent raw."""
    auth.api_login(field.volunteer)
    response = client.get("/api/v1/visits", query_string=query)
    assert response.status_code == 400 and response.get_json()["error"]["code"] == "nul"
    assert NUL_MESSAGE in client.get("/visits/mine", query_string=query).get_data(as_text=True)


@pytest.mark.parametrize("role", ["volunteer", "lead", "coordinator", "admin"])
def test_a_nul_in_the_query_is_refused_on_every_route_for_every_role(app, field, client, auth, role):
    """Every GET route of the URL map (tests/test_hostile_queries.py finds them), page or API."""
    from tests.review_helpers import add_visit
    from tests.test_hostile_queries import get_routes, path_values

    paths = get_routes(app, path_values(field, add_visit(field.campaign, field.hamlet, field.volunteer)))
    auth.login(getattr(field, role))
    answered = {path: client.get(path, query_string="since=a%00b").status_code for path in paths}
    assert {path: code for path, code in answered.items() if code != 400} == {}


@pytest.mark.parametrize("query", ["x=%2500", "x=%25%30%30", "x=00%", "x=%0"])
def test_text_that_only_looks_like_a_nul_is_not_refused(client, auth, field, query):
    """%2500 is the text "%00", not a NUL: such a value reaches the page like any other."""
    auth.login(field.volunteer)
    assert client.get("/visits/mine", query_string=query).status_code == 200


def test_a_lone_surrogate_is_refused_with_a_message_and_nothing_is_stored(client, auth, field, db):
    """JSON can spell half of a UTF-16 pair ("\\ud800"), which no database or UTF-8 holds: in a
    note or a username it was a 500. A whole pair (an emoji) is text like any other."""
    login = client.post(
        "/api/v1/session",
        data='{"username": "tnv\\ud800", "password": "x"}',
        content_type="application/json",
    )
    assert login.status_code == 400 and login.get_json()["error"]["code"] == "bad_character"
    assert "không đọc được" in login.get_json()["error"]["message"]

    assert auth.api_login(field.volunteer).status_code == 201
    bodies = [
        json.dumps({"visits": [item(field, note="ok"), item(field)]}).replace('"ok"', '"x\\udfff y"'),
        # The same character as raw bytes (UTF-8 forbids encoding a surrogate; Python's JSON reads it).
        json.dumps({"visits": [item(field, note="ok")]}).encode().replace(b'"ok"', b'"x\xed\xa0\x80"'),
    ]
    for body in bodies:
        response = client.post("/api/v1/visits", data=body, content_type="application/json")
        assert response.status_code == 400, response.get_data(as_text=True)
        assert response.get_json()["error"]["code"] == "bad_character"
    assert count(db) == 0

    emoji = client.post(
        "/api/v1/visits",
        data=json.dumps({"visits": [item(field, note="ok")]}).replace('"ok"', '"\\ud83d\\ude00 vui"'),
        content_type="application/json",
    )
    assert [r["status"] for r in emoji.get_json()["results"]] == ["created"]
    assert db.session.scalar(sa.select(Visit.note)) == "\U0001f600 vui"


def test_json_nested_too_deep_is_a_400_not_a_500(client, auth, field):
    deep = "[" * 5000 + "]" * 5000
    for url, body in (
        ("/api/v1/session", deep),
        ("/api/v1/visits", '{"visits": ' + deep + "}"),
    ):
        if url == "/api/v1/visits":
            assert auth.api_login(field.volunteer).status_code == 201
        response = client.post(url, data=body, content_type="application/json")
        assert response.status_code == 400, response.get_data(as_text=True)
        assert response.get_json()["error"]["code"] == "bad_json"


@pytest.mark.parametrize("campaign_id", ["-689215847731640", "2147483648", "99999999999999999999"])
def test_ids_beyond_the_column_range_are_no_ids_not_500s(client, auth, field, campaign_id):
    """Found by schemathesis on PostgreSQL: ids are 32-bit columns there."""
    assert auth.api_login(field.lead).status_code == 201
    url = f"/api/v1/areas/ward/{NINH_KIEU}/children?campaign_id={campaign_id}"
    response = client.get(url)
    assert response.status_code == 400, response.get_data(as_text=True)
    assert "campaign_id" in response.get_json()["error"]["fields"]
    assert client.get(f"/visits/new?campaign_id={campaign_id}").status_code in (200, 302)
