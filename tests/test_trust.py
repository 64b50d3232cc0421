"""Trust levels: reading reports, automatic promotion, levels by hand, posting limits."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from community.accounts.models import TrustLevel
from community.answers import services as answer_services
from community.database import utcnow
from community.errors import Forbidden, TooSoon, ValidationFailed
from community.extensions import db
from community.moderation.models import (
    AuditAction,
    AuditEntry,
    FlagOutcome,
    FlagReason,
    PostFlag,
)
from community.topics import services as topic_services
from community.topics.models import Post, TopicKind
from community.trust import limits, queries, services
from community.trust.models import MemberStats, MemberVisit
from tests import factories
from tests.conftest import count_queries, csrf_token_from

# Discourse's defaults, as config.Config has them: TestingConfig switches them off.
REAL_LIMITS = {
    "TRUST_NEW_MAX_LINKS": 2,
    "TRUST_NEW_MAX_IMAGES": 1,
    "TRUST_NEW_MAX_MENTIONS": 2,
    "TRUST_NEW_FIRST_DAY_TOPICS": 3,
    "TRUST_NEW_FIRST_DAY_REPLIES": 10,
    "TRUST_NEW_TOPIC_INTERVAL_SECONDS": 120,
    "TRUST_NEW_REPLY_INTERVAL_SECONDS": 30,
    "TOPIC_INTERVAL_SECONDS": 15,
    "REPLY_INTERVAL_SECONDS": 5,
}


@pytest.fixture
def real_limits(app, monkeypatch):
    for name, value in REAL_LIMITS.items():
        monkeypatch.setitem(app.config, name, value)


def _post(client, url, data):
    page = client.get("/")
    return client.post(url, data={**data, "csrf_token": csrf_token_from(page.text)})


def _topic_with_posts(world, count):
    topic = factories.make_topic(world.spaces["public"], author=world.user("admin"))
    for _ in range(count - 1):
        factories.make_reply(topic, author=world.user("admin"))
    return topic


def _stats(member) -> MemberStats:
    return db.session.get(MemberStats, member.id)


# --- reading reports --------------------------------------------------------------------


def test_reading_report_counts_posts_and_clamps_time_to_the_wall_clock(world, client_as):
    member = world.user("member")
    topic = _topic_with_posts(world, 3)
    client = client_as("member")
    page = client.get(f"/t/{topic.id}")
    assert "data-reading-report" in page.text
    token = csrf_token_from(page.text)

    first = client.post(
        f"/t/{topic.id}/reading",
        data={"highest_post_number": 99, "seconds": 50_000, "csrf_token": token},
    )
    second = client.post(
        f"/t/{topic.id}/reading",
        data={"highest_post_number": 2, "seconds": 60, "csrf_token": token},
    )

    assert first.status_code == 200
    # At most READING_REPORT_MAX_SECONDS at once, and no more than passed since.
    assert first.get_json() == {"credited_seconds": 120}
    assert second.get_json()["credited_seconds"] <= 1
    assert queries.posts_read(member) == 3  # clamped to the posts that exist
    assert queries.topics_entered(member) == 1
    assert queries.days_visited(member) == 1
    assert _stats(member).reading_seconds <= 121


def test_reading_report_is_refused_for_a_topic_the_member_cannot_read(world, client_as):
    topic = factories.make_topic(world.spaces["closed"], author=world.user("admin"))
    response = _post(
        client_as("member"), f"/t/{topic.id}/reading", {"highest_post_number": 1, "seconds": 10}
    )
    assert response.status_code == 404
    assert queries.topics_entered(world.user("member")) == 0


def test_showing_a_page_writes_nothing_but_replying_counts_the_visit(world, client_as):
    member = world.user("member")
    topic = _topic_with_posts(world, 2)
    client = client_as("member")
    client.get(f"/t/{topic.id}")
    assert queries.days_visited(member) == 0
    _post(client, f"/t/{topic.id}/reply", {"body": "Without JavaScript"})
    assert queries.days_visited(member) == 1


# --- promotion ----------------------------------------------------------------------------


def _read(member, topics, *, seconds_each):
    """Reports as the page would send them, spaced out in time."""
    for topic in topics:
        stats = _stats(member)
        if stats is not None:
            stats.last_read_report_at = utcnow() - timedelta(hours=1)
            db.session.commit()
        services.record_reading(
            member, topic, highest_post_number=topic.last_post_number, seconds=seconds_each
        )


def test_level_1_after_five_topics_thirty_posts_and_ten_minutes(world):
    member = world.user("member")
    topics = [_topic_with_posts(world, 6) for _ in range(5)]
    _read(member, topics[:4], seconds_each=120)
    assert member.trust_level == TrustLevel.NEW  # 4 topics, 24 posts, 8 minutes
    _read(member, topics[4:], seconds_each=120)
    assert member.trust_level == TrustLevel.BASIC


def test_level_2_needs_visits_replies_and_votes_given_and_received(world, app, monkeypatch):
    member = world.user("member")
    member.trust_level = TrustLevel.BASIC
    for name in ("DAYS_VISITED", "TOPICS_ENTERED", "POSTS_READ", "READING_MINUTES"):
        monkeypatch.setitem(app.config, f"TRUST_MEMBER_{name}", 1)
    topic = _topic_with_posts(world, 1)
    _read(member, [topic], seconds_each=90)
    assert member.trust_level == TrustLevel.BASIC  # no replies, no votes yet
    question = factories.make_topic(
        world.spaces["public"], author=world.user("admin"), kind=TopicKind.QUESTION
    )
    answers = [factories.make_reply(question, author=world.user("admin"))]
    for _ in range(3):
        other = factories.make_topic(world.spaces["public"], author=world.user("admin"))
        mine = factories.make_reply(other, author=member)
    answer_services.set_answer_vote(member, answers[0], is_voted=True)
    mine_answer = factories.make_reply(question, author=member)
    answer_services.set_answer_vote(world.user("closed_member"), mine_answer, is_voted=True)
    assert mine.author_id == member.id

    assert services.evaluate_member(member) == TrustLevel.MEMBER


def _visit_days(member, days):
    today = utcnow().date()
    db.session.add_all(MemberVisit(user_id=member.id, day=today - timedelta(days=n))
                       for n in range(days))  # fmt: skip
    db.session.commit()


def _replies_in_topics(world, member, count):
    for _ in range(count):
        topic = factories.make_topic(world.spaces["public"], author=world.user("admin"))
        factories.make_reply(topic, author=member)


def test_level_3_over_the_window_is_kept_fourteen_days_then_lost(world, app):
    member = world.user("member")
    member.trust_level = TrustLevel.MEMBER
    _visit_days(member, 49)
    _replies_in_topics(world, member, 10)
    assert services.evaluate_member(member, include_regular=True) is None  # 49 days
    _visit_days_from = utcnow().date() - timedelta(days=49)
    db.session.add(MemberVisit(user_id=member.id, day=_visit_days_from))
    db.session.commit()
    assert services.evaluate_member(member) is None  # the cheap check leaves level 3 be
    assert services.evaluate_member(member, include_regular=True) == TrustLevel.REGULAR

    # They stop visiting: the window no longer holds 50 days.
    db.session.execute(MemberVisit.__table__.delete().where(MemberVisit.user_id == member.id))
    db.session.commit()
    now = utcnow()
    assert (
        services.evaluate_member(member, include_regular=True, now=now + timedelta(days=13)) is None
    )  # kept 14 days
    assert (
        services.evaluate_member(member, include_regular=True, now=now + timedelta(days=14))
        == TrustLevel.MEMBER
    )


def test_flagged_posts_count_distinct_posts_flagged_in_the_window(world):
    author = world.user("member")
    space = world.spaces["public"]
    posts = [factories.first_post(factories.make_topic(space, author=author)) for _ in range(3)]
    flaggers = [factories.make_user(username=f"flagger{n}") for n in range(2)]
    now = utcnow()
    rows = [
        # Two flags on one post count it once.
        PostFlag(post_id=posts[0].id, flagger_id=flaggers[0].id, reason=FlagReason.SPAM),
        PostFlag(post_id=posts[0].id, flagger_id=flaggers[1].id, reason=FlagReason.SPAM),
        # A flag the moderators agreed with counts.
        PostFlag(
            post_id=posts[1].id,
            flagger_id=flaggers[0].id,
            reason=FlagReason.INAPPROPRIATE,
            resolved_at=now,
            outcome=FlagOutcome.AGREED,
        ),
        # One they turned down does not.
        PostFlag(
            post_id=posts[2].id,
            flagger_id=flaggers[0].id,
            reason=FlagReason.OFF_TOPIC,
            resolved_at=now,
            outcome=FlagOutcome.DISAGREED,
        ),
    ]
    db.session.add_all(rows)
    db.session.commit()
    assert queries.flagged_posts_count(author, since=now - timedelta(days=1)) == 2
    # Flags before the window do not count.
    assert queries.flagged_posts_count(author, since=now + timedelta(days=1)) == 0
    assert queries.flagged_posts_count(flaggers[0], since=now - timedelta(days=1)) == 0


def test_cli_re_evaluates_everyone_with_progress(app, world, monkeypatch):
    for name in ("TOPICS_ENTERED", "POSTS_READ", "READING_MINUTES"):
        monkeypatch.setitem(app.config, f"TRUST_BASIC_{name}", 0)
    result = app.test_cli_runner().invoke(args=["hearth", "trust-levels"])
    assert result.exit_code == 0, result.output
    assert "members evaluated" in result.output
    assert "to level 1" in result.output
    assert world.user("member").trust_level == TrustLevel.BASIC
    assert world.user("admin").trust_level >= TrustLevel.BASIC


# --- by hand ------------------------------------------------------------------------------


def test_admin_makes_a_leader_by_hand_audited_and_the_rules_leave_it(world, client_as):
    member = world.user("member")
    factories.make_topic(world.spaces["public"], author=member)  # known to staff
    response = _post(client_as("admin"), "/mod/members/member/trust-level", {"trust-level": "4"})
    assert response.status_code == 302
    assert member.trust_level == TrustLevel.LEADER
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.target_id == member.id))
    assert entry.action is AuditAction.MEMBER_TRUST_LEVEL
    assert entry.detail == "0->4"
    assert services.evaluate_member(member, include_regular=True) is None

    services.set_trust_level(world.user("admin"), member, level=TrustLevel.NEW)
    assert _stats(member).is_level_set_by_hand
    assert services.evaluate_member(member, include_regular=True) is None  # stays as set


def test_moderators_may_not_set_trust_levels(world, client_as):
    member = world.user("member")
    factories.make_topic(world.spaces["public"], author=member)
    response = _post(
        client_as("moderator"), "/mod/members/member/trust-level", {"trust-level": "4"}
    )
    assert response.status_code == 403
    assert member.trust_level == TrustLevel.NEW
    with pytest.raises(Forbidden):
        services.set_trust_level(world.user("moderator"), member, level=TrustLevel.LEADER)


@pytest.mark.parametrize(
    ("persona", "shown"),
    [
        ("employee", True),
        ("moderator", True),
        ("admin", True),
        ("member", False),
        ("anonymous", False),
        ("closed_member", False),
    ],
)
def test_trust_level_shows_on_the_profile_to_staff_only(world, client_as, persona, shown):
    member = world.user("member")
    factories.make_topic(world.spaces["public"], author=member)
    page = client_as(persona).get("/u/member").text
    assert ("Trust level" in page) is shown


# --- posting limits ----------------------------------------------------------------------


def test_new_members_may_put_two_links_in_a_post(world, client_as, real_limits):
    topic = _topic_with_posts(world, 1)
    body = "See [a](https://a.example), [b](https://b.example) and [c](https://c.example)"
    response = _post(client_as("member"), f"/t/{topic.id}/reply", {"body": body})
    assert response.status_code == 422
    assert "at most 2 links" in response.text
    assert body in response.text  # the text is kept
    assert db.session.scalar(select(func.count()).select_from(Post)) == 1
    world.user("member").trust_level = TrustLevel.BASIC
    db.session.commit()
    assert _post(client_as("member"), f"/t/{topic.id}/reply", {"body": body}).status_code == 302


def test_new_members_may_put_one_image_and_two_mentions(world, real_limits):
    member = world.user("member")
    topic = _topic_with_posts(world, 1)
    with pytest.raises(ValidationFailed, match="1 image"):
        factories.make_reply(topic, author=member, body="![a](/a.png) ![b](/b.png)")
    with pytest.raises(ValidationFailed, match="2 mentions"):
        factories.make_reply(topic, author=member, body="@admin @moderator @employee hello")
    factories.make_reply(topic, author=member, body="@admin @moderator hello")  # two is fine


def test_replies_wait_thirty_seconds_for_new_members_with_retry_after(
    world, client_as, real_limits
):
    topic = _topic_with_posts(world, 1)
    client = client_as("member")
    assert _post(client, f"/t/{topic.id}/reply", {"body": "First"}).status_code == 302
    response = _post(client, f"/t/{topic.id}/reply", {"body": "Second, too soon"})
    assert response.status_code == 429
    assert 0 < int(response.headers["Retry-After"]) <= 31
    assert "Second, too soon" in response.text
    assert "Wait 30 seconds between one reply and the next" in response.text


def test_the_interval_is_shorter_above_level_0_and_staff_wait_for_nothing(world, real_limits):
    member = world.user("member")
    member.trust_level = TrustLevel.BASIC
    topic = _topic_with_posts(world, 1)
    first = factories.make_reply(topic, author=member)
    first.created_at = utcnow() - timedelta(seconds=6)
    db.session.commit()
    factories.make_reply(topic, author=member)  # 5 s passed
    with pytest.raises(TooSoon):
        factories.make_reply(topic, author=member)
    admin = world.user("admin")
    factories.make_reply(topic, author=admin)
    factories.make_reply(topic, author=admin)


def test_topics_wait_two_minutes_for_new_members(world, real_limits):
    member = world.user("member")
    factories.make_topic(world.spaces["public"], author=member)
    with pytest.raises(TooSoon, match="120 seconds") as refusal:
        factories.make_topic(world.spaces["public"], author=member)
    assert 100 < refusal.value.retry_after <= 121


def test_first_day_caps_three_topics_for_new_members(world, real_limits, app, monkeypatch):
    monkeypatch.setitem(app.config, "TRUST_NEW_TOPIC_INTERVAL_SECONDS", 0)
    member = world.user("member")
    for _ in range(3):
        factories.make_topic(world.spaces["public"], author=member)
    with pytest.raises(TooSoon, match="first day") as refusal:
        factories.make_topic(world.spaces["public"], author=member)
    assert refusal.value.retry_after > 23 * 3600
    member.created_at = datetime.now(UTC) - timedelta(days=2)
    db.session.commit()
    factories.make_topic(world.spaces["public"], author=member)


def test_a_resubmitted_form_finds_its_post_before_any_limit(world, real_limits):
    member = world.user("member")
    topic = _topic_with_posts(world, 1)
    first = topic_services.reply_to_topic(member, topic, body="Once", submission_token="tok")
    again = topic_services.reply_to_topic(member, topic, body="Once", submission_token="tok")
    assert again.id == first.id


def test_wait_words_read_naturally():
    assert limits._wait_words(1) == "1 second"
    assert limits._wait_words(90) == "90 seconds"
    assert limits._wait_words(600) == "10 minutes"
    assert limits._wait_words(86_000) == "24 hours"


def test_the_demo_loader_switches_the_limits_off_and_back_on(app, world, real_limits):
    member = world.user("member")
    topic = _topic_with_posts(world, 1)
    with limits.posting_limits_off():
        factories.make_reply(topic, author=member)
        factories.make_reply(topic, author=member)
    assert app.config["TRUST_NEW_REPLY_INTERVAL_SECONDS"] == 30
    with pytest.raises(TooSoon):
        factories.make_reply(topic, author=member)


def test_the_staff_view_fetches_every_figure_in_one_statement_and_agrees(world, database):
    member = world.user("member")
    question = factories.make_topic(
        world.spaces["public"], author=world.user("admin"), kind=TopicKind.QUESTION
    )
    answer = factories.make_reply(question, author=member)
    answer_services.set_answer_vote(world.user("closed_member"), answer, is_voted=True)
    services.record_reading(member, question, highest_post_number=2, seconds=42)
    db.session.refresh(member)  # the commit expired it; its reload is not a figure

    with count_queries(database) as statements:
        stats = queries.trust_stats(member)
    assert len(statements) == 1
    assert (stats.days_visited, stats.topics_entered, stats.posts_read) == (
        queries.days_visited(member), queries.topics_entered(member), queries.posts_read(member),
    )  # fmt: skip
    assert (stats.topics_replied, stats.likes_given, stats.likes_received) == (1, 0, 1)
    assert stats.recent_days_visited == 1
    assert stats.is_level_set_by_hand is False
