"""The topic page's reading report (sent by its script while the page is visible)."""

from __future__ import annotations

from flask import Blueprint, jsonify
from flask.typing import ResponseReturnValue
from flask_login import current_user, login_required

from community import ratelimit
from community.topics import queries as topic_queries
from community.trust import forms, services

bp = Blueprint("trust", __name__)

UNPROCESSABLE = 422


@bp.post("/t/<int:topic_id>/reading")
@login_required
@ratelimit.reading_report
def reading(topic_id: int) -> ResponseReturnValue:
    """Record the highest post seen and the seconds the page was visible. Pages write
    nothing when shown; this POST (with its CSRF token) is how reading counts."""
    topic = topic_queries.get_readable_topic_or_404(current_user, topic_id)
    form = forms.ReadingReportForm()
    if not form.validate_on_submit():
        return jsonify(errors=form.errors), UNPROCESSABLE
    credited = services.record_reading(
        current_user,
        topic,
        highest_post_number=form.highest_post_number.data,
        seconds=form.seconds.data,
    )
    return jsonify(credited_seconds=credited)
