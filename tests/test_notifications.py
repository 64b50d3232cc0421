"""In-app notifications and topic watch levels.

Who is told: the topic's author of replies (unless muted), watchers of every post,
the answerer when their answer is accepted, followers of ideas (``test_ideas``).
Never the actor, never someone who may not read the topic, at sending or showing.
"""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from community.accounts import services as account_services
from community.answers import services as answer_services
from community.extensions import db
from community.notifications import queries as notification_queries
from community.notifications import services as notification_services
from community.notifications.models import (
    Notification,
    NotificationKind,
    SpaceWatch,
    TopicWatch,
    WatchLevel,
)
from community.spaces import services as space_services
from community.topics import services as topic_services
from community.topics.models import Post, TopicKind
from tests import factories
from tests.conftest import count_queries, csrf_token_from, page_with_csrf_token


def kinds_for(user) -> list[NotificationKind]:
    return list(
        db.session.scalars(
            select(Notification.kind)
            .where(Notification.user_id == user.id)
            .order_by(Notification.id)
        )
    )


def set_level(topic, user, level: WatchLevel) -> None:
    db.session.add(TopicWatch(topic_id=topic.id, user_id=user.id, level=level))
    db.session.commit()


def test_a_reply_notifies_the_topics_author_and_not_the_replier(world):
    author, replier = world.user("member"), world.user("closed_member")
    topic = factories.make_topic(world.spaces["public"], author=author)
    post = factories.make_reply(topic, author=replier)
    factories.make_reply(topic, author=author)  # replying in one's own topic: no news

    notification = db.session.scalar(select(Notification).where(Notification.user_id == author.id))
    assert notification.kind is NotificationKind.REPLY
    assert (notification.topic_id, notification.post_id) == (topic.id, post.id)
    assert notification.actor_id == replier.id
    assert kinds_for(replier) == []


def test_watchers_hear_of_every_post_and_muted_authors_of_none(world):
    author, watcher, replier = (
        world.user("member"), world.user("employee"), world.user("closed_member")
    )  # fmt: skip
    topic = factories.make_topic(world.spaces["public"], author=author)
    set_level(topic, watcher, WatchLevel.WATCHING)
    set_level(topic, author, WatchLevel.MUTED)
    factories.make_reply(topic, author=replier)

    assert kinds_for(watcher) == [NotificationKind.WATCHED_POST]
    assert kinds_for(author) == []


def test_an_author_who_watches_is_told_once_per_reply(world):
    author = world.user("member")
    topic = factories.make_topic(world.spaces["public"], author=author)
    set_level(topic, author, WatchLevel.WATCHING)
    factories.make_reply(topic, author=world.user("admin"))
    # Once, as the more particular news: a reply to them (their e-mail choice for
    # replies applies, not the one for watched topics).
    assert kinds_for(author) == [NotificationKind.REPLY]


def test_watchers_who_cannot_read_the_space_are_not_told(world):
    closed = world.spaces["closed"]
    outsider = world.user("member")
    topic = factories.make_topic(closed, author=world.user("admin"))
    # A row left from when the outsider was a member.
    set_level(topic, outsider, WatchLevel.WATCHING)
    factories.make_reply(topic, author=world.user("closed_member"))
    assert kinds_for(outsider) == []


def test_accepted_answer_notifies_its_author(world):
    asker, answerer = world.user("member"), world.user("closed_member")
    question = factories.make_topic(world.spaces["public"], author=asker, kind=TopicKind.QUESTION)
    answer = factories.make_reply(question, author=answerer)
    answer_services.accept_answer(asker, question, answer)
    answer_services.accept_answer(asker, question, answer)  # again: no second notice
    assert kinds_for(answerer) == [NotificationKind.ANSWER_ACCEPTED]


