"""Every answer to "may this viewer see or do this?".

Three shapes of the same rules:

- ``can_*`` returns a bool and has no side effects (views, services, templates);
- ``require_*`` raises ``NotFound`` when the viewer may not even see the object
  (hidden things do not exist for them) and ``Forbidden`` when they see it but may
  not act;
- ``*_clause`` is the SQL twin of a ``can_*``, for every query that lists things.

Policy takes the viewer as an argument and never reads request globals.
``tests/test_policy.py`` holds the role x space x action table and checks that each
``can_*`` and its clause agree.
"""

from __future__ import annotations

from flask import current_app, has_app_context
from sqlalchemy import and_, exists, false, or_, select, true
from sqlalchemy.sql.elements import ColumnElement

from community.accounts.models import Role, TrustLevel, User, Viewer
from community.errors import Forbidden, NotFound
from community.groups.models import Group, GroupMember, SpaceGroup
from community.invites.models import Invite
from community.notifications.models import Notification
from community.profiles.models import FieldVisibility
from community.spaces.models import Membership, Space, Visibility
from community.topics.models import Post, ReviewState, Topic, TopicKind

# Members earn the right to invite at trust level 2, Discourse's default
# (``config.TRUST_LEVEL_TO_INVITE`` when an app is running; this is the one place
# that reads it).
INVITE_MIN_TRUST_LEVEL = TrustLevel.MEMBER


def _level_setting(name: str, default: int) -> int:
    """A trust level a right needs, from the app's settings (the default outside one).
    Settings are the deployment's, not the request's: policy still reads no request."""
    if not has_app_context():
        return default
    return int(current_app.config.get(name, default))


def can_sign_in(member: User) -> bool:
    """Start a session, or keep one: never while a suspension is in force (the
    sign-in, confirmation and reset pages and the session loader all ask here). A
    sign-up still waiting for approval is refused too, by
    ``accounts.services.sign_in_refusal``, which reads its table."""
    return not member.is_suspended


def _may_write(viewer: Viewer) -> bool:
    """Signed in, confirmed and under no sanction: who may put words or votes on the
    site. A silenced member reads as before; a suspended one has no session at all,
    and is refused here too should an object of theirs reach policy."""
    if not viewer.is_authenticated:
        return False
    if not viewer.is_confirmed:
        return False
    if viewer.is_silenced:
        return False
    return not viewer.is_suspended


# --- spaces -----------------------------------------------------------------


def can_read_space(viewer: Viewer, space: Space) -> bool:
    if viewer.is_admin:
        return True
    if space.visibility is Visibility.PUBLIC:
        return True
    if space.visibility is Visibility.EMPLOYEE:
        return viewer.is_employee
    # Closed: members only, directly or through a group the space grants. Global
    # moderators are not let in by their role: a customer or partner network is read
    # by the people it was opened to.
    return space.id in viewer.member_space_ids


def require_read_space(viewer: Viewer, space: Space) -> None:
    if not can_read_space(viewer, space):
        raise NotFound  # the same answer as a wrong slug: hidden spaces don't exist


def readable_spaces_clause(viewer: Viewer) -> ColumnElement[bool]:
    """SQL twin of ``can_read_space``: a WHERE clause over ``Space``."""
    if viewer.is_admin:
        return true()
    allowed = [Space.visibility == Visibility.PUBLIC]
    if viewer.is_employee:
        allowed.append(Space.visibility == Visibility.EMPLOYEE)
    if viewer.member_space_ids:
        allowed.append(
            and_(
                Space.visibility == Visibility.CLOSED,
                Space.id.in_(sorted(viewer.member_space_ids)),
            )
        )
    return or_(*allowed)


def can_see_space_listing(viewer: Viewer, space: Space) -> bool:
    """May the viewer see the space's name and description in the directory?"""
    if can_read_space(viewer, space):
        return True
    # Signed-in members learn that a listed closed space exists, and how to join;
    # employee spaces and unlisted closed spaces stay invisible.
    if not viewer.is_authenticated:
        return False
    return space.visibility is Visibility.CLOSED and space.is_listed


def listed_spaces_clause(viewer: Viewer) -> ColumnElement[bool]:
    """SQL twin of ``can_see_space_listing``."""
    readable = readable_spaces_clause(viewer)
    if not viewer.is_authenticated:
        return readable
    return or_(readable, and_(Space.visibility == Visibility.CLOSED, Space.is_listed.is_(True)))


def space_readers_clause(space: Space) -> ColumnElement[bool]:
    """The inverse twin of ``can_read_space``: a WHERE clause over ``User`` for the
    members who may read ``space``. Notifications go only to rows it lets through."""
    if space.visibility is Visibility.PUBLIC:
        return true()
    allowed = [User.role == Role.ADMIN]
    if space.visibility is Visibility.EMPLOYEE:
        allowed.append(User.is_employee.is_(True))
    else:
        allowed.append(
            exists().where(Membership.user_id == User.id, Membership.space_id == space.id)
        )
        # Members of a group the space grants (``User.member_space_ids`` counts them).
        allowed.append(
            exists().where(
                GroupMember.user_id == User.id,
                GroupMember.group_id == SpaceGroup.group_id,
                SpaceGroup.space_id == space.id,
            )
        )
    return or_(*allowed)


