"""The community health dashboard: figures computed by hand from small fixtures, the
page, its charts and CSV, bad input, the summary e-mail and the query budget.

Permissions of every figure (each persona against a recomputation over only what
they read) are in ``test_dashboard_permissions``.
"""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, select

from community.answers import services as answer_services
from community.answers.models import AnswerVote
from community.dashboard import attention, queries
from community.dashboard.attention import AttentionRules
from community.dashboard.models import SummarySubscription
from community.dashboard.periods import MAX_DAYS, Period
from community.database import utcnow
from community.errors import NotFound
from community.extensions import db
from community.ideas import services as idea_services
from community.ideas.models import Idea, IdeaStatus, IdeaVote
from community.invites.models import Invite, InviteUse
from community.moderation.models import FlagOutcome, FlagReason, PostFlag
from community.spaces import services as space_services
from community.spaces.models import IdeaBoard, JoinRequest, JoinRequestStatus
from community.topics.models import TopicKind
from tests import factories
from tests.conftest import count_queries, csrf_token_from, page_with_csrf_token
from tests.mail import sent_mail

# Four whole weeks in the past: Monday 5 October to Sunday 1 November 2026.
PERIOD = Period(date(2026, 10, 5), date(2026, 11, 1))
WEEKS = [date(2026, 10, 5), date(2026, 10, 12), date(2026, 10, 19), date(2026, 10, 26)]


def at(day: int, hour: int = 9, month: int = 10) -> datetime:
    return datetime(2026, month, day, hour, tzinfo=UTC)


def _scope(world, persona="admin", space=None) -> queries.Scope:
    return queries.Scope(viewer=world.user(persona), period=PERIOD, space=space)


def _question(world, moment, *, author="member", space="public", title=None):
    topic = factories.make_topic(
        world.spaces[space],
        author=world.user(author),
        kind=TopicKind.QUESTION,
        title=title or f"Question asked {moment:%d %b %H:%M}",
    )
    return factories.set_topic_time(topic, moment)


# --- respond ---------------------------------------------------------------------------


def test_respond_figures_match_a_hand_computed_fixture(world):
    employee, member = world.user("employee"), world.user("member")
    helper = factories.make_user(username="helper")
    q1 = _question(world, at(5))  # staff reply after 2 h, staff answer accepted
    staff_answer = factories.reply_at(q1, at(5, 11), author=employee)
    answer_services.accept_answer(member, q1, staff_answer)
    q2 = _question(world, at(7))  # staff reply after 30 h
    factories.reply_at(q2, at(8, 15), author=employee)
    q3 = _question(world, at(12, 10))  # no staff reply; a member's answer accepted
    member_answer = factories.reply_at(q3, at(12, 12), author=helper)
    answer_services.accept_answer(member, q3, member_answer)
    q4 = _question(world, at(20))  # staff reply after 10 h
    factories.reply_at(q4, at(20, 19), author=employee)
    _question(world, at(1, 9, month=11))  # Sunday 1 November: waiting still
    _question(world, at(2, 9, month=11))  # after the period
    _question(world, at(6), space="closed", author="admin")  # not in the employee's spaces

    figures = queries.respond_section(_scope(world, "employee")).questions

    assert figures.asked == 5
    assert figures.answered_by_staff == 3  # waits of 2, 30 and 10 hours
    assert figures.answered_within_24h == 2
    assert figures.median_first_staff_reply == timedelta(hours=10)
    assert figures.p90_first_staff_reply == timedelta(hours=26)  # 10 + 0.8 * (30 - 10)
    assert figures.share_answered_within_24h == pytest.approx(2 / 5)
    assert figures.solved == 2
    assert figures.share_solved == pytest.approx(2 / 5)
    week = figures.weeks[WEEKS[0]]  # q1 and q2
    assert (week.asked, week.answered_by_staff, week.answered_within_24h, week.solved) == (
        2,
        2,
        1,
        1,
    )
    assert week.median_first_staff_reply == timedelta(hours=16)  # (2 + 30) / 2
    assert week.p90_first_staff_reply == timedelta(hours=27.2)  # 2 + 0.9 * (30 - 2)
    assert figures.weeks[WEEKS[1]].asked == 1
    assert figures.weeks[WEEKS[1]].median_first_staff_reply is None
    assert figures.weeks[WEEKS[2]].median_first_staff_reply == timedelta(hours=10)
    assert figures.per_week == {WEEKS[0]: 2, WEEKS[1]: 1, WEEKS[2]: 1, WEEKS[3]: 1}