def test_header_shows_the_unread_count_and_marking_read_clears_it(world, client_as):
    member = world.user("member")
    topic = factories.make_topic(world.spaces["public"], author=member, title="My topic here")
    factories.make_reply(topic, author=world.user("admin"))
    factories.make_reply(topic, author=world.user("employee"))
    client = client_as("member")

    page = client.get("/").text
    assert 'aria-label="2 unread"' in page
    listing = client.get("/notifications").text
    assert listing.count("replied to <strong>My topic here</strong>") == 2

    first = db.session.scalar(select(Notification.id).where(Notification.user_id == member.id))
    response = client.post(
        f"/notifications/{first}/read",
        data={"csrf_token": csrf_token_from(listing)},
        headers={"Accept": "application/json"},
    )
    assert response.get_json() == {"unread": 1}
    client.post("/notifications/read", data={"csrf_token": csrf_token_from(listing)})
    assert "unread" not in client.get("/").text.split("</header>")[0]


def test_nobody_marks_someone_elses_notification(world, client_as):
    topic = factories.make_topic(world.spaces["public"], author=world.user("member"))
    factories.make_reply(topic, author=world.user("admin"))
    theirs = db.session.scalar(
        select(Notification).where(Notification.user_id == world.user("member").id)
    )
    client = client_as("employee")
    page = client.get("/notifications").text
    response = client.post(
        f"/notifications/{theirs.id}/read", data={"csrf_token": csrf_token_from(page)}
    )
    assert response.status_code == 404
    db.session.refresh(theirs)
    assert theirs.read_at is None


def test_losing_employee_status_hides_employee_space_notifications(world, client_as):
    employee = world.user("employee")
    topic = factories.make_topic(
        world.spaces["employee"], author=employee, title="Salary bands for next year"
    )
    factories.make_reply(topic, author=world.user("admin"))
    assert notification_queries.unread_count(employee) == 1

    account_services.update_member(
        world.user("admin"), employee, role=employee.role, is_employee=False
    )
    assert notification_queries.unread_count(employee) == 0
    page = client_as("employee").get("/notifications").text
    assert "Salary bands" not in page


def test_watch_level_form_sets_the_level_for_the_topic(world, client_as):
    topic = factories.make_topic(world.spaces["public"], author=world.user("admin"))
    client = client_as("member")
    page = client.get(f"/t/{topic.id}").text
    assert 'name="level"' in page
    response = client.post(
        f"/t/{topic.id}/watch", data={"level": "watching", "csrf_token": csrf_token_from(page)}
    )
    assert response.status_code == 302
    response = client.post(
        f"/t/{topic.id}/watch", data={"level": "muted", "csrf_token": csrf_token_from(page)}
    )
    levels = list(
        db.session.scalars(select(TopicWatch.level).where(TopicWatch.topic_id == topic.id))
    )
    assert levels == [WatchLevel.MUTED]
    bad = client.post(
        f"/t/{topic.id}/watch", data={"level": "loud", "csrf_token": csrf_token_from(page)}
    )
    assert bad.status_code == 400


def test_notifications_page_query_count_is_the_same_for_5_and_25(world, client_as, database):
    member = world.user("member")
    topic = factories.make_topic(world.spaces["public"], author=member)
    client = client_as("member")

    def measure(replies: int) -> list[str]:
        for _ in range(replies):
            factories.make_reply(topic, author=factories.make_user())
        client.get("/notifications")
        with count_queries(database) as statements:
            assert client.get("/notifications").status_code == 200
        return list(statements)

    few, many = measure(5), measure(20)
    assert len(few) == len(many), "\n---\n".join(many)
    # Member, memberships, the header's count, the page (topic, actor, post joined in).
    assert len(many) <= 4, "\n---\n".join(many)


# --- mentions ----------------------------------------------------------------------------


def test_a_mention_links_the_profile_and_notifies_the_member(world):
    topic = factories.make_topic(world.spaces["public"], author=world.user("admin"))
    post = factories.make_reply(
        topic, author=world.user("employee"), body="Over to you, @member. (Ask @Nobody.)"
    )

    assert '<a href="/u/member" class="mention"' in post.body_html
    assert ">@member</a>." in post.body_html
    assert "@Nobody" in post.body_html  # no such member: plain text
    assert 'href="/u/nobody"' not in post.body_html
    assert kinds_for(world.user("member")) == [NotificationKind.MENTION]


