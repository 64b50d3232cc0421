"""Full-text search: ranking, snippets, filters, permissions, index upkeep, bad input.

Every test runs on SQLite (FTS5) and, with TEST_DATABASE_URL, on PostgreSQL
(tsvector): the same expectations hold for both backends.
"""

from __future__ import annotations

import importlib.util
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from community.accounts.models import AnonymousViewer
from community.answers import services as answer_services
from community.errors import NotFound
from community.extensions import db, limiter
from community.markdown import render_snippet
from community.search import queries
from community.search.backends import fts5_query
from community.spaces import services as space_services
from community.spaces.models import IdeaBoard, Space, Visibility
from community.topics import services as topic_services
from community.topics.models import Post, TopicKind
from tests import factories
from tests.conftest import (
    PERSONAS,
    SPACE_KINDS,
    IsolatedClient,
    count_queries,
    make_test_app,
    sign_in,
)
from tests.test_leak_matrix import _seed_canaries, search_canaries
from tests.test_policy import READ

MIGRATIONS = Path(__file__).resolve().parents[1] / "migrations" / "versions"
MIGRATION = MIGRATIONS / "5e4c0fa1b2c3_full_text_search.py"


def _viewer(world, persona):
    return world.user(persona) or AnonymousViewer()


def _search(viewer, text, **filters):
    return queries.search_posts(viewer or AnonymousViewer(), text, **filters)


def _post_ids(results) -> list[int]:
    return [hit.post.id for hit in results.hits]


def _first_post(topic) -> Post:
    return db.session.scalar(
        sa.select(Post).where(Post.topic_id == topic.id, Post.post_number == 1)
    )


# --- matching and ranking -------------------------------------------------------------


def test_search_finds_title_and_body_words_when_they_are_split_between_them(world):
    admin = world.user("admin")
    topic = factories.make_topic(
        world.spaces["public"], author=admin, title="Thermostat loses its schedule",
        body="Since the firmware update it forgets everything.",
    )  # fmt: skip
    factories.make_reply(topic, author=admin, body="Same here with my thermostat.")

    found = _search(None, "thermostat firmware")

    assert _post_ids(found) == [_first_post(topic).id]


def test_search_matches_other_forms_of_a_word_when_stemmed(world):
    topic = factories.make_topic(
        world.spaces["public"], author=world.user("admin"), body="The speaker paired at last."
    )
    assert _post_ids(_search(None, "pairing")) == [_first_post(topic).id]


def test_search_ranks_title_matches_and_frequent_mentions_first(world):
    admin, space = world.user("admin"), world.spaces["public"]
    passing = factories.make_topic(
        space, author=admin, title="Questions about billing",
        body="Among other things, a doorbell is mentioned here once, and much more text follows "
        "about invoices, payment dates, refunds and currencies, to make the post long.",
    )  # fmt: skip
    titled = factories.make_topic(space, author=admin, title="Doorbell chimes twice", body="Why?")
    repeated = factories.make_topic(
        space, author=admin, title="Odd noises", body="The doorbell, the doorbell, the doorbell."
    )

    ranked = _post_ids(_search(None, "doorbell"))

    assert ranked[0] == _first_post(titled).id
    assert ranked.index(_first_post(repeated).id) < ranked.index(_first_post(passing).id)


def test_search_returns_one_hit_per_post_when_title_and_body_both_match(world):
    topic = factories.make_topic(
        world.spaces["public"], author=world.user("admin"), title="Camera camera camera",
        body="camera " * 20,
    )  # fmt: skip
    factories.make_reply(topic, author=world.user("admin"), body="A camera reply.")
    ids = _post_ids(_search(None, "camera"))
    assert len(ids) == len(set(ids)) == 2


# --- snippets ---------------------------------------------------------------------------


def test_search_snippet_marks_the_matched_words_when_rendered(world):
    factories.make_topic(
        world.spaces["public"], author=world.user("admin"),
        body="Hold the reset button for ten seconds until the light blinks.",
    )  # fmt: skip
    (hit,) = _search(None, "reset button").hits
    html = str(render_snippet(hit.snippet))
    assert "<mark>reset</mark>" in html
    assert "<mark>button</mark>" in html


