"""Spaces: the directory, space pages, what hidden spaces leak (nothing), and admin.

Leak tests plant canary strings in the titles, bodies, replies and revisions of
closed and employee spaces and look for them in every page a persona can request.
Who may read or see what comes from the matrix in ``tests/test_policy.py``.
"""

from __future__ import annotations

import re
from html import escape, unescape
from urllib.parse import quote

import pytest
from sqlalchemy import func, select

from community.extensions import db
from community.spaces.models import Membership, MembershipRole, Space, Visibility
from community.topics import services as topic_services
from community.topics.models import Post
from tests import factories
from tests.conftest import (
    PERSONAS,
    SIGNED_OUT_PERSONAS,
    SPACE_KINDS,
    csrf_token_from,
    page_with_csrf_token,
)
from tests.test_policy import LISTED, READ

CANARIES = {
    "closed": "CANARY-CLOSED-9b1e",
    "employee": "CANARY-STAFF-41c7",
    "unlisted": "CANARY-BACKROOM-d02a",
}
SLUGS = {"closed": "inner-circle", "employee": "staff-lounge", "unlisted": "back-room"}
NON_ADMINS = [persona for persona in PERSONAS if persona != "admin"]


# --- helpers --------------------------------------------------------------------


def post_form(client, action_url, data, *, page_url="/"):
    """POST ``data`` with the CSRF token of a page the same client fetched."""
    page = page_with_csrf_token(client, page_url)
    return client.post(action_url, data={**data, "csrf_token": csrf_token_from(page)})


def can(table, persona, kind):
    return table[persona][SPACE_KINDS.index(kind)]


def readable_kinds(persona):
    """May the persona read the planted space of each kind? ("unlisted": back-room)"""
    return {
        "closed": can(READ, persona, "closed"),
        "employee": can(READ, persona, "employee"),
        "unlisted": persona in ("closed_member", "admin"),
    }


def make_unlisted_space(world):
    """A closed space left out of the directory; only closed_member belongs to it."""
    return factories.make_space(
        visibility=Visibility.CLOSED,
        is_listed=False,
        slug="back-room",
        name="Back Room",
        members=(world.user("closed_member"),),
    )


def plant_canaries(world, unlisted):
    """A topic with a canary in every readable part, in each hidden-by-default space.

    Returns {kind: (topic, first post, reply)}.
    """
    admin = world.user("admin")
    planted = {}
    spaces = {"closed": world.spaces["closed"], "employee": world.spaces["employee"]}
    for kind, space in {**spaces, "unlisted": unlisted}.items():
        canary = CANARIES[kind]
        topic = factories.make_topic(
            space, author=admin, title=f"{canary} title", body=f"{canary} old body"
        )
        post = db.session.scalar(select(Post).where(Post.topic_id == topic.id))
        topic_services.edit_post(admin, post, body=f"{canary} body", title=f"{canary} title")
        reply = factories.make_reply(topic, author=admin, body=f"{canary} reply")
        planted[kind] = (topic, post, reply)
    factories.make_topic(world.spaces["public"], author=admin, title="An open topic")
    return planted


def surfaces(planted):
    """Every page that could show a planted canary."""
    urls = ["/", "/s/town-square", "/s/back-room", "/s/back-room/new", "/admin/spaces"]
    for slug in ("inner-circle", "staff-lounge"):
        urls += [f"/s/{slug}", f"/s/{slug}/new", f"/s/{slug}?after=9999999999999999.9"]
    for topic, post, reply in planted.values():
        urls += [f"/t/{topic.id}", f"/t/{topic.id}?page=1"]
        for each in (post, reply):
            urls += [f"/p/{each.id}/revisions", f"/p/{each.id}/edit"]
    return urls


def normalised(html, path):
    """A page without what differs per request: CSRF tokens, the CSP nonce, the path."""
    html = re.sub(r'<meta name="csrf-token" content="[^"]*">', "", html)
    html = re.sub(r'nonce="[^"]*"', "", html)
    html = re.sub(r'(name="csrf_token"[^>]*value=")[^"]*"', r'\1"', html)
    return html.replace(escape(path), "{path}").replace(quote(path, safe=""), "{path}")


