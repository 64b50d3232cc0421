"""Where a post lives: the address of its page of the topic, and its anchor there."""

from __future__ import annotations

import math

from flask import current_app, url_for

from community.topics.models import Post


def post_url(post: Post) -> str:
    """The post on its topic page, with the page number when it is past the first.

    Views redirect to it after posting, and search results and notifications link to
    it (a template global), so a reply deep in a long topic opens on its own page.
    """
    per_page = current_app.config["POSTS_PER_PAGE"]
    if post.topic.is_question and not post.is_first:
        # Answers are paged apart from the question; in time order their page is known.
        page = math.ceil((post.post_number - 1) / per_page)
        url = url_for(
            "topics.show", topic_id=post.topic_id, sort="oldest", page=page if page > 1 else None
        )
    else:
        page = math.ceil(post.post_number / per_page)
        url = url_for("topics.show", topic_id=post.topic_id, page=page if page > 1 else None)
    return f"{url}#post-{post.post_number}"
