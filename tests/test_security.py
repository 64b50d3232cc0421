"""Response headers, cookies, CSRF, safe GETs, redirects and error pages.

SECURITY-PLAN §7 checks 14 (headers and cookies), 16 (CSRF and safe methods),
21 (open redirect) and 34 (error handling). The CSRF and GET checks walk
``app.url_map``, so a route added later joins them without anyone editing this file.
"""

from __future__ import annotations

import hashlib
import logging
import re
from collections.abc import Iterator
from dataclasses import dataclass
from urllib.parse import unquote, urlsplit

import flask_migrate
import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.routing import Rule

from community import create_app
from community.accounts import services as account_services
from community.extensions import db
from community.groups.models import Group
from community.invites import services as invite_services
from community.invites.models import Invite
from community.notifications.models import Notification, NotificationKind
from community.profiles import services as profile_services
from community.profiles.models import ProfileField, ProfileFieldKind
from community.security import ANONYMOUS_CACHE_SECONDS
from community.spaces import services as space_services
from community.spaces.models import JoinRequest
from community.topics import services as topic_services
from community.topics.models import Post, Topic
from config import BASE_DIR, ProductionConfig
from tests import factories
from tests.conftest import World, csrf_token_from, make_test_app, page_with_csrf_token
from tests.mail import forget_mail, sent_mail

# The tables the CSRF check names; the checksum covers every table in the metadata.
GUARDED_TABLES = ("users", "spaces", "topics", "posts", "memberships", "post_revisions")
CSRF_MESSAGE = "Reload the page and try again"
ONE_YEAR = 31_536_000
NONCE = re.compile(r"'nonce-([A-Za-z0-9_\-+/=]{16,})'")
SCRIPT_TAG = re.compile(r"<script\b[^>]*>", re.IGNORECASE)
SAFE_REFERRER_POLICIES = {
    "no-referrer",
    "same-origin",
    "strict-origin",
    "strict-origin-when-cross-origin",
}
# Fields a form on this site might read: were CSRF off, a POST carrying them would
# most likely change something, which the row checksum would then see.
PLAUSIBLE_FORM = {
    "title": "A perfectly reasonable title",
    "body": "A perfectly reasonable body.",
    "value": "on",
    "name": "Renamed space",
    "slug": "renamed-space",
    "description": "Changed.",
    "visibility": "public",
    "is_listed": "y",
    "username": "member",
    "role": "moderator",
    "is_employee": "y",
    "login": "admin",
    "password": factories.PASSWORD,
    "email": "someone.new@example.com",
    "display_name": "Someone New",
    "pw-current_password": factories.PASSWORD,
    "pw-new_password": "another correct horse battery",
    "em-new_email": "admin.new@example.com",
    "em-password": factories.PASSWORD,
    "dn-display_name": "Renamed Admin",
    "emails": "invitee@example.com",
    "max_uses": "5",
    "group": "1",
    "space": "1",
    "message": "Let me in.",
    "note": "Welcome!",
    "guidelines": "Be kind.",
    "accepts_requests": "y",
    "allows_member_invites": "y",
}


# --- fixtures and helpers -----------------------------------------------------------


@dataclass
class Content:
    """A topic in the public space with a reply that has been edited once, and a
    pending request to join the closed space."""

    topic: Topic
    post: Post
    join_request: JoinRequest
    invite: Invite
    notification: Notification
    profile_field: ProfileField


@pytest.fixture
def content(world: World) -> Content:
    author = world.user("member")
    topic = factories.make_topic(world.spaces["public"], author=author, title="Headers topic")
    reply = factories.make_reply(topic, author=author, body="A reply to edit.")
    topic_services.edit_post(author, reply, body="A reply, edited once.")
    # A tag (staff create them) so that the tag page has something to show.
    factories.make_topic(
        world.spaces["public"], author=world.user("admin"), title="Tagged topic", tags="headers"
    )
    world.spaces["closed"].accepts_join_requests = True
    join_request = space_services.request_to_join(
        world.user("member"), world.spaces["closed"], message="Let me in, please."
    )
    [invite] = invite_services.create_invites(
        world.user("admin"), spaces=[world.spaces["closed"]]
    ).invites
    notification = Notification(user_id=author.id, kind=NotificationKind.REPLY, topic=topic)
    db.session.add(notification)
    db.session.commit()
    profile_field = profile_services.create_profile_field(
        world.user("admin"), label="Favourite lamp", kind=ProfileFieldKind.TEXT
    )
    return Content(
        topic=topic,
        post=reply,
        join_request=join_request,
        invite=invite,
        notification=notification,
        profile_field=profile_field,
    )