def test_search_page_escapes_the_snippet_when_a_post_contains_markup(client, world):
    factories.make_topic(
        world.spaces["public"], author=world.user("admin"), title="Widget embedding help",
        body='Pasting <script>alert("pwned")</script> into the widgetcode box <b>breaks</b>.',
    )  # fmt: skip
    page = client.get("/search", query_string={"q": "widgetcode"}).text

    assert "<mark>widgetcode</mark>" in page
    assert "<script>alert" not in page
    assert "<b>breaks" not in page
    if db.session.get_bind().dialect.name == "sqlite":
        # PostgreSQL's ts_headline drops what its parser reads as tags; FTS5 keeps the text.
        assert "&lt;script&gt;alert(&#34;pwned&#34;)&lt;/script&gt;" in page


def test_render_snippet_escapes_text_and_drops_stray_markers():
    assert str(render_snippet("a <i>\x02b&c\x03 \x03d\x02")) == "a &lt;i&gt;<mark>b&amp;c</mark> d"


# --- filters ----------------------------------------------------------------------------


@pytest.fixture
def filter_world(world):
    """Topics that all contain the word "gizmo", differing in one way each."""
    admin, member = world.user("admin"), world.user("member")
    public, other = (
        world.spaces["public"],
        factories.make_space(slug="workshop", idea_board=IdeaBoard.ALONGSIDE),
    )
    topics = {
        "discussion": factories.make_topic(public, author=admin, body="A gizmo discussion."),
        "question": factories.make_topic(
            public, author=member, kind=TopicKind.QUESTION, body="Where is my gizmo?"
        ),
        "solved": factories.make_topic(
            public, author=admin, kind=TopicKind.QUESTION, body="Gizmo solved?", tags="hub"
        ),
        "idea": factories.make_topic(other, author=admin, kind=TopicKind.IDEA, body="Gizmo idea."),
    }
    answer = factories.make_reply(topics["solved"], author=member, body="Turn the gizmo off.")
    answer_services.accept_answer(admin, topics["solved"], answer)
    # Dates are set directly (services stamp "now"), for every post of each topic.
    for name, day in (("discussion", 1), ("question", 10), ("solved", 20), ("idea", 28)):
        db.session.execute(
            sa.update(Post)
            .where(Post.topic_id == topics[name].id)
            .values(created_at=datetime(2026, 2, day, 12, tzinfo=UTC))
        )
    db.session.commit()
    return topics, answer, other


def _topic_ids(results) -> set[int]:
    return {hit.post.topic_id for hit in results.hits}


def test_search_filters_narrow_results_when_each_filter_is_given(world, filter_world):
    topics, answer, other = filter_world
    ids = {name: topic.id for name, topic in topics.items()}

    assert _topic_ids(_search(None, "gizmo")) == set(ids.values())
    assert _topic_ids(_search(None, "gizmo", space=other)) == {ids["idea"]}
    assert _topic_ids(_search(None, "gizmo", kind=TopicKind.QUESTION)) == {
        ids["question"],
        ids["solved"],
    }
    assert _topic_ids(_search(None, "gizmo", kind=TopicKind.IDEA)) == {ids["idea"]}
    assert _topic_ids(_search(None, "gizmo", solved=True)) == {ids["solved"]}
    assert _topic_ids(_search(None, "gizmo", solved=False)) == {ids["question"]}
    assert _topic_ids(_search(None, "gizmo", author="MEMBER")) == {ids["question"], ids["solved"]}
    assert _post_ids(_search(None, "gizmo", author="member", tag="HUB")) == [answer.id]
    assert _topic_ids(_search(None, "gizmo", tag="nosuchtag")) == set()
    assert _topic_ids(_search(None, "gizmo", since=date(2026, 2, 10), until=date(2026, 2, 20))) == {
        ids["question"],
        ids["solved"],
    }
    # "until" takes the whole day.
    assert _post_ids(_search(None, "gizmo", until=date(2026, 2, 1))) == [
        _first_post(topics["discussion"]).id
    ]
    assert _search(None, "gizmo", since=date(9999, 12, 31)).hits == []
    assert len(_search(None, "gizmo", until=date(9999, 12, 31)).hits) == len(topics) + 1


def test_search_page_applies_filters_from_the_query_string(client, world, filter_world):
    topics, _answer, _other = filter_world
    page = client.get(
        "/search", query_string={"q": "gizmo", "space": "workshop", "kind": "idea"}
    ).text
    assert f'href="/t/{topics["idea"].id}#post-1"' in page
    assert page.count('class="topic-row search-hit"') == 1


