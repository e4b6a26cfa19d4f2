"""Login throttling per account and per address, on HTML and JSON, in memory and on Redis."""

import os
import uuid
from contextlib import contextmanager

import pytest

from campaign import create_app
from campaign.extensions import limiter
from tests.conftest import PASSWORD, base_config

REDIS_URL = os.environ.get("CAMPAIGN_TEST_REDIS_URL", "redis://127.0.0.1:6379")
RUN = uuid.uuid4().hex[:8]  # one key prefix per test run, so parallel runs never share counters


def redis_client():
    import redis

    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1)
    try:
        client.ping()
    except redis.exceptions.ConnectionError:
        if os.environ.get("CI"):
            raise  # CI has a Redis server: it must be tested there
        pytest.skip(f"no Redis server at {REDIS_URL}")
    return client


@contextmanager
def limited_app(app, storage_uri: str, prefix: str, **extra):
    """An app with throttling on. The limiter is one object for the process: put it back after."""
    saved = dict(vars(limiter))
    limiter._key_prefix = ""
    limiter._headers_enabled = None
    try:
        limits = {
            "LOGIN_LIMITS": "3 per minute",
            "LOGIN_ADDRESS_LIMITS": "5 per minute",
            "LOGIN_ACCOUNT_LIMITS": "4 per minute",
        }
        config = base_config(
            app.config["SQLALCHEMY_DATABASE_URI"],
            RATELIMIT_ENABLED=True,
            RATELIMIT_STORAGE_URI=storage_uri,
            RATELIMIT_KEY_PREFIX=prefix,
            RATELIMIT_HEADERS_ENABLED=True,
            **{**limits, **extra},
        )
        limited = create_app(config)
        limited.instance_path = app.instance_path
        yield limited
    finally:
        vars(limiter).clear()
        vars(limiter).update(saved)


@pytest.fixture
def usernames(db, make_user):
    """Users, by name. The test's own session is closed so that it holds no SQLite lock while a
    second app (with its own session) answers the requests."""

    def make(n=1):
        names = [make_user().username for _ in range(n)]
        db.session.close()
        return names

    return make


@pytest.fixture(params=["memory", "redis"])
def throttled(request, app):
    prefix = f"test-{RUN}-{uuid.uuid4().hex[:8]}"
    if request.param == "memory":
        with limited_app(app, "memory://", prefix) as limited:
            limiter.reset()
            yield limited
        return
    client = redis_client()
    with limited_app(app, REDIS_URL, prefix) as limited:
        limited.redis_keys = lambda: [k for k in client.scan_iter(f"*{prefix}*", count=1000)]
        try:
            yield limited
        finally:
            for key in limited.redis_keys():
                client.delete(key)


def html_login(client, username, password, address="10.0.0.1"):
    return client.post(
        "/login",
        data={"username": username, "password": password},
        environ_base={"REMOTE_ADDR": address},
    )


def json_login(client, username, password, address="10.0.0.1"):
    return client.post(
        "/api/v1/session",
        json={"username": username, "password": password},
        environ_base={"REMOTE_ADDR": address},
    )


def test_html_account_is_locked_after_three_failures_even_with_the_right_password(throttled, usernames):
    [username] = usernames()
    client = throttled.test_client()
    for _ in range(3):
        assert html_login(client, username, "sai-mat-khau-roi").status_code == 200
    blocked = html_login(client, username, PASSWORD)
    assert blocked.status_code == 429
    page = blocked.get_data(as_text=True)
    assert "Bạn thử quá nhiều lần" in page
    assert "<html" in page
    assert int(blocked.headers["Retry-After"]) > 0
    # Another account from the same address is still let in.
    [other] = usernames()
    assert html_login(client, other, PASSWORD).status_code == 302
    if hasattr(throttled, "redis_keys"):
        assert throttled.redis_keys(), "the counters live in Redis"


