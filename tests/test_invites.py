"""Invites: links and e-mails that bring people into the community, closed spaces,
groups and the staff, never granting more than their creator may."""

from __future__ import annotations

import re
from datetime import timedelta

import flask_migrate
import pytest
import sqlalchemy as sa
from sqlalchemy import func, select

from community.accounts.models import TrustLevel
from community.database import utcnow
from community.errors import Forbidden, NotFound, ValidationFailed
from community.extensions import db
from community.groups import services as group_services
from community.groups.models import Group, GroupMember
from community.invites import services as invite_services
from community.invites.models import INVITE_DEFAULT_DAYS, Invite, InviteUse
from community.moderation.models import AuditAction, AuditEntry
from community.spaces import services as space_services
from community.spaces.models import Membership, Visibility
from tests import factories
from tests.conftest import (
    count_queries,
    csrf_token_from,
    make_test_app,
    page_with_csrf_token,
    sign_in,
)
from tests.mail import sent_mail

NEW_LINK = re.compile(r'id="new-link" type="text" readonly value="http://[^/]+(/invite/[^"]+)"')


def _link(actor, *spaces, **options):
    """An invite link made through the service: (invite, token)."""
    made = invite_services.create_invites(actor, spaces=list(spaces), **options)
    return made.invites[0], made.link_token


def _create_link(client, slug="inner-circle", **data):
    token = csrf_token_from(page_with_csrf_token(client, f"/s/{slug}/invites"))
    response = client.post(f"/s/{slug}/invites", data={**data, "csrf_token": token})
    match = NEW_LINK.search(response.text)
    return response, match.group(1) if match else None


def _post(client, path, data=None):
    token = csrf_token_from(page_with_csrf_token(client, "/"))
    return client.post(path, data={**(data or {}), "csrf_token": token})


def _join(client, path):
    token = csrf_token_from(page_with_csrf_token(client, path))
    return client.post(path, data={"csrf_token": token})


def _without_nonce(html: str) -> str:
    return re.sub(r'nonce="[^"]+"', "", html)


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def _audited(action) -> list[AuditEntry]:
    return list(db.session.scalars(select(AuditEntry).where(AuditEntry.action == action)))


# --- links into one space (the space's page) ----------------------------------------


def test_invite_link_is_shown_once_and_lets_a_member_join(client_as, world):
    moderator = client_as("space_moderator")
    response, path = _create_link(moderator)
    newcomer = factories.make_user(username="newcomer")

    client = client_as("member")
    landing = client.get(path)
    joined = _join(client, path)

    assert response.status_code == 200
    assert path is not None
    assert path not in moderator.get("/s/inner-circle/invites").text  # only the hash is kept
    assert "You are invited to Inner Circle" in landing.text
    assert joined.status_code == 302
    assert client.get("/s/inner-circle/new").status_code == 200
    invite = db.session.scalar(select(Invite))
    assert invite.use_count == 1
    assert [use.user_id for use in invite.uses] == [world.user("member").id]
    assert "Display member" in moderator.get("/s/inner-circle/invites").text
    assert newcomer.id not in {use.user_id for use in invite.uses}


def test_invite_single_use_refuses_the_second_person_plainly(client_as, world):
    _, path = _create_link(client_as("space_moderator"))
    _join(client_as("member"), path)

    second = client_as("employee")
    response = second.get(path)

    assert response.status_code == 410
    assert "used as many times as it allows" in response.text
    assert "Inner Circle" not in response.text
    assert second.get("/s/inner-circle/new").status_code == 404


def test_invite_multi_use_admits_that_many_people(world):
    invite, _token = _link(world.user("space_moderator"), world.spaces["closed"], max_uses=2)
    people = [factories.make_user(username=f"guest{n}") for n in range(3)]
    invite_services.accept_invite(people[0], invite)
    invite_services.accept_invite(people[1], invite)
    with pytest.raises(ValidationFailed, match="used as many times"):
        invite_services.accept_invite(people[2], invite)
    assert invite.use_count == 2


