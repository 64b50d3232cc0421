"""Writing e-mail when it is sent: notifications, digests and their unsubscribe links.

Nothing here is decided when the event happens. A queued notification or digest is
written at sending time from what its one recipient may read at that moment
(``policy.visible_notifications_clause``), for their address at that moment; if
nothing is left, nothing is sent.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import current_app, url_for

from community.accounts import tokens
from community.accounts.models import User
from community.ideas import queries as idea_queries
from community.mail import Message
from community.notifications import queries
from community.notifications.models import (
    EmailFrequency,
    MailPurpose,
    Notification,
    NotificationKind,
    OutgoingMail,
)
from community.topics.urls import post_url

EXCERPT_MAX_LENGTH = 600
DIGEST_KEYS = {frequency: f"digest_{frequency.value}" for frequency in EmailFrequency}
ONE_CLICK = "List-Unsubscribe=One-Click"


# --- what a notification says ------------------------------------------------------------


def _actor(notification: Notification) -> str:
    return notification.actor.display_name if notification.actor else "A former member"


def headline(notification: Notification) -> str:
    """One plain sentence saying what happened (for e-mail; pages have their own)."""
    kind = notification.kind
    title = f"“{notification.topic.title}”" if notification.topic else ""
    space = notification.space.name if notification.space else ""
    actor = _actor(notification)
    if kind is NotificationKind.REPLY:
        return f"{actor} replied to {title}"
    if kind is NotificationKind.WATCHED_POST:
        if notification.post is not None and notification.post.is_first:
            return f"{actor} started {title}"
        return f"{actor} posted in {title}"
    if kind is NotificationKind.MENTION:
        return f"{actor} mentioned you in {title}"
    if kind is NotificationKind.QUOTE:
        return f"{actor} quoted you in {title}"
    if kind is NotificationKind.ANSWER_ACCEPTED:
        return f"Your answer to {title} was accepted"
    if kind is NotificationKind.IDEA_STATUS:
        return f"{title} is now {notification.detail.replace('_', ' ')}"
    if kind is NotificationKind.IDEA_RESPONSE:
        return f"{actor} responded to {title}"
    if kind is NotificationKind.IDEA_MERGED:
        return f"{title} was merged into another idea; your vote moved with it"
    if kind is NotificationKind.JOIN_APPROVED:
        return f"Welcome to {space}: your request to join was approved"
    if kind is NotificationKind.JOIN_DECLINED:
        return f"The moderators of {space} declined your request to join"
    if kind is NotificationKind.INVITE:
        return f"{actor} invited you to join {space}"
    return "A moderator sent you a message"


def _detail_text(notification: Notification) -> str:
    """The words the recipient reads below the headline, all of it readable by them."""
    kind = notification.kind
    if notification.post is not None and not notification.post.is_deleted:
        return _excerpt(notification.post.body_source)
    if kind in (NotificationKind.IDEA_STATUS, NotificationKind.IDEA_RESPONSE):
        # The response as it stood when this happened, not a later one.
        changes = [
            change
            for change in idea_queries.timeline(notification.topic)
            if change.created_at <= notification.created_at
        ]
        response = idea_queries.official_response(changes)
        return f"The official response:\n\n{_excerpt(response.response_source)}" if response else ""
    if kind is NotificationKind.JOIN_APPROVED:
        note = f"\n\nTheir note:\n{notification.detail}" if notification.detail else ""
        return f"You can read and post in {notification.space.name} now.{note}"
    if kind is NotificationKind.JOIN_DECLINED:
        return f"Their note:\n{notification.detail}" if notification.detail else ""
    return notification.detail


def _excerpt(text: str) -> str:
    text = text.strip()
    if len(text) <= EXCERPT_MAX_LENGTH:
        return text
    return text[:EXCERPT_MAX_LENGTH].rsplit(" ", 1)[0] + " …"


def notification_path(notification: Notification) -> str:
    """Where a notification leads on the site (pages and e-mail)."""
    if notification.topic_id is not None:
        if notification.post is not None:
            return post_url(notification.post)
        return url_for("topics.show", topic_id=notification.topic_id)
    if notification.space is not None:
        return url_for("spaces.show", slug=notification.space.slug)
    return url_for("notifications.index")


# --- unsubscribing -------------------------------------------------------------------------


def unsubscribe_token(user: User, key: str) -> str:
    """A link that stops one kind of mail (a notification kind, or a digest) for one
    member, bound to their current address."""
    return tokens.make_token(
        tokens.UNSUBSCRIBE,
        {"uid": user.id, "key": key, "em": tokens.email_fingerprint(user.email)},
    )


def _external(path: str) -> str:
    return current_app.config["BASE_URL"].rstrip("/") + path


def _message_id(row: OutgoingMail) -> str:
    # The same for every attempt of one row, so a message sent twice after a crash
    # is recognisable as one.
    host = urlsplit(current_app.config["BASE_URL"]).hostname or "localhost"
    return f"<hearth.{row.id}@{host}>"


# --- composing -----------------------------------------------------------------------------


def compose(row: OutgoingMail) -> Message | None:
    """The message a queued row stands for, written now; None when nothing is left
    that its recipient may read (or wants)."""
    if row.purpose is MailPurpose.ACCOUNT:
        return Message(
            to=row.to_address or "",
            subject=row.subject or "",
            body=row.body or "",
            headers=(("Message-ID", _message_id(row)),),
        )
    user = row.user
    if user is None or not user.is_confirmed:
        return None
    if row.purpose is MailPurpose.NOTIFICATION:
        notification = queries.get_mailable_notification(user, row.notification_id)
        if notification is None:
            return None
        subject, text = _single(notification)
        key = notification.kind.value
    else:
        frequency = row.digest_frequency
        items = queries.list_digest_notifications(
            user,
            frequency=frequency,
            after_id=row.digest_after_id or 0,
            until_id=row.digest_until_id or 0,
        )
        if not items:
            return None
        subject, text = _digest(frequency, items)
        key = DIGEST_KEYS[frequency]
    unsubscribe = _external(
        url_for("notifications.unsubscribe", token=unsubscribe_token(user, key))
    )
    body = (
        f"Hello {user.display_name},\n\n{text}\n\n-- \n"
        f"Choose what Hearth e-mails you: {_external(url_for('notifications.preferences'))}\n"
        f"Stop these e-mails: {unsubscribe}\n"
    )
    return Message(
        to=user.email,
        subject=subject,
        body=body,
        headers=(
            ("Message-ID", _message_id(row)),
            ("List-Unsubscribe", f"<{unsubscribe}>"),
            ("List-Unsubscribe-Post", ONE_CLICK),
        ),
    )


def _single(notification: Notification) -> tuple[str, str]:
    title = headline(notification)
    detail = _detail_text(notification)
    link = _external(notification_path(notification))
    text = f"{title}.\n\n{detail}\n\n{link}" if detail else f"{title}.\n\n{link}"
    if notification.kind is NotificationKind.JOIN_APPROVED and notification.space is not None:
        return f"Welcome to {notification.space.name}", text
    return title, text


def _digest(frequency: EmailFrequency, items: list[Notification]) -> tuple[str, str]:
    period = "today" if frequency is EmailFrequency.DAILY else "this week"
    count = len(items)
    lines = [f"{count} {'thing' if count == 1 else 'things'} happened {period}:", ""]
    for notification in items:
        lines.append(f"* {headline(notification)}")
        lines.append(f"  {_external(notification_path(notification))}")
    noun = "update" if count == 1 else "updates"
    return f"Your {frequency.value} Hearth digest: {count} {noun}", "\n".join(lines)