def can_request_to_join(viewer: Viewer, space: Space) -> bool:
    """Ask the moderators of a listed closed space for membership."""
    # A request carries a message: a silenced member sends none.
    if not _may_write(viewer):
        return False
    if space.visibility is not Visibility.CLOSED:
        return False
    if not space.is_listed or not space.accepts_join_requests:
        return False
    # Members, and admins who read everything, have nothing to ask for.
    return not can_read_space(viewer, space)


def require_request_to_join(viewer: Viewer, space: Space) -> None:
    if not can_see_space_listing(viewer, space):
        raise NotFound
    if not can_request_to_join(viewer, space):
        raise Forbidden


def can_review_join_requests(viewer: Viewer, space: Space) -> bool:
    return space.visibility is Visibility.CLOSED and can_moderate_space(viewer, space)


def require_review_join_requests(viewer: Viewer, space: Space) -> None:
    require_read_space(viewer, space)
    if not can_review_join_requests(viewer, space):
        raise Forbidden


def reviewable_spaces_clause(viewer: Viewer) -> ColumnElement[bool]:
    """SQL twin of ``can_review_join_requests``: closed spaces whose join requests the
    viewer decides."""
    closed = Space.visibility == Visibility.CLOSED
    if viewer.is_admin:
        return closed
    if viewer.is_moderator:
        # Global moderators moderate the closed spaces they are members of.
        return and_(closed, readable_spaces_clause(viewer))
    return and_(closed, Space.id.in_(sorted(viewer.moderated_space_ids)))


def _guards_closed_space(viewer: Viewer, space: Space) -> bool:
    """The moderators (and admins) who answer for who comes into a closed space."""
    return space.visibility is Visibility.CLOSED and can_moderate_space(viewer, space)


def _has_earned_invites(viewer: Viewer) -> bool:
    if not _may_write(viewer):
        return False
    return viewer.trust_level >= _level_setting("TRUST_LEVEL_TO_INVITE", INVITE_MIN_TRUST_LEVEL)


def can_invite_to_space(viewer: Viewer, space: Space) -> bool:
    """Make invites into a closed space: its moderators and admins, and members at
    trust level 2 or more who belong to it, where its moderators allow member invites.

    An invite grants only what its creator may grant (``can_grant_invite``).
    """
    if space.visibility is not Visibility.CLOSED:
        return False
    if can_moderate_space(viewer, space):
        return True
    if not space.allows_member_invites:
        return False
    if space.id not in viewer.member_space_ids:
        return False
    return _has_earned_invites(viewer)


def invitable_spaces_clause(viewer: Viewer) -> ColumnElement[bool]:
    """SQL twin of ``can_invite_to_space``: a WHERE clause over ``Space``."""
    if not viewer.is_authenticated:
        return false()
    closed = Space.visibility == Visibility.CLOSED
    if viewer.is_admin:
        return closed
    # Moderating a closed space takes reading it, that is belonging to it.
    belongs = Space.id.in_(sorted(viewer.member_space_ids))
    if viewer.is_moderator:
        return and_(closed, belongs)
    ways_in = [Space.id.in_(sorted(viewer.moderated_space_ids))]
    if _has_earned_invites(viewer):
        ways_in.append(Space.allows_member_invites.is_(True))
    return and_(closed, belongs, or_(*ways_in))


def require_invite_to_space(viewer: Viewer, space: Space) -> None:
    require_read_space(viewer, space)
    if not can_invite_to_space(viewer, space):
        raise Forbidden


def can_allow_member_invites(viewer: Viewer, space: Space) -> bool:
    """Switch a closed space's "members may invite" setting: its moderators."""
    return _guards_closed_space(viewer, space)


def require_allow_member_invites(viewer: Viewer, space: Space) -> None:
    require_read_space(viewer, space)
    if not can_allow_member_invites(viewer, space):
        raise Forbidden


def can_invite_to_community(viewer: Viewer) -> bool:
    """Invite people to sign up: staff, space moderators, and members at trust level 2+."""
    if not viewer.is_authenticated or not viewer.is_confirmed:
        return False
    if viewer.is_moderator or viewer.moderated_space_ids:
        return True
    return _has_earned_invites(viewer)


def require_invite_to_community(viewer: Viewer) -> None:
    if not can_invite_to_community(viewer):
        raise Forbidden


def can_make_invites(viewer: Viewer) -> bool:
    """Use the invites page: whoever may invite to the community, or into a group
    they own."""
    return can_invite_to_community(viewer) or bool(viewer.owned_group_ids)


