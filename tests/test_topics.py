"""Topics and posts: writing, reading, moderating and paging, mostly through HTTP.

Forms are posted the way a browser posts them: with the CSRF token of a page the
same client fetched. Rows are counted before and after every refused write.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from html import escape, unescape

import pytest
from sqlalchemy import func, select, update

from community.extensions import db
from community.markdown import render_markdown
from community.spaces.models import Space
from community.topics import services as topic_services
from community.topics.models import Post, PostRevision, Topic
from config import TestingConfig
from tests import factories
from tests.conftest import (
    PERSONAS,
    SIGNED_OUT_PERSONAS,
    SPACE_KINDS,
    count_queries,
    csrf_token_from,
    page_with_csrf_token,
)
from tests.test_policy import MODERATE, READ

TOPICS_PER_PAGE = TestingConfig.TOPICS_PER_PAGE  # 30
POSTS_PER_PAGE = TestingConfig.POSTS_PER_PAGE  # 50
BODY = "Hello **world**.\n\n- one\n- two\n\nSee [the docs](https://example.com/docs)."
XSS_BODY = (
    "Look <script>alert('pwned')</script> and [click](javascript:alert(1))"
    " <img src=x onerror=alert(2)>"
)


# --- helpers --------------------------------------------------------------------


def post_form(client, page_url, action_url, data):
    """POST ``data`` to ``action_url`` with the CSRF token of ``page_url``."""
    assert client.get(page_url).status_code == 200
    page = page_with_csrf_token(client, page_url)
    return client.post(action_url, data={**data, "csrf_token": csrf_token_from(page)})


def create_topic_via_form(client, slug, *, title, body):
    return post_form(client, f"/s/{slug}/new", f"/s/{slug}/new", {"title": title, "body": body})


def reply_via_form(client, topic_id, body):
    return post_form(client, "/", f"/t/{topic_id}/reply", {"body": body})


def edit_via_form(client, post_id, *, body, title=None):
    data = {"body": body} if title is None else {"body": body, "title": title}
    return post_form(client, "/", f"/p/{post_id}/edit", data)


def delete_via_form(client, post_id):
    return post_form(client, "/", f"/p/{post_id}/delete", {})


def first_post(topic):
    return db.session.scalar(select(Post).where(Post.topic_id == topic.id, Post.post_number == 1))


def row_counts():
    """Rows in every table a topic write touches, and the counters it keeps."""
    counts = {
        model.__tablename__: db.session.scalar(select(func.count()).select_from(model))
        for model in (Topic, Post, PostRevision)
    }
    for space in db.session.scalars(select(Space).order_by(Space.id)):
        counts[f"{space.slug}.topic_count"] = space.topic_count
        counts[f"{space.slug}.post_count"] = space.post_count
    return counts


def field_block(html, field_id):
    """The markup of the form field whose control has ``id=field_id``."""
    for block in re.split(r'(?=<div class="field)', html):
        if f'id="{field_id}"' in block:
            return block.split("</form>")[0]
    raise AssertionError(f"no field #{field_id} on the page")


def error_beside(html, field_id):
    """The error printed beside field ``field_id`` (and wired to it for screen readers)."""
    block = field_block(html, field_id)
    match = re.search(rf'<p class="error" id="{field_id}-error">(.*?)</p>', block, re.S)
    assert match, f"no error beside #{field_id}:\n{block}"
    assert 'aria-invalid="true"' in block
    assert f"{field_id}-error" in re.search(r'aria-describedby="([^"]*)"', block).group(1)
    return unescape(match.group(1))


def post_block(html, number):
    """The markup of post ``number`` on a topic page."""
    for block in re.split(r'(?=<li class="post)', html):
        if f'id="post-{number}"' in block.split(">", 1)[0]:
            return block
    raise AssertionError(f"no post #{number} on the page")


def listed_topic_ids(html):
    return [int(topic_id) for topic_id in re.findall(r'class="topic-title" href="/t/(\d+)"', html)]


def older_link(html):
    match = re.search(r'<a rel="next" href="([^"]+)">Older topics', html)
    return unescape(match.group(1)) if match else None


def recount(space):
    """Counters recomputed from the rows: what the stored ones must equal."""
    live_topics = select(Topic.id).where(Topic.space_id == space.id, Topic.deleted_at.is_(None))
    return {
        "topic_count": db.session.scalar(select(func.count()).select_from(live_topics.subquery())),
        "post_count": db.session.scalar(
            select(func.count(Post.id)).where(
                Post.topic_id.in_(live_topics), Post.deleted_at.is_(None)
            )
        ),
    }


def live_post_count(topic):
    return db.session.scalar(
        select(func.count(Post.id)).where(Post.topic_id == topic.id, Post.deleted_at.is_(None))
    )


def set_last_posted_at(topic, moment):
    db.session.execute(update(Topic).where(Topic.id == topic.id).values(last_posted_at=moment))
    db.session.commit()


def expected_status(persona, kind, table):
    """404 for what the persona may not read, 403 for what it may read but not do."""
    column = SPACE_KINDS.index(kind)
    if not READ[persona][column]:
        return 404
    return 302 if table[persona][column] else 403


# --- creating topics ------------------------------------------------------------


def test_new_topic_redirects_to_topic_and_renders_markdown_when_input_is_valid(world, client_as):
    space = world.spaces["public"]
    member = client_as("member")
    before = row_counts()

    response = create_topic_via_form(
        member, space.slug, title="A question about hearths", body=BODY
    )

    assert response.status_code == 302
    topic_id = int(re.fullmatch(r"/t/(\d+)", response.location).group(1))
    topic = db.session.get(Topic, topic_id)
    post = first_post(topic)
    assert topic.title == "A question about hearths"
    assert topic.author_id == world.user("member").id
    assert post.body_source == BODY
    assert post.body_html == render_markdown(BODY)
    assert "<strong>world</strong>" in post.body_html
    assert "<li>one</li>" in post.body_html
    assert space.topic_count == before["town-square.topic_count"] + 1
    assert space.post_count == before["town-square.post_count"] + 1
    assert (topic.post_count, topic.last_post_number) == (1, 1)

    page = member.get(response.location)
    assert page.status_code == 200
    assert "<h1>A question about hearths</h1>" in page.text
    assert "<strong>world</strong>" in post_block(page.text, 1)
    assert "**world**" not in post_block(page.text, 1)


def test_new_topic_stores_sanitised_html_when_body_carries_script(world, client_as):
    member = client_as("member")

    response = create_topic_via_form(
        member, "town-square", title="Sneaky markup here", body=XSS_BODY
    )

    topic = db.session.get(Topic, int(response.location.rsplit("/", 1)[1]))
    post = first_post(topic)
    assert post.body_source == XSS_BODY
    assert post.body_html == render_markdown(XSS_BODY)
    assert "&lt;script&gt;" in post.body_html  # shown as text, never run
    body = post_block(member.get(f"/t/{topic.id}").text, 1)
    for html in (post.body_html, body):
        for dangerous in ("<script", "<img", 'href="javascript'):
            assert dangerous not in html


BAD_TOPIC_INPUT = [
    pytest.param("", BODY, "title", "Give your topic a title.", id="empty-title"),
    pytest.param("     ", BODY, "title", "at least 5 characters", id="blank-title"),
    pytest.param("Hey", BODY, "title", "at least 5 characters", id="short-title"),
    pytest.param(
        "T" * 250, BODY, "title", "at most 200 characters; this one has 250", id="long-title"
    ),
    pytest.param("A fine title", "", "body", "Write something first.", id="empty-body"),
    pytest.param("A fine title", " \n\t ", "body", "Write something first.", id="blank-body"),
    pytest.param(
        "A fine title",
        "y" * 30_001,
        "body",
        "at most 30,000 characters; this one has 30,001",
        id="long-body",
    ),
]


@pytest.mark.parametrize(("title", "body", "field", "message"), BAD_TOPIC_INPUT)
def test_new_topic_shows_error_beside_field_and_writes_nothing_when_input_is_bad(
    world, client_as, title, body, field, message
):
    member = client_as("member")
    before = row_counts()

    response = create_topic_via_form(member, "town-square", title=title, body=body)

    assert response.status_code == 422
    assert message in error_beside(response.text, field)
    if title.strip():
        assert f'value="{escape(title)}"' in field_block(response.text, "title")
    if body.strip():
        assert escape(body) in field_block(response.text, "body")
    assert row_counts() == before


def test_new_topic_is_404_when_persona_cannot_read_space(world, client_as):
    member = client_as("member")
    before = row_counts()

    for slug in ("inner-circle", "staff-lounge", "no-such-space"):
        assert member.get(f"/s/{slug}/new").status_code == 404
        response = post_form(
            member, "/", f"/s/{slug}/new", {"title": "Let me in please", "body": "Hi"}
        )
        assert response.status_code == 404

    assert row_counts() == before


def test_new_topic_is_403_when_member_is_unconfirmed(world, client_as):
    unconfirmed = client_as("unconfirmed")
    before = row_counts()

    response = post_form(
        unconfirmed, "/", "/s/town-square/new", {"title": "Not yet confirmed", "body": "Hi"}
    )

    assert response.status_code == 403
    assert row_counts() == before


# --- replying -------------------------------------------------------------------


def test_reply_numbers_posts_and_updates_counters_when_members_reply(world, client_as):
    space = world.spaces["public"]
    author, replier = world.user("member"), world.user("employee")
    topic = factories.make_topic(space, author=author, title="Counting replies")
    started = topic.last_posted_at
    space_posts = space.post_count

    first = reply_via_form(client_as("employee"), topic.id, "First reply")
    second = reply_via_form(client_as("closed_member"), topic.id, "Second reply")

    assert first.status_code == second.status_code == 302
    assert first.location == f"/t/{topic.id}#post-2"
    assert second.location == f"/t/{topic.id}#post-3"
    posts = db.session.scalars(
        select(Post).where(Post.topic_id == topic.id).order_by(Post.post_number)
    ).all()
    assert [(p.post_number, p.body_source) for p in posts] == [
        (1, "The first post of this topic."),
        (2, "First reply"),
        (3, "Second reply"),
    ]
    assert posts[1].author_id == replier.id
    assert (topic.post_count, topic.last_post_number, topic.reply_count) == (3, 3, 2)
    assert topic.last_poster_id == world.user("closed_member").id
    assert topic.last_posted_at == posts[2].created_at > started
    assert space.post_count == space_posts + 2
    page = client_as("anonymous").get(f"/t/{topic.id}")
    assert "Second reply" in post_block(page.text, 3)
    assert "2 replies" in page.text


def test_reply_redirects_to_second_page_when_topic_has_more_than_a_page(world, client_as):
    admin = world.user("admin")
    topic = factories.make_topic(world.spaces["public"], author=admin)
    for _ in range(POSTS_PER_PAGE - 1):
        factories.make_reply(topic, author=admin)

    response = reply_via_form(client_as("member"), topic.id, "Number fifty-one")

    assert response.location == f"/t/{topic.id}?page=2#post-51"
    page = client_as("anonymous").get(f"/t/{topic.id}?page=2")
    assert page.status_code == 200
    assert "Number fifty-one" in post_block(page.text, 51)
    assert 'id="post-50"' not in page.text


def test_reply_shows_error_and_writes_nothing_when_body_is_blank(world, client_as):
    topic = factories.make_topic(world.spaces["public"], author=world.user("admin"))
    member = client_as("member")
    before = row_counts()

    blank = reply_via_form(member, topic.id, "   ")
    too_long = reply_via_form(member, topic.id, "z" * 30_001)

    assert blank.status_code == too_long.status_code == 422
    assert error_beside(blank.text, "body") == "Write something first."
    assert "this one has 30,001" in error_beside(too_long.text, "body")
    assert "z" * 30_001 in field_block(too_long.text, "body")
    assert row_counts() == before


@pytest.mark.parametrize(
    ("persona", "status"),
    [("member", 403), ("unconfirmed", 403), ("moderator", 302), ("space_moderator", 302)],
)
def test_reply_obeys_lock_when_topic_is_locked(world, client_as, persona, status):
    topic = factories.make_topic(world.spaces["public"], author=world.user("member"))
    topic_services.set_topic_locked(world.user("moderator"), topic, is_locked=True)
    before = row_counts()

    response = reply_via_form(client_as(persona), topic.id, "Am I allowed?")

    assert response.status_code == status
    assert topic.post_count == (2 if status == 302 else 1)
    if status == 403:
        assert row_counts() == before
    page = client_as("member").get(f"/t/{topic.id}")
    assert "This topic is locked" in page.text
    assert f'action="/t/{topic.id}/reply"' not in page.text


@pytest.mark.parametrize(
    ("persona", "kind"),
    [
        ("member", "closed"),
        ("member", "employee"),
        ("moderator", "closed"),
        ("closed_member", "employee"),
        ("employee", "closed"),
    ],
)
def test_reply_is_404_when_persona_cannot_read_space(world, client_as, persona, kind):
    topic = factories.make_topic(world.spaces[kind], author=world.user("admin"))
    before = row_counts()

    response = reply_via_form(client_as(persona), topic.id, "Knock knock")

    assert response.status_code == 404
    assert row_counts() == before


def test_reply_is_404_when_topic_does_not_exist(world, client_as):
    assert reply_via_form(client_as("member"), 987654, "Hello?").status_code == 404


# --- editing --------------------------------------------------------------------


def test_edit_keeps_previous_text_in_revision_when_author_edits_reply(world, client_as):
    author = world.user("member")
    topic = factories.make_topic(world.spaces["public"], author=world.user("admin"))
    reply = factories.make_reply(topic, author=author, body="Original *wording*")
    member = client_as("member")

    form = member.get(f"/p/{reply.id}/edit")
    response = edit_via_form(member, reply.id, body="Better **wording**")

    assert form.status_code == 200
    assert "Original *wording*" in field_block(form.text, "body")
    assert 'id="title"' not in form.text  # only a first post carries the title
    assert response.status_code == 302
    assert response.location == f"/t/{topic.id}#post-2"
    revisions = db.session.scalars(
        select(PostRevision).where(PostRevision.post_id == reply.id)
    ).all()
    assert [(r.revision_number, r.body_source, r.title) for r in revisions] == [
        (1, "Original *wording*", None)
    ]
    assert revisions[0].editor_id == author.id
    assert reply.body_source == "Better **wording**"
    assert reply.body_html == render_markdown("Better **wording**")
    assert reply.edited_at is not None
    assert reply.revision_count == 1

    page = member.get(f"/t/{topic.id}").text
    block = post_block(page, 2)
    assert re.search(rf'<a class="edited" href="/p/{reply.id}/revisions"[^>]*>edited</a>', block)
    assert "<strong>wording</strong>" in block
    assert "edited</a>" not in post_block(page, 1)
    history = client_as("anonymous").get(f"/p/{reply.id}/revisions")
    assert history.status_code == 200
    assert "Original *wording*" in history.text
    assert "Better **wording**" in history.text


def test_edit_changes_title_and_keeps_old_title_when_first_post_is_edited(world, client_as):
    topic = factories.make_topic(
        world.spaces["public"], author=world.user("member"), title="Old title of topic"
    )
    post = first_post(topic)
    member = client_as("member")

    form = member.get(f"/p/{post.id}/edit")
    response = edit_via_form(member, post.id, title="New title of topic", body="New body")

    assert 'value="Old title of topic"' in field_block(form.text, "title")
    assert response.status_code == 302
    assert topic.title == "New title of topic"
    revision = db.session.scalar(select(PostRevision).where(PostRevision.post_id == post.id))
    assert (revision.title, revision.body_source) == (
        "Old title of topic",
        "The first post of this topic.",
    )
    assert "<h1>New title of topic</h1>" in member.get(f"/t/{topic.id}").text
    history = member.get(f"/p/{post.id}/revisions").text
    assert "<strong>Title:</strong> Old title of topic" in history


def test_edit_writes_no_revision_when_nothing_changed(world, client_as):
    topic = factories.make_topic(
        world.spaces["public"], author=world.user("member"), title="Unchanging title"
    )
    post = first_post(topic)

    response = edit_via_form(
        client_as("member"),
        post.id,
        title="  Unchanging   title ",
        body="The first post of this topic.\n",
    )

    assert response.status_code == 302
    assert db.session.scalar(select(func.count(PostRevision.id))) == 0
    assert post.edited_at is None
    assert post.revision_count == 0
    assert "edited</a>" not in client_as("member").get(f"/t/{topic.id}").text


@pytest.mark.parametrize("persona", ["closed_member", "employee", "unconfirmed"])
def test_edit_is_403_when_persona_is_not_the_author(world, client_as, persona):
    topic = factories.make_topic(world.spaces["public"], author=world.user("member"))
    post = first_post(topic)
    title, body = topic.title, post.body_source
    other = client_as(persona)
    before = row_counts()

    assert other.get(f"/p/{post.id}/edit").status_code == 403
    response = edit_via_form(other, post.id, title="Hijacked title", body="Hijacked")

    assert response.status_code == 403
    assert row_counts() == before
    assert (topic.title, post.body_source, post.edited_at) == (title, body, None)
    assert f'href="/p/{post.id}/edit"' not in other.get(f"/t/{topic.id}").text
    assert f'href="/p/{post.id}/edit"' in client_as("member").get(f"/t/{topic.id}").text


def test_edit_is_allowed_when_space_moderator_edits_someone_elses_post(world, client_as):
    topic = factories.make_topic(world.spaces["public"], author=world.user("member"))
    post = first_post(topic)

    response = edit_via_form(
        client_as("space_moderator"), post.id, title=topic.title, body="Tidied up"
    )

    assert response.status_code == 302
    revision = db.session.scalar(select(PostRevision).where(PostRevision.post_id == post.id))
    assert revision.editor_id == world.user("space_moderator").id
    assert post.body_source == "Tidied up"


BAD_EDIT_INPUT = [
    pytest.param("Kept title here", "", "body", "This field is required.", id="empty-body"),
    pytest.param("Kept title here", "   ", "body", "Write something first.", id="blank-body"),
    pytest.param("Kept title here", "b" * 30_001, "body", "this one has 30,001", id="long-body"),
    pytest.param("Hm", "Kept body", "title", "at least 5 characters", id="short-title"),
    pytest.param("", "Kept body", "title", "at least 5 characters", id="empty-title"),
    pytest.param(
        "L" * 201, "Kept body", "title", "at most 200 characters; this one has 201", id="long-title"
    ),
]


@pytest.mark.parametrize(("title", "body", "field", "message"), BAD_EDIT_INPUT)
def test_edit_shows_error_and_keeps_text_when_input_is_bad(
    world, client_as, title, body, field, message
):
    topic = factories.make_topic(
        world.spaces["public"], author=world.user("member"), title="Title before edit"
    )
    post = first_post(topic)
    before = row_counts()

    response = edit_via_form(client_as("member"), post.id, title=title, body=body)

    assert response.status_code == 422
    assert message in error_beside(response.text, field)
    if title:
        assert f'value="{escape(title)}"' in field_block(response.text, "title")
    if body.strip():
        assert escape(body) in field_block(response.text, "body")
    assert row_counts() == before
    assert (topic.title, post.body_source, post.edited_at) == (
        "Title before edit",
        "The first post of this topic.",
        None,
    )


# --- deleting -------------------------------------------------------------------


def test_delete_hides_reply_and_lowers_counters_when_author_deletes_own_reply(world, client_as):
    space = world.spaces["public"]
    topic = factories.make_topic(space, author=world.user("admin"))
    reply = factories.make_reply(topic, author=world.user("member"), body="Regrettable words")
    before = row_counts()

    response = delete_via_form(client_as("member"), reply.id)

    assert response.status_code == 302
    assert response.location == f"/t/{topic.id}"
    assert reply.deleted_at is not None  # soft: the row stays
    assert reply.deleted_by_id == world.user("member").id
    assert db.session.scalar(select(func.count(Post.id))) == before["posts"]
    assert topic.post_count == 1
    assert space.post_count == before["town-square.post_count"] - 1
    assert space.topic_count == before["town-square.topic_count"]

    for persona in ("member", "anonymous", "closed_member"):
        block = post_block(client_as(persona).get(f"/t/{topic.id}").text, 2)
        assert "This post was deleted." in block
        assert "Regrettable words" not in block
    moderator_view = post_block(client_as("moderator").get(f"/t/{topic.id}").text, 2)
    assert "This post was deleted." in moderator_view
    assert "Regrettable words" in moderator_view
    assert client_as("member").get(f"/p/{reply.id}/revisions").status_code == 404


def test_delete_removes_topic_when_author_deletes_first_post(world, client_as):
    space = world.spaces["public"]
    topic = factories.make_topic(
        space, author=world.user("member"), title="Soon to be gone forever"
    )
    factories.make_reply(topic, author=world.user("employee"))
    factories.make_reply(topic, author=world.user("admin"))
    before = row_counts()

    response = delete_via_form(client_as("member"), first_post(topic).id)

    assert response.status_code == 302
    assert response.location == "/s/town-square"
    assert topic.deleted_at is not None
    assert space.topic_count == before["town-square.topic_count"] - 1
    assert space.post_count == before["town-square.post_count"] - 3
    assert db.session.scalar(select(func.count(Topic.id))) == before["topics"]
    for persona in ("member", "anonymous", "employee"):
        viewer = client_as(persona)
        assert viewer.get(f"/t/{topic.id}").status_code == 404
        assert "Soon to be gone forever" not in viewer.get("/s/town-square").text
        assert "Soon to be gone forever" not in viewer.get("/").text
    for persona in ("moderator", "space_moderator", "admin"):
        page = client_as(persona).get(f"/t/{topic.id}")
        assert page.status_code == 200
        assert "Soon to be gone forever" in page.text
        assert '<span class="badge badge-danger">deleted</span>' in page.text


@pytest.mark.parametrize("persona", ["closed_member", "employee", "unconfirmed"])
def test_delete_is_403_when_persona_is_not_the_author(world, client_as, persona):
    topic = factories.make_topic(world.spaces["public"], author=world.user("member"))
    reply = factories.make_reply(topic, author=world.user("member"))
    before = row_counts()

    first = delete_via_form(client_as(persona), first_post(topic).id)
    second = delete_via_form(client_as(persona), reply.id)

    assert first.status_code == second.status_code == 403
    assert row_counts() == before
    assert topic.deleted_at is None
    assert reply.deleted_at is None


def test_counters_match_rows_when_replies_and_topics_are_deleted(world, client_as):
    space = world.spaces["public"]
    topic = factories.make_topic(space, author=world.user("member"))
    doomed = factories.make_topic(space, author=world.user("member"))
    for persona in ("member", "employee", "closed_member", "moderator"):
        response = reply_via_form(client_as(persona), topic.id, f"Reply by {persona}")
        assert response.status_code == 302
        factories.make_reply(doomed, author=world.user(persona))
    replies = db.session.scalars(
        select(Post).where(Post.topic_id == topic.id, Post.post_number > 1)
    ).all()

    assert delete_via_form(client_as("employee"), replies[1].id).status_code == 302
    assert delete_via_form(client_as("moderator"), replies[2].id).status_code == 302
    assert delete_via_form(client_as("member"), first_post(doomed).id).status_code == 302
    assert reply_via_form(client_as("member"), topic.id, "One more").status_code == 302

    assert topic.post_count == live_post_count(topic) == 4
    assert topic.last_post_number == 6  # numbers are never reused
    assert {"topic_count": space.topic_count, "post_count": space.post_count} == recount(space)


def test_counters_match_rows_when_moderator_deletes_reply_of_deleted_topic(world, client_as):
    space = world.spaces["public"]
    topic = factories.make_topic(space, author=world.user("member"))
    reply = factories.make_reply(topic, author=world.user("employee"))
    factories.make_topic(space, author=world.user("employee"))
    assert delete_via_form(client_as("member"), first_post(topic).id).status_code == 302

    # The deleted topic is still open to moderators, and so are its replies.
    response = delete_via_form(client_as("moderator"), reply.id)

    assert response.status_code == 302
    assert {"topic_count": space.topic_count, "post_count": space.post_count} == recount(space)
    assert (space.topic_count, space.post_count) == (1, 1)


# --- pinning and locking --------------------------------------------------------

MODERATION_CASES = [
    (persona, kind, action)
    for persona in PERSONAS
    # Visitors (a suspended member is one) are sent to sign in: the next test.
    if persona not in SIGNED_OUT_PERSONAS
    for kind in SPACE_KINDS
    for action in ("pin", "lock")
]


@pytest.mark.parametrize(("persona", "kind", "action"), MODERATION_CASES)
def test_pin_and_lock_follow_moderation_policy_when_persona_varies(
    world, client_as, persona, kind, action
):
    topic = factories.make_topic(world.spaces[kind], author=world.user("admin"))
    viewer = client_as(persona)

    response = post_form(viewer, "/", f"/t/{topic.id}/{action}", {"value": "on"})

    status = expected_status(persona, kind, MODERATE)
    assert response.status_code == status
    changed = topic.is_pinned if action == "pin" else topic.is_locked
    assert changed is (status == 302)
    if status == 302:
        assert response.location == f"/t/{topic.id}"
        page = viewer.get(f"/t/{topic.id}").text
        badge = {"pin": "pinned", "lock": "locked"}[action]
        assert f'<span class="badge">{badge}</span>' in page


def test_pin_and_lock_redirect_to_sign_in_when_anonymous(world, client_as):
    topic = factories.make_topic(world.spaces["public"], author=world.user("admin"))
    anonymous = client_as("anonymous")

    for action in ("pin", "lock"):
        response = post_form(anonymous, "/", f"/t/{topic.id}/{action}", {"value": "on"})
        assert response.status_code == 302
        assert response.location.startswith("/login")
    assert (topic.is_pinned, topic.is_locked) == (False, False)


def test_pin_and_lock_toggle_back_when_value_is_off(world, client_as):
    topic = factories.make_topic(world.spaces["public"], author=world.user("admin"))
    moderator = client_as("space_moderator")

    for action in ("pin", "lock"):
        post_form(moderator, "/", f"/t/{topic.id}/{action}", {"value": "on"})
    assert (topic.is_pinned, topic.is_locked) == (True, True)
    page = moderator.get(f"/t/{topic.id}").text
    assert ">Unpin</button>" in page
    assert ">Unlock</button>" in page

    for action in ("pin", "lock"):
        post_form(moderator, "/", f"/t/{topic.id}/{action}", {"value": "off"})
    assert (topic.is_pinned, topic.is_locked) == (False, False)


def test_space_page_lists_pinned_topics_first_when_on_page_one(world, client_as):
    space = world.spaces["public"]
    author = world.user("member")
    now = datetime.now(UTC)
    topics = [factories.make_topic(space, author=author) for _ in range(TOPICS_PER_PAGE + 3)]
    for age, topic in enumerate(reversed(topics)):
        set_last_posted_at(topic, now - timedelta(hours=age))
    pinned = [topics[0], topics[5]]  # old ones, which would otherwise fall to page two
    for topic in pinned:
        topic_services.set_topic_pinned(world.user("moderator"), topic, is_pinned=True)
    anonymous = client_as("anonymous")

    first_page = anonymous.get("/s/town-square")
    second_page = anonymous.get(older_link(first_page.text))

    first_ids = listed_topic_ids(first_page.text)
    second_ids = listed_topic_ids(second_page.text)
    assert first_ids[:2] == [topics[5].id, topics[0].id]
    unpinned = [t.id for t in reversed(topics) if t not in pinned]
    assert first_ids[2:] == unpinned[:TOPICS_PER_PAGE]
    assert second_ids == unpinned[TOPICS_PER_PAGE:]
    assert not set(second_ids) & {t.id for t in pinned}


# --- pagination -----------------------------------------------------------------


def make_topics_with_times(space, author, times):
    topics = []
    for moment in times:
        topic = factories.make_topic(space, author=author)
        set_last_posted_at(topic, moment)
        topics.append(topic)
    return topics


def walk_pages(client, url):
    """Follow "Older topics" from ``url``; the topic ids of every page, in order."""
    pages = []
    while url:
        response = client.get(url)
        assert response.status_code == 200
        pages.append(listed_topic_ids(response.text))
        url = older_link(response.text)
        assert len(pages) < 10, "pagination does not end"
    return pages


def test_space_page_pages_by_keyset_without_gap_when_topics_exceed_a_page(world, client_as):
    space = world.spaces["public"]
    start = datetime(2024, 5, 1, 9, 30, 0, 123457, tzinfo=UTC)
    # 13 and 35 are coprime: every minute once, in an order unlike creation (id) order.
    times = [start + timedelta(minutes=(i * 13) % 35, microseconds=i) for i in range(35)]
    topics = make_topics_with_times(space, world.user("member"), times)

    pages = walk_pages(client_as("anonymous"), "/s/town-square")

    newest_first = [t.id for t in sorted(topics, key=lambda t: t.last_posted_at, reverse=True)]
    assert newest_first != sorted(newest_first, reverse=True)
    assert pages == [newest_first[:TOPICS_PER_PAGE], newest_first[TOPICS_PER_PAGE:]]


def test_space_page_breaks_ties_by_id_when_topics_share_last_posted_at(world, client_as):
    space = world.spaces["public"]
    moment = datetime(2024, 5, 1, 9, 30, 0, 654321, tzinfo=UTC)
    topics = make_topics_with_times(space, world.user("member"), [moment] * 35)

    pages = walk_pages(client_as("member"), "/s/town-square")

    by_id = sorted((t.id for t in topics), reverse=True)
    assert pages == [by_id[:TOPICS_PER_PAGE], by_id[TOPICS_PER_PAGE:]]


def test_space_page_second_page_links_back_to_newest_when_after_is_set(world, client_as):
    space = world.spaces["public"]
    make_topics_with_times(
        space,
        world.user("member"),
        [datetime(2024, 1, 1, tzinfo=UTC) + timedelta(hours=i) for i in range(35)],
    )
    anonymous = client_as("anonymous")

    second = anonymous.get(older_link(anonymous.get("/s/town-square").text))

    assert '<a href="/s/town-square">« Newest</a>' in second.text
    assert older_link(second.text) is None


@pytest.mark.parametrize(
    "after",
    [
        "garbage",
        "12345",
        "1.2.3",
        "-5.-6",
        ".",
        "1.²",
        "١٢٣.4",
        "99999999999999999999999.1",
        "1." + "9" * 40,
        "1700000000000000." + "9" * 19,
    ],
)
def test_space_page_shows_page_one_when_after_is_malformed(world, client_as, after):
    space = world.spaces["public"]
    topics = make_topics_with_times(
        space,
        world.user("member"),
        [datetime(2024, 1, 1, tzinfo=UTC) + timedelta(hours=i) for i in range(3)],
    )

    response = client_as("anonymous").get("/s/town-square", query_string={"after": after})

    assert response.status_code == 200
    assert listed_topic_ids(response.text) == [t.id for t in reversed(topics)]
    assert "« Newest" not in response.text


@pytest.mark.parametrize(
    ("query", "status"),
    [("?page=999", 404), ("?page=0", 404), ("?page=-1", 404), ("?page=abc", 200), ("", 200)],
)
def test_topic_page_answers_by_page_number_when_page_is_given(world, client_as, query, status):
    topic = factories.make_topic(
        world.spaces["public"], author=world.user("member"), body="Page one body"
    )

    response = client_as("anonymous").get(f"/t/{topic.id}{query}")

    assert response.status_code == status
    if status == 200:
        assert "Page one body" in post_block(response.text, 1)


# --- query counts ---------------------------------------------------------------

# As measured for a signed-in member, on SQLite and PostgreSQL alike. Space page: the
# space, the member, their memberships (the header asks whether they moderate a space,
# for the Respond link), pinned topics, a page of topics (their people joined in), the
# tags of those topics (one selectin query).
# Topic page: the topic, its tags, the member, their memberships, the posts, the posts'
# authors.
# Home: the member, their memberships, the directory, recent topics, their tags.
# Signed in, every page also counts the member's unread notifications for the header,
# and the topic page reads their watch level for the topic. Lists of topics read the
# member's news for the topics shown (one query: counts of new posts where they track),
# the space page their level for the space, the home page the news per space.
SPACE_PAGE_MAX_QUERIES = 9
TOPIC_PAGE_MAX_QUERIES = 8
HOME_PAGE_MAX_QUERIES = 8


def statements_for(database, client, url):
    with count_queries(database) as statements:
        response = client.get(url)
    assert response.status_code == 200
    return list(statements)


def assert_same_count(few, many):
    assert len(few) == len(many), (
        f"{len(few)} statements for few rows, {len(many)} for many:\n"
        + "\n---\n".join(few)
        + "\n======\n"
        + "\n---\n".join(many)
    )


@pytest.mark.parametrize("persona", ["anonymous", "member"])
def test_space_page_query_count_is_constant_when_topics_grow(world, client_as, database, persona):
    space = world.spaces["public"]
    viewer = client_as(persona)

    def add_topics(count):
        for _ in range(count):
            author = factories.make_user()
            topic = factories.make_topic(space, author=author)
            factories.make_reply(topic, author=factories.make_user())

    add_topics(5)
    viewer.get("/s/town-square")  # warm up
    few = statements_for(database, viewer, "/s/town-square")
    add_topics(20)
    many = statements_for(database, viewer, "/s/town-square")

    assert_same_count(few, many)
    assert len(many) <= SPACE_PAGE_MAX_QUERIES, "\n---\n".join(many)


@pytest.mark.parametrize("persona", ["anonymous", "member"])
def test_topic_page_query_count_is_constant_when_replies_grow(world, client_as, database, persona):
    topic = factories.make_topic(world.spaces["public"], author=world.user("admin"))
    viewer = client_as(persona)

    def add_replies(count):
        for _ in range(count):
            factories.make_reply(topic, author=factories.make_user())

    add_replies(5)
    viewer.get(f"/t/{topic.id}")  # warm up
    few = statements_for(database, viewer, f"/t/{topic.id}")
    add_replies(35)
    many = statements_for(database, viewer, f"/t/{topic.id}")

    assert_same_count(few, many)
    assert len(many) <= TOPIC_PAGE_MAX_QUERIES, "\n---\n".join(many)


def test_home_page_query_count_is_constant_when_topics_grow(world, client_as, database):
    viewer = client_as("member")

    def add_topics(count):
        for _ in range(count):
            factories.make_topic(world.spaces["public"], author=factories.make_user())

    add_topics(5)
    viewer.get("/")
    few = statements_for(database, viewer, "/")
    add_topics(20)
    many = statements_for(database, viewer, "/")

    assert_same_count(few, many)
    assert len(many) <= HOME_PAGE_MAX_QUERIES, "\n---\n".join(many)


# --- preview --------------------------------------------------------------------


@pytest.mark.parametrize("body", [BODY, XSS_BODY, "# Heading\n\n| a | b |\n|---|---|\n| 1 | 2 |"])
def test_preview_returns_what_saving_would_store_when_signed_in(world, client_as, body):
    member = client_as("member")

    response = post_form(member, "/", "/preview", {"body": body})

    assert response.status_code == 200
    assert response.get_json() == {"html": render_markdown(body)}
    assert "<script" not in response.get_json()["html"]
    saved = create_topic_via_form(member, "town-square", title="Same as preview", body=body)
    topic = db.session.get(Topic, int(saved.location.rsplit("/", 1)[1]))
    assert first_post(topic).body_html == response.get_json()["html"]


def test_preview_returns_error_when_body_is_blank(world, client_as):
    response = post_form(client_as("member"), "/", "/preview", {"body": "  "})

    assert response.status_code == 422
    assert response.get_json() == {"error": "Write something first."}


def test_preview_refuses_when_anonymous_or_without_csrf_token(world, client_as):
    anonymous = post_form(client_as("anonymous"), "/", "/preview", {"body": "Hi"})
    no_token = client_as("member").post("/preview", data={"body": "Hi"})
    wrong_token = client_as("member").post("/preview", data={"body": "Hi", "csrf_token": "x"})

    assert anonymous.status_code == 302
    assert anonymous.location.startswith("/login")
    assert no_token.status_code == wrong_token.status_code == 400
    for response in (anonymous, no_token, wrong_token):
        assert not response.is_json


# --- double submits -------------------------------------------------------------------


def _submission_form(client, path):
    page = client.get(path).text
    token = csrf_token_from(page)
    submission = re.search(r'name="submission_token" type="hidden" value="([^"]+)"', page)
    assert submission, "the form carries no submission token"
    return token, submission.group(1)


def test_new_topic_double_submit_creates_one_topic_when_the_form_is_sent_twice(client_as, world):
    client = client_as("member")
    token, submission = _submission_form(client, "/s/town-square/new")
    data = {
        "title": "Sent twice by a double click",
        "body": "Only once, please.",
        "csrf_token": token,
        "submission_token": submission,
    }
    before = db.session.scalar(select(func.count(Topic.id)))

    first = client.post("/s/town-square/new", data=data)
    second = client.post("/s/town-square/new", data=data)

    assert first.status_code == second.status_code == 302
    assert first.headers["Location"] == second.headers["Location"]
    assert db.session.scalar(select(func.count(Topic.id))) == before + 1
    assert world.spaces["public"].topic_count == 1


def test_reply_double_submit_creates_one_post_when_the_form_is_sent_twice(client_as, world):
    topic = factories.make_topic(world.spaces["public"], author=world.user("admin"))
    client = client_as("member")
    token, submission = _submission_form(client, f"/t/{topic.id}")
    data = {"body": "Once.", "csrf_token": token, "submission_token": submission}

    first = client.post(f"/t/{topic.id}/reply", data=data)
    second = client.post(f"/t/{topic.id}/reply", data=data)

    assert first.headers["Location"] == second.headers["Location"]
    assert topic.post_count == 2
    assert db.session.scalar(select(func.count(Post.id)).where(Post.topic_id == topic.id)) == 2


def test_reply_submission_tokens_are_per_form_so_two_replies_both_land(client_as, world):
    topic = factories.make_topic(world.spaces["public"], author=world.user("admin"))
    client = client_as("member")
    for body in ("First thought.", "Second thought."):
        token, submission = _submission_form(client, f"/t/{topic.id}")
        response = client.post(
            f"/t/{topic.id}/reply",
            data={"body": body, "csrf_token": token, "submission_token": submission},
        )
        assert response.status_code == 302
    assert topic.post_count == 3