def test_invite_accepted_twice_by_one_person_counts_once(world):
    invite, _token = _link(world.user("space_moderator"), world.spaces["closed"], max_uses=5)
    guest = factories.make_user(username="doubleclicker")

    invite_services.accept_invite(guest, invite)
    invite_services.accept_invite(guest, invite)

    assert invite.use_count == 1
    assert _count(InviteUse) == 1


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ("expire", "This invite has expired."),
        ("revoke", "This invite was withdrawn"),
    ],
)
def test_invite_expired_or_withdrawn_says_so(client_as, world, change, message):
    moderator = world.user("space_moderator")
    invite, token = _link(moderator, world.spaces["closed"])
    if change == "expire":
        invite.expires_at = utcnow() - timedelta(minutes=1)
        db.session.commit()
    else:
        invite_services.withdraw_invite(moderator, invite)

    response = client_as("member").get(f"/invite/{token}")

    assert response.status_code == 410
    assert message in response.text


def test_invite_forged_token_reveals_nothing(client_as, world):
    _link(world.user("space_moderator"), world.spaces["closed"])
    response = client_as("member").get("/invite/forged-token-that-does-not-exist")
    assert response.status_code == 404
    assert "Inner Circle" not in response.text
    assert "not a valid invite" in response.text


def test_invite_tampered_token_is_answered_like_a_forged_one(client_as, world):
    _invite, token = _link(world.user("space_moderator"), world.spaces["closed"])
    tampered = token[:-1] + ("A" if token[-1] != "A" else "B")
    client = client_as("member")
    memberships_before = _count(Membership)

    tampered_page = client.get(f"/invite/{tampered}")
    forged_page = client.get("/invite/" + "x" * len(token))
    tampered_post = _post(client, f"/invite/{tampered}")

    assert tampered_page.status_code == forged_page.status_code == tampered_post.status_code == 404
    # Byte for byte, but for the nonce every response gets afresh.
    assert _without_nonce(tampered_page.text) == _without_nonce(forged_page.text)
    assert "Inner Circle" not in tampered_page.text
    assert _count(Membership) == memberships_before


def test_invite_for_a_signed_out_person_leads_through_sign_up_into_the_space(app, client, world):
    _invite, token = _link(world.user("space_moderator"), world.spaces["closed"])
    path = f"/invite/{token}"
    assert "Create an account" in client.get(path).text
    signup_page = client.get("/signup")
    client.post(
        "/signup",
        data={"email": "partner@example.net", "username": "partner", "display_name": "Partner",
              "password": "a long and lovely passphrase",
              "csrf_token": csrf_token_from(signup_page.text)},
    )  # fmt: skip
    link = re.search(r"http://localhost(/confirm/\S+)", sent_mail(app)[-1].body).group(1)
    confirmed = client.post(
        link, data={"csrf_token": csrf_token_from(page_with_csrf_token(client, link))}
    )

    assert confirmed.headers["Location"] == path  # back to the invite after confirming
    assert _join(client, path).status_code == 302
    assert client.get("/s/inner-circle").status_code == 200
    assert "New topic" in client.get("/s/inner-circle").text


def test_invite_opened_by_a_member_uses_nothing(world):
    invite, _token = _link(world.user("space_moderator"), world.spaces["closed"])
    invite_services.accept_invite(world.user("closed_member"), invite)
    invite_services.accept_invite(world.user("group_member"), invite)  # in through a group
    assert invite.use_count == 0
    assert db.session.scalar(select(InviteUse)) is None


def test_invite_creation_is_for_the_closed_space_moderators(world):
    closed = world.spaces["closed"]
    with pytest.raises(Forbidden):
        _link(world.user("closed_member"), closed)
    with pytest.raises(NotFound):
        _link(world.user("moderator"), closed)  # cannot read it
    with pytest.raises(Forbidden):
        _link(world.user("space_moderator"), world.spaces["public"])
    assert _count(Invite) == 0