def require_make_invites(viewer: Viewer) -> None:
    if not can_make_invites(viewer):
        raise Forbidden


def can_grant_employee_status(viewer: Viewer) -> bool:
    """Only admins make employees, by invite as by hand."""
    return viewer.is_admin


def can_grant_invite(
    viewer: Viewer, *, spaces: list[Space], group: Group | None, is_employee: bool
) -> bool:
    """May the viewer make an invite that grants all of this? Never more than they hold."""
    grants_nothing_but_an_account = not spaces and group is None and not is_employee
    if grants_nothing_but_an_account and not can_invite_to_community(viewer):
        return False
    if not all(can_invite_to_space(viewer, space) for space in spaces):
        return False
    if group is not None and not can_manage_group_members(viewer, group):
        return False
    if is_employee and not can_grant_employee_status(viewer):
        return False
    return True


def require_grant_invite(
    viewer: Viewer, *, spaces: list[Space], group: Group | None, is_employee: bool
) -> None:
    for space in spaces:
        require_read_space(viewer, space)
    if group is not None and not can_see_group(viewer, group):
        raise NotFound
    if not can_grant_invite(viewer, spaces=spaces, group=group, is_employee=is_employee):
        raise Forbidden


def _can_see_invite(viewer: Viewer, invite: Invite) -> bool:
    if not viewer.is_authenticated:
        return False
    if viewer.is_admin or invite.created_by_id == viewer.id:
        return True
    return any(can_read_space(viewer, space) for space in invite.spaces)


def can_withdraw_invite(viewer: Viewer, invite: Invite) -> bool:
    """Its creator, admins, and the moderators of a closed space it opens: they
    answer for who comes in."""
    if not viewer.is_authenticated:
        return False
    if viewer.is_admin or invite.created_by_id == viewer.id:
        return True
    return any(_guards_closed_space(viewer, space) for space in invite.spaces)


def require_withdraw_invite(viewer: Viewer, invite: Invite) -> None:
    if not _can_see_invite(viewer, invite):
        raise NotFound
    if not can_withdraw_invite(viewer, invite):
        raise Forbidden


def can_post_in_space(viewer: Viewer, space: Space) -> bool:
    """Start topics, reply, vote: every write path of members asks this."""
    if not _may_write(viewer):
        return False
    return can_read_space(viewer, space)


def require_post_in_space(viewer: Viewer, space: Space) -> None:
    require_read_space(viewer, space)
    if not can_post_in_space(viewer, space):
        raise Forbidden


def can_moderate_space(viewer: Viewer, space: Space) -> bool:
    if not viewer.is_authenticated:
        return False
    if not can_read_space(viewer, space):
        return False
    if viewer.is_moderator:
        return True
    return space.id in viewer.moderated_space_ids


def require_moderate_space(viewer: Viewer, space: Space) -> None:
    require_read_space(viewer, space)
    if not can_moderate_space(viewer, space):
        raise Forbidden


def can_manage_spaces(viewer: Viewer) -> bool:
    return viewer.is_admin


def require_manage_spaces(viewer: Viewer) -> None:
    if not can_manage_spaces(viewer):
        raise NotFound  # the admin area does not exist for anyone else


# --- topics and posts ---------------------------------------------------------


def can_read_topic(viewer: Viewer, topic: Topic) -> bool:
    if not can_read_space(viewer, topic.space):
        return False
    if topic.is_deleted:
        return can_moderate_space(viewer, topic.space)
    if not topic.is_published:
        # Waiting for approval, hidden by flags or rejected: its author and the
        # moderators who review it, nobody else.
        return _started(viewer, topic) or can_moderate_space(viewer, topic.space)
    return True


def _started(viewer: Viewer, topic: Topic) -> bool:
    return viewer.is_authenticated and topic.author_id is not None and topic.author_id == viewer.id


def require_read_topic(viewer: Viewer, topic: Topic) -> None:
    if not can_read_topic(viewer, topic):
        raise NotFound


def live_topics_clause() -> ColumnElement[bool]:
    """Topics every reader of their space may see: not deleted, and published (not
    waiting for approval, hidden by flags or rejected). A WHERE clause over ``Topic``."""
    return and_(Topic.deleted_at.is_(None), Topic.review_state == ReviewState.PUBLISHED)


def live_posts_clause() -> ColumnElement[bool]:
    """Posts every reader of their topic may see: not deleted, and published. Every
    count, search, feed, profile, notification and figure over posts uses it."""
    return and_(Post.deleted_at.is_(None), Post.review_state == ReviewState.PUBLISHED)