def test_past_the_account_ceiling_only_the_addresses_that_failed_are_refused(throttled, usernames):
    [username] = usernames()
    client = throttled.test_client()
    for n in range(4):  # the account's ceiling, one failure per address (each below its own 3)
        response = json_login(client, username, "sai-mat-khau-roi", address=f"10.0.1.{n}")
        assert response.status_code == 401
    blocked = json_login(client, username, PASSWORD, address="10.0.1.0")
    assert blocked.status_code == 429
    assert int(blocked.headers["Retry-After"]) > 0
    error = blocked.get_json()["error"]
    assert error["status"] == 429
    assert error["code"] == "too_many_requests"
    assert "quá nhiều lần" in error["message"]
    page = html_login(client, username, PASSWORD, address="10.0.1.3")
    assert page.status_code == 429 and "Bạn thử quá nhiều lần" in page.get_data(as_text=True)
    # A new address gets its answer, and is refused from its first failure on.
    assert json_login(client, username, "sai-mat-khau-roi", address="10.0.1.50").status_code == 401
    assert json_login(client, username, PASSWORD, address="10.0.1.50").status_code == 429
    # The owner, from an address that never failed, signs in on the API and on the page.
    assert json_login(throttled.test_client(), username, PASSWORD, address="10.0.1.99").status_code == 201
    assert html_login(throttled.test_client(), username, PASSWORD, address="10.0.1.98").status_code == 302


def guess(client, username, address, **kwargs):
    return client.post(
        "/api/v1/session",
        json={"username": username, "password": "sai-mat-khau-roi"},
        environ_base={"REMOTE_ADDR": address},
        **kwargs,
    )


def test_an_attackers_failures_from_one_address_do_not_stop_the_owner(throttled, usernames):
    [username] = usernames()
    attacker = throttled.test_client()
    answers = [guess(attacker, username, "203.0.113.7").status_code for _ in range(8)]
    assert answers == [401] * 3 + [429] * 5
    assert json_login(throttled.test_client(), username, PASSWORD, address="198.51.100.2").status_code == 201
    assert html_login(throttled.test_client(), username, PASSWORD, address="198.51.100.3").status_code == 302


def test_with_the_default_limits_guesses_from_everywhere_do_not_stop_the_owner(app, usernames):
    """Sixty wrong passwords from six addresses (ten each, the most one address may try a minute)."""
    [username] = usernames()
    defaults = {k: app.config[k] for k in ("LOGIN_LIMITS", "LOGIN_ADDRESS_LIMITS", "LOGIN_ACCOUNT_LIMITS")}
    with limited_app(app, "memory://", f"test-{RUN}-defaults", **defaults) as limited:
        limiter.reset()
        attacker = limited.test_client()
        for n in range(6):
            assert {guess(attacker, username, f"203.0.113.{n}").status_code for _ in range(10)} == {401}
        assert guess(attacker, username, "203.0.113.0").status_code == 429
        assert (
            json_login(limited.test_client(), username, PASSWORD, address="198.51.100.2").status_code == 201
        )


def test_behind_a_trusted_proxy_the_owner_signs_in_while_another_phone_guesses(app, usernames):
    [username] = usernames()
    with limited_app(app, "memory://", f"test-{RUN}-proxy-owner", TRUSTED_PROXIES=1) as limited:
        limiter.reset()
        client = limited.test_client()
        proxy = {"REMOTE_ADDR": "10.9.9.9"}
        for _ in range(6):
            client.post(
                "/api/v1/session",
                json={"username": username, "password": "sai-mat-khau-roi"},
                headers={"X-Forwarded-For": "203.0.113.1"},
                environ_base=proxy,
            )
        owner = limited.test_client().post(
            "/api/v1/session",
            json={"username": username, "password": PASSWORD},
            headers={"X-Forwarded-For": "198.51.100.2"},
            environ_base=proxy,
        )
        assert owner.status_code == 201


def test_address_is_throttled_across_accounts(throttled, usernames):
    client = throttled.test_client()
    for n in range(5):
        assert json_login(client, f"khong-co-ai-{n}", "sai-mat-khau-roi").status_code == 401
    [username] = usernames()
    assert json_login(client, username, PASSWORD).status_code == 429
    assert html_login(client, username, PASSWORD).status_code == 429
    # A different address is not affected.
    assert json_login(client, username, PASSWORD, address="10.0.0.2").status_code == 201


