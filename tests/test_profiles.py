"""Profiles: fields and who sees them, "view as", custom fields, sign-up, activity.

Avatars have their own file (``test_avatars``); the export and deletion theirs.
"""

from __future__ import annotations

import pytest
from sqlalchemy import select

from community.accounts import services as account_services
from community.accounts.models import User
from community.extensions import db
from community.profiles import services as profile_services
from community.profiles.models import (
    BIO_MAX_LENGTH,
    FieldAnswer,
    FieldVisibility,
    ProfileField,
    ProfileFieldKind,
    ProfileFieldValue,
)
from community.spaces import services as space_services
from tests import factories
from tests.conftest import count_queries, csrf_token_from, sign_in
from tests.mail import sent_mail
from tests.test_avatars import picture
from tests.test_html import _duplicate_ids

V = FieldVisibility


def main_of(page: str) -> str:
    """The page's content, without the per-response CSRF token and nonce around it."""
    return page.split('<main id="main"', 1)[1].split("</main>", 1)[0]


def save_profile(member: User, *, visibility: dict[str, V] | None = None, **fields: str) -> None:
    """Give ``member`` a profile through the service, with markers as values."""
    profile_services.update_profile(
        member,
        display_name=fields.pop("display_name", member.display_name),
        bio=fields.pop("bio", ""),
        fields=fields,
        visibility=visibility or {},
        answers={},
    )


@pytest.fixture
def owner(world) -> User:
    """A public poster whose profile holds a field at every visibility."""
    member = factories.make_user(username="ownerone", display_name="Owen Owner")
    factories.make_topic(world.spaces["public"], author=member, title="Owner says hello")
    save_profile(
        member,
        bio="BIO-EVERYONE **bold** <script>alert(1)</script>",
        company="COMPANY-MEMBERS",
        job_title="JOB-STAFF",
        location="LOCATION-ONLYME",
        website="https://owner.example/WEBSITE-EVERYONE",
        visibility={
            "bio": V.EVERYONE,
            "company": V.MEMBERS,
            "job_title": V.STAFF,
            "location": V.ONLY_ME,
            "website": V.EVERYONE,
        },
    )
    return member


MARKERS = {
    V.EVERYONE: ["BIO-EVERYONE", "WEBSITE-EVERYONE"],
    V.MEMBERS: ["COMPANY-MEMBERS"],
    V.STAFF: ["JOB-STAFF"],
    V.ONLY_ME: ["LOCATION-ONLYME"],
}
# Which visibilities each persona gets to see (the rule is policy.can_see_profile_field,
# whose literal table is in test_policy).
SEES = {
    "anonymous": {V.EVERYONE},
    "member": {V.EVERYONE, V.MEMBERS},
    "employee": {V.EVERYONE, V.MEMBERS, V.STAFF},
    "moderator": {V.EVERYONE, V.MEMBERS, V.STAFF},
    "admin": {V.EVERYONE, V.MEMBERS, V.STAFF},
}


@pytest.mark.parametrize("persona", sorted(SEES))
def test_profile_page_shows_each_field_only_to_whom_its_owner_chose(client_as, owner, persona):
    page = client_as(persona).get("/u/ownerone")
    assert page.status_code == 200
    assert "Owen Owner" in page.text
    for visibility, markers in MARKERS.items():
        for marker in markers:
            assert (marker in page.text) is (visibility in SEES[persona]), (visibility, marker)


def test_profile_page_shows_the_owner_everything_with_its_visibility(app, owner):
    client = app.test_client()
    sign_in(client, owner)
    page = client.get("/u/ownerone").text
    for markers in MARKERS.values():
        for marker in markers:
            assert marker in page
    assert "Only me" in page
    assert "Staff only" in page


def test_bio_is_rendered_markdown_without_raw_html(client_as, owner):
    page = client_as("anonymous").get("/u/ownerone").text
    assert "<strong>bold</strong>" in page
    assert "<script>alert(1)</script>" not in page


def test_view_as_shows_the_owner_what_each_audience_sees(app, owner):
    client = app.test_client()
    sign_in(client, owner)
    expected = {"anonymous": {V.EVERYONE}, "member": {V.EVERYONE, V.MEMBERS},
                "staff": {V.EVERYONE, V.MEMBERS, V.STAFF}}  # fmt: skip
    for audience, seen in expected.items():
        page = client.get(f"/u/ownerone?as={audience}").text
        assert "This is your profile as" in page
        for visibility, markers in MARKERS.items():
            for marker in markers:
                assert (marker in page) is (visibility in seen), (audience, marker)


