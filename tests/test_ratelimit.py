"""Rate limits at limit, limit + 1, per address, per account, and in Redis."""

from __future__ import annotations

import os
import re

import pytest
import redis
from sqlalchemy import func, select

from community.extensions import db
from community.invites.models import Invite
from tests.conftest import csrf_token_from, page_with_csrf_token, sign_in
from tests.factories import PASSWORD

REDIS_URL = "redis://127.0.0.1:6379/15"


def _post_form(client, path, data, *, address="10.0.0.1", headers=None):
    token = csrf_token_from(
        page_with_csrf_token(client, path, environ_base={"REMOTE_ADDR": address})
    )
    return client.post(
        path,
        data={**data, "csrf_token": token},
        environ_base={"REMOTE_ADDR": address},
        headers=headers or {},
    )


def _sign_in(client, login, password, **kwargs):
    return _post_form(client, "/login", {"login": login, "password": password}, **kwargs)


def test_sign_in_limit_per_address_allows_six_then_refuses_with_retry_after(limited_app, world):
    client = limited_app().test_client()
    statuses = [_sign_in(client, f"nobody{n}", "wrong password here").status_code for n in range(6)]
    refused = _sign_in(client, "nobody7", "wrong password here")

    assert statuses == [422] * 6
    assert refused.status_code == 429
    assert int(refused.headers["Retry-After"]) > 0
    assert "Try again in" in refused.text
    # Another address has its own allowance.
    assert _sign_in(client, "nobody8", "wrong", address="10.0.0.2").status_code == 422


def test_sign_in_limit_per_account_does_not_lock_out_the_owner_elsewhere(limited_app, world):
    app = limited_app(
        RATELIMIT_SIGN_IN_PER_ADDRESS="1000 per minute",
        RATELIMIT_SIGN_IN_PER_ACCOUNT="3 per 15 minutes",
    )
    client = app.test_client()
    guesses = [_sign_in(client, "member", f"guess number {n}").status_code for n in range(3)]
    blocked = _sign_in(client, "member", PASSWORD)

    assert guesses == [422] * 3
    assert blocked.status_code == 429  # even the right password, from the guesser's address
    owner = app.test_client()
    assert _sign_in(owner, "member", PASSWORD, address="192.0.2.9").status_code == 302


def test_sign_in_limit_counts_only_failures_when_signing_in_succeeds(limited_app, world):
    app = limited_app(
        RATELIMIT_SIGN_IN_PER_ADDRESS="1000 per minute",
        RATELIMIT_SIGN_IN_PER_ACCOUNT="2 per 15 minutes",
    )
    for _ in range(4):
        assert _sign_in(app.test_client(), "member", PASSWORD).status_code == 302


def test_sign_in_limit_per_account_anywhere_bounds_guessing_from_many_addresses(limited_app, world):
    app = limited_app(
        RATELIMIT_SIGN_IN_PER_ADDRESS="1000 per minute",
        RATELIMIT_SIGN_IN_PER_ACCOUNT_ANYWHERE="4 per hour",
    )
    client = app.test_client()
    statuses = [
        _sign_in(client, "member", "wrong guess", address=f"198.51.100.{n}").status_code
        for n in range(5)
    ]
    assert statuses == [422, 422, 422, 422, 429]


def test_sign_up_limit_counts_successful_sign_ups_per_address(limited_app, database):
    client = limited_app().test_client()

    def sign_up(name, password="a long and lovely passphrase"):
        return _post_form(
            client,
            "/signup",
            {
                "email": f"{name}@example.org",
                "username": name,
                "display_name": name,
                "password": password,
            },
        ).status_code

    assert sign_up("weakling", password="short") == 422  # a refused form is not counted
    assert [sign_up(f"newbie{n}") for n in range(3)] == [302, 302, 302]
    assert sign_up("newbie4") == 429


def test_password_reset_limit_per_address_and_per_account(limited_app, world):
    client = limited_app().test_client()
    path = "/password/reset"
    per_address = [
        _post_form(client, path, {"email": f"x{n}@example.com"}).status_code for n in range(4)
    ]
    per_account = [
        _post_form(
            client, path, {"email": "member@example.com"}, address=f"203.0.113.{n}"
        ).status_code
        for n in range(4)
    ]
    assert per_address == [200, 200, 200, 429]
    assert per_account == [200, 200, 200, 429]


