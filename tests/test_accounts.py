"""Accounts: sign-up, confirmation, sign-in and out, passwords, e-mail, admin, CLI.

Most tests go through HTTP with the test client, as a member's browser would; the
mail they would receive is read from the memory outbox and its links are followed.
"""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from sqlalchemy import func, select
from zxcvbn.frequency_lists import FREQUENCY_LISTS

from community.accounts import services as account_services
from community.accounts import tokens
from community.accounts.models import (
    DISPLAY_NAME_MAX_LENGTH,
    EMAIL_MAX_LENGTH,
    PASSWORD_MAX_LENGTH,
    PASSWORD_MIN_DISTINCT_CHARACTERS,
    PASSWORD_MIN_LENGTH,
    USERNAME_MAX_LENGTH,
    Role,
    User,
)
from community.errors import ValidationFailed
from community.extensions import db
from community.mail import Message
from community.topics.models import Topic
from tests import factories
from tests.conftest import PERSONAS, csrf_token_from, page_with_csrf_token, sign_in
from tests.mail import forget_mail, sent_mail

NEW_PASSWORD = "an entirely different passphrase"
LINK = re.compile(r"http://localhost(/\S+)")
NOT_WORKING = "This link does not work"
HOME = "/"
NON_ADMINS = [persona for persona in PERSONAS if persona != "admin"]
ACCOUNT_EXISTS = "An account with that e-mail or username exists."


# --- helpers --------------------------------------------------------------------


def post(client, url, data=None, **kwargs):
    """POST a form as a browser would, with the CSRF token of a page just loaded."""
    token = csrf_token_from(page_with_csrf_token(client, HOME))
    return client.post(url, data={**(data or {}), "csrf_token": token}, **kwargs)


def sign_up(
    client,
    *,
    email="New.Person@Example.COM",
    username="newperson",
    display_name="New Person",
    password=factories.PASSWORD,
):
    return post(
        client,
        "/signup",
        {"email": email, "username": username, "display_name": display_name, "password": password},
    )


def submit_sign_in(client, login, password, *, remember=False, next_url=None):
    data = {"login": login, "password": password}
    if remember:
        data["remember"] = "y"
    query = {"next": next_url} if next_url is not None else None
    return post(client, "/login", data, query_string=query)


def request_reset(client, email):
    return post(client, "/password/reset", {"email": email})


def change_password(client, current, new):
    return post(
        client, "/account/password", {"pw-current_password": current, "pw-new_password": new}
    )


def request_email_change(client, new_email, password=factories.PASSWORD):
    return post(client, "/account/email", {"em-new_email": new_email, "em-password": password})


def create_admin_command(app, *, email, username, password):
    # ``invoke(args=...)`` runs the command in this thread, inside the app context
    # the ``database`` fixture pushed: Flask's ``with_appcontext`` only pushes one
    # when none is active. So the service uses the test's connection-bound session,
    # its commit lands in a SAVEPOINT and the test's rollback removes the admin.
    options = ["--email", email, "--username", username, "--password", password]
    return app.test_cli_runner().invoke(args=["hearth", "create-admin", *options])


def signed_in_name(client):
    """The display name in the page header, or None when the client is anonymous."""
    match = re.search(r'class="user-name">\s*([^<]*?)\s*<', client.get(HOME).text)
    return html.unescape(match.group(1)) if match else None


def replay_cookie(app, name, value):
    """A fresh client (another browser) holding only a copied cookie."""
    other = app.test_client()
    other.set_cookie(name, value)
    return other


def field_error(page, field_id):
    match = re.search(rf'<p class="error" id="{re.escape(field_id)}-error">([^<]*)</p>', page)
    return html.unescape(match.group(1)) if match else None


def form_errors(page):
    block = re.search(r'<div class="form-errors" role="alert">(.*?)</div>', page, re.S)
    if block is None:
        return []
    return [html.unescape(text) for text in re.findall(r"<p>([^<]*)</p>", block.group(1))]


def input_value(page, field_id):
    tag = re.search(rf'<input[^>]*\bid="{re.escape(field_id)}"[^>]*>', page)
    assert tag, f"no input #{field_id} on the page"
    value = re.search(r'\bvalue="([^"]*)"', tag.group(0))
    return html.unescape(value.group(1)) if value else None


