"""Onboarding: the welcome page's checklist, the guidelines, settings, new this week."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from community.database import utcnow
from community.errors import ValidationFailed
from community.extensions import db
from community.invites import services as invite_services
from community.moderation.models import AuditAction, AuditEntry
from community.onboarding import queries as onboarding_queries
from community.onboarding import services as onboarding_services
from community.onboarding.models import MemberOnboarding
from community.spaces.models import Membership
from community.topics import services as topic_services
from tests import factories
from tests.conftest import count_queries, csrf_token_from, page_with_csrf_token, sign_in
from tests.mail import sent_mail

GUIDELINES = "# Be kind\n\nNo selling in public spaces. <script>alert(1)</script>"


def _post(client, path, data=None):
    token = csrf_token_from(page_with_csrf_token(client, "/"))
    return client.post(path, data={**(data or {}), "csrf_token": token})


def _items(user) -> dict[str, bool]:
    return {item.key: item.is_done for item in onboarding_queries.checklist_for(user).items}


def _set_up(world, *, guidelines=GUIDELINES, welcome="public"):
    onboarding_services.update_onboarding_settings(
        world.user("admin"),
        guidelines=guidelines,
        welcome_space=world.spaces[welcome] if welcome else None,
    )


def _audit(action) -> list[AuditEntry]:
    return list(db.session.scalars(select(AuditEntry).where(AuditEntry.action == action)))


# --- the first sign-in ------------------------------------------------------------------


def test_first_sign_in_opens_the_welcome_page_and_later_ones_the_home_page(app, world):
    newcomer = factories.make_user(username="newbie", has_signed_in=False)

    def sign_in_location():
        client = app.test_client()
        page = client.get("/login")
        response = client.post(
            "/login",
            data={"login": "newbie", "password": factories.PASSWORD,
                  "csrf_token": csrf_token_from(page.text)},
        )  # fmt: skip
        return response.headers["Location"]

    assert sign_in_location() == "/welcome"
    assert sign_in_location() == "/"
    assert db.session.get(MemberOnboarding, newcomer.id).first_signed_in_at is not None


def test_welcome_page_is_for_signed_in_members(client_as, world):
    assert client_as("anonymous").get("/welcome").status_code == 302
    page = client_as("member").get("/welcome")
    assert page.status_code == 200
    assert "Welcome, Display member" in page.text


# --- the checklist tracks itself ---------------------------------------------------------


def test_checklist_starts_with_address_and_profile_and_grows_with_the_settings(world):
    unconfirmed = world.user("unconfirmed")
    assert _items(unconfirmed) == {"confirm_email": False, "profile": True}

    _set_up(world)

    assert _items(world.user("member")) == {
        "confirm_email": True,
        "profile": True,
        "guidelines": False,
        "introduce": False,
    }


def test_profile_item_waits_for_a_display_name_of_ones_own(client_as, world):
    member = factories.make_user(username="plainname", display_name="plainname")
    assert _items(member)["profile"] is False
    client = client_as("anonymous")
    sign_in(client, member)

    refused = _post(client, "/account/display-name", {"dn-display_name": "   "})
    saved = _post(client, "/account/display-name", {"dn-display_name": "Plain Name"})

    assert refused.status_code == 422
    assert "Tell us the name to show beside your posts." in refused.text
    assert saved.status_code == 302
    assert _items(member)["profile"] is True


def test_reading_the_guidelines_is_recorded_by_the_button_not_by_the_page(client_as, world):
    _set_up(world)
    client = client_as("member")

    page = client.get("/guidelines")
    assert page.status_code == 200
    assert "<h1>Be kind</h1>" in page.text
    assert "<script>alert" not in page.text  # through the Markdown sanitiser
    assert _items(world.user("member"))["guidelines"] is False

    first = _post(client, "/guidelines/read")
    second = _post(client, "/guidelines/read")

    assert first.status_code == second.status_code == 302
    assert _items(world.user("member"))["guidelines"] is True
    assert "You have read them" in client.get("/guidelines").text


def test_introduce_item_is_done_by_a_post_in_the_welcome_space(world):
    _set_up(world)
    member = world.user("member")
    factories.make_topic(world.spaces["closed"], author=world.user("closed_member"))
    assert _items(member)["introduce"] is False

    topic = factories.make_topic(world.spaces["public"], author=world.user("admin"))
    reply = factories.make_reply(topic, author=member, body="Hello, I am new here.")

    assert _items(member)["introduce"] is True
    topic_services.delete_post(member, reply)
    assert _items(member)["introduce"] is False  # a deleted post introduces nobody


def test_invited_space_item_appears_for_a_waiting_invite_and_is_done_once_used(world):
    newcomer = factories.make_user(username="invitee", email="invitee@example.org")
    assert "invited_space" not in _items(newcomer)
    made = invite_services.create_invites(
        world.user("space_moderator"),
        spaces=[world.spaces["closed"]],
        emails="invitee@example.org",
    )

    checklist = onboarding_queries.checklist_for(newcomer)
    assert _items(newcomer)["invited_space"] is False
    assert [space.name for space in checklist.waiting_invites[0].spaces] == ["Inner Circle"]

    invite_services.accept_invite(newcomer, made.invites[0])

    assert _items(newcomer)["invited_space"] is True
    assert onboarding_queries.checklist_for(newcomer).waiting_invites == []


def test_waiting_invites_are_not_shown_for_an_unconfirmed_address(world):
    unconfirmed = world.user("unconfirmed")
    invite_services.create_invites(
        world.user("space_moderator"), spaces=[world.spaces["closed"]], emails=unconfirmed.email
    )
    # Anyone can sign up with someone else's address: nothing is named until it is proven.
    assert "invited_space" not in _items(unconfirmed)


def test_welcome_page_shows_the_checklist_with_what_is_left(client_as, world):
    _set_up(world)
    page = client_as("member").get("/welcome").text

    assert "2 of 4 done" in page
    assert "Read the community guidelines" in page
    assert "Say hello in Town Square" in page


# --- settings -------------------------------------------------------------------------


def test_admin_saves_guidelines_and_a_public_welcome_space_and_each_is_audited(client_as, world):
    admin = client_as("admin")
    saved = _post(
        admin,
        "/admin/onboarding",
        {"guidelines": "Be kind.", "welcome_space": str(world.spaces["public"].id)},
    )
    closed = _post(
        admin,
        "/admin/onboarding",
        {"guidelines": "Be kind.", "welcome_space": str(world.spaces["closed"].id)},
    )

    assert saved.status_code == 302
    assert closed.status_code == 422
    assert "Choose a public space" in closed.text
    settings = onboarding_queries.get_settings()
    assert settings.welcome_space_id == world.spaces["public"].id
    assert settings.guidelines_html == "<p>Be kind.</p>\n"
    assert len(_audit(AuditAction.SITE_GUIDELINES)) == 1
    [entry] = _audit(AuditAction.SITE_WELCOME_SPACE)
    assert entry.detail == f"None->{world.spaces['public'].id}"


def test_onboarding_settings_are_for_admins_only(client_as, world):
    assert client_as("moderator").get("/admin/onboarding").status_code == 404
    assert (
        _post(client_as("moderator"), "/admin/onboarding", {"guidelines": "x"}).status_code == 404
    )
    assert onboarding_queries.get_settings().guidelines_source == ""


# --- new this week -------------------------------------------------------------------


def test_newcomers_page_lists_this_weeks_members_and_their_first_posts(client_as, world):
    old = factories.make_user(username="oldtimer")
    old.created_at = utcnow() - timedelta(days=8)
    db.session.commit()
    factories.make_user(username="shy")
    talker = factories.make_user(username="talker", display_name="Tina Talker")
    answered = factories.make_topic(world.spaces["public"], author=talker, title="Hub pairing help")
    factories.make_reply(answered, author=world.user("employee"))
    factories.make_topic(world.spaces["public"], author=talker, title="Nobody answered this")

    page = client_as("moderator").get("/moderation/newcomers").text

    assert "oldtimer" not in page
    assert "@shy" in page
    assert "Tina Talker" in page
    assert "Started “Hub pairing help”" in page
    assert "Started “Nobody answered this”" in page
    listed = onboarding_queries.list_newcomers(world.user("moderator")).newcomers
    [tina] = [newcomer for newcomer in listed if newcomer.user.id == talker.id]
    assert [(f.post.topic.title, f.has_reply) for f in tina.first_posts] == [
        ("Hub pairing help", True),
        ("Nobody answered this", False),
    ]


def test_newcomers_page_leaves_out_what_the_moderator_may_not_read(client_as, world):
    insider = factories.make_user(username="insider", display_name="Ivy Insider")
    space = world.spaces["closed"]
    db.session.add(Membership(space_id=space.id, user_id=insider.id))
    db.session.commit()
    factories.make_topic(space, author=insider, title="Our secret roadmap")

    moderator_page = client_as("moderator").get("/moderation/newcomers").text
    admin_page = client_as("admin").get("/moderation/newcomers").text

    assert "Ivy Insider" not in moderator_page  # all their posts are in a hidden space
    assert "Our secret roadmap" not in moderator_page
    assert "Ivy Insider" in admin_page
    assert "Our secret roadmap" in admin_page


def test_newcomers_page_is_for_moderators(client_as, world):
    for persona in ("anonymous", "member", "space_moderator", "employee"):
        assert client_as(persona).get("/moderation/newcomers").status_code == 404


def test_welcome_message_is_mailed_once_and_audited(app, client_as, world):
    _set_up(world)
    newcomer = factories.make_user(username="fresh", display_name="Fran Fresh")
    client = client_as("moderator")

    first = _post(client, f"/moderation/newcomers/{newcomer.id}/welcome", {"note": "Glad!"})
    second = _post(client, f"/moderation/newcomers/{newcomer.id}/welcome", {"note": "Again"})

    assert first.status_code == second.status_code == 302
    [mail] = [message for message in sent_mail(app) if message.to == newcomer.email]
    assert "Glad!" in mail.body
    assert "http://localhost/welcome" in mail.body
    assert "http://localhost/guidelines" in mail.body
    assert "http://localhost/s/town-square" in mail.body
    assert len(_audit(AuditAction.MEMBER_WELCOME)) == 1
    page = client.get("/moderation/newcomers").text
    assert "Welcomed by" in page


def test_welcome_message_waits_for_a_confirmed_address_and_keeps_the_note(app, client_as, world):
    unconfirmed = world.user("unconfirmed")
    with pytest.raises(ValidationFailed, match="has not confirmed"):
        onboarding_services.send_welcome_message(world.user("moderator"), unconfirmed)
    response = _post(
        client_as("moderator"),
        f"/moderation/newcomers/{world.user('member').id}/welcome",
        {"note": "x" * 1100},
    )
    assert response.status_code == 422
    assert "A note has at most 1,000 characters." in response.text
    assert "x" * 1100 in response.text
    assert sent_mail(app) == []


def test_newcomers_page_query_count_is_the_same_for_5_and_30_newcomers(client_as, world, database):
    client = client_as("moderator")

    def add_newcomers(count):
        for _ in range(count):
            user = factories.make_user()
            topic = factories.make_topic(world.spaces["public"], author=user)
            factories.make_reply(topic, author=world.user("employee"))

    def statements():
        with count_queries(database) as seen:
            assert client.get("/moderation/newcomers").status_code == 200
        return list(seen)

    add_newcomers(5)
    client.get("/moderation/newcomers")
    few = statements()
    add_newcomers(25)
    many = statements()
    assert len(few) == len(many), "\n---\n".join(many)
    assert db.session.scalar(select(func.count()).select_from(MemberOnboarding)) > 30


def test_newcomers_page_pages_by_keyset(client_as, world):
    for number in range(35):
        factories.make_user(username=f"batch{number:02d}")
    client = client_as("moderator")

    first = client.get("/moderation/newcomers").text
    cursor = first.split('href="/moderation/newcomers?before=')[1].split('"')[0]
    second = client.get(f"/moderation/newcomers?before={cursor}").text

    assert "@batch34" in first
    assert "@batch34" not in second
    assert "@batch00" in second
    assert "@batch00" not in first