def test_a_mention_of_someone_who_cannot_read_the_topic_notifies_nobody_and_says_nothing(world):
    closed = world.spaces["closed"]
    topic = factories.make_topic(closed, author=world.user("closed_member"))
    post = factories.make_reply(
        topic, author=world.user("space_moderator"), body="What would @member and @nobody say?"
    )

    # The outsider's name reads exactly like a name nobody has.
    assert post.body_html == ("<p>What would @member and @nobody say?</p>\n")
    assert kinds_for(world.user("member")) == []


def test_mentions_in_code_links_escapes_and_quotes_notify_nobody(world):
    topic = factories.make_topic(world.spaces["public"], author=world.user("admin"))
    factories.make_reply(
        topic,
        author=world.user("employee"),
        body="`@member` [@member](/x) \\@member mail@member.example\n\n> @member said so",
    )
    assert kinds_for(world.user("member")) == []


def test_an_edit_that_adds_a_mention_notifies_once(world):
    author = world.user("employee")
    topic = factories.make_topic(world.spaces["public"], author=world.user("admin"))
    post = factories.make_reply(topic, author=author, body="First draft.")
    topic_services.edit_post(author, post, body="First draft, cc @member.")
    topic_services.edit_post(author, post, body="Final draft, cc @member.")
    assert kinds_for(world.user("member")) == [NotificationKind.MENTION]


def test_a_muted_topic_mutes_mentions_too(world):
    member = world.user("member")
    topic = factories.make_topic(world.spaces["public"], author=world.user("admin"))
    set_level(topic, member, WatchLevel.MUTED)
    factories.make_reply(topic, author=world.user("employee"), body="Hey @member.")
    assert kinds_for(member) == []


def test_a_mention_in_a_new_topic_notifies(world):
    factories.make_topic(
        world.spaces["public"], author=world.user("admin"), body="Welcome @member and @employee!"
    )
    assert kinds_for(world.user("member")) == [NotificationKind.MENTION]
    assert kinds_for(world.user("employee")) == [NotificationKind.MENTION]


def test_preview_links_mentions_as_saving_would_where_the_post_goes(world, client_as):
    topic = factories.make_topic(world.spaces["closed"], author=world.user("closed_member"))
    client = client_as("space_moderator")
    token = csrf_token_from(page_with_csrf_token(client, f"/t/{topic.id}"))
    body = "Hi @closedmember and @member"
    there = client.post("/preview", data={"body": body, "topic_id": topic.id, "csrf_token": token})
    nowhere = client.post("/preview", data={"body": body, "csrf_token": token})
    assert '<a href="/u/closedmember" class="mention"' in there.get_json()["html"]
    assert 'href="/u/member"' not in there.get_json()["html"]  # cannot read it: plain text
    assert "mention" not in nowhere.get_json()["html"]


# --- mention autocomplete --------------------------------------------------------------------


def suggestions(client, **params):
    response = client.get("/mentions", query_string=params)
    return response.status_code, [user["username"] for user in response.get_json()["users"]] if (
        response.status_code == 200
    ) else []


