"""The member's archive (GDPR art. 15 and 20; SECURITY-PLAN check 30).

The registry covers every column that points at ``users``; a member with rows in all
of them gets every row back, in files that match the published schema, with the
README's art. 15(1) information, and nothing of what others wrote or of topics they
can no longer read. Only they can download it, and only until it expires.
"""

from __future__ import annotations

import io
import json
import zipfile
from datetime import timedelta

import jsonschema
import pytest
import sqlalchemy as sa
from sqlalchemy import select

from community.database import utcnow
from community.extensions import db
from community.profiles import export
from community.profiles import services as profile_services
from community.profiles.models import DataExport
from tests import factories
from tests.conftest import PERSONAS, SPACE_KINDS, csrf_token_from, page_with_csrf_token, sign_in
from tests.test_leak_matrix import _seed_canaries
from tests.test_policy import READ


def references_to_users() -> set[str]:
    """Every ``table.column`` in the schema with a foreign key to ``users``."""
    return {
        f"{table.name}.{column.name}"
        for table in db.metadata.sorted_tables
        for column in table.columns
        for key in column.foreign_keys
        if key.column.table.name == "users"
    }


def test_export_registry_covers_every_reference_to_users(app, report_figure):
    references = references_to_users()
    covered = references & export.exported_references()
    report_figure(
        f"FIGURE export-registry references-to-users={len(references)} covered={len(covered)}"
    )
    missing = references - export.exported_references()
    assert missing == set(), f"say in community/profiles/export.py how to export: {missing}"
    stale = export.exported_references() - references_to_users()
    assert stale == set(), f"these references no longer exist: {stale}"


def archive_files(data: bytes) -> dict[str, object]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {
            name: json.loads(archive.read(name)) if name.endswith(".json") else archive.read(name)
            for name in archive.namelist()
        }


@pytest.fixture
def rich(world) -> factories.RichMember:
    return factories.make_rich_member(world)


@pytest.fixture
def files(rich) -> dict[str, object]:
    return archive_files(export.build_archive(rich.user))


def test_rich_member_has_rows_in_every_table_that_points_at_users(rich, database):
    """The control for everything below: the seed really touches every reference."""
    empty = []
    for reference in sorted(references_to_users()):
        table_name, column = reference.split(".")
        table = db.metadata.tables[table_name]
        count = database.execute(
            sa.select(sa.func.count()).select_from(table).where(table.c[column] == rich.user.id)
        ).scalar()
        if not count:
            empty.append(reference)
    assert empty == [], "extend tests/factories.make_rich_member for these"


def test_every_section_holds_the_members_rows(rich, files):
    member = rich.user
    for entry in export.SECTIONS:
        if isinstance(entry, export.Section) and entry.references:
            assert files[entry.filename], entry.filename
    account = files["account.json"][0]
    assert account["email"] == rich.identifiers["email"]
    assert account["username"] == rich.identifiers["username"]
    profile = {row["field"]: row for row in files["profile.json"]}
    assert profile["bio"]["value"] == rich.identifiers["bio"]
    assert profile["company"] == {
        "field": "company", "label": "Company", "value": rich.identifiers["company"],
        "visibility": "staff",
    }  # fmt: skip
    assert any(row["value"] == rich.identifiers["field"] for row in files["profile.json"])
    assert profile["avatar"]["value"] == "avatar.jpg"  # a photo without transparency
    assert files["avatar.jpg"].startswith(b"\xff\xd8")
    sign_in_row = files["sign_ins.json"][0]
    assert (sign_in_row["ip_address"], sign_in_row["user_agent"]) == (
        rich.identifiers["ip"], rich.identifiers["user_agent"],
    )  # fmt: skip
    posts = {post["body_markdown"]: post for post in files["posts.json"]}
    edited = posts["Thanks, that worked perfectly."]
    assert [r["body_markdown"] for r in edited["revisions"]] == ["Thanks, that worked."]
    assert edited["revisions"][0]["edited_by_me"] is True
    assert {row["level"] for row in files["watches.json"]} >= {"watching"}
    assert files["accepted_answers.json"] == []  # they accepted one; none of theirs was
    assert files["idea_votes.json"]
    assert files["answer_votes.json"]
    assert {row["action"] for row in files["moderation_actions.json"]} >= {
        "topic:pin", "post:delete", "join_request:approve",
    }  # fmt: skip
    about_me = {row["action"]: row for row in files["moderation_about_me.json"]}
    assert about_me["member:warn"]["reason"].startswith("Warned")
    assert {row["by"] for row in about_me.values()} == {"staff"}
    assert len(files["posts.json"]) == db.session.scalar(
        select(sa.func.count())
        .select_from(db.metadata.tables["posts"])
        .where(db.metadata.tables["posts"].c.author_id == member.id)
    )


def test_every_file_matches_the_published_schema(files):
    schemas = files["schema.json"]
    for entry in export.SECTIONS:
        if isinstance(entry, export.Section):
            jsonschema.validate(files[entry.filename], schemas[entry.filename])
    # The schema is strict: a field the registry does not describe would fail it.
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate([{**files["account.json"][0], "extra": 1}], schemas["account.json"])


