"""The home page, space pages and space administration."""

from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user, login_required

from community import policy
from community.errors import ValidationFailed
from community.groups import queries as group_queries
from community.notifications import forms as notification_forms
from community.notifications import queries as notification_queries
from community.notifications import services as notification_services
from community.spaces import forms, queries, services
from community.spaces.models import IdeaBoard, MembershipRole, Visibility
from community.tags import queries as tag_queries
from community.topics import queries as topic_queries

bp = Blueprint("spaces", __name__)

UNPROCESSABLE = 422


@bp.get("/")
def home() -> ResponseReturnValue:
    spaces = queries.list_directory_spaces(current_user)
    recent_topics = topic_queries.list_recent_topics(current_user)
    return render_template(
        "spaces/home.html",
        spaces=spaces,
        recent_topics=recent_topics,
        news=notification_queries.topic_news(current_user, recent_topics),
        space_news=notification_queries.space_news(current_user, spaces),
    )


@bp.get("/s/<slug>")
def show(slug: str) -> ResponseReturnValue:
    space = queries.get_listed_space_or_404(current_user, slug)
    if not policy.can_read_space(current_user, space):
        # A listed closed space: its name, description and how to join; no content.
        return _render_closed(space, forms.JoinRequestForm(), 200)
    cursor = topic_queries.TopicCursor.decode(request.args.get("after"))
    show = request.args.get("show")
    if show not in topic_queries.TOPIC_FILTERS:
        show = None
    tag = None
    if request.args.get("tag"):
        tag = tag_queries.get_visible_tag_or_404(current_user, request.args["tag"])
    page = topic_queries.list_space_topics(
        current_user,
        space,
        after=cursor,
        per_page=current_app.config["TOPICS_PER_PAGE"],
        show=show,
        tag_id=tag.id if tag else None,
    )
    return render_template(
        "spaces/show.html",
        space=space,
        page=page,
        is_first_page=cursor is None,
        show=show,
        tag=tag,
        filters=topic_queries.TOPIC_FILTERS,
        news=notification_queries.topic_news(current_user, page.pinned + page.topics),
        watch_level=notification_services.space_watch_level(current_user, space),
        # Signed out: no form, so no CSRF token and no session (the page stays cacheable).
        watch_form=notification_forms.SpaceWatchForm() if current_user.is_authenticated else None,
    )


def _render_closed(
    space: services.Space, form: forms.JoinRequestForm, status: int
) -> ResponseReturnValue:
    return render_template(
        "spaces/closed.html",
        space=space,
        form=form,
        pending=queries.get_pending_join_request(current_user, space),
    ), status


@bp.post("/s/<slug>/join")
@login_required
def request_to_join(slug: str) -> ResponseReturnValue:
    space = queries.get_listed_space_or_404(current_user, slug)
    form = forms.JoinRequestForm()
    if form.validate_on_submit():
        try:
            services.request_to_join(current_user, space, message=form.message.data)
        except ValidationFailed as error:
            form.add_error(error)
        else:
            flash("Your request is on its way to the moderators.", "success")
            return redirect(url_for("spaces.show", slug=space.slug))
    return _render_closed(space, form, UNPROCESSABLE)


@bp.get("/s/<slug>/join-requests")
@login_required
def join_requests(slug: str) -> ResponseReturnValue:
    space = queries.get_readable_space_or_404(current_user, slug)
    return render_template(
        "spaces/join_requests.html",
        space=space,
        join_requests=queries.list_pending_join_requests(current_user, space),
        form=forms.DecideJoinRequestForm(),
    )


@bp.post("/join-requests/<int:request_id>/<any(approve, decline):decision>")
@login_required
def decide_join_request(request_id: int, decision: str) -> ResponseReturnValue:
    join_request = queries.get_join_request_for_review_or_404(current_user, request_id)
    space = join_request.space
    form = forms.DecideJoinRequestForm()
    if form.validate_on_submit():
        try:
            services.decide_join_request(
                current_user, join_request, is_approved=decision == "approve", note=form.note.data
            )
        except ValidationFailed as error:
            flash(error.message, "error")
        else:
            flash(f"{join_request.user.display_name}: {join_request.status}.", "success")
    return redirect(url_for("spaces.join_requests", slug=space.slug))


# --- administration -----------------------------------------------------------

