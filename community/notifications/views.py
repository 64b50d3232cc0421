"""Notifications, watch levels, read positions, e-mail choices and unsubscribing."""

from __future__ import annotations

from flask import Blueprint, flash, jsonify, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user, login_required

from community import policy
from community.errors import ValidationFailed
from community.extensions import csrf
from community.notifications import forms, queries, services
from community.notifications import preferences as mail_preferences
from community.notifications.models import NotificationKind
from community.spaces import queries as space_queries
from community.topics import queries as topic_queries

bp = Blueprint("notifications", __name__)

BAD_REQUEST = 400
FORBIDDEN = 403
NOT_FOUND = 404
UNPROCESSABLE = 422


def _wants_json() -> bool:
    return request.accept_mimetypes.best == "application/json"


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
        return render_template("errors/error.html", code=BAD_REQUEST), BAD_REQUEST
    services.mark_read(current_user, notification_id)
    if _wants_json():
        return jsonify(unread=queries.unread_count(current_user))
    return redirect(url_for("notifications.index"))


@bp.post("/t/<int:topic_id>/watch")
@login_required
def watch(topic_id: int) -> ResponseReturnValue:
    topic = topic_queries.get_readable_topic_or_404(current_user, topic_id)
    policy.require_watch_topic(current_user, topic)
    form = forms.WatchForm()
    if not form.validate_on_submit():
        return render_template("errors/error.html", code=BAD_REQUEST), BAD_REQUEST
    level = services.set_watch_level(current_user, topic, services.check_level(form.level.data))
    flash(f"Notifications for this topic: {forms.WATCH_DESCRIPTIONS[level]}.", "success")
    return redirect(url_for("topics.show", topic_id=topic.id))


@bp.post("/s/<slug>/watch")
@login_required
def watch_space(slug: str) -> ResponseReturnValue:
    space = space_queries.get_readable_space_or_404(current_user, slug)
    policy.require_watch_space(current_user, space)
    form = forms.SpaceWatchForm()
    if not form.validate_on_submit():
        return render_template("errors/error.html", code=BAD_REQUEST), BAD_REQUEST
    level = services.set_space_watch_level(
        current_user, space, services.check_level(form.level.data)
    )
    flash(f"Notifications for {space.name}: {forms.WATCH_DESCRIPTIONS[level]}.", "success")
    return redirect(url_for("spaces.show", slug=space.slug))


@bp.post("/t/<int:topic_id>/read")
@login_required
def read_topic(topic_id: int) -> ResponseReturnValue:
    """Record how far the member read (the page posts it when shown; a button
    without JavaScript)."""
    topic = topic_queries.get_readable_topic_or_404(current_user, topic_id)
    policy.require_watch_topic(current_user, topic)
    form = forms.ReadTopicForm()
    if not form.validate_on_submit():
        return render_template("errors/error.html", code=BAD_REQUEST), BAD_REQUEST
    services.read_topic(current_user, topic, up_to=form.up_to.data)
    if _wants_json():
        return jsonify(read=True)
    return redirect(url_for("topics.show", topic_id=topic.id))


@bp.get("/mentions")
@login_required
def mentions() -> ResponseReturnValue:
    """Usernames for the composer's @-autocomplete: members the viewer has seen who
    may read the topic (or space) the post goes to."""
    topic_id = request.args.get("topic_id", type=int)
    if topic_id is not None:
        space = topic_queries.get_readable_topic_or_404(current_user, topic_id).space
    elif request.args.get("slug"):
        space = space_queries.get_readable_space_or_404(current_user, request.args["slug"])
    else:
        return jsonify(error="Say where the post goes: topic_id or slug."), BAD_REQUEST
    users = queries.suggest_mentions(current_user, space, request.args.get("q", ""))
    return jsonify(
        users=[{"username": user.username, "display_name": user.display_name} for user in users]
    )


@bp.route("/account/notifications", methods=["GET", "POST"])
@login_required
def preferences() -> ResponseReturnValue:
    current = queries.email_frequencies(current_user)
    form = forms.EmailPreferencesForm(
        data={kind.value: frequency.value for kind, frequency in current.items()}
        if request.method == "GET"
        else None
    )
    if form.validate_on_submit():
        try:
            mail_preferences.set_email_preferences(current_user, form.choices())
        except ValidationFailed as error:
            form.add_error(error)
        else:
            flash("Your e-mail choices are saved.", "success")
            return redirect(url_for("notifications.preferences"))
    status = UNPROCESSABLE if form.is_submitted() else 200
    return render_template(
        "notifications/preferences.html", form=form, kinds=list(NotificationKind)
    ), status


@bp.route("/unsubscribe/<token>", methods=["GET", "POST"])
@csrf.exempt  # only for RFC 8058's one-click POST; every other POST is checked below
def unsubscribe(token: str) -> ResponseReturnValue:
    """Stop one kind of e-mail from a link in it. GET shows a button (mail scanners
    open links, so a GET changes nothing); the POST acts."""
    is_one_click = request.form.get("List-Unsubscribe") == "One-Click"
    if request.method == "POST" and not is_one_click:
        # A browser's form: the same CSRF check as every other form. The mail
        # client's one-click POST carries no session; the signed token is its proof.
        csrf.protect()
    found = mail_preferences.read_unsubscribe_token(token)
    if found is None:
        return render_template("notifications/unsubscribe_invalid.html"), NOT_FOUND
    member, key = found
    if current_user.is_authenticated and current_user.id != member.id:
        return render_template(
            "notifications/unsubscribe_invalid.html", other_member=True
        ), FORBIDDEN
    label = mail_preferences.UNSUBSCRIBE_KEYS[key]
    if request.method == "POST":
        kinds = mail_preferences.unsubscribe(member, key)
        return render_template("notifications/unsubscribed.html", label=label, kinds=kinds)
    return render_template(
        "notifications/unsubscribe.html", label=label, form=forms.UnsubscribeForm()
    )
