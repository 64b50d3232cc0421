"""The review queue (held and flagged posts) and flagging a post."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user, login_required

from community import policy
from community.errors import ValidationFailed
from community.moderation import review_forms as forms
from community.moderation import review_queries as queries
from community.moderation import review_services as services
from community.moderation.models import FlagOutcome
from community.topics.models import Post
from community.topics.urls import post_url

bp = Blueprint("review", __name__)

UNPROCESSABLE = 422
DONE_ALREADY = "Another moderator (or an earlier click) decided this one already."


def _render_queue(
    status: int = 200, *, signup_errors: dict[int, str] | None = None
) -> ResponseReturnValue:
    """The queue; ``signup_errors`` puts a refusal beside one sign-up's reason field."""
    return render_template(
        "review/index.html",
        queue=queries.list_review_queue(current_user),
        approve_form=forms.ApproveForm(),
        reject_form=forms.RejectForm(),
        decide_form=forms.DecideFlagsForm(),
        signup_errors=signup_errors or {},
        can_sanction=policy.can_sanction_members(current_user),
    ), status


@bp.get("/review")
@login_required
def index() -> ResponseReturnValue:
    return _render_queue()


def _reviewable_post(post_id: int) -> Post:
    return queries.get_reviewable_post_or_404(current_user, post_id)


@bp.post("/review/posts/<int:post_id>/approve")
@login_required
def approve(post_id: int) -> ResponseReturnValue:
    post = _reviewable_post(post_id)
    if not forms.ApproveForm().validate_on_submit():
        return render_template("errors/error.html", code=400), 400
    if services.approve_post(current_user, post):
        flash("The post is published.", "success")
    else:
        flash(DONE_ALREADY, "info")
    return redirect(url_for("review.index"))


@bp.route("/review/posts/<int:post_id>/edit", methods=["GET", "POST"])
@login_required
def edit_and_approve(post_id: int) -> ResponseReturnValue:
    post = _reviewable_post(post_id)
    form = forms.EditAndApproveForm(
        data={"title": post.topic.title, "body": post.body_source}
        if request.method == "GET"
        else None
    )
    if form.validate_on_submit():
        try:
            done = services.edit_and_approve_post(
                current_user,
                post,
                body=form.body.data,
                title=form.title.data if post.is_first else None,
            )
        except ValidationFailed as error:
            form.add_error(error)
        else:
            flash("The post is corrected and published." if done else DONE_ALREADY, "success")
            return redirect(url_for("review.index"))
    status = UNPROCESSABLE if form.is_submitted() else 200
    return render_template("review/edit.html", post=post, form=form), status


@bp.route("/review/posts/<int:post_id>/reject", methods=["GET", "POST"])
@login_required
def reject(post_id: int) -> ResponseReturnValue:
    post = _reviewable_post(post_id)
    form = forms.RejectForm()
    if form.validate_on_submit():
        try:
            done = services.reject_post(current_user, post, reason=form.reason.data)
        except ValidationFailed as error:
            form.add_error(error)
        else:
            flash("The post is rejected; its author is told why." if done else DONE_ALREADY)
            return redirect(url_for("review.index"))
    status = UNPROCESSABLE if form.is_submitted() else 200
    return render_template("review/reject.html", post=post, form=form), status


@bp.post("/review/posts/<int:post_id>/flags")
@login_required
def decide_flags(post_id: int) -> ResponseReturnValue:
    post = _reviewable_post(post_id)
    form = forms.DecideFlagsForm()
    decision = form.decision.data if form.validate_on_submit() else None
    if decision not in set(FlagOutcome):
        flash("Choose agree, disagree or defer.", "error")
        return _render_queue(UNPROCESSABLE)
    closed = services.decide_flags(current_user, post, outcome=FlagOutcome(decision))
    flash(f"Decided; {closed} flaggers are told." if closed else DONE_ALREADY, "success")
    return redirect(url_for("review.index"))


@bp.post("/review/signups/<int:user_id>/approve")
@login_required
def approve_signup(user_id: int) -> ResponseReturnValue:
    approval = queries.get_pending_signup_or_404(current_user, user_id)
    if not forms.ApproveForm().validate_on_submit():
        return render_template("errors/error.html", code=400), 400
    done = services.approve_signup(current_user, approval)
    flash("The account is approved; they are told by e-mail." if done else DONE_ALREADY)
    return redirect(url_for("review.index"))


@bp.post("/review/signups/<int:user_id>/reject")
@login_required
def reject_signup(user_id: int) -> ResponseReturnValue:
    approval = queries.get_pending_signup_or_404(current_user, user_id)
    form = forms.RejectForm()
    if not form.validate_on_submit():
        return render_template("errors/error.html", code=400), 400
    try:
        done = services.reject_signup(current_user, approval, reason=form.reason.data)
    except ValidationFailed as error:
        return _render_queue(UNPROCESSABLE, signup_errors={user_id: error.message})
    flash("The account is rejected; they are told why." if done else DONE_ALREADY)
    return redirect(url_for("review.index"))


@bp.route("/p/<int:post_id>/flag", methods=["GET", "POST"])
@login_required
def flag(post_id: int) -> ResponseReturnValue:
    post = queries.get_post_or_404(current_user, post_id)
    policy.require_flag_post(current_user, post)
    form = forms.FlagForm()
    if form.validate_on_submit():
        try:
            services.flag_post(current_user, post, reason=form.reason.data, note=form.note.data)
        except ValidationFailed as error:
            form.add_error(error)
        else:
            flash("Thank you: the moderators will look at it.", "success")
            return redirect(_after_flagging(post))
    status = UNPROCESSABLE if form.is_submitted() else 200
    return render_template("review/flag.html", post=post, form=form), status


def _after_flagging(post: Post) -> str:
    # The flag may have hidden the post (and, for a first post, its topic).
    if post.is_published:
        return post_url(post)
    if post.topic.is_published:
        return url_for("topics.show", topic_id=post.topic_id)
    return url_for("spaces.show", slug=post.topic.space.slug)