def test_posting_limits_space_out_topics_and_replies(limited_app, world):
    app = limited_app()
    client = app.test_client()
    assert _sign_in(client, "member", PASSWORD).status_code == 302
    new_topic = "/s/town-square/new"
    first = _post_form(client, new_topic, {"title": "First topic", "body": "Hello there"})
    second = _post_form(client, new_topic, {"title": "Second topic", "body": "Hello again"})
    assert first.status_code == 302
    assert second.status_code == 429

    topic_path = first.headers["Location"]
    reply = f"{topic_path}/reply"
    token = csrf_token_from(
        page_with_csrf_token(client, topic_path, environ_base={"REMOTE_ADDR": "10.0.0.1"})
    )
    replies = [
        client.post(reply, data={"body": f"Reply {n}", "csrf_token": token}).status_code
        for n in range(2)
    ]
    assert replies == [302, 429]


def test_forwarded_for_header_is_ignored_without_trusted_proxies(limited_app, world):
    client = limited_app().test_client()
    statuses = [
        _sign_in(client, "nobody", "wrong", headers={"X-Forwarded-For": f"192.0.2.{n}"}).status_code
        for n in range(7)
    ]
    assert statuses[-1] == 429


def test_forwarded_for_header_is_honoured_behind_a_trusted_proxy(limited_app, world):
    client = limited_app(TRUSTED_PROXIES=1).test_client()
    statuses = [
        _sign_in(client, "nobody", "wrong", headers={"X-Forwarded-For": f"192.0.2.{n}"}).status_code
        for n in range(7)
    ]
    assert 429 not in statuses


def _redis_or_skip() -> redis.Redis:
    connection = redis.Redis.from_url(REDIS_URL)
    try:
        connection.ping()
    except redis.exceptions.ConnectionError:
        if os.environ.get("CI"):
            raise
        pytest.skip("Redis is not running on 127.0.0.1:6379")
    return connection


def test_redis_storage_keeps_the_count_where_every_worker_sees_it(limited_app, world):
    # Database 15 of the local Redis belongs to these tests; it starts and ends empty.
    connection = _redis_or_skip()
    connection.flushdb()
    app = limited_app(RATELIMIT_STORAGE_URI=REDIS_URL)
    client = app.test_client()
    try:
        statuses = [_sign_in(client, f"nobody{n}", "wrong").status_code for n in range(7)]
        keys = connection.keys("*")
    finally:
        connection.flushdb()
    assert statuses == [422] * 6 + [429]
    # The counts live in Redis, not in this process: a second worker would read them.
    assert keys


def test_posting_limit_answers_a_double_submit_with_the_first_post_not_429(limited_app, world):
    client = limited_app().test_client()
    assert _sign_in(client, "member", PASSWORD).status_code == 302
    page = client.get("/s/town-square/new", environ_base={"REMOTE_ADDR": "10.0.0.1"}).text
    data = {
        "title": "Clicked twice",
        "body": "Hello",
        "csrf_token": csrf_token_from(page),
        "submission_token": re.search(r'name="submission_token"[^>]*value="([^"]+)"', page)[1],
    }
    first = client.post("/s/town-square/new", data=data)
    second = client.post("/s/town-square/new", data=data)
    assert (first.status_code, second.status_code) == (302, 302)
    assert first.headers["Location"] == second.headers["Location"]


def test_invite_mails_are_counted_per_address_by_the_rate_limit(limited_app, world):
    app = limited_app(RATELIMIT_INVITES="5 per day")
    client = app.test_client()
    sign_in(client, world.user("space_moderator"))

    def invite(addresses):
        token = csrf_token_from(page_with_csrf_token(client, "/s/inner-circle/invites"))
        emails = ", ".join(f"p{n}@example.com" for n in addresses)
        return client.post(
            "/s/inner-circle/invites", data={"emails": emails, "csrf_token": token}
        ).status_code

    assert invite(range(0, 3)) == 200  # 3 of 5
    assert invite(range(3, 5)) == 200  # 5 of 5
    assert invite(range(5, 6)) == 429
    assert db.session.scalar(select(func.count(Invite.id))) == 5
