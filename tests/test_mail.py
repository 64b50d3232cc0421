"""The e-mail outbox and its worker, preferences, digests and unsubscribing.

Mail is queued in the transaction of its event and sent by ``hearth send-mail``.
The SMTP transport is tested against a real SMTP server (aiosmtpd) on 127.0.0.1,
including one that refuses and one that is down: a message waits, is retried and
goes out once. Digests and notification mail are written when sent, from what the
one recipient may still read then.
"""

from __future__ import annotations

import email
import email.policy
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import timedelta

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import delete, func, select

from community.accounts import services as account_services
from community.accounts import tokens
from community.accounts.models import User
from community.database import utcnow
from community.extensions import db
from community.ideas import services as idea_services
from community.ideas.models import IdeaStatus
from community.mail import outbox
from community.notifications import messages
from community.notifications import preferences as notification_preferences
from community.notifications import services as notification_services
from community.notifications.models import (
    EmailFrequency,
    EmailPreference,
    MailPurpose,
    MailStatus,
    NotificationKind,
    OutgoingMail,
)
from community.notifications.outbox import deliver_outbox, queue_mail, schedule_digests
from community.spaces import services as space_services
from community.spaces.models import IdeaBoard
from community.topics.models import TopicKind
from tests import factories
from tests.conftest import csrf_token_from, make_test_app
from tests.mail import forget_mail, sent_mail, sent_to


def rows(**where) -> list[OutgoingMail]:
    statement = select(OutgoingMail).order_by(OutgoingMail.id)
    for name, value in where.items():
        statement = statement.where(getattr(OutgoingMail, name) == value)
    return list(db.session.scalars(statement))


def reply_to_members_topic(world, *, title="Where is the light switch?", body="Here it is."):
    member = world.user("member")
    topic = factories.make_topic(world.spaces["public"], author=member, title=title)
    factories.make_reply(topic, author=world.user("employee"), body=body)
    return topic


def choose(user, kind: NotificationKind, frequency: EmailFrequency) -> None:
    notification_preferences.set_email_preferences(user, {kind: frequency})


# --- the outbox -----------------------------------------------------------------------------


def test_account_mail_waits_in_the_outbox_until_the_worker_sends_it(app, world):
    member = world.user("member")
    with app.test_request_context():
        account_services.request_password_reset(member.email)

    [row] = rows()
    assert (row.purpose, row.status, row.to_address) == (
        MailPurpose.ACCOUNT, MailStatus.QUEUED, member.email,
    )  # fmt: skip
    assert outbox(app) == []  # nothing went anywhere yet

    [message] = sent_mail(app)
    assert message.to == member.email
    assert "/reset/" in message.body
    db.session.refresh(row)
    assert row.status is MailStatus.SENT
    assert row.body == ""  # the reset link is not kept once delivered
    assert sent_mail(app) == [message]  # a second pass sends nothing again


def test_queueing_refuses_more_than_one_address(world):
    for bad in ["a@example.com, b@example.com", "a@example.com\nBcc: b@example.com", ""]:
        with pytest.raises(ValueError, match="exactly one address"):
            queue_mail(bad, "Hello", "Body")


def test_a_notification_is_mailed_to_its_recipient_with_unsubscribe_headers(app, world):
    topic = reply_to_members_topic(world, body="Try the **reset** button.")
    member = world.user("member")

    [message] = sent_to(app, member.email)
    assert message.subject == f"Display employee replied to “{topic.title}”"
    assert "Try the **reset** button." in message.body
    assert f"http://localhost/t/{topic.id}#post-2" in message.body
    unsubscribe = message.header("List-Unsubscribe")
    assert unsubscribe.startswith("<http://localhost/unsubscribe/")
    assert unsubscribe.endswith(">")
    assert unsubscribe[1:-1] in message.body
    assert message.header("List-Unsubscribe-Post") == "List-Unsubscribe=One-Click"
    assert message.header("Message-ID").startswith("<hearth.")
    # The replier is not told of their own reply.
    assert sent_to(app, world.user("employee").email) == []


def test_mail_goes_to_the_address_the_member_has_when_it_is_sent(app, world):
    member = world.user("member")
    reply_to_members_topic(world)
    member.email = "member.moved@example.com"
    db.session.commit()
    assert [m.to for m in sent_mail(app)] == ["member.moved@example.com"]


# --- the SMTP transport, against a real server ---------------------------------------------