def without_per_response_values(page, *variants):
    """The page without its CSRF tokens and CSP nonces, and without ``variants``."""
    page = re.sub(r'(name="csrf_token" type="hidden" value=")[^"]+', r"\1", page)
    page = re.sub(r'(name="csrf-token" content=")[^"]+', r"\1", page)
    page = re.sub(r'nonce="[^"]+"', 'nonce=""', page)
    for variant in variants:
        page = page.replace(variant, "")
    return page


def mails_to(app, address):
    return [message for message in sent_mail(app) if message.to == address]


def link_in(message: Message) -> str:
    match = LINK.search(message.body)
    assert match, f"no link in {message.subject!r}"
    return match.group(1)


def only_link_to(app, address):
    [message] = mails_to(app, address)
    return link_in(message)


def user_with_email(email):
    return db.session.scalar(select(User).where(User.email == email))


def user_count():
    return db.session.scalar(select(func.count(User.id)))


def tampered(token):
    # Change the payload, not the last character: base64's final character carries
    # unused bits, so editing it can leave the decoded signature the same.
    return ("A" if token[0] != "A" else "B") + token[1:]


# --- sign-up and confirmation ---------------------------------------------------


def test_signup_creates_unconfirmed_user_and_mails_one_link_when_input_is_valid(app, client):
    response = sign_up(client)

    assert response.status_code == 302
    assert response.headers["Location"] == "/signup/sent"
    user = user_with_email("new.person@example.com")
    assert user is not None
    assert user.username == "newperson"
    assert user.is_confirmed is False
    assert user.is_employee is False
    assert user.role is Role.MEMBER
    [message] = sent_mail(app)
    assert message.to == "new.person@example.com"
    assert link_in(message).startswith("/confirm/")
    assert signed_in_name(client) is None


def test_signup_stores_email_lower_cased_when_typed_in_mixed_case(client):
    sign_up(client, email="MiXeD.Case@Example.COM")

    assert user_with_email("mixed.case@example.com") is not None
    assert db.session.scalar(select(User).where(User.email == "MiXeD.Case@Example.COM")) is None


def test_confirm_page_changes_nothing_when_only_opened(app, client):
    sign_up(client)
    link = only_link_to(app, "new.person@example.com")

    page = client.get(link)

    assert page.status_code == 200
    assert "Confirm my address" in page.text
    assert user_with_email("new.person@example.com").is_confirmed is False
    assert signed_in_name(client) is None


def test_confirm_confirms_and_signs_in_when_form_is_posted(app, client):
    sign_up(client)
    link = only_link_to(app, "new.person@example.com")

    response = post(client, link)

    assert response.status_code == 302
    # Confirming is a newcomer's first sign-in: it opens the welcome page.
    assert response.headers["Location"] == "/welcome"
    assert user_with_email("new.person@example.com").is_confirmed is True
    assert signed_in_name(client) == "New Person"


def test_confirm_link_is_spent_when_already_used(app, client):
    sign_up(client)
    link = only_link_to(app, "new.person@example.com")
    post(client, link)
    stranger = app.test_client()

    response = post(stranger, link)

    # A confirmation link must not stay a sign-in link for its three days.
    assert response.status_code == 404
    assert NOT_WORKING in response.text
    assert signed_in_name(stranger) is None


def test_confirm_link_fails_when_expired(app, client, monkeypatch):
    sign_up(client)
    link = only_link_to(app, "new.person@example.com")
    # A negative age makes every token already too old; without the check it works.
    monkeypatch.setitem(app.config, "CONFIRM_TOKEN_MAX_AGE", -1)

    response = post(client, link)

    assert response.status_code == 404
    assert user_with_email("new.person@example.com").is_confirmed is False


def test_confirm_link_fails_when_tampered(app, client):
    sign_up(client)
    token = only_link_to(app, "new.person@example.com").removeprefix("/confirm/")

    response = post(client, f"/confirm/{tampered(token)}")

    assert response.status_code == 404
    assert user_with_email("new.person@example.com").is_confirmed is False