def test_questions_waiting_now_counts_the_open_ones_and_the_oldest(world):
    now = utcnow()
    oldest = _question(world, now - timedelta(days=3))
    _question(world, now - timedelta(hours=2))
    answered = _question(world, now - timedelta(days=5))
    factories.reply_at(answered, now - timedelta(days=4), author=world.user("employee"))
    _question(world, now - timedelta(days=9), space="closed", author="admin")

    waiting = queries.respond_section(_scope(world, "employee")).waiting

    assert waiting.count == 2
    assert waiting.oldest_asked_at == oldest.created_at
    assert queries.respond_section(_scope(world, "admin")).waiting.count == 3


# --- listen ----------------------------------------------------------------------------


def test_listen_figures_match_a_hand_computed_fixture(world):
    public, employee_space = world.spaces["public"], world.spaces["employee"]
    factories.make_tags("lamps", "hubs")
    ann, bob = factories.make_user(username="ann"), factories.make_user(username="bob")
    cid = factories.make_user(username="cid")
    employee, old_hand = world.user("employee"), world.user("member")
    # old_hand posted before the period: active in it, but not new.
    before = factories.make_topic(public, author=old_hand, title="Before the period")
    factories.set_topic_time(before, at(20, 9, month=9))
    t1 = factories.make_topic(public, author=ann, title="Ann's first topic", tags="lamps")
    factories.set_topic_time(t1, at(6))
    factories.reply_at(t1, at(6, 12), author=bob)  # Bob's first post
    factories.reply_at(t1, at(7, 9), author=cid)  # Cid posts twice within a day only
    factories.reply_at(t1, at(7, 20), author=cid)
    factories.reply_at(t1, at(14), author=ann)  # Ann comes back 8 days later
    factories.reply_at(t1, at(14, 10), author=old_hand)
    t2 = factories.make_topic(employee_space, author=employee, title="Staff notes", tags="lamps")
    factories.set_topic_time(t2, at(13))
    factories.reply_at(t2, at(27), author=employee)
    t3 = factories.make_topic(public, author=bob, title="Bob asks again", tags="hubs")
    factories.set_topic_time(t3, at(6, 18))
    factories.reply_at(t3, at(6, 20), author=ann)
    factories.reply_at(before, at(19), author=bob)  # Bob comes back on the 19th

    section = queries.listen_section(_scope(world, "employee"))

    public_kind, employee_kind = public.visibility, employee_space.visibility
    assert section.kinds == [public_kind, employee_kind]  # the employee reads no closed space
    assert section.weeks[WEEKS[0]].topics == {public_kind: 2}  # t1, t3
    assert section.weeks[WEEKS[1]].topics == {employee_kind: 1}  # t2
    assert section.weeks[WEEKS[0]].replies == {public_kind: 4}  # Bob, Cid twice, Ann on t3
    assert section.weeks[WEEKS[1]].replies == {public_kind: 2}  # Ann and old_hand on t1
    assert section.weeks[WEEKS[2]].replies == {public_kind: 1}  # Bob on "before"
    assert section.weeks[WEEKS[3]].replies == {employee_kind: 1}
    assert (section.topics, section.replies) == (3, 8)
    assert [section.weeks[w].active_members for w in WEEKS] == [3, 3, 1, 1]
    assert section.active_members == 5  # Ann, Bob, Cid, old_hand, the employee
    # New in the period: Ann, Bob, Cid (week 1), the employee (week 2). Ann, Bob and
    # the employee posted again a day or more after their first post; Cid did not.
    assert [section.weeks[w].new_members for w in WEEKS] == [3, 1, 0, 0]
    assert section.new_members == 4
    assert section.came_back == 3
    assert section.share_came_back == pytest.approx(3 / 4)
    # Posts in the period in tagged topics: t1 (6) and t2 (2) are "lamps", t3 "hubs".
    assert section.busiest_tags == [("lamps", 8), ("hubs", 2)]