@dataclass
class SMTPRecorder:
    """An aiosmtpd handler: keeps what it accepts, refuses the first ``refuse`` messages."""

    refuse: int = 0
    received: list = field(default_factory=list)

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's hook name
        if self.refuse:
            self.refuse -= 1
            return "451 4.3.0 Mailbox busy, try again later"
        self.received.append(envelope)
        return "250 Message accepted for delivery"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_smtp(recorder: SMTPRecorder, port: int) -> Controller:
    controller = Controller(recorder, hostname="127.0.0.1", port=port)
    controller.start()
    return controller


@pytest.fixture
def smtp_port(app, monkeypatch) -> int:
    """A free port on 127.0.0.1 that the app sends mail to by SMTP."""
    port = free_port()
    monkeypatch.setitem(app.config, "MAIL_BACKEND", "smtp")
    monkeypatch.setitem(app.config, "MAIL_SERVER", "127.0.0.1")
    monkeypatch.setitem(app.config, "MAIL_PORT", port)
    monkeypatch.setitem(app.config, "MAIL_TIMEOUT_SECONDS", 5)
    return port


@pytest.fixture
def smtp_server(smtp_port) -> Iterator[SMTPRecorder]:
    recorder = SMTPRecorder()
    controller = start_smtp(recorder, smtp_port)
    yield recorder
    controller.stop()


def parsed(envelope) -> email.message.EmailMessage:
    return email.message_from_bytes(envelope.content, policy=email.policy.default)


def test_smtp_delivers_one_message_per_recipient_with_its_headers(world, smtp_server):
    recorder = smtp_server
    topic = reply_to_members_topic(world, body="Hold the button for 10 s.")

    report = deliver_outbox()

    assert report.sent == 1
    [envelope] = recorder.received
    assert envelope.rcpt_tos == [world.user("member").email]
    message = parsed(envelope)
    assert message["To"] == world.user("member").email
    assert message["Subject"] == f"Display employee replied to “{topic.title}”"
    assert message["List-Unsubscribe"].startswith("<http://localhost/unsubscribe/")
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert message["Message-ID"].startswith("<hearth.")
    assert "Hold the button for 10 s." in message.get_content()


def test_a_refusing_smtp_server_loses_nothing_and_the_message_goes_once(world, smtp_server):
    recorder = smtp_server
    recorder.refuse = 1
    reply_to_members_topic(world)
    now = utcnow()

    first = deliver_outbox(now=now)

    assert (first.sent, first.retrying) == (0, 1)
    [row] = rows(purpose=MailPurpose.NOTIFICATION)
    assert (row.status, row.attempts) == (MailStatus.QUEUED, 1)
    assert "451" in row.last_error
    assert row.next_attempt_at > now
    assert deliver_outbox(now=now).handled == 0  # not due again yet
    assert recorder.received == []

    later = deliver_outbox(now=now + timedelta(minutes=2))

    assert later.sent == 1
    assert len(recorder.received) == 1
    db.session.refresh(row)
    assert (row.status, row.attempts) == (MailStatus.SENT, 2)
    deliver_outbox(now=now + timedelta(hours=1))
    assert len(recorder.received) == 1  # sent once, never again


def test_a_server_that_is_down_delays_mail_until_it_is_back(app, world, smtp_port):
    reply_to_members_topic(world)  # nothing listens on the port yet
    now = utcnow()

    assert deliver_outbox(now=now).retrying == 1
    [row] = rows(purpose=MailPurpose.NOTIFICATION)
    assert row.status is MailStatus.QUEUED
    assert "Connection" in row.last_error or "refused" in row.last_error.lower()

    recorder = SMTPRecorder()
    controller = start_smtp(recorder, smtp_port)
    try:
        assert deliver_outbox(now=now + timedelta(minutes=5)).sent == 1
    finally:
        controller.stop()
    assert len(recorder.received) == 1


def test_retries_wait_longer_each_time_and_give_up_after_the_maximum(app, world, smtp_server):
    recorder = smtp_server
    recorder.refuse = 100
    reply_to_members_topic(world)
    moment = utcnow()
    delays = []
    for _ in range(app.config["MAIL_MAX_ATTEMPTS"]):
        deliver_outbox(now=moment)
        [row] = rows(purpose=MailPurpose.NOTIFICATION)
        delays.append(row.next_attempt_at - moment)
        moment = row.next_attempt_at
    assert row.status is MailStatus.FAILED
    assert row.attempts == app.config["MAIL_MAX_ATTEMPTS"]
    waits = delays[:-1]  # the last attempt schedules nothing more
    assert waits == sorted(waits)
    assert waits[0] < waits[-1]
    assert recorder.received == []