def test_signup_refuses_username_case_insensitively_when_taken(app, client, world):
    before = user_count()

    response = sign_up(client, email="fresh@example.com", username="MEMBER", display_name="Fresh")

    assert response.status_code == 422
    assert field_error(response.text, "username") == "That username is taken; try another."
    assert input_value(response.text, "email") == "fresh@example.com"
    assert input_value(response.text, "username") == "MEMBER"
    assert input_value(response.text, "display_name") == "Fresh"
    assert not input_value(response.text, "password")  # never echoed back
    assert user_count() == before
    assert sent_mail(app) == []


@pytest.mark.parametrize("email", ["fresh@example.com", "MEMBER@Example.com"])
def test_signup_answers_taken_username_alike_when_email_is_new_or_registered(
    app, client, world, email
):
    before = user_count()

    response = sign_up(client, email=email, username="moderator")

    # Usernames are public, so a taken one must get the same answer whatever the
    # address: otherwise the form tells whether the address has an account.
    assert response.status_code == 422
    assert field_error(response.text, "username") == "That username is taken; try another."
    assert user_count() == before
    assert sent_mail(app) == []


def test_signup_mails_existing_owner_and_answers_as_usual_when_email_is_registered(app, world):
    fresh, duplicate = app.test_client(), app.test_client()
    fresh_response = sign_up(fresh, email="someone.new@example.com", username="someonenew")
    forget_mail(app)
    before = user_count()

    response = sign_up(duplicate, email="MEMBER@Example.COM", username="anothername")

    assert (response.status_code, response.headers["Location"]) == (
        fresh_response.status_code,
        fresh_response.headers["Location"],
    )
    assert user_count() == before
    assert db.session.scalar(select(User).where(User.username_lower == "anothername")) is None
    [message] = sent_mail(app)
    assert message.to == "member@example.com"
    assert message.subject == "Someone tried to sign up with your address"
    assert "/confirm/" not in message.body
    assert duplicate.get(response.headers["Location"]).status_code == 200


def test_signup_treats_email_as_registered_when_address_contains_the_word_username(app, client):
    factories.make_user(username="owner", email="the.username@example.com")
    before = user_count()

    response = sign_up(client, email="The.Username@example.com", username="fresh")

    # The database's error text quotes the address; it must not be read as a
    # username clash (PostgreSQL's "Key (email)=(the.username@…)").
    assert response.status_code == 302
    assert user_count() == before
    assert [m.subject for m in mails_to(app, "the.username@example.com")] == [
        "Someone tried to sign up with your address"
    ]


@pytest.mark.parametrize(
    ("password", "expected"),
    [
        ("short pass", f"at least {PASSWORD_MIN_LENGTH} characters"),
        ("abababababababab", f"at least {PASSWORD_MIN_DISTINCT_CHARACTERS} different characters"),
        ("NewPerson rocks forever", "must not contain your username"),
        ("my new.person is secret", "must not contain your username or e-mail"),
        ("passwordpassword", "too easy to guess"),
        ("qwertyuiop123", "too easy to guess"),
        ("iloveyou2026", "too easy to guess"),
    ],
    ids=[
        "short",
        "few-distinct",
        "contains-username",
        "contains-email",
        "repeated-word",
        "keyboard-walk",
        "common-with-year",
    ],
)
def test_signup_refuses_password_and_writes_nothing_when_weak(app, client, password, expected):
    before = user_count()

    response = sign_up(client, password=password)

    assert response.status_code == 422
    assert expected in field_error(response.text, "password")
    assert user_count() == before
    assert sent_mail(app) == []


def test_password_check_refuses_every_common_password_long_enough_to_be_tried(report_figure):
    """The 10,000 most common passwords of zxcvbn's list (xato's), as typed and with a
    capital first letter: every one long enough to pass the length rule is refused."""
    candidates = [
        variant
        for common in FREQUENCY_LISTS["passwords"][:10_000]
        for variant in (common, common.capitalize())
        if len(variant) >= PASSWORD_MIN_LENGTH
    ]
    accepted = []
    for candidate in candidates:
        try:
            account_services.check_password_strength(candidate)
        except ValidationFailed:
            continue
        accepted.append(candidate)

    assert len(candidates) > 50  # the check is exercised
    assert accepted == []
    report_figure(f"FIGURE common-passwords tried={len(candidates)} accepted={len(accepted)}")


