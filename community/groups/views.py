"""Group pages: the list, a group's page (members, requests), and group administration."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user, login_required

from community import policy
from community.errors import ValidationFailed
from community.groups import forms, queries, services
from community.groups.models import Group
from community.spaces import queries as space_queries

bp = Blueprint("groups", __name__)

UNPROCESSABLE = 422


@bp.get("/groups")
@login_required
def index() -> ResponseReturnValue:
    return render_template("groups/index.html", rows=queries.list_visible_groups(current_user))


@bp.get("/groups/<int:group_id>")
@login_required
def show(group_id: int) -> ResponseReturnValue:
    group = queries.get_visible_group_or_404(current_user, group_id)
    return _render_group(group)


def _render_group(
    group: Group,
    *,
    member_form: forms.AddGroupMemberForm | None = None,
    request_form: forms.GroupRequestForm | None = None,
    status: int = 200,
) -> ResponseReturnValue:
    return render_template(
        "groups/show.html",
        group=group,
        members=queries.list_group_members(current_user, group),
        spaces=queries.list_granted_spaces(current_user, group),
        requests=queries.list_pending_group_requests(current_user, group),
        pending=queries.get_pending_group_request(current_user, group),
        member_form=member_form or forms.AddGroupMemberForm(),
        request_form=request_form or forms.GroupRequestForm(),
        decide_form=forms.DecideGroupRequestForm(),
        button_form=forms.ButtonForm(),
    ), status


@bp.post("/groups/<int:group_id>/members")
@login_required
def add_member(group_id: int) -> ResponseReturnValue:
    group = queries.get_visible_group_or_404(current_user, group_id)
    policy.require_manage_group_members(current_user, group)
    member_form = forms.AddGroupMemberForm()
    if member_form.validate_on_submit():
        member = space_queries.find_user_by_username(member_form.username.data)
        try:
            if member is None:
                raise ValidationFailed("username", "No member has that username.")
            services.add_group_member(current_user, group, member)
        except ValidationFailed as error:
            member_form.add_error(error)
        else:
            flash(f"{member.username} is now in {group.name}.", "success")
            return redirect(url_for("groups.show", group_id=group.id))
    return _render_group(group, member_form=member_form, status=UNPROCESSABLE)


@bp.post("/groups/<int:group_id>/members/<int:user_id>/remove")
@login_required
def remove_member(group_id: int, user_id: int) -> ResponseReturnValue:
    group = queries.get_visible_group_or_404(current_user, group_id)
    group_member = queries.get_group_member_or_404(current_user, group, user_id)
    if forms.ButtonForm().validate_on_submit():
        services.remove_group_member(current_user, group, group_member.user)
        flash(f"{group_member.user.username} is no longer in {group.name}.", "success")
    return redirect(url_for("groups.show", group_id=group.id))


@bp.post("/groups/<int:group_id>/request")
@login_required
def request_membership(group_id: int) -> ResponseReturnValue:
    group = queries.get_visible_group_or_404(current_user, group_id)
    policy.require_request_group_membership(current_user, group)
    request_form = forms.GroupRequestForm()
    if request_form.validate_on_submit():
        try:
            services.request_group_membership(
                current_user, group, message=request_form.message.data
            )
        except ValidationFailed as error:
            request_form.add_error(error)
        else:
            flash("Your request is on its way to the group's owners.", "success")
            return redirect(url_for("groups.show", group_id=group.id))
    return _render_group(group, request_form=request_form, status=UNPROCESSABLE)


@bp.post("/group-requests/<int:request_id>/<any(approve, decline):decision>")
@login_required
def decide_request(request_id: int, decision: str) -> ResponseReturnValue:
    group_request = queries.get_group_request_for_review_or_404(current_user, request_id)
    form = forms.DecideGroupRequestForm()
    if form.validate_on_submit():
        try:
            services.decide_group_request(
                current_user, group_request, is_approved=decision == "approve", note=form.note.data
            )
        except ValidationFailed as error:
            flash(error.message, "error")
        else:
            flash(f"{group_request.user.display_name}: {group_request.status}.", "success")
    return redirect(url_for("groups.show", group_id=group_request.group_id))


# --- administration -----------------------------------------------------------

# No @login_required on the admin pages: policy answers 404 to everyone who is not
# an admin, visitors included, as it does for a wrong id.


@bp.route("/admin/groups/new", methods=["GET", "POST"])
def admin_new() -> ResponseReturnValue:
    policy.require_manage_groups(current_user)
    form = forms.GroupForm()
    if form.validate_on_submit():
        try:
            group = services.create_group(
                current_user,
                name=form.name.data,
                description=form.description.data,
                accepts_requests=form.accepts_requests.data,
            )
        except ValidationFailed as error:
            form.add_error(error)
        else:
            flash(f"Group “{group.name}” created.", "success")
            return redirect(url_for("groups.admin_edit", group_id=group.id))
    status = UNPROCESSABLE if form.is_submitted() else 200
    return render_template("groups/admin_form.html", form=form, group=None), status


@bp.route("/admin/groups/<int:group_id>/edit", methods=["GET", "POST"])
def admin_edit(group_id: int) -> ResponseReturnValue:
    group = queries.get_group_for_admin_or_404(current_user, group_id)
    form = forms.GroupForm(obj=group)
    if form.validate_on_submit():
        try:
            services.update_group(
                current_user,
                group,
                name=form.name.data,
                description=form.description.data,
                accepts_requests=form.accepts_requests.data,
            )
        except ValidationFailed as error:
            form.add_error(error)
        else:
            flash(f"Group “{group.name}” saved.", "success")
            return redirect(url_for("groups.admin_edit", group_id=group.id))
    status = UNPROCESSABLE if form.is_submitted() else 200
    return _render_admin_edit(group, form, forms.GrantSpaceForm(), status)


def _render_admin_edit(
    group: Group, form: forms.GroupForm, grant_form: forms.GrantSpaceForm, status: int
) -> ResponseReturnValue:
    return render_template(
        "groups/admin_form.html",
        group=group,
        form=form,
        grant_form=grant_form,
        granted=queries.list_granted_spaces(current_user, group),
        grantable=queries.list_grantable_spaces(current_user, group),
        members=queries.list_group_members(current_user, group),
        button_form=forms.ButtonForm(),
    ), status


@bp.post("/admin/groups/<int:group_id>/delete")
def admin_delete(group_id: int) -> ResponseReturnValue:
    group = queries.get_group_for_admin_or_404(current_user, group_id)
    if forms.ButtonForm().validate_on_submit():
        name = group.name
        services.delete_group(current_user, group)
        flash(f"Group “{name}” deleted.", "success")
        return redirect(url_for("groups.index"))
    return redirect(url_for("groups.admin_edit", group_id=group.id))


@bp.post("/admin/groups/<int:group_id>/owners/<int:user_id>")
def admin_set_owner(group_id: int, user_id: int) -> ResponseReturnValue:
    group = queries.get_group_for_admin_or_404(current_user, group_id)
    group_member = queries.get_group_member_or_404(current_user, group, user_id)
    form = forms.OwnerForm()
    if form.validate_on_submit():
        is_owner = form.value.data == "on"
        services.set_group_owner(current_user, group, group_member.user, is_owner=is_owner)
        verb = "now owns" if is_owner else "no longer owns"
        flash(f"{group_member.user.username} {verb} {group.name}.", "success")
    return redirect(url_for("groups.admin_edit", group_id=group.id))


@bp.post("/admin/groups/<int:group_id>/spaces")
def admin_grant_space(group_id: int) -> ResponseReturnValue:
    group = queries.get_group_for_admin_or_404(current_user, group_id)
    grant_form = forms.GrantSpaceForm()
    if grant_form.validate_on_submit():
        space = queries.get_closed_space_for_admin_or_404(current_user, grant_form.space.data)
        try:
            services.grant_space(current_user, group, space)
        except ValidationFailed as error:
            grant_form.add_error(error)
        else:
            flash(f"Members of {group.name} now read and post in {space.name}.", "success")
            return redirect(url_for("groups.admin_edit", group_id=group.id))
    return _render_admin_edit(group, forms.GroupForm(obj=group), grant_form, UNPROCESSABLE)


@bp.post("/admin/groups/<int:group_id>/spaces/<int:space_id>/remove")
def admin_revoke_space(group_id: int, space_id: int) -> ResponseReturnValue:
    group = queries.get_group_for_admin_or_404(current_user, group_id)
    space = queries.get_closed_space_for_admin_or_404(current_user, space_id)
    if forms.ButtonForm().validate_on_submit():
        services.revoke_space(current_user, group, space)
        flash(f"{group.name} no longer opens {space.name}.", "success")
    return redirect(url_for("groups.admin_edit", group_id=group.id))