def visible_topics_clause(viewer: Viewer) -> ColumnElement[bool]:
    """Topics a viewer may see in lists: readable space, live (not deleted, published).

    Lists leave deleted and unpublished topics out for everyone, moderators and
    authors included; moderators reach them from the review queue and the
    moderation tools, authors from the page they were sent to after posting.
    """
    readable_space_ids = select(Space.id).where(readable_spaces_clause(viewer))
    return and_(live_topics_clause(), Topic.space_id.in_(readable_space_ids))


def can_create_topic(viewer: Viewer, space: Space) -> bool:
    return can_post_in_space(viewer, space)


def can_reply(viewer: Viewer, topic: Topic) -> bool:
    if not can_read_topic(viewer, topic):
        return False
    if topic.is_deleted:
        return False
    # A conversation starts once its topic is published.
    if not topic.is_published:
        return False
    if not can_post_in_space(viewer, topic.space):
        return False
    if topic.is_locked:
        return can_moderate_space(viewer, topic.space)
    return True


def require_reply(viewer: Viewer, topic: Topic) -> None:
    require_read_topic(viewer, topic)
    if not can_reply(viewer, topic):
        raise Forbidden


def can_read_post(viewer: Viewer, post: Post) -> bool:
    if not can_read_topic(viewer, post.topic):
        return False
    if post.is_deleted:
        return can_moderate_space(viewer, post.topic.space)
    if not post.is_published:
        return _is_author(viewer, post) or can_moderate_space(viewer, post.topic.space)
    return True


def require_read_post(viewer: Viewer, post: Post) -> None:
    if not can_read_post(viewer, post):
        raise NotFound


def topic_posts_clause(viewer: Viewer, topic: Topic) -> ColumnElement[bool]:
    """SQL twin of ``can_read_post`` for the posts of one topic the viewer reads: a
    WHERE clause over ``Post``. Deleted posts stay in (pages show a placeholder where
    they were); unpublished ones are their author's and the moderators' only."""
    if can_moderate_space(viewer, topic.space):
        return true()
    published = Post.review_state == ReviewState.PUBLISHED
    if not viewer.is_authenticated or viewer.id is None:
        return published
    return or_(published, Post.author_id == viewer.id)


def _is_author(viewer: Viewer, post: Post) -> bool:
    return viewer.is_authenticated and post.author_id is not None and post.author_id == viewer.id


def can_edit_post(viewer: Viewer, post: Post) -> bool:
    if not can_read_post(viewer, post):
        return False
    if post.is_deleted:
        return False
    # A silenced moderator (only admins silence moderators) edits nothing either.
    if not _may_write(viewer):
        return False
    if can_moderate_space(viewer, post.topic.space):
        return True
    # Authors, and for a wiki post everyone who may post in the space, edit while the
    # topic is open.
    if not (_is_author(viewer, post) or post.is_wiki):
        return False
    if post.topic.is_locked:
        return False
    return can_post_in_space(viewer, post.topic.space)


def can_make_wiki(viewer: Viewer, post: Post) -> bool:
    """Turn a topic's first post into a wiki the space's members keep current."""
    if not post.is_first:
        return False
    if post.is_deleted:
        return False
    return can_read_post(viewer, post) and can_moderate_space(viewer, post.topic.space)


def require_make_wiki(viewer: Viewer, post: Post) -> None:
    require_read_post(viewer, post)
    if not can_make_wiki(viewer, post):
        raise Forbidden


def require_edit_post(viewer: Viewer, post: Post) -> None:
    require_read_post(viewer, post)
    if not can_edit_post(viewer, post):
        raise Forbidden


def can_delete_post(viewer: Viewer, post: Post) -> bool:
    if not can_read_post(viewer, post):
        return False
    if post.is_deleted:
        return False
    if can_moderate_space(viewer, post.topic.space):
        return True
    if not _is_author(viewer, post):
        return False
    return not post.topic.is_locked


def require_delete_post(viewer: Viewer, post: Post) -> None:
    require_read_post(viewer, post)
    if not can_delete_post(viewer, post):
        raise Forbidden


def can_view_revisions(viewer: Viewer, post: Post) -> bool:
    # Revisions are part of the post's public record, like Discourse's edit history.
    return can_read_post(viewer, post)


def can_pin_topic(viewer: Viewer, topic: Topic) -> bool:
    return can_read_topic(viewer, topic) and can_moderate_space(viewer, topic.space)


def can_lock_topic(viewer: Viewer, topic: Topic) -> bool:
    return can_read_topic(viewer, topic) and can_moderate_space(viewer, topic.space)


def require_moderate_topic(viewer: Viewer, topic: Topic) -> None:
    require_read_topic(viewer, topic)
    if not can_moderate_space(viewer, topic.space):
        raise Forbidden


# --- questions and answers ------------------------------------------------------