def test_password_check_accepts_a_long_passphrase_and_scores_its_start(app):
    # Past zxcvbn's 72-character limit nothing is cut from what is hashed.
    account_services.check_password_strength("a long and lovely passphrase " * 8)
    account_services.check_password_strength("Lumen-hub tastes of copper")


@pytest.mark.parametrize(
    ("field", "value", "expected"),
    [
        ("email", "not-an-address", "That is not a valid e-mail address"),
        ("email", "a" * EMAIL_MAX_LENGTH + "@example.com", str(EMAIL_MAX_LENGTH)),
        ("username", "no spaces allowed", "Use letters, digits"),
        ("username", "ab", "3 to 30 characters"),
        ("username", "u" * (USERNAME_MAX_LENGTH + 1), str(USERNAME_MAX_LENGTH)),
        ("display_name", "d" * (DISPLAY_NAME_MAX_LENGTH + 1), str(DISPLAY_NAME_MAX_LENGTH)),
        ("password", "correct horse " * 20, str(PASSWORD_MAX_LENGTH)),
    ],
    ids=[
        "email-invalid",
        "email-too-long",
        "username-pattern",
        "username-too-short",
        "username-too-long",
        "display-name-too-long",
        "password-too-long",
    ],
)
def test_signup_shows_message_beside_field_when_input_is_invalid(
    app, client, field, value, expected
):
    before = user_count()

    response = sign_up(client, **{field: value})

    assert response.status_code == 422
    assert expected in (field_error(response.text, field) or "")
    assert user_count() == before
    assert sent_mail(app) == []


def test_resend_confirmation_mails_a_new_link_when_unconfirmed(app, client_as, world):
    client = client_as("unconfirmed")

    response = post(client, "/confirm/resend")

    assert response.status_code == 302
    link = only_link_to(app, world.user("unconfirmed").email)
    post(client, link)
    assert world.user("unconfirmed").is_confirmed is True


# --- employee flag --------------------------------------------------------------


def test_employee_flag_is_set_at_confirmation_when_domain_is_an_employee_domain(app, client):
    sign_up(client, email="Worker@STAFF.example", username="worker")
    user = user_with_email("worker@staff.example")
    assert user.is_employee is False  # not before the address is proven

    post(client, only_link_to(app, "worker@staff.example"))

    assert user_with_email("worker@staff.example").is_employee is True


@pytest.mark.parametrize(
    "email", ["worker@example.com", "worker@evilstaff.example", "worker@staff.example.com"]
)
def test_employee_flag_stays_unset_at_confirmation_when_domain_is_another(app, client, email):
    sign_up(client, email=email, username="worker")

    post(client, only_link_to(app, email))

    user = user_with_email(email)
    assert user.is_confirmed is True
    assert user.is_employee is False


# --- sign-in --------------------------------------------------------------------


@pytest.mark.parametrize("login", ["member", "MeMbEr", "member@example.com", "MEMBER@Example.COM"])
def test_sign_in_succeeds_when_email_or_username_differs_in_case(client, world, login):
    response = submit_sign_in(client, login, factories.PASSWORD)

    assert response.status_code == 302
    assert response.headers["Location"] == HOME
    assert signed_in_name(client) == "Display member"


@pytest.mark.parametrize("unknown", ["nobody", "nobody@example.com"])
def test_sign_in_answers_identically_when_password_wrong_or_account_unknown(client, world, unknown):
    known = "member@example.com" if "@" in unknown else "member"
    wrong_password = submit_sign_in(client, known, "not the right password")
    no_account = submit_sign_in(client, unknown, "not the right password")

    assert wrong_password.status_code == no_account.status_code == 422
    assert form_errors(wrong_password.text) == form_errors(no_account.text)
    assert form_errors(no_account.text) == ["That e-mail or username and password do not match."]
    assert without_per_response_values(wrong_password.text, f'value="{known}"') == (
        without_per_response_values(no_account.text, f'value="{unknown}"')
    )
    assert signed_in_name(client) is None