@pytest.mark.parametrize(
    ("data", "message"),
    [({"max_uses": "0"}, "Number must be between 1 and 100."),
     ({"days": "31"}, "Number must be between 1 and 30.")],
)  # fmt: skip
def test_invite_form_refuses_out_of_range_values(client_as, world, data, message):
    response, path = _create_link(client_as("space_moderator"), **data)
    assert response.status_code == 422
    assert message in response.text
    assert path is None
    assert db.session.scalar(select(Invite)) is None


def test_invite_lasts_seven_days_unless_told_otherwise(world):
    invite, _token = _link(world.user("space_moderator"), world.spaces["closed"])
    lasts = invite.expires_at - invite.created_at
    assert INVITE_DEFAULT_DAYS == 7
    assert timedelta(days=7) - timedelta(minutes=1) < lasts <= timedelta(days=7)


# --- what accepting grants ---------------------------------------------------------


def test_invite_grants_several_spaces_and_a_group_when_accepted(world):
    admin = world.user("admin")
    second = factories.make_space(visibility=Visibility.CLOSED, name="Second Circle")
    opened = factories.make_space(visibility=Visibility.CLOSED, name="Group Room")
    group = factories.make_group(name="Customers", spaces=(opened,))
    invite, _token = _link(admin, world.spaces["closed"], second, group=group)
    guest = factories.make_user(username="guest")

    invite_services.accept_invite(guest, invite)

    assert {m.space_id for m in guest.memberships} == {world.spaces["closed"].id, second.id}
    assert group.id in guest.group_ids
    assert opened.id in guest.member_space_ids  # through the group
    assert guest.is_employee is False
    assert invite_services.describe_grants(invite) == (
        "Inner Circle, Second Circle and the group Customers"
    )


def test_invite_makes_an_employee_only_when_an_admin_made_it(client_as, world):
    admin, moderator = world.user("admin"), world.user("space_moderator")
    invite, _token = _link(admin, is_employee=True)
    guest = factories.make_user(username="newstaff")

    invite_services.accept_invite(guest, invite)

    assert guest.is_employee is True
    # The admin's decision stands when the guest later moves to another address.
    assert guest.is_employee_set_by_admin is True
    [entry] = _audited(AuditAction.MEMBER_EMPLOYEE)
    assert (entry.actor_id, entry.target_id) == (admin.id, guest.id)
    assert entry.detail == f"False->True invite={invite.id}"
    with pytest.raises(Forbidden):
        _link(moderator, world.spaces["closed"], is_employee=True)
    # Through the form: 403 and nothing made.
    refused = _post(
        client_as("space_moderator"),
        "/invites",
        {"spaces": str(world.spaces["closed"].id), "is_employee": "y"},
    )
    assert refused.status_code == 403
    assert _count(Invite) == 1


def test_invite_form_refuses_a_space_the_creator_may_not_invite_to_with_403(client_as, world):
    employee_space = world.spaces["employee"]
    client = client_as("employee")
    world.user("employee").trust_level = TrustLevel.MEMBER  # may invite to the community
    db.session.commit()

    seen = _post(client, "/invites", {"spaces": str(employee_space.id)})
    hidden = _post(client, "/invites", {"spaces": str(world.spaces["closed"].id)})
    community = _post(client, "/invites", {})

    assert seen.status_code == 403  # an employee space is never invited to
    assert hidden.status_code == 404  # a closed space they cannot read does not exist
    assert community.status_code == 200
    assert [invite.spaces for invite in db.session.scalars(select(Invite))] == [[]]


def test_invite_to_a_group_by_its_owner_lands_the_guest_in_the_group(client_as, world):
    owner = factories.make_user(username="groupowner")
    group = factories.make_group(name="Customers", owners=(owner,))
    invite, token = _link(owner, group=group)
    guest_client = client_as("member")

    response = _join(guest_client, f"/invite/{token}")

    assert response.headers["Location"] == f"/groups/{group.id}"
    assert world.user("member").id in {
        m.user_id
        for m in db.session.scalars(select(GroupMember).where(GroupMember.group_id == group.id))
    }
    assert invite.use_count == 1