def can_accept_answer(viewer: Viewer, topic: Topic) -> bool:
    """Mark (or change, or clear) a question's accepted answer."""
    if not topic.is_question:
        return False
    if not can_read_topic(viewer, topic):
        return False
    if topic.is_deleted:
        return False
    if can_moderate_space(viewer, topic.space):
        return True
    if not viewer.is_confirmed:
        return False
    # Staff answer for the company in every space they can read.
    if viewer.is_employee:
        return True
    return topic.author_id is not None and topic.author_id == viewer.id


def require_accept_answer(viewer: Viewer, topic: Topic) -> None:
    require_read_topic(viewer, topic)
    if not can_accept_answer(viewer, topic):
        raise Forbidden


def can_vote_on_answer(viewer: Viewer, post: Post) -> bool:
    if not post.topic.is_question:
        return False
    if post.is_first:
        return False
    if not can_read_post(viewer, post):
        return False
    if post.is_deleted:
        return False
    if not post.is_published:
        return False
    # Votes rank answers for readers; one's own answer gets none from oneself.
    if _is_author(viewer, post):
        return False
    return can_post_in_space(viewer, post.topic.space)


def require_vote_on_answer(viewer: Viewer, post: Post) -> None:
    require_read_post(viewer, post)
    if not can_vote_on_answer(viewer, post):
        raise Forbidden


# --- the review queue, held posts and flags ------------------------------------------


def can_post_without_approval(viewer: Viewer, space: Space) -> bool:
    """Is a new post of the viewer's in this space published at once? Not when the
    space approves new members' posts and the viewer is a trust-level-0 member;
    its moderators and the company's employees never wait."""
    if not space.approves_new_member_posts:
        return True
    if can_moderate_space(viewer, space) or viewer.is_employee:
        return True
    return viewer.trust_level > TrustLevel.NEW


def can_use_review_queue(viewer: Viewer) -> bool:
    """The review queue: global moderators and admins, and every space moderator
    (who sees the items of their own spaces only)."""
    if not viewer.is_authenticated:
        return False
    return viewer.is_moderator or bool(viewer.moderated_space_ids)


def require_use_review_queue(viewer: Viewer) -> None:
    if not can_use_review_queue(viewer):
        raise NotFound  # like the other moderator pages: it does not exist for members


def can_review_signups(viewer: Viewer) -> bool:
    """Approve or reject sign-ups waiting for approval (``REQUIRE_SIGNUP_APPROVAL``):
    the site's moderators and admins; a space's moderators answer for their space,
    not for who joins the community."""
    return viewer.is_authenticated and viewer.is_moderator


def require_review_signups(viewer: Viewer) -> None:
    if not can_review_signups(viewer):
        raise NotFound


def moderated_spaces_clause(viewer: Viewer) -> ColumnElement[bool]:
    """SQL twin of ``can_moderate_space``: a WHERE clause over ``Space``. The review
    queue lists items of these spaces only."""
    if not viewer.is_authenticated:
        return false()
    if viewer.is_admin:
        return true()
    readable = readable_spaces_clause(viewer)
    if viewer.is_moderator:
        return readable
    return and_(readable, Space.id.in_(sorted(viewer.moderated_space_ids)))


def can_review_post(viewer: Viewer, post: Post) -> bool:
    """Approve, edit and approve, reject, or decide the flags of a post: the
    moderators of its space (global moderators and admins moderate every space they
    read)."""
    return can_read_post(viewer, post) and can_moderate_space(viewer, post.topic.space)


def require_review_post(viewer: Viewer, post: Post) -> None:
    """404 where the viewer cannot read the post's space; 403 for the rest who may
    not review it (a space moderator acting on another space's item)."""
    require_read_space(viewer, post.topic.space)
    if not can_review_post(viewer, post):
        raise Forbidden


def flag_min_trust_level() -> int:
    """The trust level from which members may flag (``FLAG_MIN_TRUST_LEVEL``;
    level 1, basic, by default as in Discourse)."""
    return _level_setting("FLAG_MIN_TRUST_LEVEL", TrustLevel.BASIC)


def can_flag_post(viewer: Viewer, post: Post) -> bool:
    """Flag a post for the moderators: confirmed members of enough trust who read it,
    never their own post, only a live published one. A silenced member flags
    nothing (as in Discourse): a flag speaks to the moderators."""
    if not _may_write(viewer):
        return False
    if not can_read_post(viewer, post):
        return False
    if post.is_deleted or not post.is_published:
        return False
    if _is_author(viewer, post):
        return False
    return viewer.trust_level >= flag_min_trust_level()


def require_flag_post(viewer: Viewer, post: Post) -> None:
    require_read_post(viewer, post)
    if not can_flag_post(viewer, post):
        raise Forbidden


def can_use_respond_queue(viewer: Viewer) -> bool:
    """Staff and moderators work the queue of unanswered questions."""
    if not viewer.is_authenticated:
        return False
    if viewer.is_employee or viewer.is_moderator:
        return True
    return bool(viewer.moderated_space_ids)


def require_use_respond_queue(viewer: Viewer) -> None:
    if not can_use_respond_queue(viewer):
        raise NotFound


