"""The review queue: held posts of new members, flags, and the moderators' decisions."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from community.accounts.models import User
from community.answers import services as answer_services
from community.errors import Forbidden, NotFound, ValidationFailed
from community.extensions import db
from community.moderation import review_services
from community.moderation.models import (
    AuditAction,
    AuditEntry,
    FlagOutcome,
    PostFlag,
    SignupApproval,
    SignupStatus,
)
from community.notifications import services as notification_services
from community.notifications.models import Notification, WatchLevel
from community.spaces import services as space_services
from community.spaces.models import Membership, MembershipRole, Space
from community.topics import services as topic_services
from community.topics.models import ReviewState, TopicKind
from tests import factories
from tests.conftest import count_queries, csrf_token_from, page_with_csrf_token, sign_in
from tests.mail import sent_to

SECRET = "Zanzibarquokka"  # a word no other text in the tests holds


@pytest.fixture
def partners(world):
    """A closed space that approves new members' posts, with a new (level 0) partner
    and an established (level 1) member in it; ``space_moderator`` moderates it."""
    newcomer = factories.make_user(username="newpartner", display_name="New Partner")
    regular = factories.make_user(username="regular", trust_level=1)
    space = factories.make_space(
        visibility="closed",
        slug="partner-network",
        name="Partner Network",
        members=(newcomer, regular, world.user("closed_member")),
        moderators=(world.user("space_moderator"),),
        approves_new_member_posts=True,
    )
    return space, newcomer, regular


def _audit(action):
    return list(db.session.scalars(select(AuditEntry).where(AuditEntry.action == action)))


def _post(client, url, data=None):
    token = csrf_token_from(page_with_csrf_token(client, "/"))
    return client.post(url, data={**(data or {}), "csrf_token": token})


# --- held posts ------------------------------------------------------------------------


def test_new_topic_is_pending_when_a_level_0_member_posts_in_an_approving_space(
    world, partners, client_as
):
    space, newcomer, _regular = partners
    topic = factories.make_topic(space, author=newcomer, title=f"{SECRET} our reseller plan")

    assert topic.review_state is ReviewState.PENDING
    assert factories.first_post(topic).review_state is ReviewState.PENDING
    db.session.refresh(space)
    assert (space.topic_count, space.post_count) == (0, 0)
    other = client_as("closed_member")
    assert other.get(f"/t/{topic.id}").status_code == 404
    assert SECRET not in other.get("/s/partner-network").text
    assert SECRET not in other.get("/").text
    # In lower case: the page echoes the query, and search ignores case.
    assert SECRET not in other.get(f"/search?q={SECRET.lower()}").text
    moderator = client_as("space_moderator")
    assert SECRET in moderator.get(f"/t/{topic.id}").text
    assert SECRET in moderator.get("/review").text


def test_author_sees_own_pending_topic_with_a_note(world, partners, app):
    space, newcomer, _regular = partners
    topic = factories.make_topic(space, author=newcomer, title=f"{SECRET} our reseller plan")
    client = app.test_client()

    sign_in(client, newcomer)
    page = client.get(f"/t/{topic.id}").text
    assert SECRET in page
    assert "waits for a moderator\N{RIGHT SINGLE QUOTATION MARK}s approval" in page


@pytest.mark.parametrize("who", ["regular", "space_moderator", "employee_member"])
def test_new_topic_is_published_when_the_author_need_not_wait(world, partners, who):
    space, _newcomer, regular = partners
    employee = factories.make_user(username="staffer", is_employee=True)
    author = {
        "regular": regular,
        "space_moderator": world.user("space_moderator"),
        "employee_member": employee,
    }[who]
    if who == "employee_member":
        db.session.add(Membership(space=space, user=employee, role=MembershipRole.MEMBER))
        db.session.commit()
    topic = factories.make_topic(space, author=author)
    assert topic.review_state is ReviewState.PUBLISHED


def test_new_topic_is_published_when_the_space_does_not_approve_posts(world):
    newcomer = factories.make_user(username="freshface")
    topic = factories.make_topic(world.spaces["public"], author=newcomer)
    assert topic.review_state is ReviewState.PUBLISHED


def test_approve_publishes_the_topic_counts_it_and_notifies_watchers(world, partners, client_as):
    space, newcomer, regular = partners
    notification_services.set_space_watch_level(regular, space, WatchLevel.WATCHING)
    topic = factories.make_topic(space, author=newcomer, title=f"{SECRET} our reseller plan")
    assert db.session.scalar(select(func.count(Notification.id))) == 0

    response = _post(
        client_as("space_moderator"),
        f"/review/posts/{factories.first_post(topic).id}/approve",
    )

    assert response.status_code == 302
    db.session.refresh(topic)
    db.session.refresh(space)
    assert topic.review_state is ReviewState.PUBLISHED
    assert (space.topic_count, space.post_count) == (1, 1)
    assert SECRET in client_as("closed_member").get("/s/partner-network").text
    [told] = db.session.scalars(select(Notification).where(Notification.user_id == regular.id))
    assert told.topic_id == topic.id
    [entry] = _audit(AuditAction.POST_APPROVE)
    assert entry.actor_id == world.user("space_moderator").id
    assert entry.space_id == space.id


def test_approve_acts_once_when_submitted_twice(world, partners, client_as):
    space, newcomer, _regular = partners
    topic = factories.make_topic(space, author=newcomer)
    post = factories.first_post(topic)
    moderator = client_as("space_moderator")

    first = _post(moderator, f"/review/posts/{post.id}/approve")
    second = _post(moderator, f"/review/posts/{post.id}/approve")

    assert (first.status_code, second.status_code) == (302, 302)
    db.session.refresh(space)
    assert space.topic_count == 1
    assert len(_audit(AuditAction.POST_APPROVE)) == 1


def test_pending_reply_is_hidden_uncounted_and_announced_only_when_approved(
    world, partners, client_as
):
    space, newcomer, regular = partners
    topic = factories.make_topic(space, author=regular, title="Reseller questions")
    reply = factories.make_reply(topic, author=newcomer, body=f"{SECRET} hello @regular")
    db.session.refresh(topic)

    assert reply.review_state is ReviewState.PENDING
    assert topic.post_count == 1
    assert topic.last_poster_id == regular.id
    assert SECRET not in client_as("closed_member").get(f"/t/{topic.id}").text
    assert db.session.scalar(select(func.count(Notification.id))) == 0

    review_services.approve_post(world.user("space_moderator"), reply)

    db.session.refresh(topic)
    assert topic.post_count == 2
    assert topic.last_poster_id == newcomer.id
    assert SECRET in client_as("closed_member").get(f"/t/{topic.id}").text
    kinds = set(
        db.session.scalars(select(Notification.kind).where(Notification.user_id == regular.id))
    )
    assert kinds == {"mention"}  # one notification per post: the mention wins


def test_reject_needs_a_reason_and_changes_nothing_without_one(world, partners, client_as):
    space, newcomer, _regular = partners
    post = factories.first_post(factories.make_topic(space, author=newcomer))

    response = _post(
        client_as("space_moderator"), f"/review/posts/{post.id}/reject", {"reason": " "}
    )

    assert response.status_code == 422
    assert "Say why" in response.text
    db.session.refresh(post)
    assert post.review_state is ReviewState.PENDING
    assert _audit(AuditAction.POST_REJECT) == []


def test_reject_tells_the_author_why_and_they_still_read_it(world, partners, app, client_as):
    space, newcomer, _regular = partners
    topic = factories.make_topic(space, author=newcomer, title=f"{SECRET} buy cheap watches")
    post = factories.first_post(topic)

    response = _post(
        client_as("space_moderator"),
        f"/review/posts/{post.id}/reject",
        {"reason": "Advertising is not allowed here."},
    )

    assert response.status_code == 302
    db.session.refresh(post)
    assert post.review_state is ReviewState.REJECTED
    assert client_as("closed_member").get(f"/t/{topic.id}").status_code == 404
    [entry] = _audit(AuditAction.POST_REJECT)
    assert entry.reason == "Advertising is not allowed here."
    [message] = sent_to(app, newcomer.email)
    assert "Advertising is not allowed here." in message.body
    assert SECRET not in message.body  # the mail names the space, not the post

    author = app.test_client()
    sign_in(author, newcomer)
    page = author.get(f"/t/{topic.id}").text
    assert SECRET in page
    assert "Advertising is not allowed here." in page
    assert "Advertising is not allowed here." in author.get("/notifications").text


def test_edit_and_approve_publishes_the_corrected_text_and_keeps_a_revision(
    world, partners, client_as
):
    space, newcomer, _regular = partners
    topic = factories.make_topic(space, author=newcomer, title="Typo in teh title")
    post = factories.first_post(topic)
    moderator = client_as("space_moderator")
    form = moderator.get(f"/review/posts/{post.id}/edit")
    assert form.status_code == 200
    assert "Typo in teh title" in form.text

    response = moderator.post(
        f"/review/posts/{post.id}/edit",
        data={
            "title": "Typo in the title",
            "body": "Fixed body",
            "csrf_token": csrf_token_from(form.text),
        },
    )

    assert response.status_code == 302
    db.session.refresh(post)
    db.session.refresh(topic)
    assert (topic.title, post.body_source, post.revision_count) == (
        "Typo in the title",
        "Fixed body",
        1,
    )
    assert post.review_state is ReviewState.PUBLISHED


def test_edit_and_approve_rerenders_with_the_text_when_the_body_is_empty(
    world, partners, client_as
):
    space, newcomer, _regular = partners
    post = factories.first_post(
        factories.make_topic(space, author=newcomer, title="Kept title here")
    )

    response = _post(
        client_as("space_moderator"),
        f"/review/posts/{post.id}/edit",
        {"title": "Kept title here", "body": ""},
    )

    assert response.status_code == 422
    assert "Kept title here" in response.text
    db.session.refresh(post)
    assert post.review_state is ReviewState.PENDING


def test_space_moderator_gets_403_on_another_spaces_item_and_nothing_changes(world, client_as):
    other_space = factories.make_space(slug="elsewhere", approves_new_member_posts=True)
    newcomer = factories.make_user(username="elsewhereposter")
    post = factories.first_post(factories.make_topic(other_space, author=newcomer))
    moderator = client_as("space_moderator")

    for url, data in [
        (f"/review/posts/{post.id}/approve", {}),
        (f"/review/posts/{post.id}/reject", {"reason": "no"}),
        (f"/review/posts/{post.id}/edit", {"title": "Another title", "body": "x"}),
        (f"/review/posts/{post.id}/flags", {"decision": "agreed"}),
    ]:
        assert _post(moderator, url, data).status_code == 403, url
    db.session.refresh(post)
    assert post.review_state is ReviewState.PENDING
    assert db.session.scalar(select(func.count(AuditEntry.id))) == 0
    with pytest.raises(Forbidden):
        review_services.approve_post(world.user("space_moderator"), post)
    # And the item is not in their queue; a global moderator's queue has it.
    assert "elsewhereposter" not in moderator.get("/review").text.lower()
    assert "elsewhere" in client_as("moderator").get("/review").text


def test_members_cannot_see_the_queue_or_a_pending_post(world, partners, client_as):
    space, newcomer, _regular = partners
    post = factories.first_post(factories.make_topic(space, author=newcomer))
    member = client_as("closed_member")
    assert member.get("/review").status_code == 404
    # A member of the space sees it but may not act; an outsider does not see it.
    assert _post(member, f"/review/posts/{post.id}/approve").status_code == 403
    assert _post(client_as("member"), f"/review/posts/{post.id}/approve").status_code == 404
    assert client_as("anonymous").get("/review").status_code == 302
    with pytest.raises(NotFound):
        review_services.approve_post(world.user("member"), post)
    db.session.refresh(post)
    assert post.review_state is ReviewState.PENDING


def test_review_queue_queries_stay_flat_when_it_grows(world, partners, client_as, database):
    space, newcomer, regular = partners
    moderator = client_as("space_moderator")
    flaggers = [factories.make_user(username=f"flagger{n}", trust_level=1) for n in range(2)]

    def fill(count):
        for number in range(count):
            topic = factories.make_topic(
                world.spaces["public"], author=regular, title=f"Flagged topic {number}"
            )
            for flagger in flaggers:
                review_services.flag_post(flagger, factories.first_post(topic), reason="spam")
            factories.make_topic(space, author=newcomer, title=f"Pending topic {number}")

    def queries_for_page():
        with count_queries(database) as statements:
            assert moderator.get("/review").status_code == 200
        return len(statements)

    fill(5)
    small = queries_for_page()
    fill(45)
    assert queries_for_page() == small


# --- flags -------------------------------------------------------------------------------


@pytest.fixture
def spam(world):
    """A published spam topic in the public space and three level-1 members."""
    spammer = factories.make_user(username="spammer", trust_level=1)
    topic = factories.make_topic(
        world.spaces["public"], author=spammer, title=f"{SECRET} cheap watches", body="Buy now"
    )
    flaggers = [factories.make_user(username=f"watcher{n}", trust_level=1) for n in range(3)]
    return topic, factories.first_post(topic), flaggers


def test_flag_needs_trust_level_1(world, spam, client_as):
    _topic, post, _flaggers = spam
    member = client_as("member")  # trust level 0
    assert member.get(f"/p/{post.id}/flag").status_code == 403
    assert _post(member, f"/p/{post.id}/flag", {"reason": "spam"}).status_code == 403
    assert db.session.scalar(select(func.count(PostFlag.id))) == 0


def test_flag_refused_on_own_post(spam):
    _topic, post, _flaggers = spam
    with pytest.raises(Forbidden):
        review_services.flag_post(post.author, post, reason="spam")


def test_flag_something_else_needs_a_note_beside_the_field(spam, app):
    _topic, post, (flagger, *_rest) = spam

    client = app.test_client()
    sign_in(client, flagger)
    response = _post(client, f"/p/{post.id}/flag", {"reason": "something_else", "note": ""})
    assert response.status_code == 422
    assert "Tell the moderators what is wrong" in response.text
    response = _post(client, f"/p/{post.id}/flag", {"reason": "nonsense"})
    assert response.status_code == 422
    assert db.session.scalar(select(func.count(PostFlag.id))) == 0
    with pytest.raises(ValidationFailed):
        review_services.flag_post(flagger, post, reason="", note="")


def test_flag_twice_acts_once(spam):
    _topic, post, (flagger, *_rest) = spam
    first = review_services.flag_post(flagger, post, reason="spam")
    second = review_services.flag_post(flagger, post, reason="off_topic")
    assert first.id == second.id
    assert review_services.count_open_flags(post) == 1


def test_three_flags_hide_the_post_until_reviewed(world, spam, client_as):
    topic, post, flaggers = spam
    for flagger in flaggers[:2]:
        review_services.flag_post(flagger, post, reason="spam")
    db.session.refresh(post)
    assert post.review_state is ReviewState.PUBLISHED

    review_services.flag_post(flaggers[2], post, reason="spam")

    db.session.refresh(post)
    db.session.refresh(topic)
    assert (post.review_state, topic.review_state) == (ReviewState.HIDDEN, ReviewState.HIDDEN)
    db.session.refresh(world.spaces["public"])
    assert world.spaces["public"].topic_count == 0
    for persona in ("anonymous", "member"):
        client = client_as(persona)
        assert client.get(f"/t/{topic.id}").status_code == 404
        assert SECRET not in client.get("/").text
        assert SECRET not in client.get("/s/town-square").text
    assert SECRET in client_as("space_moderator").get("/review").text


def test_flags_hide_a_reply_but_not_its_topic(world, spam, client_as):
    topic, _post, flaggers = spam
    reply = factories.make_reply(topic, author=world.user("member"), body=f"{SECRET}REPLY link")
    for flagger in flaggers:
        review_services.flag_post(flagger, reply, reason="inappropriate")
    page = client_as("anonymous").get(f"/t/{topic.id}")
    assert page.status_code == 200
    assert f"{SECRET}REPLY" not in page.text
    db.session.refresh(topic)
    assert topic.post_count == 1


def test_flag_note_is_for_moderators_only(world, spam, client_as, app):
    topic, post, (flagger, *_rest) = spam
    review_services.flag_post(flagger, post, reason="something_else", note="Looks like a scam ring")
    assert "Looks like a scam ring" in client_as("moderator").get("/review").text
    assert "Looks like a scam ring" not in client_as("member").get(f"/t/{topic.id}").text

    author = app.test_client()
    sign_in(author, post.author)
    assert "Looks like a scam ring" not in author.get(f"/t/{topic.id}").text


@pytest.mark.parametrize(
    ("outcome", "state", "action"),
    [
        (FlagOutcome.AGREED, ReviewState.HIDDEN, AuditAction.FLAG_AGREE),
        (FlagOutcome.DISAGREED, ReviewState.PUBLISHED, AuditAction.FLAG_DISAGREE),
        (FlagOutcome.DEFERRED, ReviewState.PUBLISHED, AuditAction.FLAG_DEFER),
    ],
)
def test_deciding_flags_sets_the_post_tells_every_flagger_and_is_audited(
    world, spam, client_as, outcome, state, action
):
    _topic, post, flaggers = spam
    for flagger in flaggers:
        review_services.flag_post(flagger, post, reason="spam")

    response = _post(
        client_as("moderator"), f"/review/posts/{post.id}/flags", {"decision": outcome.value}
    )

    assert response.status_code == 302
    db.session.refresh(post)
    assert post.review_state is state
    assert review_services.count_open_flags(post) == 0
    told = set(db.session.scalars(select(Notification.user_id)))
    assert told == {flagger.id for flagger in flaggers}
    [entry] = _audit(action)
    assert entry.target_id == post.id
    assert entry.detail == "flags=3"
    db.session.refresh(world.spaces["public"])
    assert world.spaces["public"].topic_count == (0 if state is ReviewState.HIDDEN else 1)


def test_deciding_flags_twice_acts_once(world, spam):
    _topic, post, flaggers = spam
    review_services.flag_post(flaggers[0], post, reason="spam")
    moderator = world.user("moderator")
    assert review_services.decide_flags(moderator, post, outcome=FlagOutcome.AGREED) == 1
    assert review_services.decide_flags(moderator, post, outcome=FlagOutcome.AGREED) == 0
    assert len(_audit(AuditAction.FLAG_AGREE)) == 1
    assert db.session.scalar(select(func.count(Notification.id))) == 1


def test_deciding_flags_with_an_unknown_decision_is_a_422(world, spam, client_as):
    _topic, post, flaggers = spam
    review_services.flag_post(flaggers[0], post, reason="spam")
    response = _post(
        client_as("moderator"), f"/review/posts/{post.id}/flags", {"decision": "maybe"}
    )
    assert response.status_code == 422
    assert review_services.count_open_flags(post) == 1


def test_space_setting_is_saved_from_the_admin_form(world, client_as):
    admin = client_as("admin")
    form = admin.get("/admin/spaces/inner-circle/edit")
    assert "Approve new members" in form.text
    response = admin.post(
        "/admin/spaces/inner-circle/edit",
        data={
            "name": "Inner Circle",
            "slug": "inner-circle",
            "visibility": "closed",
            "is_listed": "y",
            "idea_board": "off",
            "approves_new_member_posts": "y",
            "csrf_token": csrf_token_from(form.text),
        },
    )
    assert response.status_code == 302
    assert db.session.get(Space, world.spaces["closed"].id).approves_new_member_posts is True
    [entry] = _audit(AuditAction.SPACE_UPDATE)
    assert "approves_new_member_posts:False->True" in entry.detail


def test_hidden_post_mention_notification_disappears(world, spam, client_as, app):
    topic, _post, flaggers = spam
    reply = factories.make_reply(topic, author=world.user("employee"), body="Hi @member")
    member = client_as("member")
    assert "mentioned you" in member.get("/notifications").text
    for flagger in flaggers:
        review_services.flag_post(flagger, reply, reason="spam")
    assert "mentioned you" not in member.get("/notifications").text
    # Nor is the hidden post's text e-mailed (it was queued when the post was live).
    assert not [m for m in sent_to(app, world.user("member").email) if "Hi @member" in m.body]


def test_deleting_a_held_post_leaves_the_counters_exact(world, partners):
    space, newcomer, regular = partners
    topic = factories.make_topic(space, author=regular, title="A counted topic")
    held_reply = factories.make_reply(topic, author=newcomer, body="Waiting")
    held_topic = factories.make_topic(space, author=newcomer, title="A held topic")

    topic_services.delete_post(newcomer, held_reply)
    topic_services.delete_post(newcomer, factories.first_post(held_topic))

    db.session.refresh(space)
    db.session.refresh(topic)
    assert (space.topic_count, space.post_count, topic.post_count) == (1, 1, 1)


def test_a_held_reply_cannot_be_accepted_as_the_answer(world, partners):
    space, newcomer, regular = partners
    question = factories.make_topic(space, author=regular, kind=TopicKind.QUESTION)
    held = factories.make_reply(question, author=newcomer, body="Maybe this?")
    with pytest.raises(NotFound):
        answer_services.accept_answer(world.user("space_moderator"), question, held)


# --- sign-ups waiting for approval -------------------------------------------------------


@pytest.fixture
def approval_required(app, monkeypatch):
    monkeypatch.setitem(app.config, "REQUIRE_SIGNUP_APPROVAL", True)


def _sign_up_and_confirm(app, client, username="applicant"):
    response = _post(
        client,
        "/signup",
        {
            "email": f"{username}@example.org",
            "username": username,
            "display_name": "An Applicant",
            "password": factories.PASSWORD,
        },
    )
    assert response.status_code == 302
    [message] = sent_to(app, f"{username}@example.org")
    confirm = re.search(r"http://localhost(/confirm/\S+)", message.body)[1]
    return _post(client, confirm)


def _sign_in_attempt(client, username):
    return _post(client, "/login", {"login": username, "password": factories.PASSWORD})


def test_signup_waits_for_approval_and_cannot_sign_in_until_approved(
    world, app, client, client_as, approval_required
):
    confirmed = _sign_up_and_confirm(app, client)
    assert confirmed.status_code == 302
    member = db.session.scalar(select(User).where(User.username == "applicant"))
    approval = db.session.get(SignupApproval, member.id)
    assert approval.status is SignupStatus.PENDING
    refused = _sign_in_attempt(app.test_client(), "applicant")
    assert refused.status_code == 422
    assert "waits for them" in refused.text
    moderator = client_as("moderator")
    assert "applicant@example.org" in moderator.get("/review").text

    assert _post(moderator, f"/review/signups/{member.id}/approve").status_code == 302
    assert _post(moderator, f"/review/signups/{member.id}/approve").status_code == 302

    assert _sign_in_attempt(app.test_client(), "applicant").status_code == 302
    assert len(_audit(AuditAction.MEMBER_APPROVE)) == 1
    assert [m.subject for m in sent_to(app, "applicant@example.org")][-1] == (
        "Your Hearth account is approved"
    )


def test_signup_rejected_needs_a_reason_and_the_reason_is_sent(
    world, app, client, client_as, approval_required
):
    _sign_up_and_confirm(app, client, "dubious")
    member = db.session.scalar(select(User).where(User.username == "dubious"))
    moderator = client_as("admin")

    missing = _post(moderator, f"/review/signups/{member.id}/reject", {"reason": ""})
    assert missing.status_code == 422
    assert "Say why" in missing.text
    assert db.session.get(SignupApproval, member.id).status is SignupStatus.PENDING

    done = _post(moderator, f"/review/signups/{member.id}/reject", {"reason": "Not a customer"})
    assert done.status_code == 302
    assert db.session.get(SignupApproval, member.id).status is SignupStatus.REJECTED
    assert "Not a customer" in sent_to(app, "dubious@example.org")[-1].body
    [entry] = _audit(AuditAction.MEMBER_REJECT)
    assert entry.reason == "Not a customer"
    assert "Not a customer" in _sign_in_attempt(app.test_client(), "dubious").text


@pytest.mark.parametrize("persona", ["space_moderator", "member", "employee"])
def test_signups_are_decided_by_site_moderators_only(world, client_as, persona):
    applicant = factories.make_user(username="applicant2")
    db.session.add(SignupApproval(user_id=applicant.id, status=SignupStatus.PENDING))
    db.session.commit()
    client = client_as(persona)
    assert _post(client, f"/review/signups/{applicant.id}/approve").status_code == 404
    assert db.session.get(SignupApproval, applicant.id).status is SignupStatus.PENDING
    if persona == "space_moderator":
        assert "applicant2" not in client.get("/review").text


def test_signup_needs_no_approval_when_the_site_does_not_ask(world, app, client):
    _sign_up_and_confirm(app, client, "freeentry")
    member = db.session.scalar(select(User).where(User.username == "freeentry"))
    assert db.session.get(SignupApproval, member.id) is None
    assert _sign_in_attempt(app.test_client(), "freeentry").status_code == 302


def test_a_password_reset_does_not_sign_in_a_sign_up_that_waits(
    world, app, client, approval_required
):
    _sign_up_and_confirm(app, client)
    reset_client = app.test_client()
    _post(reset_client, "/password/reset", {"email": "applicant@example.org"})
    message = sent_to(app, "applicant@example.org")[-1]
    link = re.search(r"http://localhost(/password/reset/\S+)", message.body)[1]

    response = _post(reset_client, link, {"password": "an entirely different passphrase"})

    assert response.status_code == 302
    assert response.headers["Location"].endswith("/login")
    assert "waits for them" in reset_client.get("/login").text
    assert 'action="/logout"' not in reset_client.get("/").text  # no session started


@pytest.mark.parametrize(
    ("persona", "target"), [("moderator", "/mod/members/"), ("space_moderator", "/u/")]
)
def test_act_on_the_author_opens_the_moderation_page_for_site_moderators(
    world, partners, client_as, persona, target
):
    space, newcomer, _ = partners
    factories.make_topic(space, author=newcomer, title="A first question")
    if persona == "moderator":
        space_services.add_member(world.user("admin"), space, world.user("moderator"))
    page = client_as(persona).get("/review").text
    assert f'href="{target}newpartner"' in page