def test_autocomplete_suggests_members_the_viewer_has_seen_who_may_read_the_topic(world, client_as):
    public, closed = world.spaces["public"], world.spaces["closed"]
    seen = factories.make_user(username="zoe_seen", display_name="Zoe Publicposter")
    factories.make_topic(public, author=seen)
    insider = factories.make_user(username="zoe_inside", display_name="Zoe Insider")
    space_services.add_member(world.user("admin"), closed, insider)
    factories.make_topic(closed, author=insider)  # seen only inside the closed space
    factories.make_user(username="zoe_silent")  # never posted: seen by nobody
    public_topic = factories.make_topic(public, author=world.user("admin"))
    closed_topic = factories.make_topic(closed, author=world.user("closed_member"))

    outsider, insider_view = client_as("member"), client_as("closed_member")
    assert suggestions(outsider, topic_id=public_topic.id, q="zo") == (200, ["zoe_seen"])
    assert suggestions(insider_view, topic_id=public_topic.id, q="zo") == (
        200,
        ["zoe_inside", "zoe_seen"],
    )
    # In the closed topic only those who may read it (and would be told).
    assert suggestions(insider_view, topic_id=closed_topic.id, q="zo") == (200, ["zoe_inside"])
    assert suggestions(outsider, topic_id=closed_topic.id, q="zo")[0] == 404
    # By display name too, and by space for a new topic.
    assert suggestions(outsider, slug=public.slug, q="publicp") == (200, ["zoe_seen"])
    assert suggestions(outsider, slug=closed.slug, q="zo")[0] == 404
    assert client_as("member").get("/mentions?q=zo").status_code == 400


def test_autocomplete_query_takes_only_name_characters(world, client_as):
    topic = factories.make_topic(world.spaces["public"], author=world.user("admin"))
    client = client_as("member")
    assert suggestions(client, topic_id=topic.id, q="%") == (200, [])
    assert suggestions(client, topic_id=topic.id, q="_") == (200, [])
    assert suggestions(client, topic_id=topic.id, q="ad") == (200, ["admin"])


# --- quotes -----------------------------------------------------------------------------------


def test_quote_link_fills_the_reply_form_without_javascript(world, client_as):
    author = world.user("member")
    topic = factories.make_topic(world.spaces["public"], author=author, body="Line one\n\nLine two")
    first = db.session.scalar(select(Post).where(Post.topic_id == topic.id))
    client = client_as("employee")

    page = client.get(f"/t/{topic.id}?quote={first.id}")

    assert f'href="/t/{topic.id}?quote={first.id}#reply-heading"' in page.text
    assert (
        f"&gt; [@member wrote](/t/{topic.id}#post-1):\n&gt;\n&gt; Line one\n&gt;\n&gt; Line two"
    ) in page.text


def test_quoting_a_post_notifies_its_author_once(world, client_as):
    author, replier = world.user("member"), world.user("employee")
    topic = factories.make_topic(world.spaces["public"], author=world.user("admin"))
    quoted = factories.make_reply(topic, author=author, body="The hub needs 2.4 GHz.")
    body = topic_services.quote_markdown(quoted) + "Indeed, @member."

    reply = factories.make_reply(topic, author=replier, body=body)

    assert "<blockquote>" in reply.body_html
    assert kinds_for(author) == [NotificationKind.QUOTE]  # not a mention as well


def test_a_quote_of_a_post_the_replier_cannot_read_tells_nobody(world):
    secret_topic = factories.make_topic(world.spaces["closed"], author=world.user("closed_member"))
    public_topic = factories.make_topic(world.spaces["public"], author=world.user("admin"))
    forged = f"> [someone wrote](/t/{secret_topic.id}#post-1):\n> guessed"
    factories.make_reply(public_topic, author=world.user("member"), body=forged)
    assert kinds_for(world.user("closed_member")) == []


def test_a_quoted_author_who_cannot_read_the_topic_is_not_told(world):
    closed = world.spaces["closed"]
    leaver = world.user("closed_member")
    topic = factories.make_topic(closed, author=world.user("space_moderator"))
    quoted = factories.make_reply(topic, author=leaver, body="My old words.")
    space_services.remove_member(world.user("admin"), closed, leaver)
    factories.make_reply(
        topic, author=world.user("space_moderator"), body=topic_services.quote_markdown(quoted)
    )
    assert NotificationKind.QUOTE not in kinds_for(leaver)


# --- notifications about spaces and members --------------------------------------------------


