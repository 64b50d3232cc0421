"""Acting on members: warn, silence, suspend, lift; who may; what each one does."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, select

from community.accounts.models import INDEFINITELY, Role
from community.errors import Forbidden, NotFound, ValidationFailed
from community.extensions import db
from community.moderation.models import AuditAction, AuditEntry
from community.notifications.models import Notification, NotificationKind
from community.sanctions import services
from community.sanctions.models import Sanction, SanctionKind
from community.sanctions.services import Period, sanction_end
from tests import factories
from tests.conftest import csrf_token_from, refuse_sign_in, sign_in
from tests.mail import sent_to
from tests.test_html import _duplicate_ids


@pytest.fixture(autouse=True)
def members_are_known(world):
    """Moderators act on members they may know of (policy.visible_members_clause):
    these have posted in the public space."""
    for persona in ("member", "closed_member", "admin", "moderator"):
        factories.make_topic(world.spaces["public"], author=world.user(persona))


def _audit_actions(member) -> list[AuditAction]:
    return list(
        db.session.scalars(
            select(AuditEntry.action)
            .where(AuditEntry.target_id == member.id)
            .order_by(AuditEntry.id)
        )
    )


def _sanction_count() -> int:
    return db.session.scalar(select(func.count()).select_from(Sanction))


def _post(client, url, data):
    page = client.get("/")
    return client.post(url, data={**data, "csrf_token": csrf_token_from(page.text)})


def _a_week() -> datetime:
    return datetime.now(UTC) + timedelta(days=7)


# --- the page and its forms ---------------------------------------------------------


def test_moderator_warns_a_member_privately_by_notification_and_mail(app, world, client_as):
    member = world.user("member")
    moderator = client_as("moderator")
    page = moderator.get("/mod/members/member")
    assert page.status_code == 200
    assert 'for="warn-message"' in page.text  # every field has its label

    response = _post(moderator, "/mod/members/member/warn", {"warn-message": "Mind the tone."})

    assert response.status_code == 302
    notification = db.session.scalar(select(Notification).where(Notification.user_id == member.id))
    assert notification.kind is NotificationKind.MODERATOR_MESSAGE
    assert notification.detail == "Mind the tone."
    (mail,) = sent_to(app, member.email)
    assert "Mind the tone." in mail.body
    assert _audit_actions(member) == [AuditAction.MEMBER_WARN]
    notifications_page = client_as("member").get("/notifications").text
    assert "Mind the tone." in notifications_page


def test_an_empty_reason_is_refused_beside_the_field_and_nothing_changes(world, client_as):
    moderator = client_as("moderator")
    response = _post(
        moderator, "/mod/members/member/silence", {"silence-reason": " ", "silence-period": "day"}
    )
    assert response.status_code == 422
    assert 'id="silence-reason-error"' in response.text
    assert _sanction_count() == 0
    assert world.user("member").silenced_until is None


def test_a_past_custom_date_is_refused_and_the_reason_is_kept(world, client_as):
    moderator = client_as("moderator")
    response = _post(
        moderator,
        "/mod/members/member/suspend",
        {"suspend-reason": "Keeps spamming", "suspend-period": "until",
         "suspend-until": "2001-01-01"},
    )  # fmt: skip
    assert response.status_code == 422
    assert "Choose a date after today." in response.text
    assert "Keeps spamming" in response.text
    assert _sanction_count() == 0


def test_a_double_submit_silences_once(world, client_as):
    moderator = client_as("moderator")
    page = moderator.get("/mod/members/member")
    token = csrf_token_from(page.text)
    data = {"silence-reason": "Spam", "silence-period": "week",
            "silence-submission_token": "same-form-token", "csrf_token": token}  # fmt: skip
    first = moderator.post("/mod/members/member/silence", data=data)
    second = moderator.post("/mod/members/member/silence", data=data)
    assert (first.status_code, second.status_code) == (302, 302)
    assert _sanction_count() == 1
    assert _audit_actions(world.user("member")) == [AuditAction.MEMBER_SILENCE]


# --- silence ------------------------------------------------------------------------


def test_silenced_member_reads_but_cannot_post_and_is_told_until_when(world, client_as):
    services.silence_member(
        world.user("moderator"), world.user("member"), reason="Cool off", ends_at=_a_week()
    )
    topic = factories.make_topic(world.spaces["public"], author=world.user("admin"))
    member = client_as("member")

    page = member.get(f"/t/{topic.id}")
    assert page.status_code == 200
    assert "You are silenced until" in page.text
    assert f'action="/t/{topic.id}/reply"' not in page.text
    reply = _post(member, f"/t/{topic.id}/reply", {"body": "Let me speak"})
    assert reply.status_code == 403
    assert "You are silenced until" in reply.text
    new_topic = _post(member, "/s/town-square/new", {"title": "Hello there", "body": "Hi"})
    assert new_topic.status_code == 403
    db.session.refresh(topic)
    assert topic.post_count == 1


def test_lifting_a_silence_early_lets_the_member_post_again(world):
    moderator, member = world.user("moderator"), world.user("member")
    services.silence_member(moderator, member, reason="Cool off", ends_at=INDEFINITELY)
    assert member.is_silenced

    lifted = services.lift_silence(moderator, member)

    assert lifted.lifted_by_id == moderator.id
    assert member.is_silenced is False
    factories.make_topic(world.spaces["public"], author=member)  # posting works
    assert services.lift_silence(moderator, member) is None  # nothing left to lift
    assert _audit_actions(member) == [AuditAction.MEMBER_SILENCE, AuditAction.MEMBER_UNSILENCE]


def test_a_new_silence_replaces_the_one_in_force(world):
    moderator, member = world.user("moderator"), world.user("member")
    first = services.silence_member(moderator, member, reason="One", ends_at=_a_week())
    second = services.silence_member(
        moderator, member, reason="Two", ends_at=datetime.now(UTC) + timedelta(days=1)
    )
    db.session.refresh(first)
    assert first.is_lifted
    assert not second.is_lifted
    assert member.silenced_until == second.ends_at


# --- suspension ------------------------------------------------------------------------


def test_suspension_ends_open_sessions_and_sign_in_shows_reason_and_end(app, world, client_as):
    member = world.user("member")
    session = client_as("member")
    assert session.get("/account").status_code == 200

    services.suspend_member(
        world.user("moderator"), member, reason="Harassing other members", ends_at=_a_week()
    )

    assert session.get("/account").status_code == 302  # the open session ended
    fresh = app.test_client()
    refused = refuse_sign_in(fresh, member)
    assert "Your account is suspended" in refused.text
    assert "Harassing other members" in refused.text
    assert f"until {member.suspended_until:%d %B %Y}" in refused.text
    assert fresh.get("/account").status_code == 302
    (mail,) = sent_to(app, member.email)
    assert "Harassing other members" in mail.body
    assert _audit_actions(member) == [AuditAction.MEMBER_SUSPEND]


def test_a_suspension_ends_by_time_and_the_member_signs_in_again(app, world):
    member = world.user("member")
    services.suspend_member(world.user("moderator"), member, reason="Cool off", ends_at=_a_week())
    refuse_sign_in(app.test_client(), member)

    member.suspended_until = datetime.now(UTC) - timedelta(seconds=1)  # the week has passed
    db.session.commit()

    sign_in(app.test_client(), member)


def test_lifting_a_suspension_early_lets_them_sign_in(app, world):
    moderator, member = world.user("moderator"), world.user("member")
    services.suspend_member(moderator, member, reason="Cool off", ends_at=INDEFINITELY)
    services.lift_suspension(moderator, member)
    sign_in(app.test_client(), member)
    assert _audit_actions(member) == [AuditAction.MEMBER_SUSPEND, AuditAction.MEMBER_UNSUSPEND]


def test_a_password_reset_does_not_sign_a_suspended_member_in(app, world):
    member = world.user("member")
    services.suspend_member(world.user("moderator"), member, reason="Cool off", ends_at=_a_week())
    client = app.test_client()
    page = client.get("/password/reset")
    client.post("/password/reset", data={"email": member.email,
                                          "csrf_token": csrf_token_from(page.text)})  # fmt: skip
    (mail,) = [m for m in sent_to(app, member.email) if "Reset" in m.subject]
    link = next(word for word in mail.body.split() if "/password/reset/" in word)
    path = link.replace("http://localhost", "")
    form = client.get(path)
    response = client.post(
        path,
        data={"password": "a new long passphrase 42", "confirm": "a new long passphrase 42",
              "csrf_token": csrf_token_from(form.text)},
    )  # fmt: skip
    assert response.status_code == 403
    assert "Your account is suspended" in response.text
    assert client.get("/account").status_code == 302


# --- who may act on whom --------------------------------------------------------------


@pytest.mark.parametrize(
    ("actor", "target"),
    [("moderator", "admin"), ("moderator", "moderator"), ("admin", "admin")],
)
def test_nobody_acts_on_an_admin_or_on_themselves(world, actor, target):
    with pytest.raises(Forbidden):
        services.silence_member(
            world.user(actor), world.user(target), reason="No", ends_at=_a_week()
        )
    assert _sanction_count() == 0


def test_moderators_act_on_other_moderators_only_through_admins(world):
    other_moderator = factories.make_user(username="othermod", role=Role.MODERATOR)
    with pytest.raises(Forbidden):
        services.warn_member(world.user("moderator"), other_moderator, message="Behave")
    services.warn_member(world.user("admin"), other_moderator, message="Behave")
    assert _sanction_count() == 1


@pytest.mark.parametrize("persona", ["member", "employee", "space_moderator"])
def test_members_and_space_moderators_get_404_and_nothing_changes(world, client_as, persona):
    client = client_as(persona)
    assert client.get("/mod/members/closedmember").status_code == 404
    response = _post(
        client, "/mod/members/closedmember/suspend",
        {"suspend-reason": "Because", "suspend-period": "day"},
    )  # fmt: skip
    assert response.status_code == 404
    with pytest.raises(NotFound):
        services.suspend_member(
            world.user(persona), world.user("closed_member"), reason="x", ends_at=_a_week()
        )
    assert _sanction_count() == 0
    assert world.user("closed_member").suspended_until is None


def test_moderator_acting_on_an_admin_gets_403_and_nothing_changes(world, client_as):
    response = _post(
        client_as("moderator"), "/mod/members/admin/suspend",
        {"suspend-reason": "Because", "suspend-period": "day"},
    )  # fmt: skip
    assert response.status_code == 403
    assert world.user("admin").suspended_until is None
    assert _sanction_count() == 0


def test_history_shows_every_sanction_with_who_and_when(world, client_as):
    moderator, member = world.user("moderator"), world.user("member")
    services.warn_member(moderator, member, message="First warning")
    services.silence_member(moderator, member, reason="Second strike", ends_at=_a_week())
    services.lift_silence(moderator, member)
    page = client_as("admin").get("/mod/members/member").text
    assert "First warning" in page
    assert "Second strike" in page
    assert page.count("Display moderator") >= 3  # gave the warning, the silence, lifted it


# --- periods --------------------------------------------------------------------------


def test_periods_end_when_they_say():
    now = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
    assert sanction_end(Period.DAY, None, now=now) == now + timedelta(days=1)
    assert sanction_end(Period.WEEK, None, now=now) == now + timedelta(days=7)
    assert sanction_end(Period.MONTH, None, now=now) == now + timedelta(days=30)
    assert sanction_end(Period.INDEFINITELY, None, now=now) == INDEFINITELY
    until = sanction_end(Period.UNTIL, date(2026, 12, 24), now=now)
    assert until.date() == date(2026, 12, 24)
    for bad in (None, date(2026, 12, 1), date(2040, 1, 1)):
        with pytest.raises(ValidationFailed):
            sanction_end(Period.UNTIL, bad, now=now)


def test_sanction_rows_are_in_force_only_until_their_end(world):
    sanction = services.silence_member(
        world.user("moderator"), world.user("member"), reason="x", ends_at=_a_week()
    )
    assert sanction.kind is SanctionKind.SILENCE
    assert sanction.is_in_force(datetime.now(UTC))
    assert not sanction.is_in_force(datetime.now(UTC) + timedelta(days=8))


def test_the_moderation_page_has_a_label_for_every_field_and_no_duplicate_ids(world, client_as):
    moderator, member = world.user("moderator"), world.user("member")
    services.silence_member(moderator, member, reason="x", ends_at=_a_week())
    services.suspend_member(moderator, member, reason="y", ends_at=_a_week())
    page = client_as("admin").get("/mod/members/member").text
    assert _duplicate_ids(page) == []
    for field_id in re.findall(r'<(?:input|textarea|select)[^>]*\sid="([^"]+)"', page):
        assert f'for="{field_id}"' in page, field_id
    assert page.count("Lift the") == 2
