"""Writing topics and posts: create, reply, edit, delete, pin, lock."""

from __future__ import annotations

import logging

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from community import policy
from community.accounts.models import User
from community.database import utcnow
from community.errors import ValidationFailed
from community.extensions import db
from community.ideas import services as idea_services
from community.markdown import MentionResolver, RenderedPost, render_markdown, render_post
from community.moderation.audit import record_audit
from community.moderation.models import AuditAction, AuditTarget
from community.notifications import services as notifications
from community.spaces.models import IdeaBoard, Space
from community.tags import services as tag_services
from community.topics.models import (
    BODY_MAX_LENGTH,
    TITLE_MAX_LENGTH,
    TITLE_MIN_LENGTH,
    Post,
    PostRevision,
    ReviewState,
    Topic,
    TopicKind,
)
from community.trust import limits

log = logging.getLogger(__name__)


def check_title(title: str) -> str:
    title = " ".join((title or "").split())
    if len(title) < TITLE_MIN_LENGTH:
        raise ValidationFailed("title", f"A title needs at least {TITLE_MIN_LENGTH} characters.")
    if len(title) > TITLE_MAX_LENGTH:
        raise ValidationFailed(
            "title",
            f"A title has at most {TITLE_MAX_LENGTH} characters; this one has {len(title)}.",
        )
    return title


def check_body(body: str) -> str:
    body = (body or "").strip()
    if not body:
        raise ValidationFailed("body", "Write something first.")
    if len(body) > BODY_MAX_LENGTH:
        raise ValidationFailed(
            "body",
            f"A post has at most {BODY_MAX_LENGTH:,} characters; this one has {len(body):,}.",
        )
    return body


def mentionable_in(space: Space) -> MentionResolver:
    """Which of the names after "@" become mentions in this space: members who may
    read it. Anyone else stays plain text, so a post says nothing about them."""

    def resolve(names: frozenset[str]) -> list[str]:
        if not names:
            return []
        return list(
            db.session.scalars(
                select(User.username_lower).where(
                    User.username_lower.in_(sorted(names)), policy.space_readers_clause(space)
                )
            )
        )

    return resolve


def _render(body: str, space: Space) -> RenderedPost:
    return render_post(body, mentionable=mentionable_in(space))


def quote_markdown(post: Post) -> str:
    """A post as a Markdown blockquote that names and links it, for a reply to start
    from. The link is how the quoted author is found (``markdown.QUOTE_LINK``); the
    name sits inside it, so it is no mention."""
    who = f"@{post.author.username}" if post.author else "A former member"
    lines = [f"> [{who} wrote]({post_path_for_quote(post)}):", ">"]
    lines += [f"> {line}" if line.strip() else ">" for line in post.body_source.splitlines()]
    return "\n".join(lines) + "\n\n"


def post_path_for_quote(post: Post) -> str:
    # The plain topic address with the post's anchor: what QUOTE_LINK reads back.
    return f"/t/{post.topic_id}#post-{post.post_number}"


def topic_kinds(space: Space) -> tuple[TopicKind, ...]:
    """The kinds of topic a space takes, in the order the new-topic form offers them."""
    if space.idea_board is IdeaBoard.ONLY:
        return (TopicKind.IDEA,)
    kinds = (TopicKind.DISCUSSION, TopicKind.QUESTION)
    if space.idea_board is IdeaBoard.ALONGSIDE:
        kinds += (TopicKind.IDEA,)
    return kinds


def check_kind(space: Space, kind: TopicKind) -> TopicKind:
    if kind not in topic_kinds(space):
        raise ValidationFailed("kind", f"{space.name} does not take {kind.value}s.")
    return kind