# No @login_required on the admin pages: the policy check answers 404 to everyone who
# is not an admin, visitors included, as it does for a wrong slug; a redirect to
# sign-in would tell a visitor that the page exists.


@bp.get("/admin/spaces")
def admin_index() -> ResponseReturnValue:
    return render_template(
        "spaces/admin_index.html", spaces=queries.list_spaces_for_admin(current_user)
    )


@bp.route("/admin/spaces/new", methods=["GET", "POST"])
def admin_new() -> ResponseReturnValue:
    policy.require_manage_spaces(current_user)
    form = forms.SpaceForm()
    if request.method == "GET":
        form.is_listed.data = True
    if form.validate_on_submit():
        try:
            space = services.create_space(
                current_user,
                name=form.name.data,
                slug=form.slug.data,
                description=form.description.data,
                visibility=Visibility(form.visibility.data),
                is_listed=form.is_listed.data,
                accepts_join_requests=form.accepts_join_requests.data,
                approves_new_member_posts=form.approves_new_member_posts.data,
                idea_board=IdeaBoard(form.idea_board.data),
                idea_vote_budget=form.idea_vote_budget.data,
            )
        except ValidationFailed as error:
            form.add_error(error)
        else:
            flash(f"Space “{space.name}” created.", "success")
            return redirect(url_for("spaces.show", slug=space.slug))
    status = UNPROCESSABLE if form.is_submitted() else 200
    return render_template("spaces/admin_form.html", form=form, space=None), status


@bp.route("/admin/spaces/<slug>/edit", methods=["GET", "POST"])
def admin_edit(slug: str) -> ResponseReturnValue:
    space = queries.get_space_for_admin_or_404(current_user, slug)
    form = forms.SpaceForm(obj=space)
    if form.validate_on_submit():
        try:
            services.update_space(
                current_user,
                space,
                name=form.name.data,
                slug=form.slug.data,
                description=form.description.data,
                visibility=Visibility(form.visibility.data),
                is_listed=form.is_listed.data,
                accepts_join_requests=form.accepts_join_requests.data,
                approves_new_member_posts=form.approves_new_member_posts.data,
                idea_board=IdeaBoard(form.idea_board.data),
                idea_vote_budget=form.idea_vote_budget.data,
            )
        except ValidationFailed as error:
            form.add_error(error)
        else:
            flash(f"Space “{space.name}” saved.", "success")
            return redirect(url_for("spaces.admin_edit", slug=space.slug))
    status = UNPROCESSABLE if form.is_submitted() else 200
    return _render_admin_edit(space, form, forms.AddMemberForm(), status)


def _render_admin_edit(
    space: services.Space, form: forms.SpaceForm, member_form: forms.AddMemberForm, status: int
) -> ResponseReturnValue:
    return render_template(
        "spaces/admin_form.html",
        form=form,
        space=space,
        member_form=member_form,
        remove_form=forms.RemoveMemberForm(),
        memberships=queries.list_memberships_for_admin(current_user, space),
        groups=group_queries.list_groups_opening(current_user, space),
    ), status


@bp.post("/admin/spaces/<slug>/members")
def admin_add_member(slug: str) -> ResponseReturnValue:
    space = queries.get_space_for_admin_or_404(current_user, slug)
    member_form = forms.AddMemberForm()
    if member_form.validate_on_submit():
        member = queries.find_user_by_username(member_form.username.data)
        try:
            if member is None:
                raise ValidationFailed("username", "No member has that username.")
            services.add_member(
                current_user, space, member, role=MembershipRole(member_form.role.data)
            )
        except ValidationFailed as error:
            member_form.add_error(error)
        else:
            flash(f"{member.username} is now a {member_form.role.data} of {space.name}.", "success")
            return redirect(url_for("spaces.admin_edit", slug=space.slug))
    return _render_admin_edit(space, forms.SpaceForm(obj=space), member_form, UNPROCESSABLE)


@bp.post("/admin/spaces/<slug>/members/<int:user_id>/remove")
def admin_remove_member(slug: str, user_id: int) -> ResponseReturnValue:
    space = queries.get_space_for_admin_or_404(current_user, slug)
    form = forms.RemoveMemberForm()
    if form.validate_on_submit():
        member = queries.get_membership_for_admin_or_404(current_user, space, user_id).user
        services.remove_member(current_user, space, member)
        flash(f"{member.username} was removed from {space.name}.", "success")
    return redirect(url_for("spaces.admin_edit", slug=space.slug))
