"""Idea boards, voting, staff statuses and merges, internal notes, the roadmap."""

from __future__ import annotations

import re

from flask import (
    Blueprint,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_login import current_user, login_required

from community import policy
from community.errors import NotFound, ValidationFailed
from community.ideas import forms, queries, services
from community.ideas.models import IdeaStatus
from community.security import safe_next_url
from community.spaces import queries as space_queries
from community.tags import queries as tag_queries
from community.topics import queries as topic_queries
from community.topics import views as topic_views
from community.topics.models import Topic

bp = Blueprint("ideas", __name__)

CONFLICT = 409
UNPROCESSABLE = 422
_TOPIC_REFERENCE = re.compile(r"(?:.*/t/)?#?(?P<id>[0-9]{1,18})(?:[/?#].*)?")


def _wants_json() -> bool:
    return request.accept_mimetypes.best == "application/json"


def _idea_or_404(topic_id: int) -> Topic:
    topic = topic_queries.get_readable_topic_or_404(current_user, topic_id)
    if topic.idea is None:
        raise NotFound
    return topic


@bp.get("/s/<slug>/ideas")
def board(slug: str) -> ResponseReturnValue:
    space = space_queries.get_readable_space_or_404(current_user, slug)
    if not space.idea_board.has_ideas:
        raise NotFound
    sort = request.args.get("sort", "top")
    if sort not in queries.BOARD_SORTS:
        sort = "top"
    status = request.args.get("status") or None
    if status not in queries.BOARD_STATUS_FILTERS:
        status = None
    tag = None
    if request.args.get("tag"):
        tag = tag_queries.get_visible_tag_or_404(current_user, request.args["tag"])
    page = queries.list_board(
        current_user,
        space,
        sort=sort,
        status=IdeaStatus(status) if status else None,
        tag_id=tag.id if tag else None,
        page=request.args.get("page", 1, type=int),
        per_page=current_app.config["TOPICS_PER_PAGE"],
    )
    return render_template(
        "ideas/board.html",
        space=space,
        board=page,
        sort=sort,
        status=status,
        tag=tag,
        sorts=queries.BOARD_SORTS,
        statuses=list(IdeaStatus),
        voted=queries.voted_topic_ids(current_user, [idea.topic_id for idea in page.ideas]),
        votes_left=services.votes_left(current_user, space),
        vote_form=forms.IdeaVoteForm() if current_user.is_authenticated else None,
    )


@bp.post("/t/<int:topic_id>/idea-vote")
@login_required
def vote(topic_id: int) -> ResponseReturnValue:
    topic = _idea_or_404(topic_id)
    policy.require_vote_on_idea(current_user, topic)
    form = forms.IdeaVoteForm()
    if not form.validate_on_submit() or form.value.data not in ("on", "off"):
        return render_template("errors/error.html", code=400), 400
    back = safe_next_url(form.next.data) or url_for("topics.show", topic_id=topic.id)
    try:
        count = services.set_idea_vote(current_user, topic, is_voted=form.value.data == "on")
    except services.VoteRefused as refusal:
        if _wants_json():
            return jsonify(error=refusal.message), CONFLICT
        return render_template(
            "errors/error.html", code=CONFLICT, message=refusal.message, back=back
        ), CONFLICT
    is_voted = form.value.data == "on"
    if _wants_json():
        return jsonify(
            voted=is_voted,
            count=count,
            votes_left=services.votes_left(current_user, topic.space),
        )
    return redirect(back)


@bp.post("/t/<int:topic_id>/status")
@login_required
def set_status(topic_id: int) -> ResponseReturnValue:
    topic = _idea_or_404(topic_id)
    policy.require_set_idea_status(current_user, topic)
    form = forms.IdeaStatusForm()
    if form.validate_on_submit():
        try:
            services.set_idea_status(
                current_user,
                topic,
                status=IdeaStatus(form.status.data),
                response=form.response.data or "",
            )
        except ValidationFailed as error:
            form.add_error(error)
        else:
            flash(f"The idea is {topic.idea.status.label} now.", "success")
            return redirect(url_for("topics.show", topic_id=topic.id))
    return _render_idea(topic, UNPROCESSABLE, status_form=form)


@bp.post("/t/<int:topic_id>/merge")
@login_required
def merge(topic_id: int) -> ResponseReturnValue:
    topic = _idea_or_404(topic_id)
    policy.require_set_idea_status(current_user, topic)
    form = forms.MergeIdeaForm()
    if form.validate_on_submit():
        try:
            target = _target_topic(form.target.data)
            services.merge_idea(current_user, topic, target)
        except ValidationFailed as error:
            form.add_error(error)
        else:
            flash(f"Merged into “{target.title}”; its votes and followers moved there.", "success")
            return redirect(url_for("topics.show", topic_id=target.id))
    return _render_idea(topic, UNPROCESSABLE, merge_form=form)


def _target_topic(reference: str) -> Topic:
    """The topic a staff member named by number or address, if they may read it."""
    match = _TOPIC_REFERENCE.fullmatch(reference.strip())
    if match is None:
        raise ValidationFailed("target", "Give the idea's number or its address, like /t/42.")
    try:
        return topic_queries.get_readable_topic_or_404(current_user, int(match["id"]))
    except NotFound:
        raise ValidationFailed(
            "target", "There is no idea with that number that you can see."
        ) from None


@bp.post("/t/<int:topic_id>/notes")
@login_required
def add_note(topic_id: int) -> ResponseReturnValue:
    topic = _idea_or_404(topic_id)
    policy.require_write_idea_note(current_user, topic)
    form = forms.IdeaNoteForm()
    if form.validate_on_submit():
        try:
            services.add_idea_note(current_user, topic, body=form.body.data)
        except ValidationFailed as error:
            form.add_error(error)
        else:
            flash("Internal note added.", "success")
            return redirect(url_for("topics.show", topic_id=topic.id) + "#internal-notes")
    return _render_idea(topic, UNPROCESSABLE, note_form=form)


def _render_idea(topic: Topic, status: int, **forms_: object) -> ResponseReturnValue:
    # The topic page renders ideas: a failed staff form is shown there, with its errors.
    return topic_views.render_topic_page(topic, status=status, **forms_)


@bp.get("/roadmap")
def roadmap() -> ResponseReturnValue:
    plan = queries.roadmap(current_user)
    topic_ids = [idea.topic_id for column in plan.columns.values() for idea in column]
    return render_template(
        "ideas/roadmap.html",
        roadmap=plan,
        voted=queries.voted_topic_ids(current_user, topic_ids),
        # Signed out: no form, so no CSRF token and no session (the page stays cacheable).
        vote_form=forms.IdeaVoteForm() if current_user.is_authenticated else None,
    )
