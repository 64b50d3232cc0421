"""The audit log page: admins browse and filter it; no route changes a row."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa
from sqlalchemy import select

from community.accounts.models import User
from community.database import utcnow
from community.extensions import db
from community.moderation.audit import record_audit
from community.moderation.models import AuditAction, AuditEntry, AuditTarget
from tests import factories
from tests.conftest import PERSONAS, count_queries, csrf_token_from, page_with_csrf_token
from tests.test_leak_matrix import ROUTES, _seed_canaries


def _record(actor, action=AuditAction.TOPIC_PIN, **fields) -> AuditEntry:
    entry = record_audit(actor, action, **fields)
    db.session.commit()
    return entry


def test_audit_log_is_for_admins_only(client_as, world):
    _record(world.user("admin"))
    for persona in PERSONAS:
        status = client_as(persona).get("/admin/audit").status_code
        assert status == (200 if persona == "admin" else 404), persona


def test_audit_log_shows_who_did_what_to_which_target_newest_first(client_as, world):
    admin = world.user("admin")
    topic = factories.make_topic(
        world.spaces["public"], author=world.user("member"), title="Pinned"
    )
    _record(admin, AuditAction.TOPIC_PIN, target_type=AuditTarget.TOPIC, target_id=topic.id,
            space=world.spaces["public"])  # fmt: skip
    _record(admin, AuditAction.MEMBER_ROLE, target_type=AuditTarget.MEMBER,
            target_id=world.user("member").id, detail="member->moderator",
            reason="Helps a lot")  # fmt: skip

    page = client_as("admin").get("/admin/audit").text

    assert page.index("member:role") < page.index("topic:pin")
    assert "Display member (@member)" in page
    assert "topic “Pinned”" in page
    assert f'href="/t/{topic.id}"' in page
    assert "Helps a lot" in page
    assert "member-&gt;moderator" in page
    assert "Town Square" in page


def test_audit_log_shows_former_member_for_deleted_actors_and_targets(client_as, world):
    gone_moderator = factories.make_user(username="gonemod")
    gone_member = factories.make_user(username="gonemember", display_name="Gina Gone")
    _record(gone_moderator, AuditAction.MEMBER_WARN, target_type=AuditTarget.MEMBER,
            target_id=gone_member.id)  # fmt: skip
    for user in (gone_moderator, gone_member):
        db.session.delete(db.session.get(User, user.id))
    db.session.commit()

    page = client_as("admin").get("/admin/audit").text

    assert page.count("former member") == 2
    assert "gonemod" not in page
    assert "Gina Gone" not in page
    [entry] = db.session.scalars(select(AuditEntry))
    assert entry.actor_id is None  # the database let go of the actor, kept the row


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("action=topic:lock", {"lock"}),
        ("actor=moderator", {"lock"}),
        ("target_type=member&target_id={member}", {"role"}),
        ("space=inner-circle", {"pin"}),
        ("since={yesterday}", {"pin", "role", "lock"}),
        ("until={last_week}", {"old"}),
        ("since={last_week}&until={last_week}", {"old"}),
    ],
)
def test_audit_log_filters_by_action_actor_target_space_and_days(client_as, world, query, expected):
    admin, moderator, member = world.user("admin"), world.user("moderator"), world.user("member")
    old = _record(admin, AuditAction.SPACE_UPDATE, reason="old")
    old_day = utcnow() - timedelta(days=7)
    db.session.execute(
        sa.update(AuditEntry).where(AuditEntry.id == old.id).values(created_at=old_day)
    )
    db.session.commit()
    _record(admin, AuditAction.TOPIC_PIN, space=world.spaces["closed"], reason="pin")
    _record(admin, AuditAction.MEMBER_ROLE, target_type=AuditTarget.MEMBER, target_id=member.id,
            reason="role")  # fmt: skip
    _record(moderator, AuditAction.TOPIC_LOCK, reason="lock")
    values = {
        "member": member.id,
        "yesterday": (utcnow() - timedelta(days=1)).date().isoformat(),
        "last_week": old_day.date().isoformat(),
    }

    page = client_as("admin").get("/admin/audit?" + query.format(**values))

    assert page.status_code == 200
    shown = {
        reason for reason in ("old", "pin", "role", "lock") if f"<td>{reason}</td>" in page.text
    }
    assert shown == expected


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("actor=nobody-at-all", "No member has that username."),
        ("since=2026-05-02&until=2026-05-01", "The last day comes before the first."),
        ("target_id=5", "Choose what kind of target the number is."),
        ("action=member:explode", "Not a valid choice."),
    ],
)
def test_audit_log_refuses_bad_filters_beside_the_field(client_as, world, query, message):
    response = client_as("admin").get("/admin/audit?" + query)
    assert response.status_code == 422
    assert message in response.text


def test_audit_log_space_filter_answers_404_for_an_unknown_space(client_as, world):
    assert client_as("admin").get("/admin/audit?space=no-such-space").status_code == 404


def test_audit_log_pages_by_keyset_without_gaps_or_repeats(client_as, world):
    admin = world.user("admin")
    for number in range(60):
        record_audit(admin, AuditAction.TOPIC_PIN, reason=f"entry-{number:02d}")
    db.session.commit()
    client = client_as("admin")

    first = client.get("/admin/audit?action=topic:pin").text
    next_link = re.search(r'rel="next" href="([^"]+)"', first).group(1).replace("&amp;", "&")
    second = client.get(next_link).text

    first_reasons = set(re.findall(r"<td>(entry-\d\d)</td>", first))
    second_reasons = set(re.findall(r"<td>(entry-\d\d)</td>", second))
    assert len(first_reasons) == 50
    assert len(second_reasons) == 10
    assert first_reasons | second_reasons == {f"entry-{n:02d}" for n in range(60)}
    assert "action=topic:pin" in next_link  # the filter carries over
    assert 'rel="next"' not in second


def test_audit_log_query_count_is_the_same_for_5_and_50_entries(client_as, world, database):
    admin = world.user("admin")
    topic = factories.make_topic(world.spaces["public"], author=admin)
    group = factories.make_group(name="Counted")
    client = client_as("admin")

    def add_entries(count):
        for _ in range(count):
            for target_type, target_id in (
                (AuditTarget.MEMBER, world.user("member").id),
                (AuditTarget.TOPIC, topic.id),
                (AuditTarget.GROUP, group.id),
                (AuditTarget.SPACE, world.spaces["closed"].id),
                (AuditTarget.INVITE, 1),
            ):
                record_audit(admin, AuditAction.TOPIC_PIN, target_type=target_type,
                             target_id=target_id, space=world.spaces["public"])  # fmt: skip
        db.session.commit()

    def statements():
        with count_queries(database) as seen:
            assert client.get("/admin/audit").status_code == 200
        return list(seen)

    add_entries(1)
    client.get("/admin/audit")
    few = statements()
    add_entries(9)
    many = statements()
    assert len(few) == len(many), "\n---\n".join(many)


# --- nothing changes a row -------------------------------------------------------------


def test_audit_log_page_only_reads(app):
    rules = [rule for rule in app.url_map.iter_rules() if rule.rule.startswith("/admin/audit")]
    assert rules
    assert all(rule.methods <= {"GET", "HEAD", "OPTIONS"} for rule in rules)


def test_no_route_changes_or_deletes_an_audit_row(app, database, world, client_as):
    """Every POST route, as an admin (who may do the most), with a valid CSRF token and
    the fields it takes: existing rows stay as they were and no UPDATE or DELETE ever
    names the table. New rows, from the actions themselves, are welcome."""
    objects, _canaries = _seed_canaries(world)
    admin = world.user("admin")
    for action in (AuditAction.MEMBER_ROLE, AuditAction.TOPIC_PIN, AuditAction.GROUP_CREATE):
        record_audit(admin, action, target_type=AuditTarget.MEMBER, target_id=admin.id,
                     reason="kept as written")  # fmt: skip
    db.session.commit()

    def existing_rows():
        return database.execute(sa.select(AuditEntry.__table__).order_by(AuditEntry.id)).all()

    before = existing_rows()
    client = client_as("admin")
    token = csrf_token_from(page_with_csrf_token(client, "/"))
    touching = []

    def watch(conn, cursor, statement, parameters, context, executemany) -> None:
        if re.match(r"\s*(UPDATE|DELETE\s+FROM)\s+audit_entries\b", statement, re.IGNORECASE):
            touching.append(statement)

    sa.event.listen(database, "before_cursor_execute", watch)
    posted = 0
    try:
        for endpoint, route in ROUTES.items():
            if route.post is None:
                continue
            rule = next(r for r in app.url_map.iter_rules() if r.endpoint == endpoint)
            for kind_objects in objects.values():
                path = rule.build(route.fill(kind_objects), append_unknown=True)[1]
                data = {**route.data(kind_objects), "csrf_token": token, "reason": "x"}
                assert client.post(path, data=data).status_code < 500, path
                posted += 1
        walked = list(touching)
        # The control: an UPDATE of the table (changing nothing) is seen by the watch.
        database.execute(sa.update(AuditEntry).where(sa.false()).values(reason="x"))
    finally:
        sa.event.remove(database, "before_cursor_execute", watch)

    assert posted > 100
    assert walked == []
    assert len(touching) == 1
    after = existing_rows()
    assert after[: len(before)] == before
    assert len(after) > len(before)  # the walk did act, and was recorded