def test_successful_sign_ins_do_not_count(throttled, usernames):
    """Thirty volunteers behind one carrier address can all sign in at the morning briefing."""
    for username in usernames(4):  # 8 sign-ins from one address, more than its 5
        client = throttled.test_client()
        assert html_login(client, username, PASSWORD).status_code == 302
        assert json_login(throttled.test_client(), username, PASSWORD).status_code == 201


def test_change_password_guesses_are_throttled(throttled, usernames):
    [username] = usernames()
    client = throttled.test_client()
    assert html_login(client, username, PASSWORD).status_code == 302
    wrong = {
        "current_password": "doan-bua-mot-lan",
        "new_password": "mua-chieu-qua-cau-rang",
        "confirm": "mua-chieu-qua-cau-rang",
    }
    for _ in range(3):
        assert client.post("/password", data=wrong).status_code == 200
    assert client.post("/password", data={**wrong, "current_password": PASSWORD}).status_code == 429


@pytest.mark.parametrize(
    ("body", "content_type", "status"),
    [
        (b'{"username": "a", "password": "' + b"x" * (1024 * 1024) + b'"}', "application/json", 413),
        (b'{"username": "\xff\xfe", "password": "x"}', "application/json", 400),
        (b'["username", "password"]', "application/json", 400),
        (b'{"username": 12, "password": ["x"]}', "application/json", 422),
        (b"username=%ff%fe&password=x", "application/x-www-form-urlencoded", 415),
    ],
)
def test_hostile_sign_in_bodies_get_clear_json_errors_with_throttling_on(
    throttled, body, content_type, status
):
    client = throttled.test_client()
    response = client.post("/api/v1/session", data=body, content_type=content_type)
    assert response.status_code == status
    assert response.get_json()["error"]["status"] == status


def test_hostile_html_sign_in_forms_get_the_form_back(throttled):
    client = throttled.test_client()
    for data in (
        b"username=%ff%fe%fd&password=xxxxxxxxxxxxxxxx",
        b"username=" + b"a" * 5000 + b"&password=x",
        b"username=a&username=b&password=x&password=y",
    ):
        response = client.post("/login", data=data, content_type="application/x-www-form-urlencoded")
        assert response.status_code == 200
        page = response.get_data(as_text=True)
        assert "Đăng nhập" in page
    huge = client.post("/login", data={"username": "a", "password": "x" * (1024 * 1024 + 1)})
    assert huge.status_code == 413
    assert "Dữ liệu gửi lên quá lớn." in huge.get_data(as_text=True)


def forwarded_login(client, username, forwarded_for):
    return client.post(
        "/api/v1/session",
        json={"username": username, "password": "sai-mat-khau-roi"},
        headers={"X-Forwarded-For": forwarded_for},
        environ_base={"REMOTE_ADDR": "10.9.9.9"},
    )


def test_a_forged_forwarded_for_does_not_escape_the_address_limit(app):
    with limited_app(app, "memory://", f"test-{RUN}-xff") as limited:
        limiter.reset()
        client = limited.test_client()
        for n in range(5):
            assert forwarded_login(client, f"ai-do-{n}", f"203.0.113.{n}").status_code == 401
        assert forwarded_login(client, "ai-do-9", "203.0.113.99").status_code == 429


def test_behind_a_trusted_proxy_each_phone_has_its_own_address(app):
    with limited_app(app, "memory://", f"test-{RUN}-proxy", TRUSTED_PROXIES=1) as limited:
        limiter.reset()
        client = limited.test_client()
        for n in range(5):
            assert forwarded_login(client, f"ai-do-{n}", "203.0.113.1").status_code == 401
        assert forwarded_login(client, "ai-do-9", "203.0.113.1").status_code == 429
        assert forwarded_login(client, "ai-do-9", "203.0.113.2").status_code == 401
        secure = client.get("/login", headers={"X-Forwarded-Proto": "https"})
        assert "Strict-Transport-Security" in secure.headers
