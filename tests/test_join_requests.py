"""Asking to join a closed space, and the moderators' queue."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from community.errors import Forbidden, NotFound
from community.extensions import db
from community.spaces import services as space_services
from community.spaces.models import (
    JoinRequest,
    JoinRequestStatus,
    Membership,
    Visibility,
)
from tests import factories
from tests.conftest import csrf_token_from, page_with_csrf_token
from tests.mail import sent_mail


@pytest.fixture
def closed(world):
    space = world.spaces["closed"]
    space.accepts_join_requests = True
    db.session.commit()
    return space


def _ask(client, slug="inner-circle", message="I run the Lyon user group."):
    token = csrf_token_from(page_with_csrf_token(client, f"/s/{slug}"))
    return client.post(f"/s/{slug}/join", data={"message": message, "csrf_token": token})


def _requests(space, user):
    return list(
        db.session.scalars(
            select(JoinRequest).where(
                JoinRequest.space_id == space.id, JoinRequest.user_id == user.id
            )
        )
    )


def test_join_request_is_recorded_and_shown_as_pending(client_as, world, closed):
    client = client_as("member")

    response = _ask(client)

    assert response.status_code == 302
    [join_request] = _requests(closed, world.user("member"))
    assert join_request.status is JoinRequestStatus.PENDING
    assert join_request.message == "I run the Lyon user group."
    assert "You asked to join" in client.get("/s/inner-circle").text


def test_join_request_only_one_pending_per_member_and_space(client_as, world, closed):
    client = client_as("member")
    _ask(client)
    token = csrf_token_from(
        client.get("/s/inner-circle/new").text if False else client.get("/").text
    )
    again = client.post("/s/inner-circle/join", data={"message": "Again?", "csrf_token": token})

    assert again.status_code == 422
    assert "You have already asked to join" in again.text
    assert len(_requests(closed, world.user("member"))) == 1


def test_join_request_message_over_the_limit_is_refused_with_the_limit(world, closed):
    from community.errors import ValidationFailed  # noqa: PLC0415 - one test uses it

    with pytest.raises(ValidationFailed, match="at most 500 characters"):
        space_services.request_to_join(world.user("member"), closed, message="x" * 501)
    assert _requests(closed, world.user("member")) == []


@pytest.mark.parametrize(
    ("space_kind", "persona", "error"),
    [
        ("public", "member", Forbidden),  # nothing to join
        ("closed", "closed_member", Forbidden),  # already in
        ("closed", "unconfirmed", Forbidden),
        ("employee", "member", NotFound),  # does not exist for them
    ],
)
def test_join_request_refused_when_there_is_nothing_to_ask(
    world, closed, space_kind, persona, error
):
    with pytest.raises(error):
        space_services.request_to_join(world.user(persona), world.spaces[space_kind], message="")


def test_join_request_refused_when_the_space_takes_none_or_is_unlisted(world):
    invite_only = factories.make_space(visibility=Visibility.CLOSED)
    unlisted = factories.make_space(visibility=Visibility.CLOSED, is_listed=False)
    unlisted.accepts_join_requests = True
    db.session.commit()
    with pytest.raises(Forbidden):
        space_services.request_to_join(world.user("member"), invite_only, message="")
    with pytest.raises(NotFound):
        space_services.request_to_join(world.user("member"), unlisted, message="")


def test_join_request_approved_adds_the_member_and_tells_them(app, client_as, world, closed):
    _ask(client_as("member"))
    moderator = client_as("space_moderator")
    queue = moderator.get("/s/inner-circle/join-requests")
    [join_request] = _requests(closed, world.user("member"))

    response = moderator.post(
        f"/join-requests/{join_request.id}/approve",
        data={"note": "Welcome aboard!", "csrf_token": csrf_token_from(queue.text)},
    )

    assert "I run the Lyon user group." in queue.text
    assert response.status_code == 302
    assert join_request.status is JoinRequestStatus.APPROVED
    assert join_request.decided_by_id == world.user("space_moderator").id
    assert client_as("member").get("/s/inner-circle/new").status_code == 200
    [mail] = [m for m in sent_mail(app) if m.to == world.user("member").email]
    assert "approved" in mail.body
    assert "Welcome aboard!" in mail.body


def test_join_request_declined_adds_nobody_and_allows_asking_again(app, world, closed):
    member = world.user("member")
    join_request = space_services.request_to_join(member, closed, message="")
    space_services.decide_join_request(
        world.user("admin"), join_request, is_approved=False, note="Partners only."
    )

    assert join_request.status is JoinRequestStatus.DECLINED
    assert closed.id not in member.member_space_ids
    assert "declined" in sent_mail(app)[-1].body
    space_services.request_to_join(member, closed, message="Now I am a partner.")
    assert len(_requests(closed, member)) == 2


def test_join_request_double_approval_acts_once(app, world, closed):
    member = world.user("member")
    join_request = space_services.request_to_join(member, closed, message="")
    moderator = world.user("space_moderator")

    space_services.decide_join_request(moderator, join_request, is_approved=True)
    space_services.decide_join_request(moderator, join_request, is_approved=True)
    space_services.decide_join_request(moderator, join_request, is_approved=False)

    memberships = db.session.scalar(
        select(func.count(Membership.id)).where(
            Membership.space_id == closed.id, Membership.user_id == member.id
        )
    )
    assert memberships == 1
    assert join_request.status is JoinRequestStatus.APPROVED
    assert len([m for m in sent_mail(app) if m.to == member.email]) == 1


@pytest.mark.parametrize(
    ("persona", "status"),
    [("closed_member", 403), ("employee", 404), ("moderator", 404), ("anonymous", 302)],
)
def test_join_request_queue_is_for_the_space_moderators(client_as, world, closed, persona, status):
    join_request = space_services.request_to_join(world.user("member"), closed, message="")
    client = client_as(persona)
    token = csrf_token_from(page_with_csrf_token(client, "/"))

    assert client.get("/s/inner-circle/join-requests").status_code == status
    decided = client.post(f"/join-requests/{join_request.id}/approve", data={"csrf_token": token})
    assert decided.status_code == status
    assert join_request.status is JoinRequestStatus.PENDING
