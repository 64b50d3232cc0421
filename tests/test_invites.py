"""Invite links to closed spaces."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from community.database import utcnow
from community.errors import Forbidden, NotFound, ValidationFailed
from community.extensions import db
from community.spaces import services as space_services
from community.spaces.models import Invite, InviteUse
from tests import factories
from tests.conftest import csrf_token_from
from tests.mail import sent_mail


def _create_link(client, slug="inner-circle", **data):
    token = csrf_token_from(client.get(f"/s/{slug}/invites").text)
    response = client.post(f"/s/{slug}/invites", data={**data, "csrf_token": token})
    match = re.search(r'id="new-link" type="text" readonly value="http://[^/]+(/invite/[^"]+)"',
                      response.text)  # fmt: skip
    return response, match.group(1) if match else None


def _join(client, path):
    token = csrf_token_from(client.get(path).text)
    return client.post(path, data={"csrf_token": token})


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
    invite, _token = space_services.create_invite(
        world.user("space_moderator"), world.spaces["closed"], max_uses=2
    )
    people = [factories.make_user(username=f"guest{n}") for n in range(3)]
    space_services.accept_invite(people[0], invite)
    space_services.accept_invite(people[1], invite)
    with pytest.raises(ValidationFailed, match="used as many times"):
        space_services.accept_invite(people[2], invite)
    assert invite.use_count == 2


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ("expire", "This invite has expired."),
        ("revoke", "This invite was withdrawn"),
    ],
)
def test_invite_expired_or_withdrawn_says_so(client_as, world, change, message):
    moderator = world.user("space_moderator")
    invite, token = space_services.create_invite(moderator, world.spaces["closed"])
    if change == "expire":
        invite.expires_at = utcnow() - timedelta(minutes=1)
        db.session.commit()
    else:
        space_services.revoke_invite(moderator, invite)

    response = client_as("member").get(f"/invite/{token}")

    assert response.status_code == 410
    assert message in response.text


def test_invite_forged_token_reveals_nothing(client_as, world):
    space_services.create_invite(world.user("space_moderator"), world.spaces["closed"])
    response = client_as("member").get("/invite/forged-token-that-does-not-exist")
    assert response.status_code == 404
    assert "Inner Circle" not in response.text
    assert "not a valid invite" in response.text


def test_invite_for_a_signed_out_person_leads_through_sign_up_into_the_space(app, client, world):
    _invite, token = space_services.create_invite(
        world.user("space_moderator"), world.spaces["closed"]
    )
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
    confirmed = client.post(link, data={"csrf_token": csrf_token_from(client.get(link).text)})

    assert confirmed.headers["Location"] == path  # back to the invite after confirming
    assert _join(client, path).status_code == 302
    assert client.get("/s/inner-circle").status_code == 200
    assert "New topic" in client.get("/s/inner-circle").text


def test_invite_opened_by_a_member_uses_nothing(world):
    invite, _token = space_services.create_invite(
        world.user("space_moderator"), world.spaces["closed"]
    )
    space_services.accept_invite(world.user("closed_member"), invite)
    assert invite.use_count == 0
    assert db.session.scalar(select(InviteUse)) is None


def test_invite_creation_is_for_the_closed_space_moderators(world):
    closed = world.spaces["closed"]
    with pytest.raises(Forbidden):
        space_services.create_invite(world.user("closed_member"), closed)
    with pytest.raises(NotFound):
        space_services.create_invite(world.user("moderator"), closed)  # cannot read it
    with pytest.raises(Forbidden):
        space_services.create_invite(world.user("space_moderator"), world.spaces["public"])


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