def test_member_who_joins_through_an_invite_starts_at_trust_level_basic(world):
    invite, _token = _link(world.user("space_moderator"), world.spaces["closed"], max_uses=3)
    newcomer = factories.make_user(username="fresh")
    regular = factories.make_user(username="regular")
    regular.trust_level = TrustLevel.REGULAR
    db.session.commit()

    invite_services.accept_invite(newcomer, invite)
    invite_services.accept_invite(regular, invite)

    db.session.refresh(newcomer)
    db.session.refresh(regular)
    assert newcomer.trust_level == TrustLevel.BASIC
    assert regular.trust_level == TrustLevel.REGULAR  # never lowered


def test_invite_to_the_community_lands_on_the_welcome_page_at_trust_level_basic(client_as, world):
    invite, token = _link(world.user("moderator"))
    client = client_as("member")

    response = _join(client, f"/invite/{token}")

    assert response.headers["Location"] == "/welcome"
    assert world.user("member").trust_level == TrustLevel.BASIC
    assert invite.use_count == 1
    assert invite.grants_only_an_account


def test_invite_stops_working_when_its_creator_can_no_longer_grant_it(world):
    moderator = world.user("space_moderator")
    invite, _token = _link(moderator, world.spaces["closed"])
    space_services.remove_member(world.user("admin"), world.spaces["closed"], moderator)
    guest = factories.make_user(username="latecomer")

    with pytest.raises(ValidationFailed, match="can no longer give what it offers"):
        invite_services.accept_invite(guest, invite)

    assert invite.use_count == 0
    assert world.spaces["closed"].id not in guest.member_space_ids


# --- members who invite ----------------------------------------------------------------


def test_member_at_trust_level_two_invites_only_where_the_moderators_allow(client_as, world):
    member = world.user("closed_member")
    member.trust_level = TrustLevel.MEMBER
    db.session.commit()
    client = client_as("closed_member")
    assert client.get("/s/inner-circle/invites").status_code == 403

    allowed = _post(
        client_as("space_moderator"),
        "/s/inner-circle/invites/settings",
        {"allows_member_invites": "y"},
    )
    response, path = _create_link(client)
    refused = _post(client, "/s/inner-circle/invites/settings", {})

    assert allowed.status_code == 302
    assert world.spaces["closed"].allows_member_invites is True
    assert response.status_code == 200
    assert path is not None
    assert refused.status_code == 403  # the setting is the moderators'
    assert world.spaces["closed"].allows_member_invites is True
    [entry] = _audited(AuditAction.SPACE_UPDATE)
    assert entry.detail == "allows_member_invites:False->True"
    # A member sees only their own invites on the space's page.
    _link(world.user("space_moderator"), world.spaces["closed"], emails="other@example.com")
    page = client.get("/s/inner-circle/invites").text
    assert "other@example.com" not in page


def test_member_below_trust_level_two_may_not_invite_even_where_allowed(client_as, world):
    world.spaces["closed"].allows_member_invites = True
    db.session.commit()
    response, path = _create_link(client_as("closed_member"))
    assert response.status_code == 403
    assert path is None


def test_member_at_trust_level_two_may_invite_to_the_community_only(world):
    member = world.user("member")
    member.trust_level = TrustLevel.MEMBER
    db.session.commit()

    invite, token = _link(member)

    assert token
    assert invite.grants_only_an_account
    with pytest.raises(NotFound):
        _link(member, world.spaces["closed"])  # not theirs to open: hidden from them


# --- invites by e-mail ----------------------------------------------------------------


def test_invite_by_email_sends_one_message_with_its_own_link_to_each_address(app, client_as, world):
    client = client_as("space_moderator")
    token = csrf_token_from(page_with_csrf_token(client, "/s/inner-circle/invites"))

    response = client.post(
        "/s/inner-circle/invites",
        data={"emails": "Ann@Example.com, bob@example.org\nann@example.com", "max_uses": "9",
              "csrf_token": token},
    )  # fmt: skip

    assert response.status_code == 200
    assert NEW_LINK.search(response.text) is None  # links went by mail, not on the page
    messages = sent_mail(app)
    assert sorted(message.to for message in messages) == ["ann@example.com", "bob@example.org"]
    links = {re.search(r"http://localhost(/invite/\S+)", m.body).group(1) for m in messages}
    assert len(links) == 2
    assert all(m.subject == "Display spacemod invited you to Inner Circle" for m in messages)
    invites = list(db.session.scalars(select(Invite).order_by(Invite.email)))
    assert [(i.email, i.max_uses) for i in invites] == [
        ("ann@example.com", 1),
        ("bob@example.org", 1),
    ]
    assert len(_audited(AuditAction.INVITE_CREATE)) == 2
    assert "ann@example.com" in client.get("/s/inner-circle/invites").text