def test_view_as_is_ignored_for_anyone_but_the_owner(client_as, owner):
    page = client_as("member").get("/u/ownerone?as=staff").text
    assert "JOB-STAFF" not in page
    assert "View my profile as" not in page


def test_profile_of_someone_seen_only_in_a_closed_space_is_404_outside_it(world, client_as):
    insider = factories.make_user(username="insider", display_name="Ines Insider")
    space_services.add_member(world.user("admin"), world.spaces["closed"], insider)
    topic = factories.make_topic(world.spaces["closed"], author=world.user("admin"))
    factories.make_reply(topic, author=insider)

    assert client_as("member").get("/u/insider").status_code == 404
    assert client_as("anonymous").get("/u/insider").status_code == 404
    assert client_as("closed_member").get("/u/insider").status_code == 200
    assert client_as("admin").get("/u/insider").status_code == 200
    # The same answer as for nobody at all: the page does not tell who exists.
    outsider = client_as("member")
    assert main_of(outsider.get("/u/nobody-at-all").text) == main_of(
        outsider.get("/u/insider").text
    )


def test_view_as_a_visitor_says_when_they_would_not_find_the_profile(app, world):
    newcomer = factories.make_user(username="newcomer")
    client = app.test_client()
    sign_in(client, newcomer)
    assert client.get("/u/newcomer").status_code == 200
    page = client.get("/u/newcomer?as=anonymous").text
    assert "would not find this profile" in page


# --- editing --------------------------------------------------------------------------


def _edit_form(client) -> dict:
    page = client.get("/account/profile")
    assert page.status_code == 200
    return {"csrf_token": csrf_token_from(page.text)}


def test_member_saves_profile_and_visibility_through_the_form(client_as, world):
    client = client_as("member")
    data = _edit_form(client) | {
        "display_name": "Mem Ber",
        "bio": "I like *lamps*.",
        "bio_visibility": "members",
        "company": "Lumen",
        "company_visibility": "staff",
        "job_title": "",
        "location": "Lyon",
        "location_visibility": "only_me",
        "website": "https://mem.example",
        "avatar_visibility": "everyone",
    }
    response = client.post("/account/profile", data=data)
    assert response.status_code == 302, response.text
    member = world.user("member")
    db.session.refresh(member)
    assert member.display_name == "Mem Ber"
    page = client.get("/u/member").text
    assert "<em>lamps</em>" in page
    assert "Lumen" in page
    assert "Lyon" in page


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("website", "javascript:alert(1)", "starts with https://"),
        ("website", "ftp://files.example", "starts with https://"),
        ("company", "x" * 101, "at most 100 characters"),
        ("bio", "b" * (BIO_MAX_LENGTH + 1), "at most 2,000 characters"),
        ("display_name", "   ", "This field is required."),
    ],
)
def test_bad_profile_input_is_refused_beside_the_field_and_keeps_the_text(
    client_as, world, field, value, message
):
    client = client_as("member")
    data = _edit_form(client) | {"display_name": "Kept Name", "bio": "Kept bio", field: value}
    response = client.post("/account/profile", data=data)
    assert response.status_code == 422
    assert message in response.text
    assert "Kept bio" in response.text or field == "bio"
    db.session.refresh(world.user("member"))
    assert world.user("member").display_name != "Kept Name"  # nothing half-written


def test_profile_form_refuses_a_visibility_that_is_not_offered(client_as):
    client = client_as("member")
    data = _edit_form(client) | {"display_name": "Name", "company_visibility": "the-world"}
    assert client.post("/account/profile", data=data).status_code == 422


# --- custom fields -------------------------------------------------------------------


@pytest.fixture
def custom_fields(world) -> dict[str, ProfileField]:
    admin = world.user("admin")
    return {
        "product": profile_services.create_profile_field(
            admin, label="Product you use", kind=ProfileFieldKind.CHOICE,
            choices="Hub\nBulbs\nApp", is_required=True,
        ),
        "team": profile_services.create_profile_field(
            admin, label="Team", kind=ProfileFieldKind.TEXT,
            default_visibility=FieldVisibility.STAFF,
        ),
        "portfolio": profile_services.create_profile_field(
            admin, label="Portfolio", kind=ProfileFieldKind.URL
        ),
    }  # fmt: skip