def test_sign_in_follows_next_when_it_is_a_path_on_this_site(client, world):
    response = submit_sign_in(client, "member", factories.PASSWORD, next_url="/s/town-square")

    assert response.status_code == 302
    assert response.headers["Location"] == "/s/town-square"


@pytest.mark.parametrize(
    "target",
    ["//evil.com", "https://evil.com", "/\\evil.com", "/\t/evil.com", "javascript:alert(1)"],
)
def test_sign_in_goes_home_when_next_leaves_the_site(client, world, target):
    response = submit_sign_in(client, "member", factories.PASSWORD, next_url=target)

    assert response.status_code == 302
    assert response.headers["Location"] == HOME


def test_sign_in_starts_a_fresh_session_when_session_held_values_before(client, world):
    client.get("/login")
    with client.session_transaction() as session:
        session["planted"] = "set before sign-in"
    before = client.get_cookie("session").value

    sign_in(client, world.user("member"))

    with client.session_transaction() as session:
        assert "planted" not in session
        assert session["_user_id"].startswith(f"{world.user('member').id}:")
    assert client.get_cookie("session").value != before


def test_unconfirmed_member_can_sign_in_and_read_but_not_create_topics(client_as, world):
    client = client_as("unconfirmed")
    space = world.spaces["public"]

    assert signed_in_name(client) == "Display unconfirmed"
    assert client.get(f"/s/{space.slug}").status_code == 200
    response = post(client, f"/s/{space.slug}/new", {"title": "Hello all", "body": "First!"})

    assert response.status_code == 403
    assert db.session.scalar(select(func.count(Topic.id)).where(Topic.space_id == space.id)) == 0


# --- sign-out -------------------------------------------------------------------


def test_sign_out_refuses_get_when_asked_by_a_link(client_as):
    client = client_as("member")

    response = client.get("/logout")

    assert response.status_code == 405
    assert signed_in_name(client) == "Display member"


def test_sign_out_refuses_post_when_csrf_token_missing(client_as):
    client = client_as("member")

    response = client.post("/logout")

    assert response.status_code == 400
    assert signed_in_name(client) == "Display member"


def test_sign_out_makes_a_copied_session_cookie_anonymous_when_replayed(app, client_as):
    client = client_as("member")
    copied = client.get_cookie("session").value
    assert signed_in_name(replay_cookie(app, "session", copied)) == "Display member"

    response = post(client, "/logout")

    assert response.status_code == 302
    assert signed_in_name(client) is None
    assert signed_in_name(replay_cookie(app, "session", copied)) is None


def test_sign_out_makes_a_copied_remember_cookie_anonymous_when_replayed(app, client, world):
    submit_sign_in(client, "member", factories.PASSWORD, remember=True)
    copied = client.get_cookie("remember_token").value
    assert signed_in_name(replay_cookie(app, "remember_token", copied)) == "Display member"

    post(client, "/logout")

    assert signed_in_name(replay_cookie(app, "remember_token", copied)) is None


def test_sign_out_everywhere_ends_every_session_when_posted(app, client_as, world):
    laptop, phone = client_as("member"), client_as("member")
    remembered = app.test_client()
    submit_sign_in(remembered, "member", factories.PASSWORD, remember=True)
    copied = remembered.get_cookie("remember_token").value

    response = post(laptop, "/account/sign-out-everywhere")

    assert response.status_code == 302
    assert response.headers["Location"] == "/login"
    assert signed_in_name(laptop) is None
    assert signed_in_name(phone) is None
    assert signed_in_name(replay_cookie(app, "remember_token", copied)) is None


def test_session_ends_when_idle_longer_than_the_idle_limit(app, client, world):
    idle = app.config["PERMANENT_SESSION_LIFETIME"]
    with time_machine.travel(datetime.now(UTC), tick=False) as traveller:
        submit_sign_in(client, "member", factories.PASSWORD)
        copied = client.get_cookie("session").value
        # Each request renews the session: three almost-idle spans in a row stay in.
        for _ in range(3):
            traveller.shift(idle - timedelta(minutes=5))
            assert signed_in_name(client) == "Display member"

        traveller.shift(idle + timedelta(minutes=1))

        assert (
            signed_in_name(replay_cookie(app, "session", client.get_cookie("session").value))
            is None
        )
        assert signed_in_name(replay_cookie(app, "session", copied)) is None