def test_join_request_decisions_notify_in_app_with_the_note(world, client_as):
    closed = world.spaces["closed"]
    closed.accepts_join_requests = True
    member = world.user("member")
    request = space_services.request_to_join(member, closed, message="Please")
    space_services.decide_join_request(
        world.user("space_moderator"), request, is_approved=False, note="Customers only, sorry."
    )
    page = client_as("member").get("/notifications").text
    assert "The moderators of <strong>Inner Circle</strong> declined your request to join" in page
    assert "Customers only, sorry." in page
    assert f'href="/s/{closed.slug}"' in page


def test_notify_member_tells_nobody_of_a_space_they_may_not_see(world, client_as):
    member = world.user("member")
    withheld = notification_services.notify_member(
        member, NotificationKind.INVITE, actor=world.user("admin"), space=world.spaces["employee"]
    )
    told = notification_services.notify_member(
        member, NotificationKind.MODERATOR_MESSAGE, detail="Please keep it friendly."
    )
    db.session.commit()
    assert withheld is None
    assert told is not None
    page = client_as("member").get("/notifications").text
    assert "A moderator sent you a message" in page
    assert "Please keep it friendly." in page
    assert "Staff Lounge" not in page


def test_a_space_notification_hides_when_its_space_is_no_longer_listed(world, client_as):
    member, closed = world.user("member"), world.spaces["closed"]
    notification_services.notify_member(
        member, NotificationKind.INVITE, actor=world.user("admin"), space=closed
    )
    db.session.commit()
    assert notification_queries.unread_count(member) == 1
    closed.is_listed = False
    db.session.commit()
    assert notification_queries.unread_count(member) == 0
    assert "Inner Circle" not in client_as("member").get("/notifications").text


# --- watch levels per space -------------------------------------------------------------------


def test_watching_a_space_tells_of_new_topics_and_posts_unless_a_topic_says_otherwise(world):
    watcher, space = world.user("member"), world.spaces["public"]
    notification_services.set_space_watch_level(watcher, space, WatchLevel.WATCHING)
    loud = factories.make_topic(space, author=world.user("admin"), title="Loud topic")
    quiet = factories.make_topic(space, author=world.user("admin"), title="Quiet topic")
    notification_services.set_watch_level(watcher, quiet, WatchLevel.MUTED)
    factories.make_reply(loud, author=world.user("employee"))
    factories.make_reply(quiet, author=world.user("employee"))

    topics = list(
        db.session.scalars(select(Notification.topic_id).where(Notification.user_id == watcher.id))
    )
    assert topics == [loud.id, quiet.id, loud.id]  # quiet's first post, before it was muted


def test_a_topics_own_level_wins_over_a_muted_space(world):
    member, space = world.user("member"), world.spaces["public"]
    notification_services.set_space_watch_level(member, space, WatchLevel.MUTED)
    muted = factories.make_topic(space, author=member, title="In a muted space")
    chosen = factories.make_topic(space, author=world.user("admin"), title="Chosen one")
    notification_services.set_watch_level(member, chosen, WatchLevel.WATCHING)
    factories.make_reply(muted, author=world.user("admin"))  # a reply to them: muted
    factories.make_reply(chosen, author=world.user("employee"))
    assert kinds_for(member) == [NotificationKind.WATCHED_POST]


def test_space_watch_form_sets_the_level_and_refuses_a_bad_one(world, client_as):
    client = client_as("closed_member")
    page = client.get("/s/inner-circle").text
    assert page.count('<label for="space-watch-level">Notifications for this space</label>') == 1
    assert "<title>Inner Circle · Hearth</title>" in page
    token = csrf_token_from(page)
    assert (
        client.post(
            "/s/inner-circle/watch", data={"level": "tracking", "csrf_token": token}
        ).status_code
        == 302
    )
    assert (
        client.post(
            "/s/inner-circle/watch", data={"level": "loud", "csrf_token": token}
        ).status_code
        == 400
    )
    levels = list(db.session.scalars(select(SpaceWatch.level)))
    assert levels == [WatchLevel.TRACKING]


# --- tracking counts ----------------------------------------------------------------------------