def test_listen_counts_votes_as_activity(world):
    public = world.spaces["public"]
    public.idea_board = IdeaBoard.ALONGSIDE
    author, voter = world.user("member"), factories.make_user(username="quietvoter")
    idea = factories.make_topic(public, author=author, kind=TopicKind.IDEA, title="An idea here")
    factories.set_topic_time(idea, at(1, 9, month=9))
    idea_services.set_idea_vote(voter, idea, is_voted=True)
    db.session.execute(
        IdeaVote.__table__.update().where(IdeaVote.user_id == voter.id).values(created_at=at(21))
    )
    question = _question(world, at(1, 9, month=9), author="admin")
    answer = factories.reply_at(question, at(2, 9, month=9), author=author)
    answer_services.set_answer_vote(
        factories.make_user(username="answervoter"), answer, is_voted=True
    )
    db.session.execute(AnswerVote.__table__.update().values(created_at=at(28)))
    db.session.commit()

    section = queries.listen_section(_scope(world))

    assert [section.weeks[w].active_members for w in WEEKS] == [0, 0, 1, 1]
    assert section.new_members == 0  # votes are not first posts


# --- co-create ---------------------------------------------------------------------------


def test_cocreate_figures_match_a_hand_computed_fixture(world):
    public, closed = world.spaces["public"], world.spaces["closed"]
    public.idea_board = closed.idea_board = IdeaBoard.ALONGSIDE
    employee, author = world.user("employee"), world.user("member")
    shipped = factories.make_topic(public, author=author, kind=TopicKind.IDEA, title="Ship it")
    planned_declined = factories.make_topic(
        public, author=author, kind=TopicKind.IDEA, title="Planned then declined"
    )
    waiting = factories.make_topic(public, author=author, kind=TopicKind.IDEA, title="Waiting")
    duplicate = factories.make_topic(public, author=author, kind=TopicKind.IDEA, title="Again")
    hidden = factories.make_topic(closed, author=world.user("admin"), kind=TopicKind.IDEA)
    for status in (IdeaStatus.UNDER_REVIEW, IdeaStatus.PLANNED, IdeaStatus.SHIPPED):
        idea_services.set_idea_status(employee, shipped, status=status)
    idea_services.set_idea_status(employee, planned_declined, status=IdeaStatus.PLANNED)
    idea_services.set_idea_status(employee, planned_declined, status=IdeaStatus.DECLINED)
    idea_services.merge_idea(employee, duplicate, shipped)
    for topic, posted in ((shipped, at(5)), (planned_declined, at(6)), (waiting, at(20))):
        factories.set_topic_time(topic, posted)
    factories.set_topic_time(duplicate, at(21))
    factories.set_topic_time(hidden, at(7))
    rows = {topic.id: db.session.get(Idea, topic.id) for topic in (shipped, planned_declined)}
    rows[shipped.id].first_response_at = at(7)  # 2 days
    rows[shipped.id].shipped_at = at(25)  # 20 days
    rows[planned_declined.id].first_response_at = at(12)  # 6 days
    db.session.get(Idea, duplicate.id).first_response_at = at(22)  # 1 day
    db.session.commit()

    figures = queries.cocreate_section(_scope(world, "employee"))

    assert figures.ideas_per_month == {"2026-10": 4}
    assert figures.shipped_per_month == {"2026-10": 1}
    assert figures.posted == 4
    assert figures.ideas_per_status == {"shipped": 1, "declined": 1, "open": 1, "duplicate": 1}
    # Merged ideas are left out of the funnel; planned-then-declined reached "planned".
    assert figures.funnel == {
        IdeaStatus.OPEN: 3,
        IdeaStatus.UNDER_REVIEW: 2,
        IdeaStatus.PLANNED: 2,
        IdeaStatus.IN_PROGRESS: 1,
        IdeaStatus.SHIPPED: 1,
    }
    assert figures.with_response == 3
    assert figures.share_with_response == pytest.approx(3 / 4)
    assert figures.median_days_to_first_response == pytest.approx(2)  # of 2, 6 and 1 days
    assert figures.median_days_to_shipped == pytest.approx(20)


# --- community ---------------------------------------------------------------------------