def test_remembered_sign_in_ends_at_the_absolute_limit_however_active(app, client, world):
    lifetime = app.config["SESSION_ABSOLUTE_LIFETIME"]
    with time_machine.travel(datetime.now(UTC), tick=False) as traveller:
        submit_sign_in(client, "member", factories.PASSWORD, remember=True)
        remember = client.get_cookie("remember_token").value
        # Back every day: the session is renewed, and remember-me restores it after
        # idle nights, until the sign-in itself is too old.
        for _ in range(lifetime.days - 1):
            traveller.shift(timedelta(days=1))
            assert (
                signed_in_name(replay_cookie(app, "remember_token", remember)) == "Display member"
            )

        traveller.shift(timedelta(days=1, minutes=1))

        assert signed_in_name(replay_cookie(app, "remember_token", remember)) is None
        assert signed_in_name(client) is None


# --- password reset -------------------------------------------------------------


def test_reset_request_shows_the_same_page_when_address_is_known_or_unknown(app, client, world):
    unknown = request_reset(client, "nobody@example.com")
    assert sent_mail(app) == []

    known = request_reset(client, "Member@Example.com")

    assert known.status_code == unknown.status_code == 200
    assert without_per_response_values(known.text) == without_per_response_values(unknown.text)
    [message] = sent_mail(app)
    assert message.to == "member@example.com"
    assert link_in(message).startswith("/password/reset/")


def test_reset_link_sets_password_and_signs_in_once_when_followed(app, client, world):
    request_reset(client, "member@example.com")
    link = only_link_to(app, "member@example.com")
    assert client.get(link).status_code == 200

    response = post(client, link, {"password": NEW_PASSWORD})

    assert response.status_code == 302
    assert response.headers["Location"] == HOME
    assert signed_in_name(client) == "Display member"
    assert submit_sign_in(app.test_client(), "member", NEW_PASSWORD).status_code == 302
    for again in (app.test_client().get(link), post(app.test_client(), link, {"password": "x"})):
        assert again.status_code == 404
        assert NOT_WORKING in again.text


def test_reset_link_confirms_the_address_and_derives_employee_status_when_unconfirmed(app, client):
    user = factories.make_user(
        username="newhire", email="newhire@staff.example", is_confirmed=False
    )
    request_reset(client, "newhire@staff.example")

    post(client, only_link_to(app, "newhire@staff.example"), {"password": NEW_PASSWORD})

    assert user.email_confirmed_at is not None
    assert user.is_employee is True  # the mailbox on the employee domain is proven


def test_reset_link_fails_when_tampered(app, client, world):
    request_reset(client, "member@example.com")
    token = only_link_to(app, "member@example.com").removeprefix("/password/reset/")

    response = client.get(f"/password/reset/{tampered(token)}")

    assert response.status_code == 404
    assert NOT_WORKING in response.text


def test_reset_link_fails_when_expired(app, client, world, monkeypatch):
    request_reset(client, "member@example.com")
    link = only_link_to(app, "member@example.com")
    # A negative age makes every token already too old; without the check it works.
    monkeypatch.setitem(app.config, "RESET_TOKEN_MAX_AGE", -1)

    assert client.get(link).status_code == 404
    response = post(client, link, {"password": NEW_PASSWORD})

    assert response.status_code == 404
    assert NOT_WORKING in response.text
    assert submit_sign_in(app.test_client(), "member", factories.PASSWORD).status_code == 302


def test_reset_ends_other_sessions_when_password_is_set(app, client_as, world):
    elsewhere = client_as("member")
    anonymous = client_as("anonymous")
    request_reset(anonymous, "member@example.com")

    post(anonymous, only_link_to(app, "member@example.com"), {"password": NEW_PASSWORD})

    assert signed_in_name(anonymous) == "Display member"
    assert signed_in_name(elsewhere) is None