def create_topic(
    actor: User,
    space: Space,
    *,
    title: str,
    body: str,
    kind: TopicKind = TopicKind.DISCUSSION,
    tags: str | None = None,
    submission_token: str | None = None,
) -> Topic:
    """Start a topic with its first post; raises ValidationFailed, NotFound, Forbidden.

    A ``submission_token`` already used by this member returns the topic it made.
    In a space that approves new members' posts, a trust-level-0 member's topic is
    created pending: nobody but its author and the space's moderators sees it, and
    nobody is notified, until a moderator approves it (``publish_post``).
    """
    policy.require_post_in_space(actor, space)
    earlier = find_submitted_post(actor, submission_token)
    if earlier is not None:
        return earlier.topic  # the same form sent again: before any limit counts it
    kind = check_kind(space, kind)
    title = check_title(title)
    body = check_body(body)
    tag_names = tag_services.parse_tag_names(tags)
    # Rendered before any row exists, so a refusal leaves nothing in the session.
    rendered = _render(body, space)
    limits.check_content(actor, rendered)
    limits.check_pace(actor, is_topic=True)
    now = utcnow()
    state = _state_of_new_post(actor, space)
    topic = Topic(
        space=space,
        author=actor,
        kind=kind,
        title=title,
        post_count=1,
        last_post_number=1,
        created_at=now,
        last_posted_at=now,
        last_poster=actor,
        tags=tag_services.resolve_tags(actor, tag_names),
        review_state=state,
    )
    post = Post(
        topic=topic,
        author=actor,
        post_number=1,
        body_source=body,
        body_html=rendered.html,
        created_at=now,
        submission_token=submission_token or None,
        review_state=state,
    )
    db.session.add_all([topic, post])
    try:
        db.session.flush()
    except IntegrityError:
        db.session.rollback()
        return _post_made_by(actor, submission_token).topic
    if kind is TopicKind.IDEA:
        idea_services.start_idea(actor, topic)
    notifications.mark_topic_read(actor, topic, 1)
    if post.is_published:
        _count_post(post, 1)
        notifications.notify_post(
            actor, topic, post, mentioned=rendered.mentions, quoted=rendered.quotes
        )
    db.session.commit()
    log.info(
        "topic.created user_id=%s topic_id=%s space_id=%s state=%s",
        actor.id, topic.id, space.id, state,
    )  # fmt: skip
    return topic


def _state_of_new_post(actor: User, space: Space) -> ReviewState:
    if policy.can_post_without_approval(actor, space):
        return ReviewState.PUBLISHED
    return ReviewState.PENDING


def reply_to_topic(
    actor: User, topic: Topic, *, body: str, submission_token: str | None = None
) -> Post:
    """Add a post to a topic; raises ValidationFailed, NotFound, Forbidden.

    A ``submission_token`` already used by this member returns the post it made.
    """
    policy.require_reply(actor, topic)
    earlier = find_submitted_post(actor, submission_token)
    if earlier is not None:
        return earlier  # the same form sent again: before any limit counts it
    body = check_body(body)
    rendered = _render(body, topic.space)
    limits.check_content(actor, rendered)
    limits.check_pace(actor, is_topic=False)
    now = utcnow()
    state = _state_of_new_post(actor, topic.space)
    # One atomic UPDATE both counts the post and hands out its number, so two
    # replies at the same moment never get the same number or lose a count. A
    # pending reply only takes its number: it counts, and is the topic's latest
    # activity, once approved (``publish_post``).
    counted = (
        {"post_count": Topic.post_count + 1, "last_posted_at": now, "last_poster_id": actor.id}
        if state is ReviewState.PUBLISHED
        else {}
    )
    post_number = db.session.execute(
        update(Topic)
        .where(Topic.id == topic.id)
        .values(last_post_number=Topic.last_post_number + 1, **counted)
        .returning(Topic.last_post_number)
    ).scalar_one()
    if state is ReviewState.PUBLISHED:
        db.session.execute(
            update(Space).where(Space.id == topic.space_id).values(post_count=Space.post_count + 1)
        )
    if actor.is_employee and actor.id != topic.author_id:
        # The first staff reply takes the question off the respond queue and starts
        # the webcare clock's figures; only the first one counts.
        db.session.execute(
            update(Topic)
            .where(Topic.id == topic.id, Topic.first_staff_reply_at.is_(None))
            .values(first_staff_reply_at=now)
        )
    post = Post(
        topic_id=topic.id,
        author=actor,
        post_number=post_number,
        body_source=body,
        body_html=rendered.html,
        created_at=now,
        submission_token=submission_token or None,
        review_state=state,
    )
    db.session.add(post)
    try:
        db.session.flush()
    except IntegrityError:
        db.session.rollback()
        return _post_made_by(actor, submission_token)
    if topic.kind is TopicKind.IDEA:
        # Commenting on an idea follows it, like voting does.
        notifications.follow_unless_chosen(actor.id, topic.id)
    db.session.refresh(topic, ["last_post_number", "post_count", "last_posted_at"])
    notifications.mark_topic_read(actor, topic, post_number)
    if post.is_published:
        notifications.notify_post(
            actor, topic, post, mentioned=rendered.mentions, quoted=rendered.quotes
        )
    db.session.commit()
    log.info(
        "post.created user_id=%s topic_id=%s post_id=%s state=%s",
        actor.id, topic.id, post.id, state,
    )  # fmt: skip
    return post