def test_community_figures_match_a_hand_computed_fixture(world):
    public, closed = world.spaces["public"], world.spaces["closed"]
    employee, asker = world.user("employee"), world.user("member")
    helper = factories.make_user(username="helper", display_name="Hattie Helper")
    regular = factories.make_user(username="regular", display_name="Rae Regular")
    for moment, answerer in ((at(5), helper), (at(6), employee), (at(13), helper)):
        question = _question(world, moment)
        answer = factories.reply_at(question, moment + timedelta(hours=1), author=answerer)
        answer_services.accept_answer(asker, question, answer)
        question.accepted_at = moment + timedelta(hours=2)
    discussion = factories.make_topic(public, author=regular, title="Regular's thoughts")
    factories.set_topic_time(discussion, at(14))
    factories.reply_at(discussion, at(15), author=regular)
    factories.reply_at(discussion, at(16), author=employee)  # staff: never a top contributor
    invite = Invite(token_hash="a" * 64, spaces=[closed], expires_at=at(30), created_at=at(8))
    old_invite = Invite(token_hash="b" * 64, spaces=[closed], expires_at=at(30), created_at=at(1))
    db.session.add_all([invite, old_invite])
    db.session.flush()
    for index, moment in enumerate((at(9), at(10), at(2, month=11))):
        joiner = factories.make_user(username=f"joiner{index}")
        db.session.add(
            InviteUse(invite=old_invite if index else invite, user=joiner, used_at=moment)
        )
    requests = [
        (at(6), at(7), JoinRequestStatus.APPROVED),  # decided in 1 day
        (at(8), at(11), JoinRequestStatus.DECLINED),  # 3 days
        (at(9), at(14), JoinRequestStatus.APPROVED),  # 5 days
        (at(20), None, JoinRequestStatus.PENDING),
    ]
    for index, (asked, decided, status) in enumerate(requests):
        db.session.add(
            JoinRequest(
                space=closed,
                user=factories.make_user(username=f"asker{index}"),
                created_at=asked,
                decided_at=decided,
                status=status,
            )
        )
    db.session.commit()

    section = queries.community_section(_scope(world, "admin"))

    assert (section.accepted_by_members, section.accepted_by_staff) == (2, 1)
    assert section.share_accepted_by_members == pytest.approx(2 / 3)
    assert section.accepted[WEEKS[0]].by_members == 1
    assert section.accepted[WEEKS[0]].by_staff == 1
    assert section.accepted[WEEKS[1]].by_members == 1
    # Posts in the period: the member asked 3 questions, Hattie answered 2 (both
    # accepted), Rae wrote 2 posts; the employee is staff and left out.
    assert [(c.username, c.posts, c.accepted_answers) for c in section.top_contributors] == [
        ("member", 3, 0),
        ("helper", 2, 2),
        ("regular", 2, 0),
    ]
    assert section.invites_made == 1  # the old one was made before the period
    assert section.invite_joins == 2  # the third use came after it
    assert section.join_requests.asked == 4
    assert (section.join_requests.approved, section.join_requests.declined) == (2, 1)
    assert section.join_requests.pending == 1
    assert section.join_requests.median_days_to_decision == pytest.approx(3)
    # The employee reads no closed space: its invites and requests are not theirs.
    staff_view = queries.community_section(_scope(world, "employee"))
    assert (staff_view.invites_made, staff_view.invite_joins, staff_view.join_requests.asked) == (
        0,
        0,
        0,
    )


# --- needs attention ---------------------------------------------------------------------