def test_reset_keeps_link_usable_when_new_password_is_weak(app, client, world):
    request_reset(client, "member@example.com")
    link = only_link_to(app, "member@example.com")

    response = post(client, link, {"password": "too short"})

    assert response.status_code == 422
    assert str(PASSWORD_MIN_LENGTH) in field_error(response.text, "password")
    assert client.get(link).status_code == 200


# --- change password ------------------------------------------------------------


def test_change_password_refuses_beside_field_when_current_password_is_wrong(client_as, world):
    client = client_as("member")
    before = world.user("member").password_hash

    response = change_password(client, "not my password at all", NEW_PASSWORD)

    assert response.status_code == 422
    assert field_error(response.text, "pw-current_password") == "That is not your current password."
    assert world.user("member").password_hash == before


def test_change_password_ends_other_sessions_but_keeps_this_one_when_it_succeeds(
    app, client_as, world
):
    current, other = client_as("member"), client_as("member")

    response = change_password(current, factories.PASSWORD, NEW_PASSWORD)

    assert response.status_code == 302
    assert signed_in_name(current) == "Display member"
    assert signed_in_name(other) is None
    assert submit_sign_in(app.test_client(), "member", NEW_PASSWORD).status_code == 302
    assert submit_sign_in(app.test_client(), "member", factories.PASSWORD).status_code == 422


# --- change e-mail --------------------------------------------------------------


def test_change_email_refuses_beside_field_when_password_is_wrong(app, client_as, world):
    client = client_as("member")

    response = request_email_change(client, "new.home@example.com", "not my password at all")

    assert response.status_code == 422
    assert field_error(response.text, "em-password") == "That is not your current password."
    assert sent_mail(app) == []


def test_change_email_switches_address_and_tells_old_one_when_new_one_is_confirmed(
    app, client_as, world
):
    client = client_as("member")

    response = request_email_change(client, "New.Home@Example.com")

    assert response.status_code == 302
    [message] = sent_mail(app)
    assert message.to == "new.home@example.com"
    link = link_in(message)
    page = client.get(link)
    assert page.status_code == 200
    assert "new.home@example.com" in page.text
    assert world.user("member").email == "member@example.com"

    confirmed = post(client, link)

    assert confirmed.status_code == 302
    assert world.user("member").email == "new.home@example.com"
    assert [m.subject for m in mails_to(app, "member@example.com")] == [
        "Your Hearth e-mail address was changed"
    ]
    again = post(client, link)
    assert again.status_code == 404
    assert NOT_WORKING in again.text


def test_change_email_link_fails_when_expired(app, client_as, world, monkeypatch):
    client = client_as("member")
    request_email_change(client, "new.home@example.com")
    link = only_link_to(app, "new.home@example.com")
    monkeypatch.setitem(app.config, "CONFIRM_TOKEN_MAX_AGE", -1)

    response = post(client, link)

    assert response.status_code == 404
    assert world.user("member").email == "member@example.com"


def test_change_email_grants_employee_flag_when_new_address_is_on_an_employee_domain(
    app, client_as, world
):
    client = client_as("member")
    request_email_change(client, "member@staff.example")

    post(client, only_link_to(app, "member@staff.example"))

    assert world.user("member").is_employee is True


def test_change_email_changes_nothing_when_address_was_taken_meanwhile(app, client_as, world):
    client = client_as("member")
    request_email_change(client, "contested@example.com")
    link = only_link_to(app, "contested@example.com")
    factories.make_user(username="quicker", email="contested@example.com")

    response = post(client, link)

    assert response.status_code == 409
    assert "That address now belongs to another account." in response.text
    assert world.user("member").email == "member@example.com"
    assert mails_to(app, "member@example.com") == []


# --- member administration ------------------------------------------------------


@pytest.mark.parametrize("persona", NON_ADMINS)
def test_admin_members_pages_are_not_found_when_viewer_is_not_admin(client_as, world, persona):
    client = client_as(persona)
    target = world.user("member")

    assert client.get("/admin/members").status_code == 404
    assert client.get(f"/admin/members/{target.id}").status_code == 404
    response = post(client, f"/admin/members/{target.id}", {"role": "admin", "is_employee": "y"})

    assert response.status_code == 404
    assert target.role is Role.MEMBER
    assert target.is_employee is False