def test_a_message_claimed_by_a_worker_that_died_is_sent_after_its_lease(app, world):
    reply_to_members_topic(world)
    [row] = rows(purpose=MailPurpose.NOTIFICATION)
    now = utcnow()
    row.status, row.claimed_at = MailStatus.SENDING, now
    db.session.commit()

    assert deliver_outbox(now=now + timedelta(seconds=30)).sent == 0  # another worker holds it
    lease = timedelta(seconds=app.config["MAIL_CLAIM_LEASE_SECONDS"] + 1)
    assert deliver_outbox(now=now + lease).sent == 1
    assert len(sent_mail(app)) == 1


def test_concurrent_workers_send_every_message_exactly_once(database_url):
    """Four workers drain one outbox at once, each on its own connection: row claims
    (FOR UPDATE SKIP LOCKED on PostgreSQL, the write lock on SQLite) never overlap."""
    app = make_test_app(database_url, SQLALCHEMY_ENGINE_OPTIONS={"pool_size": 6}, MAIL_BATCH_SIZE=3)
    count = 30
    with app.app_context():
        for number in range(count):
            queue_mail(f"concurrent{number}@example.com", f"Message {number}", "Body")
        db.session.commit()
    barrier = threading.Barrier(4)
    errors: list[BaseException] = []

    def worker() -> None:
        try:
            barrier.wait()
            with app.app_context():
                deliver_outbox()
        except BaseException as error:  # reported below
            errors.append(error)

    threads = [threading.Thread(target=worker) for _ in range(4)]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert errors == []
        delivered = sorted(message.to for message in outbox(app))
        assert delivered == sorted(f"concurrent{number}@example.com" for number in range(count))
        with app.app_context():
            statuses = db.session.scalars(
                select(OutgoingMail.status).where(OutgoingMail.to_address.like("concurrent%"))
            ).all()
            assert statuses == [MailStatus.SENT] * count
    finally:
        with app.app_context():
            db.session.execute(
                delete(OutgoingMail).where(OutgoingMail.to_address.like("concurrent%"))
            )
            db.session.commit()
            db.engine.dispose()


def test_send_mail_command_drains_once_and_reports(app, world):
    reply_to_members_topic(world)
    result = app.test_cli_runner().invoke(args=["hearth", "send-mail"])
    assert result.exit_code == 0, result.output
    assert "sent=1" in result.output
    assert "pending=0" in result.output
    assert len(outbox(app)) == 1


def test_send_mail_forever_passes_until_stopped(app, world, monkeypatch):
    reply_to_members_topic(world)
    naps = []

    def nap(seconds):
        naps.append(seconds)
        if len(naps) == 2:
            raise KeyboardInterrupt  # Ctrl-C during the second pause

    monkeypatch.setattr("community.cli.time.sleep", nap)
    result = app.test_cli_runner().invoke(
        args=["hearth", "send-mail", "--forever", "--sleep", "0.5"]
    )
    assert result.exit_code == 0, result.output
    assert naps == [0.5, 0.5]
    assert result.output.count("sent=1") == 1  # the first pass sent it; the second had nothing
    assert len(outbox(app)) == 1


# --- preferences and digests -------------------------------------------------------------------


def test_preferences_page_offers_each_kind_and_saves_the_choices(world, client_as):
    client = client_as("member")
    page = client.get("/account/notifications")
    assert page.status_code == 200
    for kind in NotificationKind:
        assert f'<label for="{kind.value}">{kind.label}</label>' in page.text
    assert '<option selected value="daily">' in page.text  # watched topics: daily by default
    data = {kind.value: "immediately" for kind in NotificationKind}
    data["mention"] = "never"
    data["watched_post"] = "weekly"
    response = client.post(
        "/account/notifications", data={**data, "csrf_token": csrf_token_from(page.text)}
    )
    assert response.status_code == 302
    chosen = dict(
        db.session.execute(
            select(EmailPreference.kind, EmailPreference.frequency).where(
                EmailPreference.user_id == world.user("member").id
            )
        ).all()
    )
    assert chosen[NotificationKind.MENTION] is EmailFrequency.NEVER
    assert chosen[NotificationKind.WATCHED_POST] is EmailFrequency.WEEKLY