# --- review states (the review queue's services call these inside their transaction) ---


def _count_post(post: Post, delta: int) -> None:
    """Count a post in (+1) or out (-1) of its topic's and space's counters, with
    atomic updates; a first post counts its whole topic."""
    topic = post.topic
    if post.is_first:
        topic_posts = select(Topic.post_count).where(Topic.id == topic.id).scalar_subquery()
        db.session.execute(
            update(Space)
            .where(Space.id == topic.space_id)
            .values(
                topic_count=Space.topic_count + delta,
                post_count=Space.post_count + delta * topic_posts,
            )
        )
        return
    db.session.execute(
        update(Topic).where(Topic.id == topic.id).values(post_count=Topic.post_count + delta)
    )
    db.session.execute(
        update(Space).where(Space.id == topic.space_id).values(post_count=Space.post_count + delta)
    )


def _set_state(post: Post, state: ReviewState) -> None:
    post.review_state = state
    if post.is_first:
        post.topic.review_state = state


def publish_post(post: Post) -> Post:
    """Publish a pending or hidden post (a first post publishes its topic). A pending
    one becomes its topic's latest activity and is announced now: mentions, quotes,
    the topic's author and watchers hear of it as of a new post. No commit."""
    was = post.review_state
    if was is ReviewState.PUBLISHED:
        return post
    _set_state(post, ReviewState.PUBLISHED)
    db.session.flush()
    if was is ReviewState.REJECTED:
        return post  # never counted (only a pending post is rejected)
    _count_post(post, 1)
    topic = post.topic
    if was is ReviewState.PENDING and not post.is_first and post.author_id is not None:
        db.session.execute(
            update(Topic)
            .where(Topic.id == topic.id)
            .values(last_posted_at=utcnow(), last_poster_id=post.author_id)
        )
    db.session.refresh(topic, ["post_count", "last_posted_at", "last_poster_id"])
    if was is ReviewState.PENDING and post.author is not None:
        rendered = _render(post.body_source, topic.space)
        notifications.notify_post(
            post.author, topic, post, mentioned=rendered.mentions, quoted=rendered.quotes
        )
    return post


def hide_post(post: Post) -> Post:
    """Take a published post out of sight until a moderator decides (flags). No commit."""
    if post.review_state is not ReviewState.PUBLISHED:
        return post
    _count_post(post, -1)
    _set_state(post, ReviewState.HIDDEN)
    return post


def reject_post(post: Post, *, reason: str) -> Post:
    """Refuse a pending post; its author reads it with the reason. No commit."""
    if post.review_state is ReviewState.PUBLISHED:
        _count_post(post, -1)
    _set_state(post, ReviewState.REJECTED)
    post.review_reason = reason
    return post


def find_submitted_post(actor: User, submission_token: str | None) -> Post | None:
    """The post this member already made with this form, if any."""
    if not submission_token or not actor.is_authenticated:
        return None
    return db.session.scalar(
        select(Post).where(Post.author_id == actor.id, Post.submission_token == submission_token)
    )


def _post_made_by(actor: User, submission_token: str | None) -> Post:
    # The insert failed on a unique constraint; only the submission token's can
    # have clashed, so the earlier post exists. Anything else is a real error.
    post = find_submitted_post(actor, submission_token)
    if post is None:
        raise RuntimeError("a post insert failed on a constraint other than its token")
    log.info("post.resubmitted user_id=%s post_id=%s", actor.id, post.id)
    return post


def edit_post(actor: User, post: Post, *, body: str, title: str | None = None) -> Post:
    """Change a post (and its topic's title, for a first post), keeping a revision."""
    policy.require_edit_post(actor, post)
    if apply_edit(actor, post, body=body, title=title):
        db.session.commit()
        log.info("post.edited user_id=%s post_id=%s", actor.id, post.id)
    return post


def apply_edit(actor: User, post: Post, *, body: str, title: str | None = None) -> bool:
    """The change ``edit_post`` makes, inside the caller's transaction (no commit, no
    policy check: the caller checked); False when nothing changed. Raises
    ValidationFailed before changing anything."""
    body = check_body(body)
    topic = post.topic
    new_title = check_title(title) if (title is not None and post.is_first) else topic.title
    if body == post.body_source and new_title == topic.title:
        return False
    post.revision_count = Post.revision_count + 1
    db.session.flush()
    db.session.refresh(post, ["revision_count"])
    db.session.add(
        PostRevision(
            post_id=post.id,
            revision_number=post.revision_count,
            editor_id=actor.id,
            title=topic.title if post.is_first else None,
            body_source=post.body_source,
        )
    )
    rendered = _render(body, topic.space)
    post.body_source = body
    post.body_html = rendered.html
    post.edited_at = utcnow()
    topic.title = new_title
    if _is_moderating(actor, post):
        record_audit(
            actor,
            AuditAction.POST_EDIT,
            target_type=AuditTarget.POST,
            target_id=post.id,
            space=topic.space,
            detail=f"revision={post.revision_count}",
        )
    db.session.flush()
    if post.is_published:
        # An unpublished post's mentions are announced when it is published.
        notifications.notify_post_edit(
            actor, topic, post, mentioned=rendered.mentions, quoted=rendered.quotes
        )
    return True