@pytest.fixture
def mailed_tokens(app: Flask, world: World) -> dict[str, str]:
    """A real token for each route that takes one, taken from the mail that carries it."""
    member = world.user("member")
    with app.test_request_context():
        account_services.send_confirmation(world.user("unconfirmed"))
        account_services.request_password_reset(member.email)
        account_services.request_email_change(
            member, password=factories.PASSWORD, new_email="member.renamed@example.com"
        )
    # A reply to the member's topic: its e-mail carries an unsubscribe link.
    topic = factories.make_topic(world.spaces["public"], author=member, title="Mailed topic")
    factories.make_reply(topic, author=world.user("employee"))
    adapter = app.url_map.bind("localhost")
    tokens = {}
    for message in sent_mail(app):
        for path in re.findall(r"http://localhost(/\S+)", message.body):
            endpoint, values = adapter.match(urlsplit(path).path)
            if "token" in values:
                tokens[endpoint] = values["token"]
    forget_mail(app)
    # Invite links are handed over by their creator, not mailed; a real one all the same.
    tokens["invites.accept"] = invite_services.create_invites(
        world.user("admin"), spaces=[world.spaces["closed"]], max_uses=5
    ).link_token
    # An archive's link is shown to its owner on the export page; a real one too.
    tokens["profiles.download_export"] = profile_services.request_export(
        member, password=factories.PASSWORD
    ).token
    return tokens


@pytest.fixture
def url_values(world: World, content: Content, mailed_tokens: dict[str, str]):
    """Fill a rule's URL parameters with objects that exist, or fail naming the gap."""
    values = {
        "slug": world.spaces["public"].slug,
        "topic_id": content.topic.id,
        "post_id": content.post.id,
        # A member of the public space (its moderator), for the remove-member route.
        "user_id": world.user("space_moderator").id,
        "filename": "css/hearth.css",
        "name": "headers",  # the tag of the content fixture
        "request_id": content.join_request.id,
        "invite_id": content.invite.id,
        "decision": "approve",
        "notification_id": content.notification.id,
        "section": "respond",  # a dashboard chart
        "group_id": db.session.scalar(sa.select(Group.id).where(Group.name == "Partners")),
        "space_id": world.spaces["closed"].id,
        "username": "member",  # a member who posted in the public space
        "field_id": content.profile_field.id,
    }

    def fill(rule: Rule) -> dict[str, object]:
        filled = {}
        for argument in sorted(rule.arguments):
            if argument == "token":
                assert rule.endpoint in mailed_tokens, f"no mailed token for {rule.endpoint}"
                filled[argument] = mailed_tokens[rule.endpoint]
            else:
                assert argument in values, f"{rule.rule}: add a test value for <{argument}>"
                filled[argument] = values[argument]
        return filled

    return fill


def build_url(app: Flask, rule: Rule, values: dict[str, object]) -> str:
    return app.url_map.bind("localhost").build(rule.endpoint, values)


def rules_for(app: Flask, method: str) -> list[Rule]:
    return sorted(
        (rule for rule in app.url_map.iter_rules() if method in (rule.methods or ())),
        key=lambda rule: rule.rule,
    )


def snapshot(connection: sa.Connection) -> dict[str, tuple[int, str]]:
    """Row count and a checksum of every row of every table."""
    state = {}
    for table in db.metadata.sorted_tables:
        rows = connection.execute(sa.select(table).order_by(*table.primary_key.columns)).all()
        digest = hashlib.sha256(repr([tuple(row) for row in rows]).encode()).hexdigest()
        state[table.name] = (len(rows), digest)
    return state


def csp_directives(response) -> dict[str, list[str]]:
    policy = response.headers.get("Content-Security-Policy", "")
    directives = {}
    for part in policy.split(";"):
        name, *sources = part.split()
        directives[name] = sources
    return directives


def header_nonce(response) -> str:
    match = NONCE.search(" ".join(csp_directives(response)["script-src"]))
    assert match, response.headers.get("Content-Security-Policy")
    return match.group(1)