def test_preferences_refuse_an_unknown_frequency_and_keep_the_form(world, client_as):
    client = client_as("member")
    page = client.get("/account/notifications").text
    data = {kind.value: "immediately" for kind in NotificationKind} | {"reply": "hourly"}
    response = client.post(
        "/account/notifications", data={**data, "csrf_token": csrf_token_from(page)}
    )
    assert response.status_code == 422
    assert "Not a valid choice" in response.text
    assert db.session.scalar(select(func.count(EmailPreference.id))) == 0


def test_never_sends_nothing_but_the_notification_still_shows(app, world, client_as):
    choose(world.user("member"), NotificationKind.REPLY, EmailFrequency.NEVER)
    topic = reply_to_members_topic(world)
    assert sent_mail(app) == []
    assert topic.title in client_as("member").get("/notifications").text


def test_a_daily_digest_gathers_unread_news_once_a_day(app, world, client_as):
    member = world.user("member")
    choose(member, NotificationKind.REPLY, EmailFrequency.DAILY)
    first = reply_to_members_topic(world, title="First topic of the day")
    second = reply_to_members_topic(world, title="Second topic of the day")
    now = utcnow()

    assert sent_mail(app, now=now) == []  # nothing waited a day yet
    [digest] = sent_to(app, member.email, now=now + timedelta(days=1, minutes=1))

    assert digest.subject == "Your daily Hearth digest: 2 updates"
    assert first.title in digest.body
    assert second.title in digest.body
    assert "/unsubscribe/" in digest.header("List-Unsubscribe")
    # The next day brings only what is new since.
    third = reply_to_members_topic(world, title="Third topic, next day")
    [_, digest2] = sent_to(app, member.email, now=now + timedelta(days=2, minutes=2))
    assert third.title in digest2.body
    assert first.title not in digest2.body


def test_a_digest_leaves_out_what_was_read_before_it_was_sent(app, world, client_as):
    member = world.user("member")
    choose(member, NotificationKind.REPLY, EmailFrequency.WEEKLY)
    reply_to_members_topic(world, title="Read it already")
    notification_services.mark_all_read(member)
    assert sent_mail(app, now=utcnow() + timedelta(days=8)) == []


def test_a_digest_is_refiltered_when_sent_after_its_member_left_the_space(app, world):
    closed, member = world.spaces["closed"], world.user("closed_member")
    choose(member, NotificationKind.WATCHED_POST, EmailFrequency.DAILY)
    notification_services.set_space_watch_level(
        member, closed, notification_services.WatchLevel.WATCHING
    )
    notification_services.set_space_watch_level(
        member, world.spaces["public"], notification_services.WatchLevel.WATCHING
    )
    factories.make_topic(closed, author=world.user("admin"), title="CLOSEDSECRET pricing")
    factories.make_topic(world.spaces["public"], author=world.user("admin"), title="Public roadmap")
    later = utcnow() + timedelta(days=1, minutes=1)
    deliver_outbox(now=later - timedelta(minutes=30))  # schedules nothing yet
    space_services.remove_member(world.user("admin"), closed, member)

    [digest] = sent_to(app, member.email, now=later)

    assert "Public roadmap" in digest.body
    assert "CLOSEDSECRET" not in digest.body
    assert digest.subject == "Your daily Hearth digest: 1 update"


def test_a_queued_digest_with_nothing_left_readable_is_not_sent(app, world):
    employee = world.user("employee")
    choose(employee, NotificationKind.REPLY, EmailFrequency.DAILY)
    topic = factories.make_topic(world.spaces["employee"], author=employee, title="EMPSECRET bands")
    factories.make_reply(topic, author=world.user("admin"))
    later = utcnow() + timedelta(days=1, minutes=1)
    # The digest row is queued (scheduled) while the member may still read it...
    assert schedule_digests(later) == 1
    account_services.update_member(
        world.user("admin"), employee, role=employee.role, is_employee=False
    )

    # ...and written when sent, by which time they may not.
    assert sent_to(app, employee.email, now=later) == []
    [row] = rows(purpose=MailPurpose.DIGEST)
    assert row.status is MailStatus.SKIPPED