def test_search_space_filter_answers_404_when_the_space_is_hidden(client_as, world):
    factories.make_topic(world.spaces["closed"], author=world.user("admin"), body="gizmo inside")
    outsider, insider = client_as("member"), client_as("closed_member")

    hidden = outsider.get("/search", query_string={"q": "gizmo", "space": "inner-circle"})
    missing = outsider.get("/search", query_string={"q": "gizmo", "space": "no-such-space"})
    shown = insider.get("/search", query_string={"q": "gizmo", "space": "inner-circle"})

    assert hidden.status_code == missing.status_code == 404
    assert shown.status_code == 200
    assert "<mark>gizmo</mark>" in shown.text
    with pytest.raises(NotFound):
        _search(world.user("member"), "gizmo", space=world.spaces["closed"])


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("since", "yesterday", "Not a valid date value."),
        ("until", "2026-02-30", "Not a valid date value."),
        ("since", "99999-01-01", "Not a valid date value."),
        ("kind", "poll", "Not a valid choice."),
        ("solved", "maybe", "Not a valid choice."),
        ("author", "x" * 200, "Field cannot be longer than 30 characters."),
    ],
)
def test_search_page_shows_the_message_beside_the_field_when_a_filter_is_malformed(
    client, world, field, value, message
):
    response = client.get("/search", query_string={"q": "gizmo", field: value})
    assert response.status_code == 422
    assert f'id="{field}-error">{message}' in response.text
    if field in ("since", "until", "author"):
        assert f'value="{value}"' in response.text  # the member's text is kept


def test_search_page_refuses_a_date_range_that_ends_before_it_starts(client, world):
    response = client.get(
        "/search", query_string={"q": "gizmo", "since": "2026-03-01", "until": "2026-02-01"}
    )
    assert response.status_code == 422
    assert 'id="until-error">The last day comes before the first.' in response.text


# --- permissions --------------------------------------------------------------------------


@pytest.mark.parametrize("kind", SPACE_KINDS)
@pytest.mark.parametrize("persona", PERSONAS)
def test_search_finds_a_post_only_when_the_persona_may_read_its_space(world, persona, kind):
    admin = world.user("admin")
    topic = factories.make_topic(
        world.spaces[kind], author=admin, title="Quarterly roadmap", body="zanzibar plans"
    )
    reply = factories.make_reply(topic, author=admin, body="More zanzibar detail.")
    may_read = READ[persona][SPACE_KINDS.index(kind)]

    found = _post_ids(_search(_viewer(world, persona), "zanzibar"))

    assert sorted(found) == (sorted([_first_post(topic).id, reply.id]) if may_read else [])
    assert bool(_search(_viewer(world, persona), "quarterly roadmap").hits) is may_read


def test_search_leaves_out_deleted_posts_and_topics_even_for_moderators(world):
    admin, space = world.user("admin"), world.spaces["public"]
    kept = factories.make_topic(space, author=admin, body="walrus kept")
    deleted_reply = factories.make_reply(kept, author=admin, body="walrus reply gone")
    gone = factories.make_topic(space, author=admin, body="walrus topic gone")
    topic_services.delete_post(admin, deleted_reply)
    topic_services.delete_post(admin, _first_post(gone))

    for viewer in (None, world.user("moderator"), admin):
        assert _post_ids(_search(viewer, "walrus")) == [_first_post(kept).id]


def test_search_follows_a_space_when_its_visibility_changes(world):
    space = world.spaces["public"]
    topic = factories.make_topic(space, author=world.user("admin"), body="narwhal sighting")
    member, outsider = world.user("member"), AnonymousViewer()
    assert _search(member, "narwhal").hits

    db.session.execute(
        sa.update(Space).where(Space.id == space.id).values(visibility=Visibility.EMPLOYEE)
    )
    db.session.expire_all()

    assert _search(member, "narwhal").hits == []
    assert _search(outsider, "narwhal").hits == []
    assert _post_ids(_search(world.user("employee"), "narwhal")) == [_first_post(topic).id]


def test_search_follows_a_topic_when_it_moves_to_another_space(world):
    topic = factories.make_topic(
        world.spaces["public"], author=world.user("admin"), body="axolotl care"
    )
    factories.make_reply(topic, author=world.user("member"), body="axolotl tank tips")
    assert len(_search(world.user("member"), "axolotl").hits) == 2

    db.session.execute(
        sa.text("UPDATE topics SET space_id = :space WHERE id = :topic"),
        {"space": world.spaces["closed"].id, "topic": topic.id},
    )
    db.session.expire_all()

    assert _search(world.user("member"), "axolotl").hits == []
    assert len(_search(world.user("closed_member"), "axolotl").hits) == 2