def assert_security_headers(response) -> None:
    policy = response.headers.get("Content-Security-Policy", "")
    directives = csp_directives(response)
    assert directives.get("object-src") == ["'none'"], policy
    assert directives.get("base-uri") == ["'none'"], policy
    assert directives.get("frame-ancestors") == ["'none'"], policy
    assert header_nonce(response)
    assert "'unsafe-inline'" not in policy
    assert "'unsafe-eval'" not in policy
    assert response.headers.get("X-Content-Type-Options") == "nosniff"
    assert response.headers.get("Referrer-Policy") in SAFE_REFERRER_POLICIES


def is_on_site(location: str) -> bool:
    """Whether a browser following ``location`` stays on this site."""
    seen = location.strip("".join(chr(code) for code in range(0x21)))
    seen = re.sub(r"[\t\n\r]", "", seen).replace("\\", "/")
    parts = urlsplit(seen)
    if parts.scheme or parts.netloc:
        return parts.scheme in {"http", "https"} and parts.netloc == "localhost"
    return seen.startswith("/") and not seen.startswith("//")


@pytest.fixture
def built_apps() -> Iterator[list[Flask]]:
    """Apps a test builds for itself; their pooled connections close afterwards."""
    apps: list[Flask] = []
    yield apps
    for built in apps:
        with built.app_context():
            db.engine.dispose()


# --- headers --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("/", 200),
        ("/login", 200),
        ("/signup", 200),
        ("/s/town-square", 200),
        ("{topic}", 200),
        ("/no-such-page", 404),
    ],
)
def test_pages_send_nonce_csp_and_hardening_headers_when_fetched(client, content, path, status):
    url = path.format(topic=f"/t/{content.topic.id}")
    response = client.get(url)
    assert response.status_code == status
    assert_security_headers(response)
    nonce = header_nonce(response)
    scripts = SCRIPT_TAG.findall(response.text)
    assert scripts, "the page loads no script: the nonce check would prove nothing"
    for tag in scripts:
        assert f'nonce="{nonce}"' in tag, tag
    # A nonce is only worth something if it is new on every response.
    assert header_nonce(client.get(url)) != nonce


@pytest.mark.parametrize("path", ["/", "/s/town-square", "{topic}", "/account", "/nope"])
def test_pages_are_not_stored_by_caches_when_viewer_is_signed_in(client_as, content, path):
    response = client_as("member").get(path.format(topic=f"/t/{content.topic.id}"))
    assert "no-store" in response.headers.get("Cache-Control", "")


@pytest.mark.parametrize("persona", ["anonymous", "admin"])
def test_every_get_route_sends_security_headers_when_crawled(app, client_as, url_values, persona):
    browser = client_as(persona)
    for rule in rules_for(app, "GET"):
        response = browser.get(build_url(app, rule, url_values(rule)))
        try:
            assert_security_headers(response)
            if persona != "anonymous" and rule.endpoint != "static":
                assert "no-store" in response.headers.get("Cache-Control", ""), rule.rule
        finally:
            response.close()


TEMPLATES = sorted((BASE_DIR / "templates").rglob("*.html"))


@pytest.mark.parametrize("path", TEMPLATES, ids=lambda path: str(path.relative_to(BASE_DIR)))
def test_templates_have_no_inline_script_or_style_when_scanned(path):
    text = path.read_text()
    for tag in SCRIPT_TAG.findall(text):
        # The CSP allows nonce'd scripts; an inline one would need 'unsafe-inline'.
        assert re.search(r"\ssrc=", tag), f"inline <script> in {path}: {tag}"
        assert 'nonce="{{ csp_nonce() }}"' in tag, f"script without nonce in {path}: {tag}"
    assert not re.search(r"<style\b", text, re.IGNORECASE), f"<style> in {path}"
    assert not re.search(r"\sstyle\s*=", text, re.IGNORECASE), f"style= in {path}"
    assert not re.search(r"\son[a-z]+\s*=", text, re.IGNORECASE), f"event handler in {path}"
    assert "javascript:" not in text.lower(), f"javascript: URL in {path}"
    # Only community.markdown makes Markup (its stored_html filter); |safe or
    # autoescape off would print member text unescaped (SECURITY-PLAN check 35).
    assert not re.search(r"\|\s*safe\b", text), f"|safe in {path}"
    assert not re.search(r"autoescape\s+false", text, re.IGNORECASE), f"autoescape off in {path}"
    assert "Markup(" not in text, f"Markup( in {path}"


def test_templates_are_found_when_scanned():
    # Guards the scan above: an empty glob would make it pass vacuously.
    assert any(path.name == "base.html" for path in TEMPLATES)


# --- production configuration ----------------------------------------------------------