def test_invite_by_email_refuses_a_bad_address_and_keeps_the_text(app, client_as, world):
    client = client_as("space_moderator")
    token = csrf_token_from(page_with_csrf_token(client, "/s/inner-circle/invites"))
    typed = "good@example.com, not an address"

    response = client.post("/s/inner-circle/invites", data={"emails": typed, "csrf_token": token})

    assert response.status_code == 422
    assert "“not” is not an e-mail address." in response.text
    assert typed in response.text
    assert _count(Invite) == 0
    assert sent_mail(app) == []


def test_invite_by_email_refuses_more_addresses_than_allowed(world):
    addresses = ", ".join(f"person{n}@example.com" for n in range(21))
    with pytest.raises(ValidationFailed, match="at most 20 addresses"):
        _link(world.user("space_moderator"), world.spaces["closed"], emails=addresses)
    assert _count(Invite) == 0


def test_invite_form_sent_twice_mails_each_address_once(app, client_as, world):
    client = client_as("space_moderator")
    page = client.get("/s/inner-circle/invites").text
    form = {
        "emails": "ann@example.com",
        "csrf_token": csrf_token_from(page),
        "submission_token": re.search(r'name="submission_token" type="hidden" value="([^"]+)"',
                                      page).group(1),
    }  # fmt: skip

    first = client.post("/s/inner-circle/invites", data=form)
    second = client.post("/s/inner-circle/invites", data=form)

    assert first.status_code == second.status_code == 200
    assert "This form was sent already" in second.text
    assert [message.to for message in sent_mail(app)] == ["ann@example.com"]
    assert _count(Invite) == 1


# --- withdrawing ----------------------------------------------------------------------


def test_invite_withdrawn_twice_is_audited_once(client_as, world):
    invite, _token = _link(world.user("space_moderator"), world.spaces["closed"])
    client = client_as("space_moderator")

    first = _post(client, f"/invites/{invite.id}/revoke", {"back": "space"})
    second = _post(client, f"/invites/{invite.id}/revoke", {"back": "space"})

    assert first.status_code == second.status_code == 302
    assert first.headers["Location"] == "/s/inner-circle/invites"
    assert invite.is_revoked
    assert len(_audited(AuditAction.INVITE_WITHDRAW)) == 1


def test_invite_is_withdrawn_by_its_creator_and_not_by_another_member(client_as, world):
    member = world.user("member")
    member.trust_level = TrustLevel.MEMBER
    db.session.commit()
    invite, _token = _link(member)
    other = factories.make_user(username="otherinviter")

    with pytest.raises(NotFound):
        invite_services.withdraw_invite(other, invite)
    assert invite.is_revoked is False
    assert _post(client_as("member"), f"/invites/{invite.id}/revoke").status_code == 302
    assert invite.is_revoked is True


# --- the migration ------------------------------------------------------------------