# --- the community health dashboard ----------------------------------------------------


def can_view_dashboard(viewer: Viewer) -> bool:
    """The community health dashboard, its export and its weekly summary: staff, that
    is employees and admins. Every figure on it is still counted over only the spaces
    the viewer reads."""
    if not viewer.is_authenticated:
        return False
    return viewer.is_employee or viewer.is_admin


def require_view_dashboard(viewer: Viewer) -> None:
    if not can_view_dashboard(viewer):
        raise NotFound  # like the admin area: it does not exist for members


# --- ideas -------------------------------------------------------------------------


def can_use_idea_board(viewer: Viewer, space: Space) -> bool:
    """Post new ideas in a space: one that holds ideas, for those who may post there."""
    return space.idea_board.has_ideas and can_post_in_space(viewer, space)


def is_idea_staff(viewer: Viewer, space: Space) -> bool:
    """Who answers for the company on an idea board: employees who read the space,
    the space's moderators (global ones included) and admins."""
    if not viewer.is_authenticated or not can_read_space(viewer, space):
        return False
    return viewer.is_employee or can_moderate_space(viewer, space)


def _is_live_idea(viewer: Viewer, topic: Topic) -> bool:
    return topic.kind is TopicKind.IDEA and can_read_topic(viewer, topic) and not topic.is_deleted


def can_vote_on_idea(viewer: Viewer, topic: Topic) -> bool:
    """Vote (or take a vote back). Whether the idea still takes votes is a state of
    the idea, not a right of the viewer: the service answers that with a 409."""
    return _is_live_idea(viewer, topic) and can_post_in_space(viewer, topic.space)


def require_vote_on_idea(viewer: Viewer, topic: Topic) -> None:
    require_read_topic(viewer, topic)
    if not can_vote_on_idea(viewer, topic):
        raise Forbidden


def can_set_idea_status(viewer: Viewer, topic: Topic) -> bool:
    """Change an idea's status, write the official response, merge it."""
    return _is_live_idea(viewer, topic) and is_idea_staff(viewer, topic.space)


def require_set_idea_status(viewer: Viewer, topic: Topic) -> None:
    require_read_topic(viewer, topic)
    if not can_set_idea_status(viewer, topic):
        raise Forbidden


def can_read_idea_notes(viewer: Viewer, topic: Topic) -> bool:
    """Internal notes are the company's discussion: employees (and admins, who read
    everything) who may read the idea."""
    if topic.kind is not TopicKind.IDEA or not can_read_topic(viewer, topic):
        return False
    return viewer.is_employee or viewer.is_admin


def can_write_idea_note(viewer: Viewer, topic: Topic) -> bool:
    return can_read_idea_notes(viewer, topic) and _may_write(viewer) and not topic.is_deleted


def require_write_idea_note(viewer: Viewer, topic: Topic) -> None:
    require_read_topic(viewer, topic)
    if not can_write_idea_note(viewer, topic):
        raise Forbidden


# --- topic watching and notifications -------------------------------------------------


def can_watch_topic(viewer: Viewer, topic: Topic) -> bool:
    return viewer.is_authenticated and can_read_topic(viewer, topic) and not topic.is_deleted


def require_watch_topic(viewer: Viewer, topic: Topic) -> None:
    require_read_topic(viewer, topic)
    if not can_watch_topic(viewer, topic):
        raise Forbidden


def can_watch_space(viewer: Viewer, space: Space) -> bool:
    """Choose a watch level for every topic of a space (a topic's own level wins)."""
    return viewer.is_authenticated and can_read_space(viewer, space)


def require_watch_space(viewer: Viewer, space: Space) -> None:
    require_read_space(viewer, space)
    if not can_watch_space(viewer, space):
        raise Forbidden


def can_see_notification(viewer: Viewer, notification: Notification) -> bool:
    """A notification is its recipient's while they may see what it points at: the
    topic while they may read it, the space while they may see its listing; one
    that points at neither is a message to them alone."""
    if not viewer.is_authenticated or notification.user_id != viewer.id:
        return False
    if notification.post is not None and not notification.post.is_published:
        # A post hidden by flags or rejected after it was announced.
        return False
    if notification.topic_id is not None:
        return notification.topic is not None and (
            can_read_topic(viewer, notification.topic)
            and not notification.topic.is_deleted
            and notification.topic.is_published
        )
    if notification.space_id is not None:
        return notification.space is not None and can_see_space_listing(viewer, notification.space)
    return True