def test_needs_attention_lists_what_waits_too_long(world):
    public, closed = world.spaces["public"], world.spaces["closed"]
    public.idea_board = IdeaBoard.ALONGSIDE
    now = utcnow()
    late = _question(world, now - timedelta(hours=30), title="Waiting thirty hours")
    _question(world, now - timedelta(hours=5), title="Asked this morning")
    popular = factories.make_topic(
        public, author=world.user("member"), kind=TopicKind.IDEA, title="Popular idea"
    )
    answered_popular = factories.make_topic(
        public, author=world.user("member"), kind=TopicKind.IDEA, title="Answered idea"
    )
    for number in range(4):
        voter = factories.make_user(username=f"voter{number}")
        idea_services.set_idea_vote(voter, popular, is_voted=True)
        idea_services.set_idea_vote(voter, answered_popular, is_voted=True)
    idea_services.set_idea_status(
        world.user("employee"), answered_popular, status=IdeaStatus.PLANNED
    )
    closed.accepts_join_requests = True
    old = JoinRequest(
        space=closed,
        user=factories.make_user(username="patient"),
        created_at=now - timedelta(days=4),
    )
    new = JoinRequest(
        space=closed, user=factories.make_user(username="eager"), created_at=now - timedelta(days=1)
    )
    db.session.add_all([old, new])
    db.session.commit()
    rules = AttentionRules(response_target=timedelta(hours=24), idea_votes=5)

    groups = {g.kind: g for g in attention.needs_attention(_scope(world, "admin"), rules)}

    assert [item.title for item in groups["questions"].items] == ["Waiting thirty hours"]
    assert groups["questions"].items[0].values == {"topic_id": late.id}
    assert [item.title for item in groups["ideas"].items] == ["Popular idea"]  # 5 votes
    assert groups["join_requests"].total == 1
    assert groups["join_requests"].items[0].values == {"slug": closed.slug}
    # The target is a setting: at 48 hours nothing waits too long.
    later = attention.needs_attention(
        _scope(world, "admin"), AttentionRules(response_target=timedelta(hours=48))
    )
    assert later[0].total == 0
    # Join requests are listed to those who decide them: not to an employee.
    staff_groups = {g.kind: g for g in attention.needs_attention(_scope(world, "employee"), rules)}
    assert staff_groups["join_requests"].total == 0
    assert staff_groups["questions"].total == 1


def test_needs_attention_lists_flagged_posts_to_those_who_decide_them(world):
    now = utcnow()
    flaggers = [factories.make_user(username=f"flagger{n}", trust_level=1) for n in range(3)]

    def flagged(space, title, *, count, resolved=False, author="member"):
        topic = factories.make_topic(world.spaces[space], author=world.user(author), title=title)
        post = factories.first_post(topic)
        for number, flagger in enumerate(flaggers[:count]):
            db.session.add(
                PostFlag(
                    post_id=post.id,
                    flagger_id=flagger.id,
                    reason=FlagReason.SPAM,
                    created_at=now - timedelta(hours=10 - number),
                    resolved_at=now if resolved else None,
                    outcome=FlagOutcome.DISAGREED if resolved else None,
                )
            )
        return post

    public_post = flagged("public", "Flagged in public", count=2)
    flagged("public", "Flags already decided", count=3, resolved=True)
    flagged("employee", "Flagged among staff", count=1, author="employee")
    db.session.commit()

    groups = {
        g.kind: g for g in attention.needs_attention(_scope(world, "admin"), AttentionRules())
    }
    flags = groups["flags"]
    assert flags.total == 2
    assert [item.title for item in flags.items] == ["Flagged in public", "Flagged among staff"]
    first = flags.items[0]
    assert (first.endpoint, first.anchor) == ("review.index", f"flagged-{public_post.id}")
    assert first.note == f"2 flags in {world.spaces['public'].name}"
    assert first.since == now - timedelta(hours=10)  # the oldest open flag
    # The space filter narrows it like every other item.
    in_public = attention.flagged_posts_waiting(
        _scope(world, "admin", space=world.spaces["public"]), AttentionRules()
    )
    assert in_public.total == 1
    # An employee who moderates nothing decides no flags: nothing is listed to them.
    employee = attention.flagged_posts_waiting(_scope(world, "employee"), AttentionRules())
    assert employee.total == 0


def test_needs_attention_shows_the_first_items_and_counts_the_rest(world):
    now = utcnow()
    for number in range(attention.ITEMS_PER_GROUP + 3):
        _question(world, now - timedelta(days=2, minutes=number), title=f"Old question {number}")
    group = attention.needs_attention(_scope(world), AttentionRules())[0]
    assert len(group.items) == attention.ITEMS_PER_GROUP
    assert group.total == attention.ITEMS_PER_GROUP + 3
    assert group.items[0].title == f"Old question {attention.ITEMS_PER_GROUP + 2}"  # oldest first


# --- who may see it ------------------------------------------------------------------------

STAFF = ("employee", "admin")


@pytest.mark.parametrize(
    "persona", ["unconfirmed", "member", "closed_member", "space_moderator", "moderator"]
)
def test_dashboard_export_and_charts_are_404_for_members(client_as, persona):
    client = client_as(persona)
    for path in ("/dashboard", "/dashboard/export.csv", "/dashboard/charts/respond.svg"):
        assert client.get(path).status_code == 404, path


