"""Erasing a member (GDPR art. 17): one registry of what happens to each reference.

``RULES`` says, for every column that points at ``users``, what erasing the member
does to the rows that point at them: delete them (keeping every counter exact),
detach them (the row stays, pointing at nobody: "former member"), or, for what they
wrote, keep it under "former member" or remove it, as they chose. The rules run in
order inside the caller's transaction; then the ``users`` row goes, and with it
every way back to the person. ``tests/test_erasure.py`` walks the schema and fails
for a reference to ``users`` no rule covers.

What is removed beyond the rows: ``@username`` mentions in others' posts become
``@former-member``, the member's username, display name and e-mail address are
taken out of audit-log reasons, and invites mailed to them forget the address.
What stays by design is written in ``docs/security.md``: their text when they keep
their posts, others' quotes of it, and audit rows (actor and target by id only).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import Select, Table, delete, exists, func, inspect, or_, select, update
from sqlalchemy.orm import InstrumentedAttribute, aliased

from community.accounts.models import User
from community.answers.models import AnswerVote
from community.database import utcnow
from community.extensions import db
from community.ideas import services as idea_services
from community.ideas.models import Idea, IdeaNote, IdeaStatusChange, IdeaVote
from community.invites.models import Invite, InviteUse
from community.markdown import render_markdown
from community.moderation.models import AuditEntry, PostFlag
from community.notifications.models import OutgoingMail
from community.spaces.models import Space
from community.topics.models import Post, PostRevision, Topic

FORMER_MEMBER = "former member"
FORMER_MENTION = "@former-member"
# What stands in a first post whose author removed it, when others replied to it.
REMOVED_POST = "*The author of this post deleted their account and removed what they wrote.*"


@dataclass(frozen=True)
class Erasure:
    member_id: int
    username: str
    remove_posts: bool


@dataclass(frozen=True)
class Rule:
    references: tuple[str, ...]  # "table.column"
    effect: str  # what happens to the rows, in words, for whoever reads the registry
    apply: Callable[[Erasure], None]


def _column(reference: str) -> tuple[Table, str]:
    table_name, column = reference.split(".")
    return db.metadata.tables[table_name], column


def _deleting(*references: str, effect: str = "deleted") -> Rule:
    def apply(job: Erasure) -> None:
        for reference in references:
            table, column = _column(reference)
            db.session.execute(delete(table).where(table.c[column] == job.member_id))

    return Rule(references, effect, apply)


def _detaching(*references: str, effect: str = "kept, pointing at nobody") -> Rule:
    def apply(job: Erasure) -> None:
        for reference in references:
            table, column = _column(reference)
            db.session.execute(
                update(table).where(table.c[column] == job.member_id).values({column: None})
            )

    return Rule(references, effect, apply)


# --- what they wrote ------------------------------------------------------------------


def _erase_content(job: Erasure) -> None:
    if job.remove_posts:
        _remove_unanswered_topics(job.member_id)
        _remove_replies(job.member_id)
        _blank_answered_first_posts(job.member_id)
    # What remains is no longer anyone's: "former member" on every page.
    db.session.execute(
        update(Post)
        .where(Post.author_id == job.member_id)
        .values(author_id=None, submission_token=None)
    )
    db.session.execute(update(Topic).where(Topic.author_id == job.member_id).values(author_id=None))


def _unanswered_topic_ids(member_id: int) -> Select[tuple[int]]:
    """Their topics in which nobody else (a former member included) posted."""
    reply = aliased(Post)
    # Uncorrelated: it is used inside UPDATEs and DELETEs of topics themselves.
    return (
        select(Topic.id)
        .where(
            Topic.author_id == member_id,
            ~exists().where(
                reply.topic_id == Topic.id,
                reply.post_number > 1,
                or_(reply.author_id.is_(None), reply.author_id != member_id),
            ),
        )
        .correlate(None)
    )


def _remove_unanswered_topics(member_id: int) -> None:
    topic_ids = _unanswered_topic_ids(member_id)
    gone = aliased(Topic)
    # A deleted topic's posts left its space's counts when it was deleted.
    live_gone = (gone.space_id == Space.id, gone.id.in_(topic_ids), gone.deleted_at.is_(None))
    db.session.execute(
        update(Space)
        .where(Space.id.in_(select(gone.space_id).where(*live_gone[1:])))
        .values(
            topic_count=Space.topic_count
            - select(func.count(gone.id)).where(*live_gone).scalar_subquery(),
            post_count=Space.post_count
            - select(func.coalesce(func.sum(gone.post_count), 0))
            .where(*live_gone)
            .scalar_subquery(),
        )
    )
    # Posts first, so the search index's delete triggers see each one go.
    db.session.execute(delete(Post).where(Post.topic_id.in_(topic_ids)))
    db.session.execute(delete(Topic).where(Topic.id.in_(topic_ids)))


def _remove_replies(member_id: int) -> None:
    reply = aliased(Post)
    topic = aliased(Topic)
    live_replies = (reply.author_id == member_id, reply.post_number > 1, reply.deleted_at.is_(None))
    db.session.execute(
        update(Topic)
        .where(Topic.id.in_(select(reply.topic_id).where(*live_replies)))
        .values(
            post_count=Topic.post_count
            - select(func.count(reply.id))
            .where(reply.topic_id == Topic.id, *live_replies)
            .scalar_subquery()
        )
    )
    # Replies in a deleted topic left its space's count with the topic.
    in_live_topics = (topic.id == reply.topic_id, topic.deleted_at.is_(None), *live_replies)
    db.session.execute(
        update(Space)
        .where(Space.id.in_(select(topic.space_id).where(*in_live_topics)))
        .values(
            post_count=Space.post_count
            - select(func.count(reply.id))
            .where(topic.space_id == Space.id, *in_live_topics)
            .scalar_subquery()
        )
    )
    replies = select(Post.id).where(Post.author_id == member_id, Post.post_number > 1)
    db.session.execute(
        update(Topic)
        .where(Topic.accepted_post_id.in_(replies))
        .values(accepted_post_id=None, accepted_at=None)
    )
    db.session.execute(delete(Post).where(Post.author_id == member_id, Post.post_number > 1))


def _blank_answered_first_posts(member_id: int) -> None:
    """A topic others replied to keeps its title and their replies; its first post
    says its author removed it, and its earlier versions go."""
    first_posts = select(Post.id).where(Post.author_id == member_id, Post.post_number == 1)
    db.session.execute(delete(PostRevision).where(PostRevision.post_id.in_(first_posts)))
    db.session.execute(
        update(Post)
        .where(Post.author_id == member_id, Post.post_number == 1)
        .values(
            body_source=REMOVED_POST,
            body_html=render_markdown(REMOVED_POST),
            edited_at=None,
            revision_count=0,
        )
    )


def _erase_idea_notes(job: Erasure) -> None:
    if job.remove_posts:
        db.session.execute(delete(IdeaNote).where(IdeaNote.author_id == job.member_id))
    else:
        db.session.execute(
            update(IdeaNote).where(IdeaNote.author_id == job.member_id).values(author_id=None)
        )


# --- votes and uses, with their counters ------------------------------------------------


def _deleting_counted(
    reference: str, *, counts: InstrumentedAttribute[int], counter: InstrumentedAttribute[int]
) -> Rule:
    """Delete the member's rows of a table that a counter elsewhere counts, and take
    each one off its counter (``counts``: the row's column naming the counted row)."""
    table, column = _column(reference)
    counted = counter.class_
    counted_key = inspect(counted).primary_key[0]

    def apply(job: Erasure) -> None:
        theirs = table.c[column] == job.member_id
        db.session.execute(
            update(counted)
            .where(counted_key.in_(select(table.c[counts.key]).where(theirs)))
            .values({counter.key: counter - 1})
        )
        db.session.execute(delete(table).where(theirs))

    return Rule((reference,), f"deleted; {counted.__tablename__}.{counter.key} goes down", apply)


def _deleting_idea_votes() -> Rule:
    """Idea votes go, off each idea's count and its trending count."""
    counted = _deleting_counted(
        "idea_votes.user_id", counts=IdeaVote.topic_id, counter=Idea.vote_count
    )

    def apply(job: Erasure) -> None:
        voted = list(
            db.session.scalars(select(IdeaVote.topic_id).where(IdeaVote.user_id == job.member_id))
        )
        counted.apply(job)
        idea_services.recount_recent_votes(voted)

    return Rule(counted.references, f"{counted.effect}, and so does recent_vote_count", apply)


def _withdraw_invites(job: Erasure) -> None:
    # A link the member handed out must not keep letting people in on their word.
    db.session.execute(
        update(Invite)
        .where(Invite.created_by_id == job.member_id, Invite.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    )
    db.session.execute(
        update(Invite).where(Invite.created_by_id == job.member_id).values(created_by_id=None)
    )


# --- the registry ----------------------------------------------------------------------

RULES: tuple[Rule, ...] = (
    Rule(("posts.author_id", "topics.author_id"),
         'kept under "former member", or removed with the topics nobody else replied to',
         _erase_content),
    Rule(("idea_notes.author_id",), "kept under \"former member\", or removed", _erase_idea_notes),
    _deleting_idea_votes(),
    _deleting_counted("answer_votes.user_id", counts=AnswerVote.post_id, counter=Post.vote_count),
    _deleting_counted("invite_uses.user_id", counts=InviteUse.invite_id,
                      counter=Invite.use_count),
    Rule(("invites.created_by_id",), "withdrawn, and kept pointing at nobody", _withdraw_invites),
    _deleting("topic_watches.user_id", "notifications.user_id", "memberships.user_id",
              "join_requests.user_id", "sign_ins.user_id", "profiles.user_id",
              "profile_avatars.user_id", "profile_field_values.user_id",
              "data_exports.user_id", "group_members.user_id", "group_requests.user_id",
              "member_onboarding.user_id", "space_watches.user_id", "topic_reads.user_id",
              "email_preferences.user_id", "digest_marks.user_id", "mail_outbox.user_id",
              "summary_subscriptions.user_id", "post_flags.flagger_id",
              "signup_approvals.user_id", "sanctions.user_id", "member_visits.user_id",
              "member_stats.user_id"),
    _detaching("notifications.actor_id", "join_requests.decided_by_id", "tags.created_by_id",
               "idea_status_changes.actor_id", "post_revisions.editor_id",
               "posts.deleted_by_id", "topics.last_poster_id", "group_requests.decided_by_id",
               "member_onboarding.welcomed_by_id", "onboarding_settings.updated_by_id",
               "post_flags.resolved_by_id", "signup_approvals.decided_by_id",
               "sanctions.created_by_id", "sanctions.lifted_by_id"),
    # The log is append-only (community.moderation.audit): the database's ON DELETE
    # SET NULL detaches the actor when the account row goes.
    Rule(("audit_entries.actor_id",), "kept; the database sets it to NULL with the account",
         lambda job: None),
)  # fmt: skip


def covered_references() -> set[str]:
    return {reference for rule in RULES for reference in rule.references}


# --- names in other people's text -----------------------------------------------------

_USERNAME_CHAR = r"[A-Za-z0-9_-]"


def mention_pattern(username: str) -> re.Pattern[str]:
    """``@username`` as a mention: not inside an address or a longer name."""
    return re.compile(
        rf"(?<![\w@.-])@{re.escape(username)}(?!{_USERNAME_CHAR}|\.{_USERNAME_CHAR})",
        re.IGNORECASE,
    )


# Text columns others write that may @mention a member, and the HTML rendered from them.
MENTION_COLUMNS = (
    (Post, "body_source", "body_html"),
    (PostRevision, "body_source", None),
    (IdeaNote, "body_source", "body_html"),
    (IdeaStatusChange, "response_source", "response_html"),
)


def _rewrite_mentions(username: str) -> None:
    pattern = mention_pattern(username)
    for model, source, html in MENTION_COLUMNS:
        column = getattr(model, source)
        candidates = db.session.scalars(
            select(model).where(func.lower(column).contains(f"@{username.lower()}"))
        )
        for row in candidates:
            text = pattern.sub(FORMER_MENTION, getattr(row, source))
            setattr(row, source, text)
            if html is not None:
                setattr(row, html, render_markdown(text) if text else "")


def identifiers_of(member: User) -> tuple[str, ...]:
    """What names the member in text: e-mail, username, display name."""
    return tuple(value for value in (member.email, member.username, member.display_name) if value)


def redact(text: str, identifiers: tuple[str, ...]) -> str:
    """``text`` with each identifier, as a whole word, replaced by "[former member]"."""
    for identifier in sorted(identifiers, key=len, reverse=True):
        text = re.sub(
            rf"(?<!\w){re.escape(identifier)}(?!\w)", f"[{FORMER_MEMBER}]", text, flags=re.I
        )
    return text


def _redact_audit_reasons(identifiers: tuple[str, ...]) -> None:
    """The one change the append-only audit log takes (art. 17 before an audit trail):
    a reason a moderator wrote loses the member's names and address; the row, its
    action, target and time stay. A Core UPDATE, past the ORM's guard on purpose."""
    candidates = db.session.execute(
        select(AuditEntry.id, AuditEntry.reason).where(
            or_(*(func.lower(AuditEntry.reason).contains(i.lower()) for i in identifiers))
        )
    ).all()
    for entry_id, reason in candidates:
        db.session.execute(
            update(AuditEntry.__table__)
            .where(AuditEntry.__table__.c.id == entry_id)
            .values(reason=redact(reason, identifiers))
        )


# Text moderators and other members wrote about posts, which may name the member: a
# rejection's reason (on the member's post or another's) and other flaggers' notes.
REVIEW_TEXT_COLUMNS = ((Post, "review_reason"), (PostFlag, "note"))


def _redact_review_texts(identifiers: tuple[str, ...]) -> None:
    for model, name in REVIEW_TEXT_COLUMNS:
        column = getattr(model, name)
        for row in db.session.scalars(
            select(model).where(or_(*(func.lower(column).contains(i.lower()) for i in identifiers)))
        ):
            setattr(row, name, redact(getattr(row, name), identifiers))


def _redact_mail_to_others(identifiers: tuple[str, ...]) -> None:
    """Mail the member wrote or was named in, queued for others (a welcome letter, an
    invitation), keeps its message without their name."""
    for row in db.session.scalars(
        select(OutgoingMail).where(
            or_(
                *(
                    func.lower(column).contains(identifier.lower())
                    for identifier in identifiers
                    for column in (OutgoingMail.subject, OutgoingMail.body)
                )
            )
        )
    ):
        row.subject = redact(row.subject or "", identifiers) or row.subject
        row.body = redact(row.body or "", identifiers) or row.body


def _forget_mail_to(email: str) -> None:
    """Mail to the address that is not tied to the account (an invitation sent before
    they joined) goes with it; mail tied to the account goes by its RULES entry."""
    db.session.execute(delete(OutgoingMail).where(func.lower(OutgoingMail.to_address) == email))


def _forget_invited_address(email: str) -> None:
    """Invites mailed to the member keep the invite, not the address it went to."""
    db.session.execute(update(Invite).where(func.lower(Invite.email) == email).values(email=""))


# --- the whole erasure ------------------------------------------------------------------


def erase_member(member: User, *, remove_posts: bool) -> None:
    """Run every rule, then delete the account row; the caller commits."""
    job = Erasure(member_id=member.id, username=member.username, remove_posts=remove_posts)
    identifiers = identifiers_of(member)
    for rule in RULES:
        rule.apply(job)
    db.session.flush()
    _rewrite_mentions(job.username)
    _redact_audit_reasons(identifiers)
    _redact_review_texts(identifiers)
    _forget_invited_address(member.email.lower())
    _forget_mail_to(member.email.lower())
    _redact_mail_to_others(identifiers)
    db.session.flush()
    db.session.execute(delete(User).where(User.id == member.id))
    # The object stood for a row that no longer exists; nothing may flush it again.
    db.session.expunge(member)