def visible_notifications_clause(viewer: Viewer) -> ColumnElement[bool]:
    """SQL twin of ``can_see_notification``: a WHERE clause over ``Notification``.

    Every page, count and e-mail that shows notifications uses it, so a member who
    left a closed space or lost employee status stops seeing what was sent before.
    """
    if not viewer.is_authenticated:
        return false()
    topic_visible = exists().where(Topic.id == Notification.topic_id, visible_topics_clause(viewer))
    space_visible = Notification.space_id.in_(select(Space.id).where(listed_spaces_clause(viewer)))
    post_published = exists().where(
        Post.id == Notification.post_id, Post.review_state == ReviewState.PUBLISHED
    )
    return and_(
        Notification.user_id == viewer.id,
        or_(Notification.post_id.is_(None), post_published),
        or_(
            and_(Notification.topic_id.is_not(None), topic_visible),
            and_(
                Notification.topic_id.is_(None), Notification.space_id.is_not(None), space_visible
            ),
            and_(Notification.topic_id.is_(None), Notification.space_id.is_(None)),
        ),
    )


# --- tags ---------------------------------------------------------------------


def can_create_tag(viewer: Viewer) -> bool:
    """New tags come from staff; members label topics with the tags that exist."""
    if not viewer.is_authenticated or not viewer.is_confirmed:
        return False
    return viewer.is_employee or viewer.is_moderator


# --- members ------------------------------------------------------------------


def can_manage_members(viewer: Viewer) -> bool:
    """Change roles and the employee flag."""
    return viewer.is_admin


def require_manage_members(viewer: Viewer) -> None:
    if not can_manage_members(viewer):
        raise NotFound


def is_staff(viewer: Viewer) -> bool:
    """Who "staff only" profile fields are for: employees, moderators and admins."""
    return viewer.is_authenticated and (viewer.is_employee or viewer.is_moderator)


def visible_members_clause(viewer: Viewer) -> ColumnElement[bool]:
    """Members a viewer may know of (profile pages and avatars): a WHERE clause over
    ``User``. Members are only ever looked up through it, so it has no ``can_*``.

    A member exists for a viewer who can read something they wrote, or a space they
    belong to: someone seen only in a closed or employee space stays unknown outside
    it, name included, as on every other page.
    """
    if viewer.is_admin:
        return true()
    visible_topic_ids = select(Topic.id).where(visible_topics_clause(viewer))
    readable_space_ids = select(Space.id).where(readable_spaces_clause(viewer))
    allowed = [
        exists().where(
            Post.author_id == User.id,
            live_posts_clause(),
            Post.topic_id.in_(visible_topic_ids),
        ),
        exists().where(Membership.user_id == User.id, Membership.space_id.in_(readable_space_ids)),
    ]
    if viewer.is_authenticated and viewer.id is not None:
        allowed.append(User.id == viewer.id)  # one's own profile, before one's first post
    return or_(*allowed)


def _is_self(viewer: Viewer, owner_id: int) -> bool:
    return viewer.is_authenticated and viewer.id is not None and viewer.id == owner_id


def can_see_profile_field(viewer: Viewer, owner_id: int, visibility: FieldVisibility) -> bool:
    """One part of a profile, under the visibility its owner chose for it."""
    if _is_self(viewer, owner_id):
        return True
    if visibility is FieldVisibility.EVERYONE:
        return True
    if visibility is FieldVisibility.MEMBERS:
        return viewer.is_authenticated
    if visibility is FieldVisibility.STAFF:
        return is_staff(viewer)
    # Only me: not staff, not admins; the owner chose.
    return False


def visible_profile_fields_clause(
    viewer: Viewer, owner_id: ColumnElement[int], visibility: ColumnElement[str]
) -> ColumnElement[bool]:
    """SQL twin of ``can_see_profile_field`` over a row's owner and visibility columns."""
    allowed = [visibility == FieldVisibility.EVERYONE]
    if viewer.is_authenticated:
        allowed.append(visibility == FieldVisibility.MEMBERS)
    if is_staff(viewer):
        allowed.append(visibility == FieldVisibility.STAFF)
    if viewer.is_authenticated and viewer.id is not None:
        allowed.append(owner_id == viewer.id)
    return or_(*allowed)


def can_manage_profile_fields(viewer: Viewer) -> bool:
    return viewer.is_admin


def require_manage_profile_fields(viewer: Viewer) -> None:
    if not can_manage_profile_fields(viewer):
        raise NotFound


# --- acting on members and trust levels -------------------------------------------------


def can_sanction_members(viewer: Viewer) -> bool:
    """Use the members' moderation pages (warn, silence, suspend, lift): global
    moderators and admins. Space moderators answer for their spaces, not the site."""
    return viewer.is_authenticated and viewer.is_moderator


def require_sanction_members(viewer: Viewer) -> None:
    if not can_sanction_members(viewer):
        raise NotFound  # like the admin area: it does not exist for anyone else


def can_sanction_member(viewer: Viewer, member: User) -> bool:
    """Warn, silence, suspend or lift for this member. Nobody acts on themselves or
    on an admin (an admin first loses the role); moderators are acted on by admins
    only, so two moderators cannot silence each other."""
    if not can_sanction_members(viewer):
        return False
    if _is_self(viewer, member.id):
        return False
    if member.is_admin:
        return False
    if member.is_moderator:
        return viewer.is_admin
    return True