def test_dashboard_sends_visitors_to_sign_in(client_as):
    response = client_as("anonymous").get("/dashboard")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


def test_dashboard_queries_refuse_non_staff(world):
    with pytest.raises(NotFound):
        queries.dashboard(_scope(world, "moderator"))
    with pytest.raises(NotFound):
        attention.needs_attention(_scope(world, "member"), AttentionRules())


@pytest.mark.parametrize("persona", STAFF)
def test_dashboard_shows_four_sections_with_charts_and_tables(client_as, persona):
    page = client_as(persona).get("/dashboard")
    assert page.status_code == 200
    html = page.text
    for heading in ("Needs attention", "Respond", "Listen", "Co-create", "Community"):
        assert f">{heading}</h2>" in html
    charts = re.findall(r'<img src="(/dashboard/charts/(\w+)\.svg\?[^"]+)"', html)
    assert [name for _, name in charts] == ["respond", "listen", "cocreate", "community"]
    assert html.count("<table") >= 4
    assert "The numbers are in the table beside it." in html


def test_space_filter_404s_for_a_space_the_viewer_cannot_read(client_as, world):
    client = client_as("employee")
    for path in ("/dashboard", "/dashboard/export.csv", "/dashboard/charts/listen.svg"):
        assert client.get(f"{path}?space=inner-circle").status_code == 404
        assert client.get(f"{path}?space=no-such-space").status_code == 404
        assert client.get(f"{path}?space=staff-lounge").status_code == 200


def test_space_filter_counts_only_that_space(world, client_as):
    _question(world, utcnow() - timedelta(days=1), title="Public one")
    _question(world, utcnow() - timedelta(days=1), space="employee", author="employee")
    client = client_as("employee")
    rows = _csv(client.get("/dashboard/export.csv?space=staff-lounge").text)
    assert rows[("respond", "questions asked", "", _whole_default())] == "1"
    rows = _csv(client.get("/dashboard/export.csv").text)
    assert rows[("respond", "questions asked", "", _whole_default())] == "2"


# --- bad input -----------------------------------------------------------------------------


def _whole_default() -> str:
    default = Period.default(utcnow().date())
    return f"{default.first_day.isoformat()}/{default.last_day.isoformat()}"


@pytest.mark.parametrize(
    ("query", "field", "message"),
    [
        ("since=2026-10-20&until=2026-10-01", "until", "The last day comes before the first."),
        ("since=yesterday", "since", "Give the day as 2026-01-31."),
        ("until=2026-13-45", "until", "Give the day as 2026-01-31."),
        ("since=2020-01-01&until=2022-06-01", "since", f"at most two years ({MAX_DAYS} days)"),
        ("until=2999-01-01", "until", "The last day is after today."),
        ("until=0001-01-05", "since", "Give the first day too."),
    ],
)
def test_bad_range_says_why_and_shows_the_default_range(client_as, query, field, message):
    client = client_as("employee")
    response = client.get(f"/dashboard?{query}")
    assert response.status_code == 422
    error = re.search(rf'<p class="error" id="{field}-error">([^<]+)</p>', response.text)
    assert error, response.text
    assert message in error.group(1)
    assert "The last four weeks are shown instead." in error.group(1)
    assert Period.default(utcnow().date()).label in response.text
    # What was typed stays in the fields.
    for part in query.split("&"):
        name, typed = part.split("=")
        assert f'name="{name}" type="date" value="{typed}"' in response.text
    assert client.get(f"/dashboard/export.csv?{query}").status_code == 422
    assert message in client.get(f"/dashboard/export.csv?{query}").text


def test_two_years_exactly_is_accepted(client_as):
    today = utcnow().date()
    first = today - timedelta(days=MAX_DAYS - 1)
    response = client_as("admin").get(f"/dashboard?since={first.isoformat()}")
    assert response.status_code == 200


# --- export and charts ---------------------------------------------------------------------


def _csv(text: str) -> dict:
    reader = csv.reader(io.StringIO(text))
    assert next(reader) == ["section", "figure", "subject", "period", "value"]
    return {tuple(row[:4]): row[4] for row in reader}