def test_migration_keeps_invites_their_uses_and_members_when_upgrading_sqlite(tmp_path):
    """On SQLite the migration rebuilds ``invites``; nothing that refers to it (or to
    the spaces it alters) may go with the old table."""
    app = make_test_app(f"sqlite:///{tmp_path / 'invites.db'}")
    rows = [
        "INSERT INTO users (id, email, username, username_lower, display_name, password_hash, "
        "role, is_employee, trust_level, session_version, created_at) VALUES "
        "(5, 'old@example.com', 'old', 'old', 'Old', 'x', 'member', 0, 0, 1, '2026-01-01')",
        "INSERT INTO spaces (id, slug, name, description, visibility, is_listed, "
        "accepts_join_requests, idea_board, position, topic_count, post_count, created_at) "
        "VALUES (7, 'old', 'Old', '', 'closed', 1, 0, 'off', 0, 0, 0, '2026-01-01')",
        "INSERT INTO memberships (space_id, user_id, role, created_at) "
        "VALUES (7, 5, 'member', '2026-01-01')",
        "INSERT INTO invites (id, token_hash, space_id, max_uses, use_count, expires_at, "
        "created_at) VALUES (3, 'h', 7, 1, 1, '2027-01-01', '2026-01-01')",
        "INSERT INTO invite_uses (id, invite_id, user_id, used_at) VALUES (9, 3, 5, '2026-01-02')",
    ]
    with app.app_context():
        flask_migrate.upgrade(revision="1ad6cc51267e")
        with db.engine.begin() as connection:
            for row in rows:
                connection.execute(sa.text(row))
        flask_migrate.upgrade()
        with db.engine.connect() as connection:

            def read(sql):
                return connection.execute(sa.text(sql)).all()

            assert read("SELECT invite_id, space_id FROM invite_spaces") == [(3, 7)]
            assert read("SELECT id, invite_id, user_id FROM invite_uses") == [(9, 3, 5)]
            assert read("SELECT space_id, user_id FROM memberships") == [(7, 5)]
            assert read("SELECT allows_member_invites FROM spaces") == [(0,)]
            # Members who are here already have had their first sign-in.
            assert read("SELECT user_id FROM member_onboarding") == [(5,)]
        flask_migrate.downgrade(revision="1ad6cc51267e")
        with db.engine.connect() as connection:
            assert connection.execute(sa.text("SELECT id, space_id FROM invites")).all() == [(3, 7)]
            uses = connection.execute(sa.text("SELECT id FROM invite_uses")).all()
            assert uses == [(9,)]
            members = connection.execute(sa.text("SELECT user_id FROM memberships")).all()
            assert members == [(5,)]
        db.engine.dispose()


def test_group_delete_leaves_its_invites_granting_the_rest(world):
    admin = world.user("admin")
    group = db.session.scalar(select(Group).where(Group.name == "Partners"))
    invite, _token = _link(admin, world.spaces["closed"], group=group)

    group_services.delete_group(admin, group)
    db.session.expire_all()

    assert invite.group_id is None
    assert [space.id for space in invite.spaces] == [world.spaces["closed"].id]


# --- query budgets -------------------------------------------------------------------


@pytest.mark.parametrize("page", ["/invites", "/s/inner-circle/invites"])
def test_invite_pages_query_count_is_the_same_for_5_and_50_invites(
    client_as, world, database, page
):
    admin = world.user("admin")
    group = factories.make_group(name="Customers")
    client = client_as("admin")

    def add_invites(count):
        for number in range(count):
            invite, _token = _link(admin, world.spaces["closed"], group=group, max_uses=3)
            invite_services.accept_invite(
                factories.make_user(username=f"g{count}x{number}"), invite
            )

    def statements():
        with count_queries(database) as seen:
            assert client.get(page).status_code == 200
        return list(seen)

    add_invites(5)
    client.get(page)
    few = statements()
    add_invites(45)
    many = statements()
    assert len(few) == len(many), "\n---\n".join(many)


def test_group_owner_invites_into_their_group_from_the_invites_page(app, client_as, world):
    owner = factories.make_user(username="groupowner")
    group = factories.make_group(name="Customers", owners=(owner,))
    client = client_as("anonymous")
    sign_in(client, owner)

    page = client.get("/invites")
    refused = _post(client, "/invites", {})  # an account alone is not theirs to give
    sent = _post(client, "/invites", {"group": str(group.id), "emails": "friend@example.com"})

    assert page.status_code == 200
    assert "No group" not in page.text
    assert refused.status_code == 403
    assert sent.status_code == 200
    [invite] = db.session.scalars(select(Invite))
    assert (invite.group_id, invite.email, invite.spaces) == (group.id, "friend@example.com", [])
    assert sent_mail(app)[-1].subject == "Display groupowner invited you to the group Customers"
