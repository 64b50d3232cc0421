"""The tag index and tag pages."""

from __future__ import annotations

from flask import Blueprint, current_app, render_template, request
from flask.typing import ResponseReturnValue
from flask_login import current_user

from community.notifications import queries as notification_queries
from community.tags import queries
from community.topics.queries import TopicCursor

bp = Blueprint("tags", __name__)


@bp.get("/tags")
def index() -> ResponseReturnValue:
    return render_template("tags/index.html", tag_counts=queries.list_tags(current_user))


@bp.get("/tags/<name>")
def show(name: str) -> ResponseReturnValue:
    tag = queries.get_visible_tag_or_404(current_user, name)
    cursor = TopicCursor.decode(request.args.get("after"))
    topics, next_cursor = queries.list_tag_topics(
        current_user, tag, after=cursor, per_page=current_app.config["TOPICS_PER_PAGE"]
    )
    return render_template(
        "tags/show.html",
        tag=tag,
        topics=topics,
        next_cursor=next_cursor,
        is_first_page=not cursor,
        news=notification_queries.topic_news(current_user, topics),
    )
