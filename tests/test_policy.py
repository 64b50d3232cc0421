"""The permission matrix: every persona x every space kind x every action.

The table is written out by hand on purpose: it is the specification, read by
people, and a change to a rule must change a line here.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from community import policy
from community.accounts import services as account_services
from community.accounts.models import AnonymousViewer, Role, TrustLevel, User
from community.extensions import db
from community.groups import services as group_services
from community.groups.models import Group
from community.notifications.models import Notification, NotificationKind
from community.profiles import services as profile_services
from community.profiles.models import FieldVisibility, ProfileFieldKind, ProfileFieldValue
from community.spaces import services as space_services
from community.spaces.models import IdeaBoard, Space, Visibility
from community.topics import services as topic_services
from community.topics.models import Post, ReviewState, Topic, TopicKind
from tests import factories
from tests.conftest import PERSONAS, SPACE_KINDS

Y, N = True, False

#                    public closed employee
READ = {
    "anonymous":       (Y, N, N),
    "unconfirmed":     (Y, N, N),
    "member":          (Y, N, N),
    "closed_member":   (Y, Y, N),
    "group_member":    (Y, Y, N),
    "employee":        (Y, N, Y),
    "space_moderator": (Y, Y, N),
    "moderator":       (Y, N, N),
    "admin":           (Y, Y, Y),
    "silenced":        (Y, N, N),
    "suspended":       (Y, N, N),
}  # fmt: skip
POST = {
    "anonymous":       (N, N, N),
    "unconfirmed":     (N, N, N),
    "member":          (Y, N, N),
    "closed_member":   (Y, Y, N),
    "group_member":    (Y, Y, N),
    "employee":        (Y, N, Y),
    "space_moderator": (Y, Y, N),
    "moderator":       (Y, N, N),
    "admin":           (Y, Y, Y),
    "silenced":        (N, N, N),
    "suspended":       (N, N, N),
}  # fmt: skip
MODERATE = {
    "anonymous":       (N, N, N),
    "unconfirmed":     (N, N, N),
    "member":          (N, N, N),
    "closed_member":   (N, N, N),
    "group_member":    (N, N, N),
    "employee":        (N, N, N),
    "space_moderator": (Y, Y, N),
    "moderator":       (Y, N, N),
    "admin":           (Y, Y, Y),
    "silenced":        (N, N, N),
    "suspended":       (N, N, N),
}  # fmt: skip
# Seeing the space's name in the directory (a listed closed space shows to members
# who could ask to join; employee spaces stay invisible).
LISTED = {
    "anonymous":       (Y, N, N),
    "unconfirmed":     (Y, Y, N),
    "member":          (Y, Y, N),
    "closed_member":   (Y, Y, N),
    "group_member":    (Y, Y, N),
    "employee":        (Y, Y, Y),
    "space_moderator": (Y, Y, N),
    "moderator":       (Y, Y, N),
    "admin":           (Y, Y, Y),
    "silenced":        (Y, Y, N),
    "suspended":       (Y, Y, N),
}  # fmt: skip
# Answering for the company on an idea board (status, official response, merge):
# employees who read the space, its moderators (global ones included) and admins.
IDEA_STAFF = {
    "anonymous":       (N, N, N),
    "unconfirmed":     (N, N, N),
    "member":          (N, N, N),
    "closed_member":   (N, N, N),
    "group_member":    (N, N, N),
    "employee":        (Y, N, Y),
    "space_moderator": (Y, Y, N),
    "moderator":       (Y, N, N),
    "admin":           (Y, Y, Y),
    "silenced":        (N, N, N),
    "suspended":       (N, N, N),
}  # fmt: skip
# Internal notes on ideas: employees who read the idea, and admins. Moderators who are
# not employees never see them.
IDEA_NOTES = {
    "anonymous":       (N, N, N),
    "unconfirmed":     (N, N, N),
    "member":          (N, N, N),
    "closed_member":   (N, N, N),
    "group_member":    (N, N, N),
    "employee":        (Y, N, Y),
    "space_moderator": (N, N, N),
    "moderator":       (N, N, N),
    "admin":           (Y, Y, Y),
    "silenced":        (N, N, N),
    "suspended":       (N, N, N),
}  # fmt: skip

# The community health dashboard (its charts, export and weekly summary): staff, that
# is employees and admins. Moderators who are not employees are volunteers, not staff.
DASHBOARD = {
    "anonymous":       N,
    "unconfirmed":     N,
    "member":          N,
    "closed_member":   N,
    "group_member":    N,
    "employee":        Y,
    "space_moderator": N,
    "moderator":       N,
    "admin":           Y,
    "silenced":        N,
    "suspended":       N,
}  # fmt: skip
# Deciding join requests: the closed space's moderators (and admins).
REVIEW = {persona: (N, MODERATE[persona][1], N) for persona in PERSONAS}
# Making invites into a space, every persona at trust level 0 (as the world makes
# them): the closed space's moderators and admins.
INVITE = {
    "anonymous":       (N, N, N),
    "unconfirmed":     (N, N, N),
    "member":          (N, N, N),
    "closed_member":   (N, N, N),
    "group_member":    (N, N, N),
    "employee":        (N, N, N),
    "space_moderator": (N, Y, N),
    "moderator":       (N, N, N),
    "admin":           (N, Y, N),
    "silenced":        (N, N, N),
    "suspended":       (N, N, N),
}  # fmt: skip
# The same with every persona at trust level 2 and member invites allowed in the
# space: members who belong to it (directly or through a group) may invite too.
INVITE_WHEN_MEMBERS_MAY = {
    "anonymous":       (N, N, N),
    "unconfirmed":     (N, N, N),
    "member":          (N, N, N),
    "closed_member":   (N, Y, N),
    "group_member":    (N, Y, N),
    "employee":        (N, N, N),
    "space_moderator": (N, Y, N),
    "moderator":       (N, N, N),
    "admin":           (N, Y, N),
    "silenced":        (N, N, N),
    "suspended":       (N, N, N),
}  # fmt: skip
# Persona-wide rights (no space): invite to the community at trust level 0, and at
# trust level 2; use the newcomers page; edit onboarding; read the audit log.
#                    community tl2-community newcomers onboarding audit
SITE = {
    "anonymous":       (N, N, N, N, N),
    "unconfirmed":     (N, N, N, N, N),
    "member":          (N, Y, N, N, N),
    "closed_member":   (N, Y, N, N, N),
    "group_member":    (N, Y, N, N, N),
    "employee":        (N, Y, N, N, N),
    "space_moderator": (Y, Y, N, N, N),
    "moderator":       (Y, Y, Y, N, N),
    "admin":           (Y, Y, Y, Y, Y),
    "silenced":        (N, N, N, N, N),
    "suspended":       (N, N, N, N, N),
}  # fmt: skip
# Groups, for the world's group "Partners" (the group_member persona is in it) and a
# group no persona is in that takes requests.
#                    see-own see-open members manage request-open manage-groups
GROUPS = {
    "anonymous":       (N, N, N, N, N, N),
    "unconfirmed":     (N, Y, N, N, N, N),
    "member":          (N, Y, N, N, Y, N),
    "closed_member":   (N, Y, N, N, Y, N),
    "group_member":    (Y, Y, Y, N, Y, N),
    "employee":        (N, Y, N, N, Y, N),
    "space_moderator": (N, Y, N, N, Y, N),
    "moderator":       (N, Y, N, N, Y, N),
    "admin":           (Y, Y, Y, Y, Y, Y),
    "silenced":        (N, Y, N, N, N, N),
    "suspended":       (N, Y, N, N, N, N),
}  # fmt: skip

# Acting on members (site-wide): open a member's moderation page and act there; see a
# member's trust level and its stats; set a trust level by hand.
#                    sanction trust-level set-level
MEMBER_ACTIONS = {
    "anonymous":       (N, N, N),
    "unconfirmed":     (N, N, N),
    "member":          (N, N, N),
    "closed_member":   (N, N, N),
    "group_member":    (N, N, N),
    "employee":        (N, Y, N),
    "space_moderator": (N, N, N),
    "moderator":       (Y, Y, N),
    "admin":           (Y, Y, Y),
    "silenced":        (N, N, N),
    "suspended":       (N, N, N),
}  # fmt: skip
SANCTION = {persona: row[0] for persona, row in MEMBER_ACTIONS.items()}
# Whom each persona may warn, silence or suspend: a member, a moderator, an admin,
# themselves. Moderators act on members only; admins on moderators too; nobody on
# an admin or on themselves.
#                    member moderator admin self
SANCTION_TARGETS = {
    persona: (N, N, N, N) for persona in PERSONAS if persona not in ("moderator", "admin")
} | {
    "moderator":       (Y, N, N, N),
    "admin":           (Y, Y, N, N),
}  # fmt: skip

# The review queue page: moderators of any space, global moderators and admins.
REVIEW_QUEUE = {
    "anonymous":       N,
    "unconfirmed":     N,
    "member":          N,
    "closed_member":   N,
    "group_member":    N,
    "employee":        N,
    "space_moderator": Y,
    "moderator":       Y,
    "admin":           Y,
    "silenced":        N,
    "suspended":       N,
}  # fmt: skip
# Deciding sign-ups that wait for approval (REQUIRE_SIGNUP_APPROVAL): global
# moderators and admins; a space's moderators do not decide who joins the community.
REVIEW_SIGNUPS = {
    "anonymous":       N,
    "unconfirmed":     N,
    "member":          N,
    "closed_member":   N,
    "group_member":    N,
    "employee":        N,
    "space_moderator": N,
    "moderator":       Y,
    "admin":           Y,
    "silenced":        N,
    "suspended":       N,
}  # fmt: skip
# Reviewing a post (approve, edit and approve, reject, decide its flags), and reading
# one that waits, was hidden by flags or was rejected, written by someone else: the
# space's moderators.
REVIEW_POST = {
    "anonymous":       (N, N, N),
    "unconfirmed":     (N, N, N),
    "member":          (N, N, N),
    "closed_member":   (N, N, N),
    "group_member":    (N, N, N),
    "employee":        (N, N, N),
    "space_moderator": (Y, Y, N),
    "moderator":       (Y, N, N),
    "admin":           (Y, Y, Y),
    "silenced":        (N, N, N),
    "suspended":       (N, N, N),
}  # fmt: skip
# Flagging someone else's post with every persona at trust level 1 (the default
# FLAG_MIN_TRUST_LEVEL): confirmed members who read it, unless silenced or suspended.
# At trust level 0, as the world makes them, nobody may.
FLAG_AT_TRUST_LEVEL_1 = {
    "anonymous":       (N, N, N),
    "unconfirmed":     (N, N, N),
    "member":          (Y, N, N),
    "closed_member":   (Y, Y, N),
    "group_member":    (Y, Y, N),
    "employee":        (Y, N, Y),
    "space_moderator": (Y, Y, N),
    "moderator":       (Y, N, N),
    "admin":           (Y, Y, Y),
    "silenced":        (N, N, N),
    "suspended":       (N, N, N),
}  # fmt: skip
# Posting at once (no approval) in a space that approves new members' posts, every
# persona at trust level 0: its moderators and employees. (Nobody else may post at
# all where they may not read; see POST.)
POST_WITHOUT_APPROVAL = {
    "anonymous":       (N, N, N),
    "unconfirmed":     (N, N, N),
    "member":          (N, N, N),
    "closed_member":   (N, N, N),
    "group_member":    (N, N, N),
    "employee":        (Y, Y, Y),
    "space_moderator": (Y, Y, N),
    "moderator":       (Y, N, N),
    "admin":           (Y, Y, Y),
    "silenced":        (N, N, N),
    "suspended":       (N, N, N),
}  # fmt: skip

CASES = [(persona, kind) for persona in PERSONAS for kind in SPACE_KINDS]


def _viewer(world, persona):
    return world.user(persona) or AnonymousViewer()


@pytest.mark.parametrize(("persona", "kind"), CASES)
def test_policy_matrix_space_actions(world, persona, kind):
    viewer = _viewer(world, persona)
    space = world.spaces[kind]
    column = SPACE_KINDS.index(kind)
    topic = factories.make_topic(space, author=world.user("admin"))

    assert policy.can_read_space(viewer, space) is READ[persona][column]
    assert policy.can_read_topic(viewer, topic) is READ[persona][column]
    assert policy.can_create_topic(viewer, space) is POST[persona][column]
    assert policy.can_reply(viewer, topic) is POST[persona][column]
    assert policy.can_moderate_space(viewer, space) is MODERATE[persona][column]
    assert policy.can_pin_topic(viewer, topic) is MODERATE[persona][column]
    assert policy.can_lock_topic(viewer, topic) is MODERATE[persona][column]
    assert policy.can_see_space_listing(viewer, space) is LISTED[persona][column]
    # Choosing a watch level for the space: signed-in readers.
    assert policy.can_watch_space(viewer, space) is (
        READ[persona][column] and persona != "anonymous"
    )


@pytest.mark.parametrize(("persona", "kind"), CASES)
def test_policy_matrix_idea_actions(world, persona, kind):
    viewer = _viewer(world, persona)
    space = world.spaces[kind]
    space.idea_board = IdeaBoard.ALONGSIDE
    column = SPACE_KINDS.index(kind)
    idea = factories.make_topic(space, author=world.user("admin"), kind=TopicKind.IDEA)

    assert policy.can_use_idea_board(viewer, space) is POST[persona][column]
    assert policy.can_vote_on_idea(viewer, idea) is POST[persona][column]
    assert policy.can_set_idea_status(viewer, idea) is IDEA_STAFF[persona][column]
    assert policy.can_read_idea_notes(viewer, idea) is IDEA_NOTES[persona][column]
    assert policy.can_write_idea_note(viewer, idea) is IDEA_NOTES[persona][column]
    assert policy.can_watch_topic(viewer, idea) is (
        READ[persona][column] and persona != "anonymous"
    )


def test_idea_actions_need_an_idea_and_a_live_topic(world):
    admin = world.user("admin")
    discussion = factories.make_topic(world.spaces["public"], author=admin)
    assert policy.can_vote_on_idea(admin, discussion) is False
    assert policy.can_set_idea_status(admin, discussion) is False
    assert policy.can_read_idea_notes(admin, discussion) is False
    world.spaces["public"].idea_board = IdeaBoard.ALONGSIDE
    idea = factories.make_topic(world.spaces["public"], author=admin, kind=TopicKind.IDEA)
    first_post = db.session.scalar(select(Post).where(Post.topic_id == idea.id))
    topic_services.delete_post(admin, first_post)
    assert policy.can_vote_on_idea(admin, idea) is False
    assert policy.can_set_idea_status(admin, idea) is False


@pytest.mark.parametrize("kind", [*SPACE_KINDS, "unlisted"])
def test_space_readers_clause_agrees_with_can_read_space(world, kind):
    """Notifications pick recipients with the clause; it must match the rule."""
    if kind == "unlisted":
        space = factories.make_space(
            visibility=Visibility.CLOSED, is_listed=False, members=(world.user("member"),)
        )
    else:
        space = world.spaces[kind]
    users = [user for user in world.users.values() if user is not None]
    in_sql = set(
        db.session.scalars(
            select(User.id).where(
                User.id.in_([user.id for user in users]), policy.space_readers_clause(space)
            )
        )
    )
    in_python = {user.id for user in users if policy.can_read_space(user, space)}
    assert in_sql == in_python
    assert in_sql  # admins at least: the comparison is not between two empty sets


@pytest.mark.parametrize("persona", PERSONAS)
def test_readable_spaces_clause_agrees_with_can_read_space(world, persona):
    viewer = _viewer(world, persona)
    unlisted = factories.make_space(visibility=Visibility.CLOSED, is_listed=False)
    spaces = [*world.spaces.values(), unlisted]

    in_sql = set(db.session.scalars(select(Space.id).where(policy.readable_spaces_clause(viewer))))
    in_python = {space.id for space in spaces if policy.can_read_space(viewer, space)}
    assert in_sql == in_python

    listed_sql = set(
        db.session.scalars(select(Space.id).where(policy.listed_spaces_clause(viewer)))
    )
    listed_python = {space.id for space in spaces if policy.can_see_space_listing(viewer, space)}
    assert listed_sql == listed_python
    assert unlisted.id not in listed_sql or persona == "admin"


@pytest.mark.parametrize("persona", PERSONAS)
def test_visible_topics_clause_agrees_with_can_read_topic(world, persona):
    viewer = _viewer(world, persona)
    admin = world.user("admin")
    topics = [factories.make_topic(space, author=admin) for space in world.spaces.values()]
    deleted = factories.make_topic(world.spaces["public"], author=admin)
    first_post = db.session.scalar(select(Post).where(Post.topic_id == deleted.id))
    topic_services.delete_post(admin, first_post)

    held = factories.make_topic(world.spaces["public"], author=admin)
    held.review_state = ReviewState.PENDING  # lists leave it out, as deleted ones
    db.session.commit()

    in_sql = set(db.session.scalars(select(Topic.id).where(policy.visible_topics_clause(viewer))))
    expected = {t.id for t in topics if policy.can_read_topic(viewer, t)}
    assert in_sql == expected
    assert deleted.id not in in_sql
    assert held.id not in in_sql


def test_post_author_may_edit_and_delete_own_post_but_not_others(world):
    space = world.spaces["public"]
    author, other = world.user("member"), world.user("closed_member")
    topic = factories.make_topic(space, author=author)
    reply = factories.make_reply(topic, author=other)

    assert policy.can_edit_post(author, reply) is False
    assert policy.can_delete_post(author, reply) is False
    assert policy.can_edit_post(other, reply) is True
    assert policy.can_delete_post(other, reply) is True
    assert policy.can_edit_post(world.user("space_moderator"), reply) is True
    assert policy.can_edit_post(world.user("employee"), reply) is False


def test_author_loses_edit_rights_when_topic_is_locked(world):
    author = world.user("member")
    topic = factories.make_topic(world.spaces["public"], author=author)
    reply = factories.make_reply(topic, author=author)
    topic_services.set_topic_locked(world.user("moderator"), topic, is_locked=True)

    assert policy.can_edit_post(author, reply) is False
    assert policy.can_reply(author, topic) is False
    assert policy.can_reply(world.user("moderator"), topic) is True


def test_former_closed_member_loses_access_after_membership_ends(world):
    closed = world.spaces["closed"]
    member = world.user("closed_member")
    assert policy.can_read_space(member, closed) is True

    space_services.remove_member(world.user("admin"), closed, member)

    assert policy.can_read_space(member, closed) is False


def test_employee_space_closes_when_employee_flag_is_removed(world):
    employee = world.user("employee")
    account_services.update_member(
        world.user("admin"), employee, role=employee.role, is_employee=False
    )
    assert policy.can_read_space(employee, world.spaces["employee"]) is False


@pytest.mark.parametrize("persona", PERSONAS)
def test_dashboard_is_for_staff(world, persona):
    assert policy.can_view_dashboard(_viewer(world, persona)) is DASHBOARD[persona]


@pytest.mark.parametrize("persona", PERSONAS)
def test_reviewable_spaces_clause_agrees_with_can_review_join_requests(world, persona):
    viewer = _viewer(world, persona)
    in_sql = set(
        db.session.scalars(select(Space.id).where(policy.reviewable_spaces_clause(viewer)))
    )
    for column, kind in enumerate(SPACE_KINDS):
        space = world.spaces[kind]
        assert policy.can_review_join_requests(viewer, space) is REVIEW[persona][column], kind
        assert (space.id in in_sql) is REVIEW[persona][column], kind


def test_only_admins_manage_spaces_and_members(world):
    for persona in PERSONAS:
        viewer = _viewer(world, persona)
        assert policy.can_manage_spaces(viewer) is (persona == "admin")
        assert policy.can_manage_members(viewer) is (persona == "admin")


# --- invites, groups, onboarding, the audit log -----------------------------------------


def _all_spaces(world):
    return [*world.spaces.values(), factories.make_space(visibility=Visibility.CLOSED)]


@pytest.mark.parametrize(("persona", "kind"), CASES)
def test_policy_matrix_invites(world, persona, kind):
    viewer = _viewer(world, persona)
    space = world.spaces[kind]
    column = SPACE_KINDS.index(kind)

    assert policy.can_invite_to_space(viewer, space) is INVITE[persona][column]
    assert policy.can_allow_member_invites(viewer, space) is INVITE[persona][column]

    space.allows_member_invites = True
    if viewer.is_authenticated:
        viewer.trust_level = TrustLevel.MEMBER
    assert policy.can_invite_to_space(viewer, space) is INVITE_WHEN_MEMBERS_MAY[persona][column]
    # The setting is the moderators' to change, whatever members may do.
    assert policy.can_allow_member_invites(viewer, space) is INVITE[persona][column]


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("members_may_invite", [False, True])
def test_invitable_spaces_clause_agrees_with_can_invite_to_space(
    world, persona, members_may_invite
):
    viewer = _viewer(world, persona)
    spaces = _all_spaces(world)
    for space in spaces:
        space.allows_member_invites = members_may_invite
    if viewer.is_authenticated:
        viewer.trust_level = TrustLevel.MEMBER if members_may_invite else TrustLevel.NEW
    db.session.flush()

    in_sql = set(db.session.scalars(select(Space.id).where(policy.invitable_spaces_clause(viewer))))
    in_python = {space.id for space in spaces if policy.can_invite_to_space(viewer, space)}
    assert in_sql == in_python


@pytest.mark.parametrize("persona", PERSONAS)
def test_policy_matrix_site_rights(world, persona):
    viewer = _viewer(world, persona)
    community, tl2_community, newcomers, onboarding, audit = SITE[persona]

    assert policy.can_invite_to_community(viewer) is community
    assert policy.can_welcome_newcomers(viewer) is newcomers
    assert policy.can_edit_onboarding(viewer) is onboarding
    assert policy.can_read_audit_log(viewer) is audit
    assert policy.can_grant_employee_status(viewer) is (persona == "admin")
    if viewer.is_authenticated:
        viewer.trust_level = TrustLevel.MEMBER
    assert policy.can_invite_to_community(viewer) is tl2_community


@pytest.mark.parametrize("persona", PERSONAS)
def test_policy_matrix_groups(world, persona):
    viewer = _viewer(world, persona)
    own = db.session.scalar(select(Group).where(Group.name == "Partners"))
    open_group = factories.make_group(name="Open House", accepts_requests=True)
    see_own, see_open, members, manage, request_open, manage_groups = GROUPS[persona]

    assert policy.can_see_group(viewer, own) is see_own
    assert policy.can_see_group(viewer, open_group) is see_open
    assert policy.can_see_group_members(viewer, own) is members
    assert policy.can_manage_group_members(viewer, own) is manage
    assert policy.can_request_group_membership(viewer, open_group) is request_open
    assert policy.can_request_group_membership(viewer, own) is False  # takes no requests
    assert policy.can_manage_groups(viewer) is manage_groups

    visible = set(db.session.scalars(select(Group.id).where(policy.visible_groups_clause(viewer))))
    assert visible == {g.id for g in (own, open_group) if policy.can_see_group(viewer, g)}
    grantable = set(
        db.session.scalars(select(Group.id).where(policy.grantable_groups_clause(viewer)))
    )
    assert grantable == {
        g.id for g in (own, open_group) if policy.can_manage_group_members(viewer, g)
    }


def test_group_owners_manage_their_group_only_and_grant_it_by_invite(world):
    owner = factories.make_user(username="groupowner")
    owned = factories.make_group(name="Customers", owners=(owner,))
    other = db.session.scalar(select(Group).where(Group.name == "Partners"))

    assert policy.can_manage_group_members(owner, owned) is True
    assert policy.can_manage_group_members(owner, other) is False
    assert policy.can_make_invites(owner) is True  # at trust level 0, for the group
    assert policy.can_grant_invite(owner, spaces=[], group=owned, is_employee=False) is True
    assert policy.can_grant_invite(owner, spaces=[], group=other, is_employee=False) is False
    assert policy.can_grant_invite(owner, spaces=[], group=None, is_employee=False) is False
    assert policy.can_grant_invite(owner, spaces=[], group=owned, is_employee=True) is False


def test_invite_never_grants_more_than_every_part_allows(world):
    moderator = world.user("space_moderator")
    closed, employee = world.spaces["closed"], world.spaces["employee"]
    other_closed = factories.make_space(visibility=Visibility.CLOSED)

    assert policy.can_grant_invite(moderator, spaces=[closed], group=None, is_employee=False)
    assert not policy.can_grant_invite(
        moderator, spaces=[closed, other_closed], group=None, is_employee=False
    )
    assert not policy.can_grant_invite(
        moderator, spaces=[closed, employee], group=None, is_employee=False
    )
    assert not policy.can_grant_invite(moderator, spaces=[closed], group=None, is_employee=True)
    admin = world.user("admin")
    assert policy.can_grant_invite(
        admin, spaces=[closed, other_closed], group=None, is_employee=True
    )


def test_group_member_loses_the_space_when_the_group_no_longer_opens_it(world):
    member = world.user("group_member")
    closed = world.spaces["closed"]
    group = db.session.scalar(select(Group).where(Group.name == "Partners"))
    assert policy.can_read_space(member, closed) is True
    assert policy.can_moderate_space(member, closed) is False  # a group makes no moderators

    group_services.revoke_space(world.user("admin"), group, closed)

    assert policy.can_read_space(member, closed) is False


@pytest.mark.parametrize("persona", PERSONAS)
def test_visible_notifications_clause_agrees_with_can_see_notification(world, persona):
    """Pages, counts and e-mail filter notifications with the clause; it must match."""
    viewer = _viewer(world, persona)
    admin = world.user("admin")
    recipient = world.user(persona) or world.user("member")
    unlisted = factories.make_space(visibility=Visibility.CLOSED, is_listed=False)
    deleted = factories.make_topic(world.spaces["public"], author=admin)
    topic_services.delete_post(
        admin, db.session.scalar(select(Post).where(Post.topic_id == deleted.id))
    )
    targets = [
        {"topic": factories.make_topic(space, author=admin)} for space in world.spaces.values()
    ]
    targets += [{"space": space} for space in [*world.spaces.values(), unlisted]]
    targets += [{"topic": deleted}, {}]
    notifications = [
        Notification(user_id=recipient.id, kind=NotificationKind.INVITE, **target)
        for target in targets
    ]
    # Someone else's notification is never the viewer's.
    notifications.append(
        Notification(user_id=admin.id if recipient.id != admin.id else world.user("member").id,
                     kind=NotificationKind.MODERATOR_MESSAGE)
    )  # fmt: skip
    db.session.add_all(notifications)
    db.session.commit()

    in_sql = set(
        db.session.scalars(
            select(Notification.id).where(policy.visible_notifications_clause(viewer))
        )
    )
    in_python = {n.id for n in notifications if policy.can_see_notification(viewer, n)}
    assert in_sql == in_python
    if persona != "anonymous":
        assert in_sql  # the message to them alone at least


# --- profiles ---------------------------------------------------------------------

# Who sees a profile field, by the visibility its owner chose (the owner sees all).
#                    everyone members staff only_me
FIELD_VISIBILITY = {
    "anonymous":       (Y, N, N, N),
    "unconfirmed":     (Y, Y, N, N),
    "member":          (Y, Y, N, N),
    "closed_member":   (Y, Y, N, N),
    "group_member":    (Y, Y, N, N),
    "employee":        (Y, Y, Y, N),
    "space_moderator": (Y, Y, N, N),
    "moderator":       (Y, Y, Y, N),
    "admin":           (Y, Y, Y, N),
    "silenced":        (Y, Y, N, N),
    "suspended":       (Y, Y, N, N),
    "owner":           (Y, Y, Y, Y),
}  # fmt: skip
VISIBILITIES = ("everyone", "members", "staff", "only_me")
# Whose profile exists for whom: a member who posted in a space of each kind (and
# belongs to it, for the closed one), and one who never posted and belongs nowhere.
#                    public closed employee lurker
SEE_MEMBER = {
    "anonymous":       (Y, N, N, N),
    "unconfirmed":     (Y, N, N, N),
    "member":          (Y, N, N, N),
    "closed_member":   (Y, Y, N, N),
    # Reads the closed space through its group, so knows who posted there.
    "group_member":    (Y, Y, N, N),
    "employee":        (Y, N, Y, N),
    "space_moderator": (Y, Y, N, N),
    "moderator":       (Y, N, N, N),
    "admin":           (Y, Y, Y, Y),
    "silenced":        (Y, N, N, N),
    "suspended":       (Y, N, N, N),
}  # fmt: skip


@pytest.mark.parametrize("persona", [*PERSONAS, "owner"])
def test_profile_field_visibility_matrix(world, persona):
    owner = factories.make_user(username="fieldowner")
    viewer = owner if persona == "owner" else _viewer(world, persona)
    values = []
    for visibility in VISIBILITIES:
        field = profile_services.create_profile_field(
            world.user("admin"), label=f"Field {visibility}", kind=ProfileFieldKind.TEXT
        )
        values.append(
            ProfileFieldValue(field_id=field.id, user_id=owner.id, value=visibility,
                              visibility=FieldVisibility(visibility))
        )  # fmt: skip
    db.session.add_all(values)
    db.session.commit()
    expected = dict(zip(VISIBILITIES, FIELD_VISIBILITY[persona], strict=True))

    for visibility in VISIBILITIES:
        seen = policy.can_see_profile_field(viewer, owner.id, FieldVisibility(visibility))
        assert seen is expected[visibility], visibility
    in_sql = set(
        db.session.scalars(
            select(ProfileFieldValue.value).where(
                ProfileFieldValue.user_id == owner.id,
                policy.visible_profile_fields_clause(
                    viewer, ProfileFieldValue.user_id, ProfileFieldValue.visibility
                ),
            )
        )
    )
    assert in_sql == {visibility for visibility in VISIBILITIES if expected[visibility]}


@pytest.mark.parametrize("persona", PERSONAS)
def test_visible_members_matrix(world, persona):
    admin = world.user("admin")
    voices = {
        kind: factories.make_user(username=f"voice{kind}", is_employee=kind == "employee")
        for kind in SPACE_KINDS
    }
    space_services.add_member(admin, world.spaces["closed"], voices["closed"])
    for kind, voice in voices.items():
        topic = factories.make_topic(world.spaces[kind], author=admin)
        factories.make_reply(topic, author=voice)
    lurker = factories.make_user(username="lurker")
    members = [voices["public"], voices["closed"], voices["employee"], lurker]

    viewer = _viewer(world, persona)
    visible = set(
        db.session.scalars(
            select(User.id).where(
                User.id.in_([m.id for m in members]), policy.visible_members_clause(viewer)
            )
        )
    )
    assert tuple(m.id in visible for m in members) == SEE_MEMBER[persona]
    if viewer.is_authenticated:  # everyone exists for themselves, posts or not
        assert db.session.scalar(
            select(User.id).where(User.id == viewer.id, policy.visible_members_clause(viewer))
        )


def test_visible_members_ignores_deleted_posts(world):
    ghost = factories.make_user(username="ghost")
    topic = factories.make_topic(world.spaces["public"], author=world.user("admin"))
    reply = factories.make_reply(topic, author=ghost)
    topic_services.delete_post(ghost, reply)
    viewer = AnonymousViewer()
    assert (
        db.session.scalar(
            select(User.id).where(User.id == ghost.id, policy.visible_members_clause(viewer))
        )
        is None
    )


def test_only_owners_and_admins_may_delete_an_account(world):
    member = world.user("member")
    for persona in PERSONAS:
        viewer = _viewer(world, persona)
        expected = persona in ("member", "admin")
        assert policy.can_delete_member(viewer, member) is expected, persona


def _post_by_outsider(world, space):
    """The first post of a topic by a member who is no persona (so every persona
    reads it as someone else's), in ``space``."""
    author = factories.make_user(username=f"outsider{space.id}", is_employee=True)
    space_services.add_member(world.user("admin"), space, author)
    return factories.first_post(factories.make_topic(space, author=author))


@pytest.mark.parametrize(("persona", "kind"), CASES)
def test_policy_matrix_review_and_flags(world, persona, kind):
    viewer = _viewer(world, persona)
    space = world.spaces[kind]
    column = SPACE_KINDS.index(kind)
    post = _post_by_outsider(world, space)

    assert policy.can_use_review_queue(viewer) is REVIEW_QUEUE[persona]
    assert policy.can_review_signups(viewer) is REVIEW_SIGNUPS[persona]
    assert policy.can_review_post(viewer, post) is REVIEW_POST[persona][column]
    assert policy.can_flag_post(viewer, post) is False  # trust level 0
    space.approves_new_member_posts = True
    assert policy.can_post_without_approval(viewer, space) is POST_WITHOUT_APPROVAL[persona][column]
    if viewer.is_authenticated:
        viewer.trust_level = TrustLevel.BASIC
        assert policy.can_flag_post(viewer, post) is FLAG_AT_TRUST_LEVEL_1[persona][column]
        # Trust level 1 posts at once everywhere.
        assert policy.can_post_without_approval(viewer, space) is True
    for state in (ReviewState.PENDING, ReviewState.HIDDEN, ReviewState.REJECTED):
        post.review_state = post.topic.review_state = state
        assert policy.can_read_post(viewer, post) is REVIEW_POST[persona][column]
        assert policy.can_read_topic(viewer, post.topic) is REVIEW_POST[persona][column]
        # Nobody flags or answers what is not published.
        assert policy.can_flag_post(viewer, post) is False
        assert policy.can_reply(viewer, post.topic) is False


@pytest.mark.parametrize("persona", PERSONAS)
def test_moderated_spaces_clause_agrees_with_can_moderate_space(world, persona):
    viewer = _viewer(world, persona)
    unlisted = factories.make_space(visibility=Visibility.CLOSED, is_listed=False)
    spaces = [*world.spaces.values(), unlisted]
    in_sql = set(
        db.session.scalars(
            select(Space.id).where(
                Space.id.in_([space.id for space in spaces]), policy.moderated_spaces_clause(viewer)
            )
        )
    )
    assert in_sql == {space.id for space in spaces if policy.can_moderate_space(viewer, space)}


@pytest.mark.parametrize("persona", PERSONAS)
def test_topic_posts_clause_agrees_with_can_read_post(world, persona):
    viewer = _viewer(world, persona)
    topic = factories.make_topic(world.spaces["public"], author=world.user("admin"))
    # Every persona who may write here (the silenced and suspended may not) authors a reply.
    authors = [
        user for user in world.users.values() if user is not None and policy.can_reply(user, topic)
    ]
    posts = [factories.make_reply(topic, author=author) for author in authors]
    for number, post in enumerate(posts):
        post.review_state = list(ReviewState)[number % len(ReviewState)]
    db.session.commit()
    in_sql = set(
        db.session.scalars(
            select(Post.id).where(
                Post.topic_id == topic.id, policy.topic_posts_clause(viewer, topic)
            )
        )
    )
    in_python = {
        post.id
        for post in [factories.first_post(topic), *posts]
        if policy.can_read_post(viewer, post)
    }
    assert in_sql == in_python


# --- acting on members and trust levels --------------------------------------------


@pytest.mark.parametrize("persona", PERSONAS)
def test_policy_matrix_member_actions(world, persona):
    viewer = _viewer(world, persona)
    sanction, trust_level, set_level = MEMBER_ACTIONS[persona]
    assert policy.can_sanction_members(viewer) is sanction
    assert policy.can_see_trust_level(viewer) is trust_level
    assert policy.can_set_trust_level(viewer) is set_level


@pytest.mark.parametrize("persona", PERSONAS)
def test_policy_matrix_sanction_targets(world, persona):
    viewer = _viewer(world, persona)
    targets = (
        factories.make_user(username="plaintarget"),
        factories.make_user(username="modtarget", role=Role.MODERATOR),
        factories.make_user(username="admintarget", role=Role.ADMIN),
        world.user(persona),
    )
    for target, expected in zip(targets, SANCTION_TARGETS[persona], strict=True):
        if target is None:  # the anonymous persona has no self
            continue
        assert policy.can_sanction_member(viewer, target) is expected, target.username


def test_silenced_member_reads_but_every_write_is_refused(world):
    silenced = world.user("silenced")
    public = world.spaces["public"]
    public.idea_board = IdeaBoard.ALONGSIDE
    admin = world.user("admin")
    question = factories.make_topic(public, author=admin, kind=TopicKind.QUESTION)
    answer = factories.make_reply(question, author=world.user("member"))
    idea = factories.make_topic(public, author=admin, kind=TopicKind.IDEA)
    # Their own post from before the silence.
    silenced.silenced_until = None
    own = factories.make_reply(question, author=silenced)
    silenced.silenced_until = datetime.now(UTC) + timedelta(days=1)

    assert policy.can_read_topic(silenced, question) is True
    assert policy.can_watch_topic(silenced, question) is True
    assert policy.can_create_topic(silenced, public) is False
    assert policy.can_reply(silenced, question) is False
    assert policy.can_edit_post(silenced, own) is False
    assert policy.can_vote_on_answer(silenced, answer) is False
    assert policy.can_vote_on_idea(silenced, idea) is False
    silenced.trust_level = TrustLevel.MEMBER
    assert policy.can_invite_to_community(silenced) is False


def test_a_silence_or_suspension_ends_by_time_alone(world):
    member = world.user("member")
    assert policy.can_create_topic(member, world.spaces["public"]) is True
    member.silenced_until = datetime.now(UTC) - timedelta(seconds=1)
    member.suspended_until = datetime.now(UTC) - timedelta(seconds=1)
    assert member.is_silenced is False
    assert member.is_suspended is False
    assert policy.can_create_topic(member, world.spaces["public"]) is True
    assert policy.can_sign_in(member) is True
    member.suspended_until = datetime.now(UTC) + timedelta(hours=1)
    assert policy.can_create_topic(member, world.spaces["public"]) is False
    assert policy.can_sign_in(member) is False
