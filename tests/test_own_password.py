"""Setting one's own password always takes the current one, on every route that sets a password."""

import pytest
import sqlalchemy as sa

from campaign.auth.models import Role, User
from tests.conftest import PASSWORD

NEW = "mưa chiều qua cầu Cái Răng"
ROLES = ["volunteer", "lead", "coordinator", "admin"]


def own_password_body(endpoint: str, current: str | None) -> dict:
    """What each route that sets a password takes, for one's own account."""
    body = {
        "auth.change_password": {"new_password": NEW, "confirm": NEW},
        "campaigns.reset_password": {"password": NEW},
        "api.api_reset_password": {"password": NEW},
    }[endpoint]
    if current is not None:
        body["current_password"] = current
    return body


def password_routes(app) -> dict[str, str]:
    """Every POST route that sets a password, from the URL map: {endpoint: rule}."""
    return {
        rule.endpoint: rule.rule
        for rule in app.url_map.iter_rules()
        if "POST" in rule.methods and "password" in rule.rule
    }


def test_every_route_that_sets_a_password_is_covered(app):
    assert set(password_routes(app)) == {
        "auth.change_password",
        "campaigns.reset_password",
        "api.api_reset_password",
        "onboarding.choose_password",  # a roster account's first password: below
    }


@pytest.mark.parametrize("role", ROLES)
def test_the_first_password_page_never_replaces_a_password(role, make_user, auth, client, db, app):
    """/join/password sets the first password of an account that has none (a volunteer from a
    roster). An account that has one is sent to the page that asks for the current one."""
    user = make_user(
        Role(role), ward=31135 if role == "lead" else None, province=92 if role == "coordinator" else None
    )
    auth.login(user)
    response = client.post("/join/password", data={"new_password": NEW, "confirm": NEW})
    assert response.status_code == 302 and response.location.endswith("/password")
    db.session.expire_all()
    assert signs_in_with(app, db.session.get(User, user.id), PASSWORD)


def send(client, app, endpoint: str, user: User, current: str | None):
    rule = password_routes(app)[endpoint].replace("<int:user_id>", str(user.id))
    body = own_password_body(endpoint, current)
    if rule.startswith("/api/"):
        return client.post(rule, json=body)
    return client.post(rule, data=body, follow_redirects=True)


def signs_in_with(app, user: User, password: str) -> bool:
    response = app.test_client().post(
        "/api/v1/session", json={"username": user.username, "password": password}
    )
    return response.status_code == 201


@pytest.mark.parametrize("current", [None, "", "sai-mat-khau-roi", PASSWORD + " "])
@pytest.mark.parametrize(
    "endpoint", ["auth.change_password", "campaigns.reset_password", "api.api_reset_password"]
)
@pytest.mark.parametrize("role", ROLES)
def test_ones_own_password_needs_the_current_one(app, field, auth, client, db, role, endpoint, current):
    user = getattr(field, role)
    auth.api_login(user)
    response = send(client, app, endpoint, user, current)
    assert response.status_code in (200, 403, 422)
    if response.status_code != 403:  # a route the role may use says why
        text = response.get_data(as_text=True)
        assert "Mật khẩu hiện tại không đúng." in text or "Vui lòng nhập mật khẩu hiện tại" in text, text[
            :2000
        ]
    db.session.expire_all()
    assert signs_in_with(app, user, PASSWORD)
    assert not signs_in_with(app, user, NEW)


def test_the_admin_api_sets_the_admins_own_password_with_the_current_one(app, field, auth, client, db):
    auth.api_login(field.admin)
    wrong = send(client, app, "api.api_reset_password", field.admin, "sai-mat-khau-roi")
    assert wrong.status_code == 422
    assert wrong.get_json()["error"]["fields"] == {"current_password": ["Mật khẩu hiện tại không đúng."]}
    assert send(client, app, "api.api_reset_password", field.admin, PASSWORD).status_code == 204
    assert signs_in_with(app, field.admin, NEW)
    # someone else's password is still set without theirs
    auth.api_login(field.admin.username, NEW)
    other = client.post(f"/api/v1/users/{field.lead.id}/password", json={"password": NEW})
    assert other.status_code == 204
    assert db.session.scalar(sa.select(User.role).where(User.id == field.lead.id)) == Role.LEAD
    assert signs_in_with(app, field.lead, NEW)