def test_search_follows_membership_when_a_member_leaves_a_closed_space(world):
    closed, member = world.spaces["closed"], world.user("closed_member")
    factories.make_topic(closed, author=world.user("admin"), body="ocelot notes")
    assert _search(member, "ocelot").hits

    space_services.remove_member(world.user("admin"), closed, member)
    db.session.expire_all()

    assert _search(member, "ocelot").hits == []


def test_search_page_shows_canaries_to_admins_so_the_leak_matrix_can_fail(world, client_as):
    objects, _canaries = _seed_canaries(world)
    admin = client_as("admin")
    for kind in SPACE_KINDS:
        page = admin.get("/search", query_string=search_canaries(objects[kind])).text
        assert f"CANARY{kind.upper()}BODY" in page
        assert f"CANARY{kind.upper()}REPLY" in page
    assert "Canaryclosed" in admin.get("/search", query_string={"q": "canaryclosedreply"}).text


# --- the index follows every write ----------------------------------------------------------


def test_search_index_follows_create_edit_and_delete_through_the_services(world):
    admin, space = world.user("admin"), world.spaces["public"]
    topic = topic_services.create_topic(admin, space, title="Toaster advice", body="crumbs tray")
    first = _first_post(topic)
    reply = topic_services.reply_to_topic(admin, topic, body="bagel setting")
    assert _post_ids(_search(None, "crumbs")) == [first.id]
    assert _post_ids(_search(None, "bagel")) == [reply.id]

    topic_services.edit_post(admin, first, body="defrost button", title="Kettle advice")
    topic_services.edit_post(admin, reply, body="croissant setting")

    assert _search(None, "crumbs").hits == []
    assert _search(None, "toaster").hits == []
    assert _post_ids(_search(None, "defrost kettle")) == [first.id]
    assert _search(None, "bagel").hits == []
    assert _post_ids(_search(None, "croissant")) == [reply.id]
    # The title belongs to the first post's document only.
    assert _post_ids(_search(None, "kettle")) == [first.id]

    topic_services.delete_post(admin, reply)
    assert _search(None, "croissant").hits == []


def test_search_index_loses_the_row_when_a_post_is_removed_from_the_database(world, database):
    topic = factories.make_topic(world.spaces["public"], author=world.user("admin"), body="lemur")
    post_id = _first_post(topic).id
    key = "rowid" if database.dialect.name == "sqlite" else "post_id"
    count = sa.text(f"SELECT count(*) FROM post_search WHERE {key} = :id")  # noqa: S608 - a constant
    assert database.execute(count, {"id": post_id}).scalar() == 1

    database.execute(sa.text("DELETE FROM topics WHERE id = :id"), {"id": topic.id})

    assert database.execute(count, {"id": post_id}).scalar() == 0


def test_search_index_triggers_exist_when_migrated_to_head(database):
    # A later batch migration that recreates posts or topics on SQLite drops their
    # triggers silently; this fails until it recreates them.
    expected = {
        "post_search_post_insert",
        "post_search_post_update",
        "post_search_topic_title",
    }
    if database.dialect.name == "sqlite":
        expected.add("post_search_post_delete")
        names = sa.text("SELECT name FROM sqlite_master WHERE type = 'trigger'")
    else:
        names = sa.text("SELECT tgname FROM pg_trigger WHERE NOT tgisinternal")
    assert expected <= set(database.execute(names).scalars())


def _load_migration():
    spec = importlib.util.spec_from_file_location("search_migration", MIGRATION)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_search_migration_indexes_existing_posts_when_upgraded(world, database):
    """Downgrade the search objects, write a post, upgrade: the backfill finds it.

    DDL is transactional on both databases, so the test's rollback undoes it all.
    """
    migration = _load_migration()
    dialect = database.dialect.name
    for statement in migration.DOWNGRADE[dialect]:
        database.exec_driver_sql(statement)
    topic = factories.make_topic(
        world.spaces["public"], author=world.user("admin"), title="Older than search",
        body="pangolin",
    )  # fmt: skip
    reply = factories.make_reply(topic, author=world.user("admin"), body="another pangolin")

    for statement in migration.UPGRADE[dialect]:
        database.exec_driver_sql(statement)

    assert sorted(_post_ids(_search(None, "pangolin"))) == sorted([_first_post(topic).id, reply.id])
    assert _post_ids(_search(None, "older search")) == [_first_post(topic).id]