def test_tracking_counts_new_posts_in_lists_until_the_member_reads_them(world, client_as):
    member, space = world.user("member"), world.spaces["public"]
    old = factories.make_topic(space, author=world.user("admin"), title="Older conversation")
    notification_services.set_space_watch_level(member, space, WatchLevel.TRACKING)
    fresh = factories.make_topic(space, author=world.user("admin"), title="Fresh conversation")
    mine = factories.make_topic(space, author=member, title="My own conversation")
    client = client_as("member")

    listing = client.get("/s/town-square").text
    assert news_badges(listing) == {"Fresh conversation": "new"}
    # The member reads the fresh topic and replies in their own; then others post.
    page = client.get(f"/t/{fresh.id}").text
    assert "data-auto-read" in page
    client.post(f"/t/{fresh.id}/read", data={"up_to": "1", "csrf_token": csrf_token_from(page)})
    for topic in (fresh, fresh, mine, old):
        factories.make_reply(topic, author=world.user("employee"))
    factories.make_reply(mine, author=member)

    listing = client.get("/s/town-square").text
    assert news_badges(listing) == {"Fresh conversation": "2 new"}  # tracked, unread posts
    home = client.get("/").text
    assert news_badges(home) == {"Fresh conversation": "2 new"}
    assert "1 with news" in home  # the space's count
    # No notification for any of it: tracking is counting only.
    assert kinds_for(member) == [NotificationKind.REPLY]
    client.post(f"/t/{fresh.id}/read", data={"up_to": "3", "csrf_token": csrf_token_from(page)})
    assert news_badges(client.get("/s/town-square").text) == {}


def news_badges(page: str) -> dict[str, str]:
    return dict(
        re.findall(
            r'class="topic-title"[^>]*>([^<]+)</a>\s*'
            r'<span class="badge badge-new"[^>]*>([^<]+)</span>',
            page,
        )
    )


def test_news_counts_come_only_from_spaces_the_member_may_read(world, client_as):
    member, closed = world.user("closed_member"), world.spaces["closed"]
    notification_services.set_space_watch_level(member, closed, WatchLevel.TRACKING)
    topic = factories.make_topic(closed, author=world.user("admin"), title="Inside news")
    client = client_as("closed_member")
    assert "1 with news" in client.get("/").text
    space_services.remove_member(world.user("admin"), closed, member)
    assert "with news" not in client.get("/").text
    assert notification_queries.topic_news(member, [topic]) == {}


@pytest.mark.parametrize("path", ["/s/town-square", "/", "/tags/counted"])
def test_lists_with_tracking_news_cost_the_same_for_5_and_50_topics(
    world, client_as, database, path
):
    member, space = world.user("member"), world.spaces["public"]
    notification_services.set_space_watch_level(member, space, WatchLevel.TRACKING)
    client = client_as("member")

    def measure(count: int) -> list[str]:
        for number in range(count):
            topic = factories.make_topic(space, author=world.user("admin"), tags="counted")
            if number % 2:
                notification_services.read_topic(member, topic, up_to=1)
            factories.make_reply(topic, author=world.user("employee"))
        client.get(path)
        with count_queries(database) as statements:
            assert client.get(path).status_code == 200
        return list(statements)

    few, many = measure(5), measure(45)
    assert len(few) == len(many), "\n---\n".join(many)


def test_notification_links_to_the_page_of_a_reply_deep_in_a_topic(
    app, world, client_as, monkeypatch
):
    monkeypatch.setitem(app.config, "POSTS_PER_PAGE", 2)
    author, replier = world.user("member"), world.user("closed_member")
    topic = factories.make_topic(world.spaces["public"], author=author)
    for _ in range(4):
        factories.make_reply(topic, author=replier)  # posts 2..5: post 5 is on page 3

    page = client_as("member").get("/notifications")

    assert f'href="/t/{topic.id}?page=3#post-5"' in page.text
    assert f'href="/t/{topic.id}#post-2"' in page.text