def test_admin_defines_fields_through_the_admin_page(client_as, database):
    client = client_as("admin")
    page = client.get("/admin/profile-fields")
    token = csrf_token_from(page.text)
    response = client.post(
        "/admin/profile-fields",
        data={"csrf_token": token, "label": "Favourite bulb", "kind": "choice",
              "options": "Warm\nCool", "is_required": "y", "default_visibility": "everyone"},
    )  # fmt: skip
    assert response.status_code == 302
    field = db.session.scalar(select(ProfileField).where(ProfileField.label == "Favourite bulb"))
    assert field.choices == ["Warm", "Cool"]
    assert field.is_required
    # A choice field without options is refused beside the options.
    response = client.post(
        "/admin/profile-fields",
        data={"csrf_token": token, "label": "Empty", "kind": "choice", "options": ""},
    )
    assert response.status_code == 422
    assert "List the options" in response.text
    # Names are unique (the constraint decides).
    response = client.post(
        "/admin/profile-fields",
        data={"csrf_token": token, "label": "Favourite bulb", "kind": "text"},
    )
    assert response.status_code == 422
    assert "already has that name" in response.text


def test_admin_pages_for_fields_are_404_to_everyone_else(client_as, custom_fields):
    field_id = custom_fields["team"].id
    for persona in ("anonymous", "member", "moderator", "employee"):
        client = client_as(persona)
        assert client.get("/admin/profile-fields").status_code == 404
        assert client.get(f"/admin/profile-fields/{field_id}").status_code == 404


def test_deleting_a_field_deletes_every_answer_to_it(world, custom_fields):
    member = world.user("member")
    profile_services.update_profile(
        member, display_name="M", bio="", fields={}, visibility={},
        answers={custom_fields["team"].id: FieldAnswer("Platform", V.EVERYONE)},
    )  # fmt: skip
    profile_services.delete_profile_field(world.user("admin"), custom_fields["team"])
    assert db.session.scalars(select(ProfileFieldValue)).all() == []


def test_signup_asks_for_required_fields_and_stores_the_answer(client, custom_fields):
    page = client.get("/signup")
    assert "Product you use" in page.text
    assert "Team" not in page.text  # optional fields wait for the profile page
    token = csrf_token_from(page.text)
    base = {"csrf_token": token, "email": "new@example.com", "username": "newbie",
            "display_name": "New Bie", "password": "a long and lovely passphrase"}  # fmt: skip
    field_name = custom_fields["product"].form_name

    missing = client.post("/signup", data=base)
    assert missing.status_code == 422
    assert "Tell us your Product you use" in missing.text
    assert 'value="newbie"' in missing.text
    wrong = client.post("/signup", data=base | {field_name: "Toaster"})
    assert wrong.status_code == 422
    assert db.session.scalar(select(User).where(User.username == "newbie")) is None

    assert client.post("/signup", data=base | {field_name: "Hub"}).status_code == 302
    user = db.session.scalar(select(User).where(User.username == "newbie"))
    value = db.session.scalar(select(ProfileFieldValue).where(ProfileFieldValue.user_id == user.id))
    assert (value.value, value.visibility) == ("Hub", custom_fields["product"].default_visibility)
    assert sent_mail(client.application)[-1].to == "new@example.com"


def test_custom_field_answers_show_by_their_own_visibility(client_as, world, custom_fields):
    member = world.user("member")
    factories.make_topic(world.spaces["public"], author=member)
    profile_services.update_profile(
        member, display_name="M", bio="", fields={}, visibility={},
        answers={
            custom_fields["team"].id: FieldAnswer("TEAM-STAFF-ONLY", V.STAFF),
            custom_fields["portfolio"].id: FieldAnswer("https://folio.example/x", V.EVERYONE),
        },
    )  # fmt: skip
    assert "TEAM-STAFF-ONLY" not in client_as("closed_member").get("/u/member").text
    assert "TEAM-STAFF-ONLY" in client_as("employee").get("/u/member").text
    assert "https://folio.example/x" in client_as("anonymous").get("/u/member").text


def test_custom_url_fields_take_only_web_addresses(world, custom_fields):
    with pytest.raises(profile_services.ValidationFailed, match="https://"):
        profile_services.update_profile(
            world.user("member"), display_name="M", bio="", fields={}, visibility={},
            answers={custom_fields["portfolio"].id: FieldAnswer("javascript:alert(1)", V.EVERYONE)},
        )  # fmt: skip


