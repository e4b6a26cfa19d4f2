"""Settings read from the environment: numbers are ASCII digits, or the default stays."""

import pytest

from campaign.config import from_environment


@pytest.mark.parametrize("name", ["TRUSTED_PROXIES", "CLIENT_TIMEOUT_MS", "CLIENT_RETRY_MIN_MS"])
@pytest.mark.parametrize("value", ["²", "１", "٣", "1_0", "-1", "9" * 40, ""])
def test_a_number_that_is_not_ascii_digits_keeps_the_default(monkeypatch, name, value):
    monkeypatch.setenv(name, value)
    assert name not in from_environment()


def test_ascii_digits_are_read(monkeypatch):
    monkeypatch.setenv("TRUSTED_PROXIES", "1")
    monkeypatch.setenv("CLIENT_TIMEOUT_MS", "4000")
    settings = from_environment()
    assert settings["TRUSTED_PROXIES"] == 1
    assert settings["CLIENT_TIMEOUT_MS"] == 4000


def test_sqlite_synchronous_takes_only_a_known_level(monkeypatch):
    monkeypatch.setenv("SQLITE_SYNCHRONOUS", "normal")
    assert from_environment()["SQLITE_SYNCHRONOUS"] == "NORMAL"
    monkeypatch.setenv("SQLITE_SYNCHRONOUS", "FULL; PRAGMA x")
    assert "SQLITE_SYNCHRONOUS" not in from_environment()


def test_postgresql_connections_get_a_connect_timeout_unless_the_url_or_the_options_set_one():
    from campaign.database import engine_options

    url = "postgresql+psycopg://app@db.example/campaign"
    assert engine_options(url, {}, 5) == {"connect_args": {"connect_timeout": 5}}
    assert engine_options(url + "?connect_timeout=9", {}, 5) == {}
    mine = {"pool_size": 3, "connect_args": {"connect_timeout": 1, "application_name": "x"}}
    assert engine_options(url, mine, 5) == mine
    assert "connect_args" not in engine_options("sqlite://", {}, 5)  # in memory: nothing to add
