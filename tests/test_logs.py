"""Security events in the log: one line each, saying who, what, where and when,
with no secret in them and no way for a request to write a line of its own."""

from __future__ import annotations

import io
import logging
import re

import pytest

from community.logs import make_handler
from tests import factories
from tests.conftest import csrf_token_from, page_with_csrf_token, sign_in
from tests.mail import sent_mail

LINE = re.compile(
    r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ level=[A-Z]+ logger=\S+ ip=\S+ user_id=\S+ .*$"
)


@pytest.fixture
def log_lines():
    """Hearth's log handler on the root logger for the test; returns the lines so far."""
    stream = io.StringIO()
    handler = make_handler(stream)
    root = logging.getLogger()
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    yield lambda: stream.getvalue().splitlines()
    root.removeHandler(handler)
    root.setLevel(level)


def _events(lines: list[str], event: str) -> list[str]:
    return [line for line in lines if f" {event} " in f"{line} "]


def _post(client, path: str, data: dict, **kwargs):
    token = csrf_token_from(page_with_csrf_token(client, "/"))
    return client.post(path, data={**data, "csrf_token": token}, **kwargs)


def test_every_line_is_one_utc_key_value_event(client, world, log_lines):
    client.get("/no/such/page")

    lines = log_lines()
    assert lines
    assert all(LINE.match(line) for line in lines), lines


def test_sign_in_failure_and_success_say_who_and_from_where(client, world, log_lines):
    member = world.user("member")
    environ = {"REMOTE_ADDR": "203.0.113.7"}

    _post(client, "/login", {"login": "member", "password": "wrong-" * 3}, environ_base=environ)
    _post(
        client, "/login", {"login": "member", "password": factories.PASSWORD}, environ_base=environ
    )

    failure, success = _events(log_lines(), "account.login")
    assert "outcome=failure" in failure
    assert "ip=203.0.113.7" in failure
    assert "outcome=success" in success
    assert f"user_id={member.id}" in success
    assert "ip=203.0.113.7" in success


def test_a_denied_page_names_the_member_who_asked(client, world, log_lines):
    sign_in(client, world.user("member"))
    hidden = factories.make_topic(world.spaces["employee"], author=world.user("employee"))

    assert client.get(f"/t/{hidden.id}").status_code == 404

    [denied] = _events(log_lines(), "http.denied")
    assert f"path=/t/{hidden.id}" in denied
    assert f"user_id={world.user('member').id}" in denied


def test_a_csrf_failure_is_one_event(client, world, log_lines):
    assert client.post("/logout", data={}).status_code == 400

    [failure] = _events(log_lines(), "http.csrf_failed")
    assert "path=/logout" in failure


def test_a_rate_limited_request_is_one_event(limited_app, world, log_lines):
    client = limited_app().test_client()
    for number in range(7):
        _post(client, "/login", {"login": f"nobody{number}", "password": "x" * 12})

    [limited] = _events(log_lines(), "http.rate_limited")
    assert "path=/login" in limited


def test_carriage_returns_and_line_feeds_cannot_forge_a_line(client, world, log_lines):
    forged = "level=INFO logger=community.accounts.services account.login outcome=success"

    client.get(f"/t/1%0d%0a2026-12-01T00:00:00Z {forged}")

    lines = log_lines()
    assert not any(line.startswith("2026-12-01T00:00:00Z") for line in lines)
    [denied] = _events(lines, "http.denied")
    assert "\\r\\n2026-12-01T00:00:00Z" in denied


def test_no_password_session_or_token_reaches_the_log(app, client, world, log_lines):
    canary_password = "canary passphrase 7d1f orchard"
    _post(
        client,
        "/signup",
        {
            "email": "logcanary@example.com",
            "username": "logcanary",
            "display_name": "Log Canary",
            "password": canary_password,
        },
    )
    _post(client, "/login", {"login": "logcanary", "password": canary_password + "x"})
    _post(client, "/password/reset", {"email": "logcanary@example.com"})
    secrets = [canary_password]
    for message in sent_mail(app):
        secrets += re.findall(r"/(?:confirm|password/reset)/([A-Za-z0-9_.-]{20,})", message.body)
    session = client.get_cookie("session")
    if session is not None:
        secrets.append(session.value)

    text = "\n".join(log_lines())
    assert len(secrets) >= 3  # the password, the confirmation and the reset tokens
    assert [secret for secret in secrets if secret in text] == []
