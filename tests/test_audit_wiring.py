"""Every moderator and admin action writes one audit row, in its own transaction,
naming its target by id and holding no member content; repeating an action that
changes nothing writes nothing."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from community.extensions import db
from community.groups import services as group_services
from community.ideas import services as idea_services
from community.ideas.models import IdeaStatus
from community.invites import services as invite_services
from community.moderation.audit import AuditLogIsAppendOnly, record_audit
from community.moderation.models import AuditAction, AuditEntry, AuditTarget
from community.onboarding import services as onboarding_services
from community.spaces import services as space_services
from community.spaces.models import IdeaBoard, JoinRequest, MembershipRole, Visibility
from community.topics import services as topic_services
from community.topics.models import Post, TopicKind
from tests import factories


def _entries() -> list[AuditEntry]:
    return list(db.session.scalars(select(AuditEntry).order_by(AuditEntry.id)))


def _only(action: AuditAction) -> AuditEntry:
    entries = _entries()
    assert [entry.action for entry in entries] == [action], entries
    return entries[0]


def _first_post(topic) -> Post:
    return db.session.scalar(select(Post).where(Post.topic_id == topic.id, Post.post_number == 1))


# --- spaces and memberships -------------------------------------------------------------


def test_space_create_and_update_are_audited_with_what_changed(world):
    admin = world.user("admin")
    space = space_services.create_space(
        admin, name="Beta Lab", slug="beta-lab", visibility=Visibility.CLOSED
    )
    created = _only(AuditAction.SPACE_CREATE)
    assert (created.target_type, created.target_id, created.space_id) == (
        AuditTarget.SPACE, space.id, space.id,
    )  # fmt: skip
    assert created.detail == "visibility=closed"

    space_services.update_space(
        admin, space, name="Beta Lab", slug="beta-lab", description="Secret new bulbs",
        visibility=Visibility.PUBLIC, is_listed=True,
    )  # fmt: skip
    space_services.update_space(
        admin, space, name="Beta Lab", slug="beta-lab", description="Secret new bulbs",
        visibility=Visibility.PUBLIC, is_listed=True,
    )  # fmt: skip

    updates = [e for e in _entries() if e.action is AuditAction.SPACE_UPDATE]
    assert len(updates) == 1  # the second save changed nothing
    assert updates[0].detail == "visibility:closed->public,description:changed"
    assert "Secret" not in updates[0].detail


def test_member_add_role_and_remove_are_audited_once_each(world):
    admin, member, space = world.user("admin"), world.user("member"), world.spaces["closed"]

    space_services.add_member(admin, space, member)
    space_services.add_member(admin, space, member)  # the same role: nothing changes
    space_services.add_member(admin, space, member, role=MembershipRole.MODERATOR)
    space_services.remove_member(admin, space, member)
    space_services.remove_member(admin, space, member)  # gone already

    entries = _entries()
    assert [(e.action, e.detail) for e in entries] == [
        (AuditAction.SPACE_MEMBER_ADD, "role=member"),
        (AuditAction.SPACE_MEMBER_ROLE, "member->moderator"),
        (AuditAction.SPACE_MEMBER_REMOVE, ""),
    ]
    assert {(e.target_type, e.target_id, e.space_id) for e in entries} == {
        (AuditTarget.MEMBER, member.id, space.id)
    }


@pytest.mark.parametrize(
    ("is_approved", "action"),
    [(True, AuditAction.JOIN_REQUEST_APPROVE), (False, AuditAction.JOIN_REQUEST_DECLINE)],
)
def test_join_request_decisions_are_audited_once_with_the_note_as_reason(
    world, is_approved, action
):
    space = world.spaces["closed"]
    space.accepts_join_requests = True
    join_request = JoinRequest(space=space, user=world.user("member"), message="My secret")
    db.session.add(join_request)
    db.session.commit()

    for _ in range(2):  # a double click
        space_services.decide_join_request(
            world.user("space_moderator"), join_request, is_approved=is_approved, note="Welcome"
        )

    entry = _only(action)
    assert (entry.target_type, entry.target_id) == (AuditTarget.JOIN_REQUEST, join_request.id)
    assert entry.reason == "Welcome"
    assert "My secret" not in entry.detail + entry.reason


def test_member_invites_setting_is_audited_when_it_changes(world):
    moderator, space = world.user("space_moderator"), world.spaces["closed"]
    space_services.set_member_invites(moderator, space, is_allowed=True)
    space_services.set_member_invites(moderator, space, is_allowed=True)
    assert _only(AuditAction.SPACE_UPDATE).detail == "allows_member_invites:False->True"


def test_invite_create_and_withdraw_are_audited(world):
    admin = world.user("admin")
    group = factories.make_group(name="Customers")
    made = invite_services.create_invites(
        admin, spaces=[world.spaces["closed"]], group=group, is_employee=True, max_uses=3
    )
    invite_services.withdraw_invite(admin, made.invites[0])

    created, withdrawn = _entries()
    assert created.action is AuditAction.INVITE_CREATE
    assert created.detail == (
        f"spaces={world.spaces['closed'].id} group={group.id} employee uses=3 days=7"
    )
    assert created.space_id == world.spaces["closed"].id
    assert (withdrawn.action, withdrawn.target_id) == (
        AuditAction.INVITE_WITHDRAW,
        made.invites[0].id,
    )


# --- topics and posts ------------------------------------------------------------------


def test_pin_and_lock_are_audited_only_when_they_change(world):
    moderator = world.user("moderator")
    topic = factories.make_topic(world.spaces["public"], author=world.user("member"))

    for is_pinned in (True, True, False):
        topic_services.set_topic_pinned(moderator, topic, is_pinned=is_pinned)
    for is_locked in (True, True, False):
        topic_services.set_topic_locked(moderator, topic, is_locked=is_locked)

    entries = _entries()
    assert [e.action for e in entries] == [
        AuditAction.TOPIC_PIN,
        AuditAction.TOPIC_UNPIN,
        AuditAction.TOPIC_LOCK,
        AuditAction.TOPIC_UNLOCK,
    ]
    assert {(e.target_type, e.target_id, e.space_id) for e in entries} == {
        (AuditTarget.TOPIC, topic.id, world.spaces["public"].id)
    }


def test_moderator_deleting_someone_elses_topic_and_post_is_audited_but_not_the_author(world):
    moderator, author = world.user("space_moderator"), world.user("member")
    topic = factories.make_topic(world.spaces["public"], author=author, title="Buy cheap stuff")
    reply = factories.make_reply(topic, author=author, body="Spam spam")
    own = factories.make_reply(topic, author=author, body="Oops")
    other_topic = factories.make_topic(world.spaces["public"], author=author)

    topic_services.delete_post(author, own)  # an author's own: no moderation
    topic_services.delete_post(moderator, reply)
    topic_services.delete_post(moderator, _first_post(other_topic))

    post_entry, topic_entry = _entries()
    assert (post_entry.action, post_entry.target_type, post_entry.target_id) == (
        AuditAction.POST_DELETE, AuditTarget.POST, reply.id,
    )  # fmt: skip
    assert (topic_entry.action, topic_entry.target_type, topic_entry.target_id) == (
        AuditAction.TOPIC_DELETE, AuditTarget.TOPIC, other_topic.id,
    )  # fmt: skip
    assert all("Spam" not in e.detail + e.reason for e in _entries())


def test_moderator_editing_someone_elses_post_is_audited_but_not_authors_or_wiki_edits(world):
    moderator, author, other = world.user("moderator"), world.user("member"), world.user("employee")
    topic = factories.make_topic(world.spaces["public"], author=author)
    first = _first_post(topic)

    topic_services.edit_post(author, first, body="The author's own edit.")
    topic_services.set_post_wiki(moderator, first, is_wiki=True)
    topic_services.set_post_wiki(moderator, first, is_wiki=True)
    topic_services.edit_post(other, first, body="A member improves the wiki.")
    topic_services.edit_post(moderator, first, body="A moderator's correction.")

    wiki, edit = _entries()
    assert (wiki.action, wiki.target_id, wiki.detail) == (AuditAction.POST_WIKI, first.id, "on")
    assert (edit.action, edit.target_id, edit.detail) == (
        AuditAction.POST_EDIT,
        first.id,
        "revision=3",
    )


def test_staff_creating_a_tag_is_audited(world):
    factories.make_topic(world.spaces["public"], author=world.user("employee"), tags="firmware")
    factories.make_topic(world.spaces["public"], author=world.user("admin"), tags="firmware")

    entry = _only(AuditAction.TAG_CREATE)
    assert (entry.actor_id, entry.target_type) == (world.user("employee").id, AuditTarget.TAG)


def test_idea_status_changes_and_merges_are_audited(world):
    space = world.spaces["public"]
    space.idea_board = IdeaBoard.ALONGSIDE
    db.session.commit()
    staff = world.user("employee")
    idea = factories.make_topic(space, author=world.user("member"), kind=TopicKind.IDEA)
    other = factories.make_topic(space, author=world.user("member"), kind=TopicKind.IDEA)

    idea_services.set_idea_status(staff, idea, status=IdeaStatus.PLANNED, response="Soon")
    idea_services.merge_idea(staff, other, idea)

    status, merge = _entries()
    assert (status.action, status.target_id, status.detail) == (
        AuditAction.IDEA_STATUS,
        idea.id,
        "open->planned response",
    )
    assert (merge.action, merge.target_id, merge.detail) == (
        AuditAction.IDEA_MERGE,
        other.id,
        f"into={idea.id}",
    )


# --- groups and onboarding ------------------------------------------------------------


def test_group_changes_are_audited(world):
    admin, member = world.user("admin"), world.user("member")
    group = group_services.create_group(admin, name="Customers")
    group_services.update_group(
        admin, group, name="Customers", description="", accepts_requests=True
    )
    group_services.add_group_member(admin, group, member)
    group_services.set_group_owner(admin, group, member, is_owner=True)
    group_services.grant_space(admin, group, world.spaces["closed"])
    group_services.revoke_space(admin, group, world.spaces["closed"])
    group_services.remove_group_member(admin, group, member)
    group_id = group.id
    group_services.delete_group(admin, group)

    assert [e.action for e in _entries()] == [
        AuditAction.GROUP_CREATE,
        AuditAction.GROUP_UPDATE,
        AuditAction.GROUP_MEMBER_ADD,
        AuditAction.GROUP_OWNER,
        AuditAction.SPACE_GROUP_GRANT,
        AuditAction.SPACE_GROUP_REVOKE,
        AuditAction.GROUP_MEMBER_REMOVE,
        AuditAction.GROUP_DELETE,
    ]
    # Who joined or left names the member; the rest name the group.
    assert [(e.target_type, e.target_id) for e in _entries()] == [
        (AuditTarget.GROUP, group_id),
        (AuditTarget.GROUP, group_id),
        (AuditTarget.MEMBER, member.id),
        (AuditTarget.MEMBER, member.id),
        (AuditTarget.GROUP, group_id),
        (AuditTarget.GROUP, group_id),
        (AuditTarget.MEMBER, member.id),
        (AuditTarget.GROUP, group_id),
    ]
    assert {e.detail for e in _entries() if e.target_type is AuditTarget.MEMBER} == {
        f"group={group_id}",
        f"group={group_id} False->True",
    }


def test_onboarding_settings_and_welcomes_are_audited(world):
    onboarding_services.update_onboarding_settings(
        world.user("admin"), guidelines="Be kind.", welcome_space=world.spaces["public"]
    )
    onboarding_services.send_welcome_message(world.user("moderator"), world.user("member"))

    assert [e.action for e in _entries()] == [
        AuditAction.SITE_GUIDELINES,
        AuditAction.SITE_WELCOME_SPACE,
        AuditAction.MEMBER_WELCOME,
    ]


# --- nothing changes a row -----------------------------------------------------------


def test_audit_rows_refuse_to_be_changed_or_deleted_through_the_orm(world):
    entry = record_audit(world.user("admin"), AuditAction.SPACE_UPDATE, reason="Tidy")
    db.session.commit()

    entry.reason = "Rewritten history"
    with pytest.raises(AuditLogIsAppendOnly):
        db.session.flush()
    db.session.rollback()
    db.session.delete(db.session.get(AuditEntry, entry.id))
    with pytest.raises(AuditLogIsAppendOnly):
        db.session.flush()
    db.session.rollback()
    assert db.session.get(AuditEntry, entry.id).reason == "Tidy"