@pytest.fixture
def production_app(tmp_path, built_apps) -> Flask:
    """The production configuration on a migrated SQLite file, with one member."""
    config = type(
        "ProductionTestConfig",
        (ProductionConfig,),
        {
            "SECRET_KEY": "production-test-key-of-reasonable-length",
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'production.db'}",
            "MAIL_BACKEND": "memory",
            "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
        },
    )
    production = create_app(config)
    built_apps.append(production)
    with production.app_context():
        flask_migrate.upgrade()
        factories.make_user(username="resident")
    return production


def https_client(app_: Flask) -> FlaskClient:
    """A client whose requests arrive over HTTPS, as behind the production proxy."""
    browser = app_.test_client()
    browser.environ_base["wsgi.url_scheme"] = "https"
    return browser


def https_sign_in(browser: FlaskClient, *, remember: bool = False):
    page = browser.get("/login")
    data = {
        "login": "resident",
        "password": factories.PASSWORD,
        "csrf_token": csrf_token_from(page.text),
    }
    if remember:
        data["remember"] = "y"
    # Flask-WTF checks the Referer of HTTPS posts (WTF_CSRF_SSL_STRICT).
    return browser.post("/login", data=data, headers={"Referer": "https://localhost/login"})


def cookie_attributes(response, name: str) -> list[str]:
    for header in response.headers.getlist("Set-Cookie"):
        if header.startswith(f"{name}="):
            return [part.strip().lower() for part in header.split(";")[1:]]
    raise AssertionError(f"no {name} cookie in {response.headers.getlist('Set-Cookie')}")


@pytest.mark.parametrize("name", ["__Host-session", "__Host-remember"])
def test_production_cookies_are_secure_host_only_when_member_signs_in(production_app, name):
    browser = https_client(production_app)
    response = https_sign_in(browser, remember=True)
    assert response.status_code == 302
    attributes = cookie_attributes(response, name)
    assert "secure" in attributes
    assert "httponly" in attributes
    assert "samesite=lax" in attributes
    # The __Host- prefix holds only with Path=/ and no Domain.
    assert "path=/" in attributes
    assert not any(attribute.startswith("domain=") for attribute in attributes)


def test_production_responses_send_hsts_when_served(production_app):
    response = https_client(production_app).get("/login")
    match = re.fullmatch(r"max-age=(\d+).*", response.headers.get("Strict-Transport-Security", ""))
    assert match
    assert int(match.group(1)) >= ONE_YEAR
    assert_security_headers(response)
    assert response.headers.get("Cross-Origin-Opener-Policy") == "same-origin"


def test_production_app_runs_without_debug_and_with_body_limit_when_built(production_app):
    assert production_app.debug is False
    assert production_app.testing is False
    assert 0 < production_app.config["MAX_CONTENT_LENGTH"] < 2 * 1024 * 1024


def test_testing_responses_send_no_hsts_when_served_over_http(client):
    # HSTS over plain HTTP on a developer's machine would pin localhost to HTTPS.
    assert "Strict-Transport-Security" not in client.get("/login").headers


def test_create_app_refuses_to_start_when_production_has_no_secret_key(tmp_path):
    config = type(
        "KeylessProductionConfig",
        (ProductionConfig,),
        {"SECRET_KEY": None, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'p.db'}"},
    )
    with pytest.raises(RuntimeError, match="SECRET_KEY is not set"):
        create_app(config)


def test_create_app_raises_when_configuration_name_is_unknown():
    with pytest.raises(RuntimeError, match="Unknown configuration 'nonsense'"):
        create_app("nonsense")


# --- CSRF and safe methods -------------------------------------------------------------


def test_every_post_route_rejects_request_when_csrf_token_is_missing(
    app, client_as, url_values, database
):
    admin = client_as("admin")
    rules = rules_for(app, "POST")
    assert {"accounts.logout", "topics.reply", "spaces.admin_new"} <= {r.endpoint for r in rules}
    before = snapshot(database)
    accepted = []
    for rule in rules:
        url = build_url(app, rule, url_values(rule))
        response = admin.post(url, data=PLAUSIBLE_FORM)
        if response.status_code != 400 or CSRF_MESSAGE not in response.text:
            accepted.append((rule.rule, response.status_code))
    assert accepted == []
    after = snapshot(database)
    assert {name: after[name][0] for name in GUARDED_TABLES} == {
        name: before[name][0] for name in GUARDED_TABLES
    }
    assert after == before
    # Sign-out without a token did not sign the admin out either.
    assert admin.get("/account").status_code == 200