# --- bad input -------------------------------------------------------------------------------

HOSTILE_QUERIES = [
    '"',
    '"unbalanced quote',
    '""',
    "'",
    "it's",
    "a AND b OR c NOT d",
    "OR",
    "AND",
    "NOT",
    "- -- -x",
    "-",
    "(((",
    ")",
    "(a OR b",
    "*",
    "gizmo*",
    "^gizmo",
    "NEAR",
    "NEAR(a b, 5)",
    "title:gizmo",
    "{title body}: gizmo",
    "+gizmo",
    "a:b:c",
    "\\",
    "%",
    "_",
    "x" * 10_000,
    "gizmo " * 2_000,
    "🔥🔥🔥",
    "gizmo 🔥",
    "👩‍👩‍👧 émoji naïve",
    "' OR 1=1 --",
    "'; DROP TABLE posts; --",
    "gizmo\x00nul",
    "\x02\x03",
    "<script>alert(1)</script>",
    "the",
    "Ⅻ ª ²",
    "%s%s%n",
]


@pytest.mark.parametrize("text", HOSTILE_QUERIES)
def test_search_page_never_errors_when_given_search_syntax_or_junk(client, world, text):
    factories.make_topic(world.spaces["public"], author=world.user("admin"), body="gizmo inside")
    response = client.get("/search", query_string={"q": text})
    assert response.status_code == 200, text
    assert "<script>alert" not in response.text


def test_search_page_cuts_a_long_query_and_says_so(client, world):
    response = client.get("/search", query_string={"q": "gizmo " + "x" * 10_000})
    assert response.status_code == 200
    assert f"Only the first {queries.QUERY_MAX_LENGTH} characters were searched." in response.text
    assert _search(None, "y" * 10_000).is_truncated is True


def test_search_page_shows_only_the_form_when_the_query_is_empty(client, world):
    for query_string in ({}, {"q": ""}, {"q": "   "}, {"q": "", "since": "garbage"}):
        response = client.get("/search", query_string=query_string)
        assert response.status_code == 200
        assert 'role="search"' in response.text
        assert 'id="results-heading"' not in response.text
        assert 'class="error"' not in response.text


def test_search_page_ignores_url_building_arguments_in_the_query_string(client, world):
    for number in range(queries.RESULTS_PER_PAGE + 1):
        factories.make_topic(
            world.spaces["public"], author=world.user("admin"), body=f"gizmo {number}"
        )
    response = client.get(
        "/search", query_string={"q": "gizmo", "_scheme": "javascript", "_external": "1"}
    )
    assert response.status_code == 200
    assert 'href="/search?page=2&amp;q=gizmo"' in response.text


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("router", '"router"'),
        ("router hub", '"router" AND "hub"'),
        ('"firmware update" hub', '"firmware update" AND "hub"'),
        ('"unbalanced phrase', '"unbalanced phrase"'),
        ("a OR b c", '("a" OR "b") AND "c"'),
        ("OR a OR", '"a"'),
        ("a -b -c", '("a") NOT ("b" OR "c")'),
        ("-b", None),
        ("NEAR(a b, 5)", '"NEAR a" AND "b" AND "5"'),
        ("hub* ^x col:y", '"hub" AND "x" AND "col y"'),
        ("a-b", '"a b"'),
        ("🔥 ( ) *", None),
        ("", None),
    ],
)
def test_fts5_query_quotes_every_term_when_rebuilt(text, expected):
    assert fts5_query(text) == expected