@pytest.mark.parametrize("loss", ["left_closed_space", "lost_employee_status"])
def test_immediate_mail_is_not_sent_after_the_member_lost_access(app, world, client_as, loss):
    admin = world.user("admin")
    if loss == "left_closed_space":
        member, space = world.user("closed_member"), world.spaces["closed"]
    else:
        member, space = world.user("employee"), world.spaces["employee"]
    topic = factories.make_topic(space, author=member, title="SECRETTITLE of the space")
    factories.make_reply(topic, author=admin, body="SECRETBODY")
    if loss == "left_closed_space":
        space_services.remove_member(admin, space, member)
    else:
        account_services.update_member(admin, member, role=member.role, is_employee=False)

    assert sent_to(app, member.email) == []
    assert rows(purpose=MailPurpose.NOTIFICATION)[0].status is MailStatus.SKIPPED
    page = client_as("closed_member" if loss == "left_closed_space" else "employee").get(
        "/notifications"
    )
    assert "SECRETTITLE" not in page.text


# --- unsubscribing -------------------------------------------------------------------------


def mailed_unsubscribe_path(app, address: str) -> str:
    message = sent_to(app, address)[-1]
    return message.header("List-Unsubscribe")[1:-1].removeprefix("http://localhost")


def frequency_of(user, kind):
    return db.session.scalar(
        select(EmailPreference.frequency).where(
            EmailPreference.user_id == user.id, EmailPreference.kind == kind
        )
    )


def test_unsubscribe_link_shows_a_button_and_changes_nothing_when_opened(app, world, client):
    reply_to_members_topic(world)
    path = mailed_unsubscribe_path(app, world.user("member").email)

    page = client.get(path)

    assert page.status_code == 200
    assert "Replies to my topics" in page.text
    assert '<button type="submit" class="button">Unsubscribe</button>' in page.text
    assert frequency_of(world.user("member"), NotificationKind.REPLY) is None


def test_one_click_unsubscribe_works_without_a_session_or_csrf_token(app, world, client):
    member = world.user("member")
    reply_to_members_topic(world)
    path = mailed_unsubscribe_path(app, member.email)

    response = client.post(path, data={"List-Unsubscribe": "One-Click"})

    assert response.status_code == 200
    assert frequency_of(member, NotificationKind.REPLY) is EmailFrequency.NEVER
    forget_mail(app)
    reply_to_members_topic(world, title="Another question here")
    assert sent_mail(app) == []  # no more replies by e-mail
    assert (
        client.post(path, data={"List-Unsubscribe": "One-Click"}).status_code == 200
    )  # again: fine


def test_unsubscribe_from_the_browser_needs_its_csrf_token(app, world, client):
    member = world.user("member")
    reply_to_members_topic(world)
    path = mailed_unsubscribe_path(app, member.email)

    refused = client.post(path, data={})
    assert refused.status_code == 400
    assert frequency_of(member, NotificationKind.REPLY) is None

    page = client.get(path)
    accepted = client.post(path, data={"csrf_token": csrf_token_from(page.text)})
    assert accepted.status_code == 200
    assert "You are unsubscribed" in accepted.text
    assert frequency_of(member, NotificationKind.REPLY) is EmailFrequency.NEVER


def test_forged_tampered_or_foreign_unsubscribe_tokens_are_refused(app, world, client, client_as):
    member = world.user("member")
    reply_to_members_topic(world)
    path = mailed_unsubscribe_path(app, member.email)
    token = path.rsplit("/", 1)[1]
    with app.test_request_context():
        confirm = tokens.make_token(tokens.CONFIRM_EMAIL, {"uid": member.id, "key": "reply"})
        other = tokens.make_token(tokens.UNSUBSCRIBE, {"uid": member.id, "key": "nonsense"})
    bad_tokens = [
        "forged-token",
        token[:-3] + ("AAA" if not token.endswith("AAA") else "BBB"),  # tampered signature
        confirm,  # signed for another purpose
        other,  # a key that names no mail
    ]
    for bad in bad_tokens:
        assert client.get(f"/unsubscribe/{bad}").status_code == 404
        assert (
            client.post(f"/unsubscribe/{bad}", data={"List-Unsubscribe": "One-Click"}).status_code
            == 404
        )
    # Another member's link, used while signed in as someone else: refused.
    stranger = client_as("employee")
    assert stranger.get(path).status_code == 403
    assert stranger.post(path, data={"List-Unsubscribe": "One-Click"}).status_code == 403
    assert frequency_of(member, NotificationKind.REPLY) is None
    # A link mailed to an address the account no longer has stops working.
    member.email = "member.elsewhere@example.com"
    db.session.commit()
    assert client.post(path, data={"List-Unsubscribe": "One-Click"}).status_code == 404
    assert frequency_of(member, NotificationKind.REPLY) is None