def delete_post(actor: User, post: Post) -> Post:
    """Soft-delete a post; deleting the first post deletes the topic."""
    policy.require_delete_post(actor, post)
    now = utcnow()
    topic = post.topic
    post.deleted_at = now
    post.deleted_by_id = actor.id
    if post.author_id != actor.id:
        # Only a moderator deletes someone else's post.
        if post.is_first:
            audit = (AuditAction.TOPIC_DELETE, AuditTarget.TOPIC, topic.id)
        else:
            audit = (AuditAction.POST_DELETE, AuditTarget.POST, post.id)
        action, target_type, target_id = audit
        record_audit(actor, action, target_type=target_type, target_id=target_id, space=topic.space)
    # Only a published post is in the counters: a held, hidden or rejected one never
    # was, or no longer is.
    if post.is_first:
        topic.deleted_at = now
        if post.is_published:
            _count_post(post, -1)
    elif post.is_published:
        db.session.execute(
            update(Topic).where(Topic.id == topic.id).values(post_count=Topic.post_count - 1)
        )
        # A deleted topic's posts left the space's count when the topic was deleted.
        if not topic.is_deleted:
            db.session.execute(
                update(Space)
                .where(Space.id == topic.space_id)
                .values(post_count=Space.post_count - 1)
            )
    db.session.commit()
    log.info("post.deleted user_id=%s post_id=%s first=%s", actor.id, post.id, post.is_first)
    return post


def _is_moderating(actor: User, post: Post) -> bool:
    """An edit of someone else's post made with a moderator's rights (not a wiki edit
    that any member of the space may make)."""
    return post.author_id != actor.id and policy.can_moderate_space(actor, post.topic.space)


def _audit_topic(actor: User, topic: Topic, action: AuditAction) -> None:
    record_audit(
        actor, action, target_type=AuditTarget.TOPIC, target_id=topic.id, space=topic.space
    )


def set_topic_pinned(actor: User, topic: Topic, *, is_pinned: bool) -> Topic:
    policy.require_moderate_topic(actor, topic)
    if topic.is_pinned is not is_pinned:
        _audit_topic(actor, topic, AuditAction.TOPIC_PIN if is_pinned else AuditAction.TOPIC_UNPIN)
    topic.is_pinned = is_pinned
    db.session.commit()
    log.info("topic.pinned user_id=%s topic_id=%s pinned=%s", actor.id, topic.id, is_pinned)
    return topic


def set_topic_locked(actor: User, topic: Topic, *, is_locked: bool) -> Topic:
    policy.require_moderate_topic(actor, topic)
    if topic.is_locked is not is_locked:
        _audit_topic(
            actor, topic, AuditAction.TOPIC_LOCK if is_locked else AuditAction.TOPIC_UNLOCK
        )
        # Locking again keeps the moment it was first locked.
        topic.locked_at = utcnow() if is_locked else None
    db.session.commit()
    log.info("topic.locked user_id=%s topic_id=%s locked=%s", actor.id, topic.id, is_locked)
    return topic


def set_post_wiki(actor: User, post: Post, *, is_wiki: bool) -> Post:
    policy.require_make_wiki(actor, post)
    if post.is_wiki is not is_wiki:
        record_audit(
            actor,
            AuditAction.POST_WIKI,
            target_type=AuditTarget.POST,
            target_id=post.id,
            space=post.topic.space,
            detail="on" if is_wiki else "off",
        )
    post.is_wiki = is_wiki
    db.session.commit()
    log.info("post.wiki user_id=%s post_id=%s wiki=%s", actor.id, post.id, is_wiki)
    return post


def preview(body: str, *, space: Space | None = None) -> str:
    """The HTML a post would be saved as: the very function that saves it (mentions
    are linked as they would be in ``space``)."""
    body = check_body(body)
    if space is None:
        return render_markdown(body)
    return _render(body, space).html