# --- activity ------------------------------------------------------------------------


def test_activity_lists_only_what_the_viewer_may_read(world, client_as):
    voice = factories.make_user(username="voice", is_employee=True)
    space_services.add_member(world.user("admin"), world.spaces["closed"], voice)
    for kind in ("public", "closed", "employee"):
        factories.make_topic(
            world.spaces[kind], author=voice, title=f"ACTIVITY-{kind.upper()} topic"
        )
    expectations = {
        "anonymous": {"PUBLIC"},
        "member": {"PUBLIC"},
        "closed_member": {"PUBLIC", "CLOSED"},
        "employee": {"PUBLIC", "EMPLOYEE"},
        "admin": {"PUBLIC", "CLOSED", "EMPLOYEE"},
    }
    for persona, seen in expectations.items():
        page = client_as(persona).get("/u/voice").text
        for kind in ("PUBLIC", "CLOSED", "EMPLOYEE"):
            assert (f"ACTIVITY-{kind} topic" in page) is (kind in seen), (persona, kind)


def test_view_as_staff_never_shows_the_owner_what_they_can_no_longer_read(app, world):
    """A former employee looking at their profile as staff sees only what both read."""
    former = factories.make_user(username="former", is_employee=True)
    factories.make_topic(world.spaces["public"], author=former, title="Public words here")
    factories.make_topic(world.spaces["employee"], author=former, title="STAFFSECRET plans")
    account_services.update_member(world.user("admin"), former, role=former.role,
                                   is_employee=False)  # fmt: skip
    client = app.test_client()
    sign_in(client, former)
    page = client.get("/u/former?as=staff").text
    assert "Public words here" in page
    assert "STAFFSECRET" not in page


def test_activity_filters_and_pages_by_keyset(world, client_as):
    author = world.user("member")
    space = world.spaces["public"]
    topic = factories.make_topic(space, author=author, title="First topic of mine")
    for number in range(25):
        factories.make_reply(topic, author=author, body=f"Reply number {number}")
    client = client_as("anonymous")
    first = client.get("/u/member?show=replies")
    assert "Reply number 24" in first.text
    assert "Reply number 5" in first.text
    assert "Reply number 4" not in first.text
    assert "First topic of mine</a>" in first.text  # every reply names its topic
    older = first.text.split('rel="next" href="')[1].split('"')[0].replace("&amp;", "&")
    second = client.get(older).text
    assert "Reply number 4" in second
    assert "Reply number 5" not in second
    topics_only = client.get("/u/member?show=topics").text
    assert "Reply number" not in topics_only
    assert client.get("/u/member?after=garbage&show=nonsense").status_code == 200


PROFILE_MAX_QUERIES = 10


def test_profile_page_runs_the_same_queries_for_few_and_many_posts(
    world, database, client_as, report_figure
):
    author = world.user("member")
    spaces = [world.spaces["public"], factories.make_space(), factories.make_space()]
    client = client_as("employee")

    def add(count: int) -> None:
        for number in range(count):
            factories.make_topic(spaces[number % len(spaces)], author=author,
                                 title=f"Topic about lamps {number}")  # fmt: skip

    def measure() -> list[str]:
        with count_queries(database) as statements:
            assert client.get("/u/member").status_code == 200
        return list(statements)

    add(5)
    few = measure()
    add(45)
    many = measure()
    report_figure(f"FIGURE profile-page queries={len(few)}/{len(many)} posts=5/50")
    assert len(few) == len(many), "\n---\n".join(many)
    # Session member, their memberships, the profile's member, profile, custom
    # answers, avatar, the activity page (topics, spaces, ideas joined), the badge.
    assert len(many) <= PROFILE_MAX_QUERIES, "\n---\n".join(many)


def test_profile_pages_with_several_forms_have_no_duplicate_ids(client_as, world, custom_fields):
    member = world.user("member")
    factories.make_topic(world.spaces["public"], author=member)
    profile_services.set_avatar(member, data=picture())
    client = client_as("member")
    for path in ("/account/profile", "/u/member", "/account/export", "/account/delete"):
        page = client.get(path)
        assert page.status_code == 200, path
        assert _duplicate_ids(page.text) == [], path
    assert client.get("/account/profile").text.count("<form") >= 3  # the check means something