@settings(
    max_examples=200,
    deadline=None,
    # Searches are reads: the shared transaction is not changed by any example.
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(text=st.text(max_size=300) | st.text(alphabet='"()*^:-+ ORNEADab', max_size=40))
def test_search_never_raises_when_given_random_text(world, text):
    result = _search(world.user("admin"), text, kind=TopicKind.QUESTION)
    assert result.hits == [] or all(hit.post.id for hit in result.hits)


def test_search_finds_text_in_any_language_when_the_post_has_it(world):
    topic = factories.make_topic(
        world.spaces["public"], author=world.user("admin"), body="Grüße aus Zürich, café crème"
    )
    for text in ("zürich", "ZÜRICH", "café", "crème", "grüße"):
        assert _post_ids(_search(None, text)) == [_first_post(topic).id], text
    if db.session.get_bind().dialect.name == "sqlite":
        # FTS5 folds accents (remove_diacritics); PostgreSQL's 'english' does not.
        assert _post_ids(_search(None, "Zurich cafe")) == [_first_post(topic).id]


# --- pages and query counts ---------------------------------------------------------------------


def test_search_pages_do_not_overlap_and_say_when_more_follow(world):
    admin = world.user("admin")
    for number in range(25):
        factories.make_topic(world.spaces["public"], author=admin, body=f"quokka number {number}")

    first, second = _search(None, "quokka"), _search(None, "quokka", page=2)
    beyond = _search(None, "quokka", page=10_000_000_000_000_000_000)

    assert (len(first.hits), first.has_next) == (20, True)
    assert (len(second.hits), second.has_next, second.has_previous) == (5, False, True)
    assert not set(_post_ids(first)) & set(_post_ids(second))
    assert beyond.page == queries.MAX_PAGE
    assert beyond.hits == []


def test_search_page_links_to_the_next_page_with_the_same_filters(client, world):
    for number in range(21):
        factories.make_topic(
            world.spaces["public"], author=world.user("admin"), body=f"quokka {number}"
        )
    page = client.get("/search", query_string={"q": "quokka", "kind": "discussion"}).text
    assert 'rel="next" href="/search?page=2&amp;q=quokka&amp;kind=discussion"' in page
    second = client.get("/search", query_string={"q": "quokka", "page": "2"}).text
    assert second.count('class="topic-row search-hit"') == 1
    assert 'rel="prev"' in second


def test_search_page_query_count_is_the_same_for_5_and_20_hits(client_as, database, world):
    client = client_as("closed_member")
    made = 0

    def measure(total: int) -> list[str]:
        nonlocal made
        for number in range(made, total):
            author = factories.make_user(username=f"searcher{number}")
            space = world.spaces["public"] if number % 2 else world.spaces["closed"]
            if number % 2 == 0:
                space_services.add_member(world.user("admin"), space, author)
            topic = factories.make_topic(space, author=author, body=f"okapi {number}", tags=None)
            factories.make_reply(topic, author=author, body=f"okapi reply {number}")
        made = total
        client.get("/search?q=okapi")
        with count_queries(database) as statements:
            page = client.get("/search?q=okapi+-reply").text
        assert page.count('class="topic-row search-hit"') == total
        return statements

    few, many = measure(5), measure(20)
    assert len(few) == len(many), "\n---\n".join(many)
    # Member, memberships, the space choices, the page of hits, the hits' tags, the
    # header's unread notifications.
    assert len(many) <= SEARCH_PAGE_MAX_QUERIES, "\n---\n".join(many)


SEARCH_PAGE_MAX_QUERIES = 6


# --- rate limits ------------------------------------------------------------------------------


@pytest.fixture
def limited_client(database, database_url):
    def build(**overrides):
        app = make_test_app(
            database_url, RATE_LIMITS_ENABLED=True, RATELIMIT_STORAGE_URI="memory://", **overrides
        )
        app.test_client_class = IsolatedClient
        limiter.reset()
        return app.test_client()

    yield build
    limiter.reset()


def test_search_rate_limit_is_per_visitor_and_higher_for_members(limited_client, world):
    limits = {
        "RATELIMIT_SEARCH_ANONYMOUS": "3 per minute",
        "RATELIMIT_SEARCH_MEMBER": "5 per minute",
    }
    visitor, member = limited_client(**limits), limited_client(**limits)
    sign_in(member, world.user("member"))

    visitor_statuses = [visitor.get("/search?q=gizmo").status_code for _ in range(4)]
    member_statuses = [member.get("/search?q=gizmo").status_code for _ in range(6)]

    assert visitor_statuses == [200, 200, 200, 429]
    assert member_statuses == [200] * 5 + [429]
    refused = visitor.get("/search?q=gizmo")
    assert int(refused.headers["Retry-After"]) > 0
    # Showing the empty form runs no search and is not counted.
    assert visitor.get("/search").status_code == 200
    elsewhere = visitor.get("/search?q=gizmo", environ_base={"REMOTE_ADDR": "192.0.2.7"})
    assert elsewhere.status_code == 200