def directory(html):
    """{space name: its directory card} from the home page."""
    listing = re.search(r'<ul class="space-list">(.*?)</ul>', html, re.S).group(1)
    cards = re.findall(r'<li class="space-card">(.*?)</li>', listing, re.S)
    return {unescape(re.search(r'class="space-name">([^<]*)</a>', c).group(1)): c for c in cards}


def listed_topic_titles(html):
    return [unescape(t) for t in re.findall(r'class="topic-title" href="/t/\d+">([^<]*)</a>', html)]


def field_block(html, field_id):
    for block in re.split(r'(?=<div class="field)', html):
        if f'id="{field_id}"' in block:
            return block.split("</form>")[0]
    raise AssertionError(f"no field #{field_id} on the page")


def error_beside(html, field_id):
    block = field_block(html, field_id)
    match = re.search(rf'<p class="error" id="{field_id}-error">(.*?)</p>', block, re.S)
    assert match, f"no error beside #{field_id}:\n{block}"
    assert 'aria-invalid="true"' in block
    return unescape(match.group(1))


def space_rows():
    """Every space and membership, as plain values, to compare before and after."""
    spaces = db.session.execute(
        select(
            Space.slug, Space.name, Space.description, Space.visibility, Space.is_listed
        ).order_by(Space.id)
    ).all()
    memberships = db.session.execute(
        select(Membership.space_id, Membership.user_id, Membership.role).order_by(Membership.id)
    ).all()
    return [tuple(row) for row in spaces], [tuple(row) for row in memberships]