def require_sanction_member(viewer: Viewer, member: User) -> None:
    require_sanction_members(viewer)
    if not can_sanction_member(viewer, member):
        raise Forbidden


def can_see_trust_level(viewer: Viewer) -> bool:
    """A member's trust level and the stats behind it: staff (employees, moderators,
    admins), on the profile and the moderation page."""
    return is_staff(viewer)


def can_set_trust_level(viewer: Viewer) -> bool:
    """Set a level by hand (level 4, leader, is only ever given this way): admins."""
    return viewer.is_admin


def require_set_trust_level(viewer: Viewer) -> None:
    require_sanction_members(viewer)
    if not can_set_trust_level(viewer):
        raise Forbidden


def can_delete_member(viewer: Viewer, member: User) -> bool:
    """Erase an account: its owner, or an admin (with a reason). An admin's own
    account goes through its own settings page, never the admin tools."""
    if not viewer.is_authenticated:
        return False
    if _is_self(viewer, member.id):
        return True
    return viewer.is_admin


# --- groups -------------------------------------------------------------------


def can_see_group(viewer: Viewer, group: Group) -> bool:
    """A group exists for admins and its members; one that takes requests, for every
    signed-in member (so they can ask)."""
    if not viewer.is_authenticated:
        return False
    if viewer.is_admin:
        return True
    if group.id in viewer.group_ids:
        return True
    return group.accepts_requests


def require_see_group(viewer: Viewer, group: Group) -> None:
    if not can_see_group(viewer, group):
        raise NotFound


def visible_groups_clause(viewer: Viewer) -> ColumnElement[bool]:
    """SQL twin of ``can_see_group``: a WHERE clause over ``Group``."""
    if not viewer.is_authenticated:
        return false()
    if viewer.is_admin:
        return true()
    return or_(Group.accepts_requests.is_(True), Group.id.in_(sorted(viewer.group_ids)))


def can_see_group_members(viewer: Viewer, group: Group) -> bool:
    """Who is in a group (a customer list, say) is for its members and admins."""
    if not viewer.is_authenticated:
        return False
    return viewer.is_admin or group.id in viewer.group_ids


def can_manage_groups(viewer: Viewer) -> bool:
    """Create, rename and delete groups, choose owners, open spaces to groups."""
    return viewer.is_admin


def require_manage_groups(viewer: Viewer) -> None:
    if not can_manage_groups(viewer):
        raise NotFound  # the admin area does not exist for anyone else


def can_manage_group_members(viewer: Viewer, group: Group) -> bool:
    """Add and remove members and answer requests: the group's owners and admins."""
    if not viewer.is_authenticated:
        return False
    if viewer.is_admin:
        return True
    return group.id in viewer.owned_group_ids


def require_manage_group_members(viewer: Viewer, group: Group) -> None:
    require_see_group(viewer, group)
    if not can_manage_group_members(viewer, group):
        raise Forbidden


def grantable_groups_clause(viewer: Viewer) -> ColumnElement[bool]:
    """SQL twin of ``can_manage_group_members``: the groups an invite of the viewer's
    may put people in."""
    if not viewer.is_authenticated:
        return false()
    if viewer.is_admin:
        return true()
    return Group.id.in_(sorted(viewer.owned_group_ids))


def can_request_group_membership(viewer: Viewer, group: Group) -> bool:
    if not _may_write(viewer):
        return False
    if not group.accepts_requests:
        return False
    return group.id not in viewer.group_ids


def require_request_group_membership(viewer: Viewer, group: Group) -> None:
    require_see_group(viewer, group)
    if not can_request_group_membership(viewer, group):
        raise Forbidden


# --- onboarding and the audit log ------------------------------------------------------


def can_edit_onboarding(viewer: Viewer) -> bool:
    """Edit the guidelines and choose the welcome space."""
    return viewer.is_admin


def require_edit_onboarding(viewer: Viewer) -> None:
    if not can_edit_onboarding(viewer):
        raise NotFound


def can_welcome_newcomers(viewer: Viewer) -> bool:
    """See "new this week" and send newcomers a welcome: moderators and admins."""
    return viewer.is_authenticated and viewer.is_moderator


def require_welcome_newcomers(viewer: Viewer) -> None:
    if not can_welcome_newcomers(viewer):
        raise NotFound


def can_read_audit_log(viewer: Viewer) -> bool:
    return viewer.is_admin


def require_read_audit_log(viewer: Viewer) -> None:
    if not can_read_audit_log(viewer):
        raise NotFound


# The names templates may call; registered as Jinja globals by create_app.
TEMPLATE_PREDICATES = {
    name: value
    for name, value in list(globals().items())
    if name.startswith("can_") and callable(value)
}