def _reply(browser: FlaskClient, topic_id: int, token: str | None):
    data = {"body": "Posted with a borrowed token."}
    if token is not None:
        data["csrf_token"] = token
    return browser.post(f"/t/{topic_id}/reply", data=data)


@pytest.mark.parametrize("token_source", ["other_session", "forged", "empty"])
def test_post_is_rejected_when_csrf_token_is_not_this_sessions(
    client_as, content, database, token_source
):
    admin = client_as("admin")
    own_token = csrf_token_from(page_with_csrf_token(admin, "/"))
    tokens = {
        "other_session": csrf_token_from(client_as("member").get("/").text),
        # A well-formed token signed with the right key for a different session.
        "forged": own_token[:-4] + ("AAAA" if not own_token.endswith("AAAA") else "BBBB"),
        "empty": "",
    }
    before = snapshot(database)
    response = _reply(admin, content.topic.id, tokens[token_source])
    assert response.status_code == 400
    assert CSRF_MESSAGE in response.text
    assert snapshot(database) == before
    # The control: the same request with this session's token is accepted.
    assert _reply(admin, content.topic.id, own_token).status_code == 302
    assert snapshot(database)["posts"][0] == before["posts"][0] + 1


@pytest.mark.parametrize("persona", ["anonymous", "member", "admin"])
def test_get_routes_write_nothing_when_crawled(app, client_as, url_values, database, persona):
    browser = client_as(persona)
    before = snapshot(database)
    crawled = []
    for rule in rules_for(app, "GET"):
        response = browser.get(build_url(app, rule, url_values(rule)))
        response.close()
        assert response.status_code < 500, rule.rule
        crawled.append(rule.endpoint)
    assert "accounts.confirm" in crawled  # a GET that a careless view would act on
    assert snapshot(database) == before


# --- open redirect ---------------------------------------------------------------------

# Raw query-string values for ``next=``; the percent-encoded ones arrive decoded.
OFF_SITE_NEXT = [
    "//evil.example",
    "https://evil.example",
    "http://evil.example/path",
    "https:evil.example",
    "///evil.example",
    "/%5Cevil.example",  # /\evil.example
    "%5C%5Cevil.example",  # \\evil.example
    "/%5C/evil.example",
    "%2F%2Fevil.example",  # //evil.example
    "%252F%252Fevil.example",
    "%09//evil.example",  # \t//evil.example
    "/%09/evil.example",
    "/%0A/evil.example",
    "/%0D/evil.example",
    "%20//evil.example",
    "%00//evil.example",
    "javascript:alert(1)",
    "%EF%BC%8F%EF%BC%8Fevil.example",  # two FULLWIDTH SOLIDUS characters
    "//evil.example%40localhost",
    "//localhost@evil.example",
]


@pytest.mark.parametrize("raw_next", OFF_SITE_NEXT)
def test_login_redirects_on_site_when_next_points_elsewhere(client, world, raw_next):
    url = f"/login?next={raw_next}"
    page = client.get(url)
    response = client.post(
        url,
        data={
            "login": world.user("member").username,
            "password": factories.PASSWORD,
            "csrf_token": csrf_token_from(page.text),
        },
    )
    assert response.status_code == 302
    assert is_on_site(response.headers["Location"]), response.headers["Location"]
    # Signed in, /login redirects straight to next: the same rule must hold.
    again = client.get(url)
    assert again.status_code == 302
    assert is_on_site(again.headers["Location"]), again.headers["Location"]


@pytest.mark.parametrize("raw_next", OFF_SITE_NEXT)
def test_resend_confirmation_redirects_on_site_when_next_points_elsewhere(client_as, raw_next):
    browser = client_as("unconfirmed")
    token = csrf_token_from(page_with_csrf_token(browser, "/"))
    response = browser.post(
        "/confirm/resend", data={"next": unquote(raw_next), "csrf_token": token}
    )
    assert response.status_code == 302
    assert is_on_site(response.headers["Location"]), response.headers["Location"]


def test_login_follows_next_when_it_is_a_path_on_this_site(client, world):
    # The control: a site path is honoured, so the checks above test the filter.
    page = client.get("/login?next=/account%3Ftab%3Demail")
    response = client.post(
        "/login?next=/account%3Ftab%3Demail",
        data={
            "login": world.user("member").username,
            "password": factories.PASSWORD,
            "csrf_token": csrf_token_from(page.text),
        },
    )
    assert response.headers["Location"] == "/account?tab=email"


