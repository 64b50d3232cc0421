"""The notifications page, marking read, and choosing a topic's watch level."""

from __future__ import annotations

from flask import Blueprint, flash, jsonify, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user, login_required

from community import policy
from community.notifications import forms, queries, services
from community.notifications.models import WatchLevel
from community.topics import queries as topic_queries

bp = Blueprint("notifications", __name__)


@bp.get("/notifications")
@login_required
def index() -> ResponseReturnValue:
    before = request.args.get("before", type=int)
    notifications, next_before = queries.list_notifications(current_user, before_id=before)
    return render_template(
        "notifications/index.html",
        notifications=notifications,
        next_before=next_before,
        form=forms.MarkReadForm(),
    )


@bp.post("/notifications/read")
@login_required
def read_all() -> ResponseReturnValue:
    if forms.MarkReadForm().validate_on_submit():
        services.mark_all_read(current_user)
        flash("All notifications are marked read.", "success")
    return redirect(url_for("notifications.index"))


@bp.post("/notifications/<int:notification_id>/read")
@login_required
def read_one(notification_id: int) -> ResponseReturnValue:
    if not forms.MarkReadForm().validate_on_submit():
        return render_template("errors/error.html", code=400), 400
    services.mark_read(current_user, notification_id)
    if request.accept_mimetypes.best == "application/json":
        return jsonify(unread=queries.unread_count(current_user))
    return redirect(url_for("notifications.index"))


@bp.post("/t/<int:topic_id>/watch")
@login_required
def watch(topic_id: int) -> ResponseReturnValue:
    topic = topic_queries.get_readable_topic_or_404(current_user, topic_id)
    policy.require_watch_topic(current_user, topic)
    form = forms.WatchForm()
    if not form.validate_on_submit():
        return render_template("errors/error.html", code=400), 400
    level = services.set_watch_level(current_user, topic, WatchLevel(form.level.data))
    flash(f"Notifications for this topic: {forms.WATCH_DESCRIPTIONS[level]}.", "success")
    return redirect(url_for("topics.show", topic_id=topic.id))