def test_unsubscribing_from_a_digest_stops_every_kind_in_it(app, world, client):
    member = world.user("member")
    choose(member, NotificationKind.REPLY, EmailFrequency.DAILY)
    reply_to_members_topic(world)
    digest = sent_to(app, member.email, now=utcnow() + timedelta(days=1, minutes=1))[-1]
    path = digest.header("List-Unsubscribe")[1:-1].removeprefix("http://localhost")
    assert "the daily digest" in client.get(path).text

    client.post(path, data={"List-Unsubscribe": "One-Click"})

    assert frequency_of(member, NotificationKind.REPLY) is EmailFrequency.NEVER
    assert frequency_of(member, NotificationKind.WATCHED_POST) is EmailFrequency.NEVER
    assert frequency_of(member, NotificationKind.MENTION) is None  # immediate: untouched


def test_unsubscribe_token_is_bound_to_member_and_kind(app, world):
    member, other = world.user("member"), world.user("employee")
    with app.test_request_context():
        token = messages.unsubscribe_token(member, "mention")
    found = notification_preferences.read_unsubscribe_token(token)
    assert found == (member, "mention")
    assert found[0] != other


def test_unconfirmed_members_get_no_notification_mail(app, world):
    unconfirmed = world.user("unconfirmed")
    topic = factories.make_topic(world.spaces["public"], author=world.user("member"))
    notification_services.notify_member(
        unconfirmed, NotificationKind.MODERATOR_MESSAGE, detail="Hi"
    )
    db.session.commit()
    assert topic  # a notification exists for them, and no mail
    assert sent_to(app, unconfirmed.email) == []
    assert db.session.scalar(select(func.count(User.id))) > 0


# --- idea followers ------------------------------------------------------------------------


def idea_on(space, author):
    space.idea_board = IdeaBoard.ALONGSIDE
    db.session.commit()
    return factories.make_topic(
        space, author=author, title="Dark mode for the app", kind=TopicKind.IDEA
    )


def test_idea_followers_get_status_changes_and_official_responses_by_mail(app, world):
    space = world.spaces["public"]
    author, voter, quiet = (
        world.user("member"),
        world.user("closed_member"),
        world.user("moderator"),
    )
    idea = idea_on(space, author)
    idea_services.set_idea_vote(voter, idea, is_voted=True)
    idea_services.set_idea_vote(quiet, idea, is_voted=True)
    choose(quiet, NotificationKind.IDEA_STATUS, EmailFrequency.NEVER)
    staff = world.user("employee")

    idea_services.set_idea_status(staff, idea, status=IdeaStatus.PLANNED, response="For **Q3**.")
    idea_services.set_idea_status(staff, idea, status=IdeaStatus.PLANNED, response="Now Q4, sorry.")

    for follower in (author, voter):
        status, response = sent_to(app, follower.email)
        assert status.subject == "“Dark mode for the app” is now planned"
        assert "For **Q3**." in status.body
        assert response.subject == "Display employee responded to “Dark mode for the app”"
        assert "Now Q4, sorry." in response.body
    assert [m.subject for m in sent_to(app, quiet.email)] == [
        "Display employee responded to “Dark mode for the app”"  # responses: still wanted
    ]
    assert sent_to(app, staff.email) == []


@pytest.mark.parametrize("loss", ["left_closed_space", "lost_employee_status"])
def test_idea_followers_who_lost_access_hear_nothing_by_page_or_mail(app, world, client_as, loss):
    admin = world.user("admin")
    if loss == "left_closed_space":
        space, persona = world.spaces["closed"], "closed_member"
    else:
        space, persona = world.spaces["employee"], "employee"
    follower = world.user(persona)
    idea = idea_on(space, admin)
    idea_services.set_idea_vote(follower, idea, is_voted=True)
    forget_mail(app)
    if loss == "left_closed_space":
        space_services.remove_member(admin, space, follower)
    else:
        account_services.update_member(admin, follower, role=follower.role, is_employee=False)

    idea_services.set_idea_status(admin, idea, status=IdeaStatus.SHIPPED, response="Done!")

    assert sent_to(app, follower.email) == []
    assert "Dark mode" not in client_as(persona).get("/notifications").text