# --- error pages -----------------------------------------------------------------------


def test_not_found_page_is_friendly_when_path_does_not_exist(client):
    response = client.get("/no/such/page")
    assert response.status_code == 404
    assert "Page not found" in response.text
    assert "Traceback" not in response.text
    assert "werkzeug" not in response.text.lower()


@pytest.mark.parametrize(
    "path", ["/.git/config", "/.env", "/static/..%2fconfig.py", "/static/../wsgi.py"]
)
def test_probe_paths_give_not_found_when_requested(client, path):
    response = client.get(path)
    assert response.status_code == 404
    assert "SECRET_KEY" not in response.text


def _raise_secret() -> str:
    raise RuntimeError("secret-detail")


def test_server_error_shows_generic_page_with_error_id_when_view_raises(
    database_url, built_apps, caplog
):
    broken = make_test_app(database_url, PROPAGATE_EXCEPTIONS=False)
    built_apps.append(broken)
    broken.add_url_rule("/boom", "boom", _raise_secret)
    with caplog.at_level(logging.ERROR, logger="community.errors_pages"):
        response = broken.test_client().get("/boom")
    assert response.status_code == 500
    assert "Something went wrong on our side" in response.text
    assert "secret-detail" not in response.text
    assert "Traceback" not in response.text
    assert "RuntimeError" not in response.text
    match = re.search(r"<code>([0-9a-f]{12})</code>", response.text)
    assert match, response.text
    # The id the member sees leads to the log line that holds the traceback.
    records = [record for record in caplog.records if match.group(1) in record.getMessage()]
    assert len(records) == 1
    assert records[0].exc_info is not None
    assert "secret-detail" in str(records[0].exc_info[1])
    assert_security_headers(response)


def test_server_error_shows_generic_page_when_production_view_raises(production_app):
    production_app.add_url_rule("/boom", "boom", _raise_secret)
    response = https_client(production_app).get("/boom")
    assert response.status_code == 500
    assert "secret-detail" not in response.text
    assert "Traceback" not in response.text
    assert re.search(r"<code>[0-9a-f]{12}</code>", response.text)


def test_request_body_is_refused_with_friendly_page_when_larger_than_limit(app, client):
    two_megabytes = 2 * 1024 * 1024
    assert 0 < app.config["MAX_CONTENT_LENGTH"] < two_megabytes
    response = client.post("/login", data={"login": "x" * two_megabytes, "password": "y"})
    assert response.status_code == 413
    assert "larger than this site accepts" in response.text
    assert "Traceback" not in response.text


def test_logout_answers_method_not_allowed_when_fetched_with_get(client_as):
    browser = client_as("member")
    response = browser.get("/logout")
    assert response.status_code == 405
    assert "POST" in response.headers["Allow"]
    assert "That is not allowed here" in response.text
    # And the member is still signed in.
    assert browser.get("/account").status_code == 200


@pytest.mark.parametrize(
    "path",
    ["/", "/s/town-square", "{topic}", "/tags", "/search?q=hello", "/roadmap"],
)
def test_public_pages_may_be_cached_by_shared_caches_when_viewer_is_anonymous(
    client_as, content, path
):
    response = client_as("anonymous").get(path.format(topic=f"/t/{content.topic.id}"))

    assert response.status_code == 200
    assert response.headers["Cache-Control"] == f"public, max-age={ANONYMOUS_CACHE_SECONDS}"
    # The copy is the signed-out one: a request with a session cookie must not get it.
    assert "Cookie" in response.headers["Vary"]
    # Nothing of this visitor's is in it: no session, so no CSRF token, was handed out.
    assert "Set-Cookie" not in response.headers


@pytest.mark.parametrize("path", ["/", "/s/town-square", "{topic}"])
def test_public_pages_are_private_and_not_stored_when_viewer_is_signed_in(client_as, content, path):
    response = client_as("member").get(path.format(topic=f"/t/{content.topic.id}"))

    assert "public" not in response.headers["Cache-Control"]
    assert "no-store" in response.headers["Cache-Control"]


@pytest.mark.parametrize("path", ["/login", "/signup", "/s/inner-circle", "/nope"])
def test_pages_with_a_form_token_or_not_found_are_not_public_when_viewer_is_anonymous(
    client_as, path
):
    response = client_as("anonymous").get(path)

    assert "public" not in response.headers.get("Cache-Control", "")
