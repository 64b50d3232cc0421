"""Tags across spaces, space list filters, and wiki posts."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from community.answers import services as answer_services
from community.errors import Forbidden, ValidationFailed
from community.extensions import db
from community.tags import services as tag_services
from community.tags.models import Tag
from community.topics import services as topic_services
from community.topics.models import Post, PostRevision, Topic, TopicKind
from tests import factories
from tests.conftest import count_queries, csrf_token_from, page_with_csrf_token


def _new_topic(client, *, title, tags, slug="town-square"):
    token = csrf_token_from(page_with_csrf_token(client, f"/s/{slug}/new"))
    return client.post(
        f"/s/{slug}/new",
        data={"kind": "discussion", "title": title, "body": "Body text.", "tags": tags,
              "csrf_token": token},
    )  # fmt: skip


# --- tags -----------------------------------------------------------------------------


def test_tags_staff_create_new_tags_when_posting(client_as, world):
    response = _new_topic(client_as("employee"), title="Firmware notes", tags="Firmware, hub")
    topic = db.session.scalar(select(Topic).where(Topic.title == "Firmware notes"))
    assert response.status_code == 302
    assert [tag.name for tag in topic.tags] == ["firmware", "hub"]


def test_tags_members_use_existing_tags_but_cannot_invent_them(client_as, world):
    factories.make_topic(world.spaces["public"], author=world.user("admin"), tags="hub")
    client = client_as("member")
    before = db.session.scalar(select(func.count(Topic.id)))

    refused = _new_topic(client, title="My own tag please", tags="hub, brand-new")
    accepted = _new_topic(client, title="Existing tag only", tags="hub")

    assert refused.status_code == 422
    assert "There is no tag “brand-new” yet; staff create new tags." in refused.text
    assert 'value="hub, brand-new"' in refused.text  # the member's input is kept
    assert accepted.status_code == 302
    assert db.session.scalar(select(func.count(Topic.id))) == before + 1
    assert db.session.scalar(select(Tag).where(Tag.name == "brand-new")) is None


@pytest.mark.parametrize(
    ("tags", "message"),
    [
        ("bad tag!", "is not a tag name"),
        ("a" * 31, "is not a tag name"),
        ("one, two, three, four, five, six", "Use at most 5 tags."),
    ],
)
def test_tags_refuse_bad_names_and_too_many(client_as, world, tags, message):
    response = _new_topic(client_as("admin"), title="Tag trouble here", tags=tags)
    assert response.status_code == 422
    assert message in response.text


def test_tag_page_lists_only_topics_the_viewer_may_read(client_as, world):
    admin = world.user("admin")
    factories.make_topic(world.spaces["public"], author=admin, title="Public hub talk", tags="hub")
    factories.make_topic(world.spaces["closed"], author=admin, title="Closed hub talk", tags="hub")

    outsider = client_as("member").get("/tags/hub").text
    insider = client_as("closed_member").get("/tags/hub").text

    assert "Public hub talk" in outsider
    assert "Closed hub talk" not in outsider
    assert "Closed hub talk" in insider


def test_tag_used_only_in_a_closed_space_does_not_exist_for_outsiders(client_as, world):
    factories.make_topic(
        world.spaces["closed"], author=world.user("admin"), title="Secret", tags="project-x"
    )
    for persona, visible in (("anonymous", False), ("member", False), ("closed_member", True)):
        client = client_as(persona)
        assert client.get("/tags/project-x").status_code == (200 if visible else 404)
        assert ("project-x" in client.get("/tags").text) is visible
    assert client_as("member").get("/tags/no-such-tag").status_code == 404


def test_space_list_filters_by_tag_and_by_question_state(client_as, world):
    admin, member = world.user("admin"), world.user("member")
    space = world.spaces["public"]
    tagged = factories.make_topic(space, author=admin, title="Tagged discussion", tags="hub")
    solved = factories.make_topic(space, author=member, title="Solved one", kind=TopicKind.QUESTION)
    answer = factories.make_reply(solved, author=world.user("employee"))
    answer_services.accept_answer(member, solved, answer)
    open_question = factories.make_topic(
        space, author=member, title="Open one", kind=TopicKind.QUESTION
    )
    client = client_as("anonymous")

    def titles(query):
        page = client.get(f"/s/town-square?{query}").text
        return {t.title for t in (tagged, solved, open_question) if t.title in page}

    assert titles("tag=hub") == {"Tagged discussion"}
    assert titles("show=solved") == {"Solved one"}
    assert titles("show=unsolved") == {"Open one"}
    assert titles("show=unanswered") == {"Tagged discussion", "Open one"}
    assert titles("show=questions") == {"Solved one", "Open one"}
    assert titles("show=nonsense") == {"Tagged discussion", "Solved one", "Open one"}


# --- wiki posts --------------------------------------------------------------------------


def _first_post(topic):
    return db.session.scalar(select(Post).where(Post.topic_id == topic.id, Post.post_number == 1))


def test_wiki_post_can_be_edited_by_members_of_the_space_with_revisions(client_as, world):
    topic = factories.make_topic(world.spaces["public"], author=world.user("admin"))
    post = _first_post(topic)
    topic_services.set_post_wiki(world.user("space_moderator"), post, is_wiki=True)

    topic_services.edit_post(world.user("member"), post, body="Kept current by members.")

    revision = db.session.scalar(select(PostRevision).where(PostRevision.post_id == post.id))
    assert post.body_source == "Kept current by members."
    assert revision.editor_id == world.user("member").id
    assert "Edit wiki" in client_as("closed_member").get(f"/t/{topic.id}").text


def test_wiki_post_is_not_editable_by_people_who_cannot_post_there(world):
    topic = factories.make_topic(world.spaces["public"], author=world.user("admin"))
    post = _first_post(topic)
    topic_services.set_post_wiki(world.user("space_moderator"), post, is_wiki=True)
    with pytest.raises(Forbidden):
        topic_services.edit_post(world.user("unconfirmed"), post, body="nope")
    topic_services.set_topic_locked(world.user("admin"), topic, is_locked=True)
    with pytest.raises(Forbidden):
        topic_services.edit_post(world.user("member"), post, body="locked now")
    assert post.body_source == "The first post of this topic."


def test_wiki_switch_is_for_moderators_and_first_posts_only(world):
    topic = factories.make_topic(world.spaces["public"], author=world.user("member"))
    reply = factories.make_reply(topic, author=world.user("member"))
    with pytest.raises(Forbidden):
        topic_services.set_post_wiki(world.user("member"), _first_post(topic), is_wiki=True)
    with pytest.raises(Forbidden):
        topic_services.set_post_wiki(world.user("moderator"), reply, is_wiki=True)
    topic_services.set_post_wiki(world.user("moderator"), _first_post(topic), is_wiki=True)
    assert _first_post(topic).is_wiki is True


def test_tags_resolve_is_validation_not_a_crash_for_empty_input(world):
    assert tag_services.parse_tag_names("  , ,, ") == []
    with pytest.raises(ValidationFailed):
        tag_services.parse_tag_names("x" * 40)


def test_tag_page_query_count_is_the_same_for_5_and_30_topics(client_as, database, world):
    client = client_as("member")
    made = 0

    def measure(total: int) -> list[str]:
        nonlocal made
        for number in range(made, total):
            author = factories.make_user(username=f"tagger{number}", is_employee=True)
            factories.make_topic(
                world.spaces["public"], author=author, title=f"Tagged topic {number}", tags="hub"
            )
        made = total
        client.get("/tags/hub")
        with count_queries(database) as statements:
            page = client.get("/tags/hub").text
        assert page.count("Tagged topic") == total
        return statements

    few, many = measure(5), measure(30)
    assert len(few) == len(many), "\n---\n".join(many)
    # Member, memberships, the tag, one visible topic check, the page of topics, their tags,
    # the header's unread notifications.
    assert len(many) <= TAG_PAGE_MAX_QUERIES, "\n---\n".join(many)


TAG_PAGE_MAX_QUERIES = 8