def test_csv_export_holds_the_figures_of_the_period(world, client_as):
    now = utcnow()
    question = _question(world, now - timedelta(days=2))
    factories.reply_at(
        question, now - timedelta(days=2) + timedelta(hours=3), author=world.user("employee")
    )

    response = client_as("employee").get("/dashboard/export.csv")

    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    default = Period.default(now.date())
    assert (
        f'attachment; filename="community-health-{default.first_day}-{default.last_day}.csv"'
        == response.headers["Content-Disposition"]
    )
    rows = _csv(response.text)
    whole = _whole_default()
    assert rows[("respond", "questions asked", "", whole)] == "1"
    assert rows[("respond", "median hours to first staff reply", "", whole)] == "3.0"
    assert rows[("respond", "share answered by staff within 24 hours", "", whole)] == "1.0"
    assert ("listen", "active members", "", whole) in rows
    assert ("cocreate", "ideas by status now", "shipped", whole) in rows
    assert ("community", "join requests", "", whole) in rows
    weeks = [key[3] for key in rows if key[:2] == ("respond", "questions asked")]
    assert weeks[1:] == [monday.isoformat() for monday in default.weeks]


def test_csv_export_defuses_spreadsheet_formulas_in_names(world, client_as):
    schemer = factories.make_user(username="schemer", display_name='=HYPERLINK("http://x")')
    topic = factories.make_topic(world.spaces["public"], author=schemer, title="Hello there all")
    factories.set_topic_time(topic, utcnow() - timedelta(days=1))

    text = client_as("admin").get("/dashboard/export.csv").text

    assert "'=HYPERLINK" in text
    assert ",=HYPERLINK" not in text
    assert ',"=HYPERLINK' not in text


def test_chart_is_svg_without_script_and_its_style_carries_the_nonce(client_as):
    for name in ("respond", "listen", "cocreate", "community"):
        response = client_as("employee").get(f"/dashboard/charts/{name}.svg")
        assert response.status_code == 200
        assert response.mimetype == "image/svg+xml"
        svg = response.text
        assert "<script" not in svg
        assert "tooltip-overlay" not in svg
        nonce = re.search(r"'nonce-([^']+)'", response.headers["Content-Security-Policy"]).group(1)
        assert f"style-src 'self' 'nonce-{nonce}'" in response.headers["Content-Security-Policy"]
        assert f'<style type="text/css" nonce="{nonce}">' in svg


def test_pages_other_than_charts_allow_no_inline_style(client_as):
    policy = client_as("employee").get("/dashboard").headers["Content-Security-Policy"]
    assert "style-src 'self';" in policy


# --- the weekly summary ----------------------------------------------------------------------


def _post(client, url, data):
    token = csrf_token_from(page_with_csrf_token(client, "/dashboard"))
    return client.post(url, data={**data, "csrf_token": token})


def test_staff_opt_in_and_out_of_the_weekly_summary(client_as, world):
    client = client_as("employee")
    employee = world.user("employee")

    assert _post(client, "/dashboard/summary", {"value": "on"}).status_code == 302
    assert _post(client, "/dashboard/summary", {"value": "on"}).status_code == 302  # harmless
    assert db.session.get(SummarySubscription, employee.id) is not None
    assert "Stop the weekly summary e-mail" in client.get("/dashboard").text

    assert _post(client, "/dashboard/summary", {"value": "off"}).status_code == 302
    assert db.session.get(SummarySubscription, employee.id) is None
    assert _post(client, "/dashboard/summary", {"value": "maybe"}).status_code == 400


def test_members_cannot_opt_in(client_as, world):
    client = client_as("moderator")
    token = csrf_token_from(page_with_csrf_token(client, "/"))
    response = client.post("/dashboard/summary", data={"value": "on", "csrf_token": token})
    assert response.status_code == 404
    assert db.session.scalar(select(func.count()).select_from(SummarySubscription)) == 0