def test_readme_describes_the_files_and_the_article_15_information(files):
    readme = files["README.txt"].decode()
    for entry in export.SECTIONS:
        if isinstance(entry, export.Section):
            assert entry.filename in readme
    for phrase in ("Purposes", "Recipients", "How long it is kept", "Your rights",
                   "supervisory authority", "Source", "article 15(4)", "90 days"):  # fmt: skip
        assert phrase in readme, phrase
    assert "&amp;" not in readme
    assert "&#39;" not in readme  # plain text, not HTML-escaped


def test_topics_the_member_can_no_longer_read_keep_their_text_without_titles(rich, files):
    everything = json.dumps(files, default=repr)
    assert rich.own_hidden_text in everything  # their own words are theirs
    assert rich.hidden_title not in everything  # the title of a topic they left is not
    assert rich.hidden_reply not in everything  # nor what others wrote there
    hidden = next(p for p in files["posts.json"] if p["body_markdown"].startswith("OWNHIDDEN"))
    assert hidden["topic_title"] is None
    assert rich.closed_space.name not in everything


def test_other_members_content_and_identities_stay_out(rich, files, world):
    everything = json.dumps(files, default=repr)
    assert "Try the second dimmer setting." not in everything  # another's reply
    assert "I like it." not in everything
    for persona in ("member", "admin", "closed_member"):
        user = world.user(persona)
        assert user.email not in everything
        assert user.display_name not in everything


def _request_export(client, password: str = factories.RICH_PASSWORD):
    token = csrf_token_from(page_with_csrf_token(client, "/account/export"))
    return client.post("/account/export", data={"csrf_token": token, "password": password})


def test_export_needs_the_password_and_then_only_its_owner_may_download(
    app, rich, client_as, world
):
    owner = app.test_client()
    sign_in(owner, rich.user, password=factories.RICH_PASSWORD)
    before = db.session.scalar(select(sa.func.count(DataExport.id)))
    wrong = _request_export(owner, password="not my password at all")
    assert wrong.status_code == 422
    assert "not your current password" in wrong.text
    assert db.session.scalar(select(sa.func.count(DataExport.id))) == before

    assert _request_export(owner).status_code == 302
    newest = db.session.scalar(select(DataExport).order_by(DataExport.id.desc()))
    page = owner.get("/account/export").text
    assert f"/account/export/{newest.token}" in page
    download = owner.get(f"/account/export/{newest.token}")
    assert download.status_code == 200
    assert download.headers["Content-Type"] == "application/zip"
    assert download.headers["Content-Disposition"].startswith("attachment;")
    assert download.headers["Cache-Control"] == "no-store"
    assert "account.json" in archive_files(download.data)

    for persona in ("anonymous", "member", "admin"):
        assert client_as(persona).get(f"/account/export/{newest.token}").status_code == 404
    assert owner.get("/account/export/not-a-token").status_code == 404


def test_an_expired_link_is_404_and_is_purged(app, rich):
    data_export = profile_services.request_export(rich.user, password=factories.RICH_PASSWORD)
    data_export.expires_at = utcnow() - timedelta(minutes=1)
    db.session.commit()
    export_id, token = data_export.id, data_export.token
    owner = app.test_client()
    sign_in(owner, rich.user, password=factories.RICH_PASSWORD)
    assert owner.get(f"/account/export/{token}").status_code == 404
    assert token not in owner.get("/account/export").text
    assert profile_services.purge_expired_exports() >= 1
    assert db.session.get(DataExport, export_id) is None


def test_purge_command_deletes_expired_archives(app, rich):
    data_export = profile_services.request_export(rich.user, password=factories.RICH_PASSWORD)
    data_export.expires_at = utcnow() - timedelta(minutes=1)
    db.session.commit()
    export_id = data_export.id
    result = app.test_cli_runner().invoke(args=["hearth", "purge-exports"])
    assert result.exit_code == 0, result.output
    assert "Deleted" in result.output
    db.session.expire_all()
    assert db.session.get(DataExport, export_id) is None


@pytest.mark.parametrize("persona", [p for p in PERSONAS if p != "anonymous"])
def test_each_personas_own_export_holds_no_canary_of_spaces_it_cannot_read(world, persona):
    """Every persona has notifications about every space's idea (the leak matrix's
    seed): its archive names only the topics it may still read."""
    _objects, canaries = _seed_canaries(world)
    files = archive_files(export.build_archive(world.user(persona)))
    everything = json.dumps(files, default=repr)
    hidden = [
        canary
        for column, kind in enumerate(SPACE_KINDS)
        if not READ[persona][column]
        for canary in canaries[kind]
    ]
    leaks = [canary for canary in hidden if canary in everything]
    assert leaks == []
    ideas = [row for row in files["notifications.json"] if row["kind"] == "idea_status"]
    assert len(ideas) == len(SPACE_KINDS)  # the control: every row is there, titled or not
    titled = [row for row in ideas if row["title"] is not None]
    assert len(titled) == sum(READ[persona])
