"""What a member's trust level lets them post: per-post content limits for level 0,
their first-day caps, and the wait between topics and between replies.

Checked by the topic and reply services before anything is written; every number is
a setting (``config.TRUST_NEW_*``, ``TOPIC_INTERVAL_SECONDS``, ...). Staff
(employees, moderators, admins) are held to none of them.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import func, select

from community import policy
from community.accounts.models import TrustLevel, User
from community.database import utcnow
from community.errors import TooSoon, ValidationFailed
from community.extensions import db
from community.markdown import MENTION_CLASS, RenderedPost
from community.topics.models import Post

FIRST_DAY = timedelta(hours=24)
# (is a topic, is level 0) -> the setting with the seconds to wait since the last one.
INTERVAL_SETTINGS = {
    (True, True): "TRUST_NEW_TOPIC_INTERVAL_SECONDS",
    (True, False): "TOPIC_INTERVAL_SECONDS",
    (False, True): "TRUST_NEW_REPLY_INTERVAL_SECONDS",
    (False, False): "REPLY_INTERVAL_SECONDS",
}
_LINK = re.compile(r"<a\s", re.IGNORECASE)
_MENTION_LINK = re.compile(rf'<a\s[^>]*class="{MENTION_CLASS}"', re.IGNORECASE)
_IMAGE = re.compile(r"<img\s", re.IGNORECASE)


_PLURALS = {"reply": "replies"}


# Every setting the checks below read, and the value that switches it off.
_OFF = {
    "TRUST_NEW_MAX_LINKS": None,
    "TRUST_NEW_MAX_IMAGES": None,
    "TRUST_NEW_MAX_MENTIONS": None,
    "TRUST_NEW_FIRST_DAY_TOPICS": None,
    "TRUST_NEW_FIRST_DAY_REPLIES": None,
    **dict.fromkeys(INTERVAL_SETTINGS.values(), 0),
}


@contextmanager
def posting_limits_off() -> Iterator[None]:
    """Switch the limits off for a command that writes history in one go (the demo
    loader posts a month of conversation in a second); they are for people."""
    config = current_app.config
    saved = {name: config[name] for name in _OFF}
    config.update(_OFF)
    try:
        yield
    finally:
        config.update(saved)


def _plural(count: int, word: str) -> str:
    return f"{count} {word}" if count == 1 else f"{count} {_PLURALS.get(word, word + 's')}"


def _wait_words(seconds: int) -> str:
    if seconds < 120:
        return _plural(seconds, "second")
    minutes = -(-seconds // 60)
    if minutes < 120:
        return _plural(minutes, "minute")
    return _plural(-(-minutes // 60), "hour")


def check_content(actor: User, rendered: RenderedPost) -> None:
    """Links, images and mentions in one post of a level 0 member; raises
    ValidationFailed on the body, saying the limit."""
    if policy.is_staff(actor) or actor.trust_level > TrustLevel.NEW:
        return
    config = current_app.config
    links = len(_LINK.findall(rendered.html)) - len(_MENTION_LINK.findall(rendered.html))
    counted = (
        ("TRUST_NEW_MAX_LINKS", links, "link"),
        ("TRUST_NEW_MAX_IMAGES", len(_IMAGE.findall(rendered.html)), "image"),
        ("TRUST_NEW_MAX_MENTIONS", len(rendered.mentions), "mention"),
    )
    for setting, count, word in counted:
        limit = config[setting]
        if limit is not None and count > limit:
            raise ValidationFailed(
                "body",
                f"New members may put at most {_plural(limit, word)} in a post; this one has "
                f"{count}. Take some out, or post them once you have read a little more.",
            )


def _last_post_at(actor: User, *, first_posts: bool) -> datetime | None:
    is_first = Post.post_number == 1 if first_posts else Post.post_number > 1
    return db.session.scalar(
        select(func.max(Post.created_at)).where(Post.author_id == actor.id, is_first)
    )


def _count_since(actor: User, since: datetime, *, first_posts: bool) -> int:
    is_first = Post.post_number == 1 if first_posts else Post.post_number > 1
    return (
        db.session.scalar(
            select(func.count()).where(
                Post.author_id == actor.id, is_first, Post.created_at >= since
            )
        )
        or 0
    )


def check_pace(actor: User, *, is_topic: bool) -> None:
    """The first-day cap and the interval since the member's last topic (or reply);
    raises TooSoon saying when they may post again."""
    if policy.is_staff(actor):
        return
    config = current_app.config
    now = utcnow()
    is_new = actor.trust_level <= TrustLevel.NEW
    what = "topic" if is_topic else "reply"
    if is_new and now - actor.created_at < FIRST_DAY:
        cap = config["TRUST_NEW_FIRST_DAY_TOPICS" if is_topic else "TRUST_NEW_FIRST_DAY_REPLIES"]
        if cap is not None and _count_since(actor, actor.created_at, first_posts=is_topic) >= cap:
            wait = int((actor.created_at + FIRST_DAY - now).total_seconds())
            raise TooSoon(
                "body",
                f"On their first day new members may post {_plural(cap, what)}"
                f"; you may post again in {_wait_words(wait)}.",
                retry_after=wait,
            )
    interval = config[INTERVAL_SETTINGS[(is_topic, is_new)]]
    if not interval:
        return
    last = _last_post_at(actor, first_posts=is_topic)
    if last is None:
        return
    if now - last < timedelta(seconds=interval):
        wait = int((last + timedelta(seconds=interval) - now).total_seconds()) + 1
        raise TooSoon(
            "body",
            f"Wait {_plural(interval, 'second')} between one {what} and the next; "
            f"you may post again in {_wait_words(wait)}. Your text is kept below.",
            retry_after=wait,
        )