def test_weekly_summary_goes_to_staff_who_asked_with_their_figures_only(app, world):
    employee, admin = world.user("employee"), world.user("admin")
    demoted = factories.make_user(username="formerstaff")
    for user in (employee, admin, demoted):
        db.session.add(SummarySubscription(user_id=user.id))
    factories.make_tags("everyone")
    closed_tag_topic = factories.make_topic(
        world.spaces["closed"], author=admin, title="Council secrets", tags="councilonly"
    )
    today = utcnow().date()
    last_week = Period.week_before(today)
    factories.set_topic_time(closed_tag_topic, last_week.start + timedelta(days=1))
    public_topic = factories.make_topic(
        world.spaces["public"], author=world.user("member"), title="Open talk", tags="everyone"
    )
    factories.set_topic_time(public_topic, last_week.start + timedelta(days=2))
    db.session.commit()

    result = app.test_cli_runner().invoke(args=["hearth", "send-weekly-summary"])

    assert result.exit_code == 0, result.output
    assert "Sent 2, skipped 1." in result.output
    mails = {message.to: message for message in sent_mail(app)}
    assert set(mails) == {employee.email, admin.email}
    assert "everyone (1)" in mails[employee.email].body
    assert "councilonly" not in mails[employee.email].body
    assert "councilonly (1)" in mails[admin.email].body  # admins read the closed space
    assert "http://localhost/dashboard" in mails[employee.email].body
    assert f"week of {last_week.first_day:%-d %B %Y}" in mails[employee.email].subject

    again = app.test_cli_runner().invoke(args=["hearth", "send-weekly-summary"])
    assert "Sent 0, skipped 1." in again.output  # nobody gets the same week twice
    assert len(sent_mail(app)) == 2


def test_weekly_summary_for_another_week_is_sent_again(app, world):
    db.session.add(SummarySubscription(user_id=world.user("employee").id))
    db.session.commit()
    runner = app.test_cli_runner()
    runner.invoke(args=["hearth", "send-weekly-summary", "--today", "2026-11-10"])
    result = runner.invoke(args=["hearth", "send-weekly-summary", "--today", "2026-11-17"])
    assert "Sent 1, skipped 0." in result.output
    assert [m.subject for m in sent_mail(app)] == [
        "Community health, week of 2 November 2026",
        "Community health, week of 9 November 2026",
    ]


# --- query budget ----------------------------------------------------------------------------


def test_dashboard_query_count_does_not_grow_with_the_data(client_as, database, world):
    public = world.spaces["public"]
    public.idea_board = IdeaBoard.ALONGSIDE
    db.session.commit()
    client = client_as("employee")
    made = 0
    now = utcnow()

    def measure(total: int) -> dict[str, int]:
        nonlocal made
        for number in range(made, total):
            author = factories.make_user(username=f"poster{number}")
            question = _question(world, now - timedelta(days=2 + number % 20), author="member")
            factories.reply_at(question, now - timedelta(days=1), author=author)
            factories.make_tags(f"tag{number}")
            idea = factories.make_topic(
                public,
                author=author,
                kind=TopicKind.IDEA,
                title=f"Idea number {number}",
                tags=f"tag{number}",
            )
            factories.set_topic_time(idea, now - timedelta(days=number % 25))
        made = total
        counts = {}
        for path in ("/dashboard", "/dashboard/export.csv", "/dashboard/charts/listen.svg"):
            client.get(path)  # warm: the session's own first queries are not the page's
            with count_queries(database) as statements:
                assert client.get(path).status_code == 200
            counts[path] = len(statements)
        return counts

    few, many = measure(5), measure(40)
    assert few == many, (few, many)
    # 29 today: four sections, needs attention, the space list, the viewer.
    assert few["/dashboard"] <= 32


def test_unfiltered_dashboard_shows_nothing_of_a_closed_space_to_staff_outside_it(
    app, world, client_as
):
    closed, admin = world.spaces["closed"], world.user("admin")
    insider = factories.make_user(username="zedinsider", display_name="Zed Canaryclosed")
    factories.make_tags("canaryclosedtag")
    space_services.add_member(admin, closed, insider)
    secret = factories.make_topic(
        closed, author=insider, kind=TopicKind.QUESTION, title="CANARYCLOSED waiting question",
        tags="canaryclosedtag",
    )  # fmt: skip
    factories.set_topic_time(secret, utcnow() - timedelta(days=2))
    for persona, sees in (("employee", False), ("admin", True)):
        client = client_as(persona)
        surfaces = [
            client.get("/dashboard").text,
            client.get("/dashboard/export.csv").text,
            *(client.get(f"/dashboard/charts/{name}.svg").text for name in ("respond", "listen")),
        ]
        for canary in ("CANARYCLOSED", "Canaryclosed", "canaryclosedtag"):
            assert any(canary in text for text in surfaces) is sees, (persona, canary)