def test_admin_members_lists_members_when_viewer_is_admin(client_as, world):
    page = client_as("admin").get("/admin/members", query_string={"q": "closed"})

    assert page.status_code == 200
    assert "closedmember@example.com" in page.text
    assert "employee@example.com" not in page.text


def test_admin_member_sets_role_and_employee_flag_when_viewer_is_admin(client_as, world):
    client = client_as("admin")
    member = world.user("member")

    response = post(
        client, f"/admin/members/{member.id}", {"role": "moderator", "is_employee": "y"}
    )

    assert response.status_code == 302
    assert member.role is Role.MODERATOR
    assert member.is_employee is True

    post(client, f"/admin/members/{member.id}", {"role": "member"})  # box unticked

    assert member.role is Role.MEMBER
    assert member.is_employee is False


def test_admin_member_keeps_own_admin_role_when_admin_tries_to_remove_it(client_as, world):
    client = client_as("admin")
    admin = world.user("admin")

    response = post(client, f"/admin/members/{admin.id}", {"role": "member", "is_employee": "y"})

    assert response.status_code == 422
    assert field_error(response.text, "role") == "You cannot remove your own admin role."
    assert admin.role is Role.ADMIN
    assert admin.is_employee is False


# --- command line ---------------------------------------------------------------


def test_create_admin_command_creates_a_confirmed_admin_when_input_is_valid(app, database):
    result = create_admin_command(
        app, email="Boss@Example.com", username="boss", password=factories.PASSWORD
    )

    assert result.exit_code == 0, result.output
    assert "Created admin boss <boss@example.com>." in result.output
    admin = user_with_email("boss@example.com")
    assert admin.role is Role.ADMIN
    assert admin.is_confirmed is True
    assert submit_sign_in(app.test_client(), "boss", factories.PASSWORD).status_code == 302


@pytest.mark.parametrize(
    ("email", "username", "password", "expected"),
    [
        ("boss@example.com", "boss", "too short", f"at least {PASSWORD_MIN_LENGTH} characters"),
        ("MEMBER@example.com", "boss", factories.PASSWORD, ACCOUNT_EXISTS),
        ("boss@example.com", "Member", factories.PASSWORD, ACCOUNT_EXISTS),
    ],
    ids=["weak-password", "duplicate-email", "duplicate-username"],
)
def test_create_admin_command_fails_with_message_when_input_is_refused(
    app, world, email, username, password, expected
):
    before = user_count()

    result = create_admin_command(app, email=email, username=username, password=password)

    assert result.exit_code != 0
    assert expected in result.output
    assert user_count() == before


def _email_change_token(user: User, new_email: str) -> str:
    return tokens.make_token(
        tokens.CHANGE_EMAIL, {"uid": user.id, "old": user.email, "new": new_email}
    )


def test_change_email_ends_employee_status_when_it_came_from_the_old_domain(app, client):
    user = factories.make_user(username="leaver", email="leaver@staff.example")
    user.is_employee = True  # derived from the domain, as confirmation does
    db.session.commit()
    token = _email_change_token(user, "leaver@elsewhere.example")

    account_services.confirm_email_change(token)

    assert user.email == "leaver@elsewhere.example"
    assert user.is_employee is False


def test_change_email_keeps_employee_status_when_an_admin_granted_it(world):
    admin, member = world.user("admin"), world.user("member")
    account_services.update_member(admin, member, role=member.role, is_employee=True)
    token = _email_change_token(member, "member@elsewhere.example")

    account_services.confirm_email_change(token)

    assert member.is_employee is True
    assert member.is_employee_set_by_admin is True


def test_change_email_keeps_employee_status_away_when_an_admin_took_it(world):
    admin = world.user("admin")
    member = factories.make_user(username="domainer", email="domainer@staff.example")
    member.email_confirmed_at = None
    account_services.confirm_email(
        tokens.make_token(tokens.CONFIRM_EMAIL, {"uid": member.id, "email": member.email})
    )
    assert member.is_employee is True
    account_services.update_member(admin, member, role=member.role, is_employee=False)
    token = _email_change_token(member, "domainer2@staff.example")

    account_services.confirm_email_change(token)

    assert member.is_employee is False
    assert member.is_employee_set_by_admin is True