def space_form(**overrides):
    data = {
        "name": "Garden Club",
        "slug": "garden-club",
        "description": "Roses and more",
        "visibility": "public",
        "is_listed": "y",
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


# --- the home page --------------------------------------------------------------


@pytest.mark.parametrize("persona", PERSONAS)
def test_home_lists_only_spaces_persona_may_see_when_spaces_of_every_kind_exist(
    world, client_as, persona
):
    unlisted = make_unlisted_space(world)
    plant_canaries(world, unlisted)

    page = client_as(persona).get("/")
    # A suspended member's sign-in was refused: the page is a visitor's.
    seen_as = "anonymous" if persona in SIGNED_OUT_PERSONAS else persona

    assert page.status_code == 200
    cards = directory(page.text)
    expected = {world.spaces[kind].name for kind in SPACE_KINDS if can(LISTED, seen_as, kind)} | (
        {"Back Room"} if persona in ("closed_member", "admin") else set()
    )
    assert set(cards) == expected
    for kind in SPACE_KINDS:
        name = world.spaces[kind].name
        if name in cards and not can(READ, seen_as, kind):
            # Listed but not readable: the name and "members only", no counts.
            assert "members only" in cards[name]
            assert "topics</span>" not in cards[name]
        elif name in cards:
            assert "members only" not in cards[name]
            assert re.search(r"\d+ topics</span>", cards[name])


def test_home_lists_closed_space_name_but_no_topics_when_member_is_not_in_it(world, client_as):
    unlisted = make_unlisted_space(world)
    plant_canaries(world, unlisted)

    page = client_as("member").get("/")

    card = directory(page.text)["Inner Circle"]
    assert 'href="/s/inner-circle"' in card
    assert '<span class="badge badge-closed">closed</span>' in card
    assert "members only" in card
    assert listed_topic_titles(page.text) == ["An open topic"]
    for canary in CANARIES.values():
        assert canary not in page.text


def test_home_lists_topics_of_closed_space_when_viewer_is_its_member(world, client_as):
    unlisted = make_unlisted_space(world)
    plant_canaries(world, unlisted)

    page = client_as("closed_member").get("/")

    titles = listed_topic_titles(page.text)
    assert f"{CANARIES['closed']} title" in titles
    assert f"{CANARIES['unlisted']} title" in titles
    assert f"{CANARIES['employee']} title" not in titles


# --- leaks ----------------------------------------------------------------------


@pytest.mark.parametrize("persona", PERSONAS)
def test_canaries_never_appear_when_persona_may_not_read_their_space(world, client_as, persona):
    unlisted = make_unlisted_space(world)
    planted = plant_canaries(world, unlisted)
    viewer = client_as(persona)
    may_read = readable_kinds(persona)

    responses = {url: viewer.get(url) for url in surfaces(planted)}

    # Spaces the persona may not even see listed keep their names to themselves too.
    hidden_names = [
        name
        for kind, name in (("closed", "Inner Circle"), ("employee", "Staff Lounge"))
        if not can(LISTED, persona, kind)
    ] + ([] if may_read["unlisted"] else ["Back Room"])

    for url, response in responses.items():
        assert response.status_code < 500, url
        for kind, canary in CANARIES.items():
            if not may_read[kind]:
                assert canary not in response.text, f"{canary} leaked on {url} to {persona}"
                assert canary not in str(response.headers), url
        for name in hidden_names:
            assert name not in response.text, f"{name} leaked on {url} to {persona}"
    # The canaries are there to be found by those who may read them.
    for kind, (topic, _post, _reply) in planted.items():
        page = responses[f"/t/{topic.id}"]
        if may_read[kind]:
            assert page.status_code == 200
            assert f"{CANARIES[kind]} reply" in page.text
        else:
            assert page.status_code == 404


# --- space pages ----------------------------------------------------------------


@pytest.mark.parametrize("persona", ["unconfirmed", "member", "moderator", "employee"])
def test_space_page_shows_closed_notice_without_topics_when_non_member_opens_listed_closed_space(
    world, client_as, persona
):
    plant_canaries(world, make_unlisted_space(world))
    viewer = client_as(persona)

    for url in ("/s/inner-circle", "/s/inner-circle?after=9999999999999999.9"):
        page = viewer.get(url)
        assert page.status_code == 200
        assert "This is a closed space" in page.text
        assert "<h1>Inner Circle" in page.text
        assert listed_topic_titles(page.text) == []
        assert CANARIES["closed"] not in page.text
        assert "/s/inner-circle/new" not in page.text


def test_space_page_lists_topics_when_member_of_closed_space_opens_it(world, client_as):
    plant_canaries(world, make_unlisted_space(world))

    page = client_as("closed_member").get("/s/inner-circle")

    assert page.status_code == 200
    assert "This is a closed space" not in page.text
    assert listed_topic_titles(page.text) == [f"{CANARIES['closed']} title"]
    assert 'href="/s/inner-circle/new"' in page.text


@pytest.mark.parametrize(
    ("persona", "slug"),
    [
        ("anonymous", "inner-circle"),
        ("anonymous", "staff-lounge"),
        ("anonymous", "back-room"),
        ("unconfirmed", "back-room"),
        ("member", "back-room"),
        ("member", "staff-lounge"),
        ("space_moderator", "back-room"),
        ("moderator", "staff-lounge"),
        ("employee", "back-room"),
        ("member", "no-such-space"),
        ("admin", "no-such-space"),
    ],
)
def test_space_page_is_404_when_space_is_hidden_or_missing(world, client_as, persona, slug):
    plant_canaries(world, make_unlisted_space(world))

    response = client_as(persona).get(f"/s/{slug}")

    assert response.status_code == 404
    assert "This is a closed space" not in response.text


@pytest.mark.parametrize("persona", NON_ADMINS)
def test_not_found_page_is_identical_when_space_or_topic_exists_but_is_hidden(
    world, client_as, persona
):
    planted = plant_canaries(world, make_unlisted_space(world))
    viewer = client_as(persona)
    readable = readable_kinds(persona)
    pairs = []
    for kind, (topic, post, reply) in planted.items():
        if readable[kind]:
            continue
        slug = SLUGS[kind]
        if kind == "unlisted" or not can(LISTED, persona, kind):
            pairs.append((f"/s/{slug}", "/s/no-such-space"))
        pairs += [
            (f"/s/{slug}/new", "/s/no-such-space/new"),
            (f"/t/{topic.id}", "/t/987654321"),
            (f"/p/{post.id}/revisions", "/p/987654321/revisions"),
            (f"/p/{reply.id}/edit", "/p/987654321/edit"),
        ]
    assert pairs

    def get(url):
        response = viewer.get(url)
        if response.status_code == 302:
            viewer.get(response.location)  # show the flashed "sign in" so it is not carried
        return response

    for hidden_url, missing_url in pairs:
        hidden, missing = get(hidden_url), get(missing_url)
        assert hidden.status_code == missing.status_code, hidden_url
        assert hidden.status_code in (302, 404)  # visitors are sent to sign in to post
        assert normalised(hidden.text, hidden_url) == normalised(missing.text, missing_url)
        assert normalised(hidden.headers.get("Location", ""), hidden_url) == normalised(
            missing.headers.get("Location", ""), missing_url
        )


# --- administration -------------------------------------------------------------


@pytest.mark.parametrize("visibility", ["public", "closed", "employee"])
def test_admin_new_space_creates_it_when_input_is_valid(world, client_as, visibility):
    admin = client_as("admin")

    form = admin.get("/admin/spaces/new")
    response = post_form(
        admin, "/admin/spaces/new", space_form(visibility=visibility), page_url="/admin/spaces/new"
    )

    assert form.status_code == 200
    assert "checked" in field_block(form.text, "is_listed")  # listed unless unticked
    assert response.status_code == 302
    assert response.location == "/s/garden-club"
    space = db.session.scalar(select(Space).where(Space.slug == "garden-club"))
    assert (space.name, space.description, space.visibility, space.is_listed) == (
        "Garden Club",
        "Roses and more",
        Visibility(visibility),
        True,
    )
    assert admin.get("/s/garden-club").status_code == 200
    assert "/s/garden-club" in admin.get("/admin/spaces").text
    anonymous = client_as("anonymous").get("/s/garden-club")
    assert anonymous.status_code == (200 if visibility == "public" else 404)
    member = client_as("member").get("/s/garden-club")
    assert member.status_code == (404 if visibility == "employee" else 200)


def test_admin_new_space_is_unlisted_when_box_is_unticked(world, client_as):
    admin = client_as("admin")

    response = post_form(
        admin, "/admin/spaces/new", space_form(visibility="closed", is_listed=None)
    )

    assert response.status_code == 302
    space = db.session.scalar(select(Space).where(Space.slug == "garden-club"))
    assert space.is_listed is False
    assert client_as("member").get("/s/garden-club").status_code == 404
    assert "Garden Club" not in directory(client_as("member").get("/").text)


BAD_SLUGS = [
    pytest.param("Bad Slug!", "lower-case letters", id="spaces-and-punctuation"),
    pytest.param("under_score", "lower-case letters", id="underscore"),
    pytest.param("-leading", "lower-case letters", id="leading-dash"),
    pytest.param("trailing-", "lower-case letters", id="trailing-dash"),
    pytest.param("double--dash", "lower-case letters", id="double-dash"),
    pytest.param("café", "lower-case letters", id="non-ascii"),
    pytest.param("../admin", "lower-case letters", id="path"),
    pytest.param("s" * 61, "60", id="too-long"),
    pytest.param("admin", "is reserved", id="reserved-admin"),
    pytest.param("new", "is reserved", id="reserved-new"),
    pytest.param("town-square", "Another space already uses that address.", id="duplicate"),
    pytest.param("Town-Square", "Another space already uses that address.", id="duplicate-case"),
]


@pytest.mark.parametrize(("slug", "message"), BAD_SLUGS)
def test_admin_new_space_shows_error_beside_slug_when_slug_is_bad(world, client_as, slug, message):
    admin = client_as("admin")
    before = space_rows()

    response = post_form(admin, "/admin/spaces/new", space_form(slug=slug, name="Kept Name"))

    assert response.status_code == 422
    assert message in error_beside(response.text, "slug")
    assert f'value="{escape(slug)}"' in field_block(response.text, "slug")
    assert 'value="Kept Name"' in field_block(response.text, "name")
    assert space_rows() == before


@pytest.mark.parametrize(("slug", "message"), BAD_SLUGS)
def test_admin_edit_space_shows_error_beside_slug_when_slug_is_bad(world, client_as, slug, message):
    admin = client_as("admin")
    before = space_rows()
    url = "/admin/spaces/inner-circle/edit"

    response = post_form(admin, url, space_form(slug=slug, name="Kept Name"), page_url=url)

    assert response.status_code == 422
    assert message in error_beside(response.text, "slug")
    assert f'value="{escape(slug)}"' in field_block(response.text, "slug")
    assert 'value="Kept Name"' in field_block(response.text, "name")
    assert f'action="{url}"' in response.text
    assert space_rows() == before


def test_admin_edit_space_saves_changes_when_input_is_valid(world, client_as):
    admin = client_as("admin")
    topic = factories.make_topic(world.spaces["public"], author=world.user("member"))
    url = "/admin/spaces/town-square/edit"

    form = admin.get(url)
    response = post_form(
        admin,
        url,
        space_form(name="Village Green", slug="village-green", visibility="employee"),
        page_url=url,
    )

    assert 'value="Town Square"' in field_block(form.text, "name")
    assert 'value="town-square"' in field_block(form.text, "slug")
    assert response.status_code == 302
    assert response.location == "/admin/spaces/village-green/edit"
    space = world.spaces["public"]
    assert (space.name, space.slug, space.visibility) == (
        "Village Green",
        "village-green",
        Visibility.EMPLOYEE,
    )
    assert admin.get("/s/town-square").status_code == 404
    assert admin.get("/s/village-green").status_code == 200
    member = client_as("member")
    assert member.get("/s/village-green").status_code == 404
    assert member.get(f"/t/{topic.id}").status_code == 404
    assert client_as("employee").get(f"/t/{topic.id}").status_code == 200


def test_admin_add_member_opens_closed_space_when_username_exists(world, client_as):
    factories.make_topic(world.spaces["closed"], author=world.user("admin"), title="Members only")
    member = client_as("member")
    assert listed_topic_titles(member.get("/s/inner-circle").text) == []
    url = "/admin/spaces/inner-circle/edit"

    response = post_form(
        client_as("admin"),
        "/admin/spaces/inner-circle/members",
        {"username": "  MEMBER ", "role": "member"},
        page_url=url,
    )

    assert response.status_code == 302
    assert response.location == url
    membership = db.session.scalar(
        select(Membership).where(
            Membership.space_id == world.spaces["closed"].id,
            Membership.user_id == world.user("member").id,
        )
    )
    assert membership.role is MembershipRole.MEMBER
    assert listed_topic_titles(member.get("/s/inner-circle").text) == ["Members only"]
    assert "@member" in client_as("admin").get(url).text


def test_admin_add_member_shows_error_when_username_is_unknown(world, client_as):
    before = space_rows()
    url = "/admin/spaces/inner-circle/edit"

    response = post_form(
        client_as("admin"),
        "/admin/spaces/inner-circle/members",
        {"username": "nobody-here", "role": "member"},
        page_url=url,
    )

    assert response.status_code == 422
    assert error_beside(response.text, "username") == "No member has that username."
    assert 'value="nobody-here"' in field_block(response.text, "username")
    assert space_rows() == before


def test_admin_add_member_makes_space_moderator_when_role_is_moderator(world, client_as):
    topic = factories.make_topic(world.spaces["closed"], author=world.user("admin"))
    closed_member = client_as("closed_member")
    pin = {"value": "on"}
    assert post_form(closed_member, f"/t/{topic.id}/pin", pin).status_code == 403

    response = post_form(
        client_as("admin"),
        "/admin/spaces/inner-circle/members",
        {"username": "closedmember", "role": "moderator"},
    )

    assert response.status_code == 302
    memberships = db.session.scalars(
        select(Membership).where(Membership.user_id == world.user("closed_member").id)
    ).all()
    assert [(m.space_id, m.role) for m in memberships] == [
        (world.spaces["closed"].id, MembershipRole.MODERATOR)
    ]
    assert post_form(closed_member, f"/t/{topic.id}/pin", pin).status_code == 302
    assert topic.is_pinned is True


@pytest.mark.parametrize("listed", [True, False])
def test_admin_remove_member_closes_space_when_membership_ends(world, client_as, listed):
    space = world.spaces["closed"] if listed else make_unlisted_space(world)
    topic = factories.make_topic(space, author=world.user("admin"), title="Behind closed doors")
    removed = world.user("closed_member")
    viewer = client_as("closed_member")
    assert viewer.get(f"/t/{topic.id}").status_code == 200

    response = post_form(
        client_as("admin"), f"/admin/spaces/{space.slug}/members/{removed.id}/remove", {}
    )

    assert response.status_code == 302
    assert response.location == f"/admin/spaces/{space.slug}/edit"
    left = select(func.count(Membership.id)).where(
        Membership.space_id == space.id, Membership.user_id == removed.id
    )
    assert db.session.scalar(left) == 0
    assert viewer.get(f"/t/{topic.id}").status_code == 404
    space_page = viewer.get(f"/s/{space.slug}")
    assert space_page.status_code == (200 if listed else 404)
    assert "Behind closed doors" not in space_page.text
    assert "Behind closed doors" not in viewer.get("/").text


def test_admin_remove_member_is_404_when_user_is_not_a_member(world, client_as):
    before = space_rows()

    response = post_form(
        client_as("admin"),
        f"/admin/spaces/inner-circle/members/{world.user('member').id}/remove",
        {},
    )

    assert response.status_code == 404
    assert space_rows() == before


@pytest.mark.parametrize("persona", NON_ADMINS)
def test_admin_space_pages_are_404_when_viewer_is_not_an_admin(world, client_as, persona):
    viewer = client_as(persona)
    closed_member_id = world.user("closed_member").id
    before = space_rows()
    gets = [
        "/admin/spaces",
        "/admin/spaces/new",
        "/admin/spaces/town-square/edit",
        "/admin/spaces/inner-circle/edit",
        "/admin/spaces/staff-lounge/edit",
        "/admin/spaces/no-such-space/edit",
    ]
    posts = [
        ("/admin/spaces/new", space_form()),
        ("/admin/spaces/town-square/edit", space_form(slug="town-square", name="Taken Over")),
        ("/admin/spaces/inner-circle/edit", space_form(slug="inner-circle", visibility="public")),
        ("/admin/spaces/inner-circle/members", {"username": "member", "role": "moderator"}),
        ("/admin/spaces/staff-lounge/members", {"username": "member", "role": "member"}),
        (f"/admin/spaces/inner-circle/members/{closed_member_id}/remove", {}),
        ("/admin/spaces/no-such-space/members", {"username": "member", "role": "member"}),
    ]
    not_found = normalised(viewer.get("/s/no-such-space").text, "/s/no-such-space")

    for url in gets:
        response = viewer.get(url)
        assert response.status_code == 404, url
        assert normalised(response.text, url) == not_found
    for url, data in posts:
        response = post_form(viewer, url, data)
        assert response.status_code == 404, url
        assert normalised(response.text, url) == not_found

    assert space_rows() == before
    assert 'href="/admin/spaces"' not in viewer.get("/").text


def test_admin_space_pages_open_when_viewer_is_admin(world, client_as):
    make_unlisted_space(world)
    admin = client_as("admin")

    index = admin.get("/admin/spaces")

    assert index.status_code == 200
    for slug in ("town-square", "inner-circle", "staff-lounge", "back-room"):
        assert f'href="/admin/spaces/{slug}/edit"' in index.text
    assert 'href="/admin/spaces"' in admin.get("/").text
