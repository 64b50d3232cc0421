"""Accepting answers, voting on them, and the respond queue."""

from __future__ import annotations

from flask import Blueprint, abort, flash, jsonify, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user, login_required

from community.answers import forms, queries, services
from community.topics import queries as topic_queries

bp = Blueprint("answers", __name__)


def _wants_json() -> bool:
    return request.accept_mimetypes.best == "application/json"


@bp.post("/t/<int:topic_id>/accept")
@login_required
def accept(topic_id: int) -> ResponseReturnValue:
    topic = topic_queries.get_readable_topic_or_404(current_user, topic_id)
    form = forms.AcceptForm()
    if not form.validate_on_submit():
        abort(404)  # no reply named: the same answer as a reply from another topic
    post = topic_queries.get_readable_post_or_404(current_user, form.post_id.data)
    services.accept_answer(current_user, topic, post)
    flash("Marked as the accepted answer.", "success")
    return redirect(url_for("topics.show", topic_id=topic.id) + f"#post-{post.post_number}")


@bp.post("/t/<int:topic_id>/unaccept")
@login_required
def unaccept(topic_id: int) -> ResponseReturnValue:
    topic = topic_queries.get_readable_topic_or_404(current_user, topic_id)
    form = forms.ClearAcceptedForm()
    if form.validate_on_submit():
        services.clear_accepted_answer(current_user, topic)
        flash("The question has no accepted answer now.", "info")
    return redirect(url_for("topics.show", topic_id=topic.id))


@bp.post("/p/<int:post_id>/vote")
@login_required
def vote(post_id: int) -> ResponseReturnValue:
    post = topic_queries.get_readable_post_or_404(current_user, post_id)
    form = forms.VoteForm()
    if not form.validate_on_submit() or form.value.data not in ("on", "off"):
        abort(400)
    is_voted = form.value.data == "on"
    count = services.set_answer_vote(current_user, post, is_voted=is_voted)
    if _wants_json():
        return jsonify(voted=is_voted, count=count)
    return redirect(url_for("topics.show", topic_id=post.topic_id) + f"#post-{post.post_number}")


@bp.get("/respond")
@login_required
def respond_queue() -> ResponseReturnValue:
    questions = queries.list_respond_queue(current_user)
    return render_template("answers/respond_queue.html", questions=questions, waited=queries.waited)
