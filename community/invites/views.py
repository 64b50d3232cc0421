"""Invite pages: making invites (for a space, or with every grant), withdrawing them,
and the page an invite link opens."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user, login_required
from wtforms.fields.choices import SelectChoice

from community import policy, ratelimit
from community.errors import ValidationFailed
from community.groups import queries as group_queries
from community.invites import forms, queries, services
from community.invites.models import INVITE_DEFAULT_DAYS, Invite
from community.spaces import queries as space_queries
from community.spaces import services as space_services
from community.spaces.models import Space

bp = Blueprint("invites", __name__)

UNPROCESSABLE = 422


def _create(
    form: forms.SpaceInviteForm, **grants: object
) -> tuple[services.MadeInvites | None, int]:
    """Make the invites a valid form asks for; the form carries any error."""
    if not form.validate_on_submit():
        return None, UNPROCESSABLE if form.is_submitted() else 200
    try:
        made = services.create_invites(
            current_user,
            max_uses=form.max_uses.data or 1,
            days=form.days.data or INVITE_DEFAULT_DAYS,
            emails=form.emails.data or "",
            submission_token=form.submission_token.data,
            **grants,
        )
    except ValidationFailed as error:
        form.add_error(error)
        return None, UNPROCESSABLE
    if made.is_repeat:
        flash("This form was sent already; the invites it made are listed below.", "info")
    elif not made.link_token:
        count = len(made.invites)
        flash(f"Sent {count} {'invitation' if count == 1 else 'invitations'} by e-mail.", "success")
    return made, 200


def _new_link(made: services.MadeInvites | None) -> str | None:
    # Shown once, here: only a hash of the token is kept.
    if made is None or made.link_token is None:
        return None
    return url_for("invites.accept", token=made.link_token, _external=True)


@bp.route("/invites", methods=["GET", "POST"])
@login_required
@ratelimit.invites
def index() -> ResponseReturnValue:
    policy.require_make_invites(current_user)
    form = forms.InviteForm()
    spaces = queries.list_invitable_spaces(current_user)
    groups = queries.list_grantable_groups(current_user)
    form.spaces.choices = [SelectChoice(str(space.id), space.name) for space in spaces]
    # Someone who may not invite to the community alone (a group's owner) always
    # names a group: the form offers no "no group" for them.
    no_group = (
        [SelectChoice("", "No group")] if policy.can_invite_to_community(current_user) else []
    )
    form.group.choices = [
        *no_group,
        *(SelectChoice(str(group.id), group.name) for group in groups),
    ]
    made, status = None, 200
    if form.is_submitted():
        chosen_spaces = [
            queries.get_space_for_invite_or_404(current_user, space_id)
            for space_id in form.spaces.data or []
        ]
        group = None
        if (form.group.data or "").isdigit():
            group = group_queries.get_visible_group_or_404(current_user, int(form.group.data))
        made, status = _create(
            form, spaces=chosen_spaces, group=group, is_employee=bool(form.is_employee.data)
        )
    return render_template(
        "invites/index.html",
        form=form,
        new_link=_new_link(made),
        has_spaces=bool(spaces),
        has_groups=bool(groups),
        invites=queries.list_own_invites(current_user),
        withdraw_form=forms.ButtonForm(),
    ), status


@bp.route("/s/<slug>/invites", methods=["GET", "POST"])
@login_required
@ratelimit.invites
def space_invites(slug: str) -> ResponseReturnValue:
    space = space_queries.get_readable_space_or_404(current_user, slug)
    policy.require_invite_to_space(current_user, space)
    form = forms.SpaceInviteForm()
    made, status = _create(form, spaces=[space]) if form.is_submitted() else (None, 200)
    return _render_space_invites(space, form, forms.SpaceSettingsForm(obj=space), made, status)


def _render_space_invites(
    space: Space,
    form: forms.SpaceInviteForm,
    settings_form: forms.SpaceSettingsForm,
    made: services.MadeInvites | None,
    status: int,
) -> ResponseReturnValue:
    return render_template(
        "invites/space.html",
        space=space,
        form=form,
        settings_form=settings_form,
        new_link=_new_link(made),
        invites=queries.list_space_invites(current_user, space),
        withdraw_form=forms.ButtonForm(),
    ), status


@bp.post("/s/<slug>/invites/settings")
@login_required
def space_settings(slug: str) -> ResponseReturnValue:
    space = space_queries.get_readable_space_or_404(current_user, slug)
    policy.require_allow_member_invites(current_user, space)
    settings_form = forms.SpaceSettingsForm()
    if settings_form.validate_on_submit():
        allowed = bool(settings_form.allows_member_invites.data)
        space_services.set_member_invites(current_user, space, is_allowed=allowed)
        flash(
            "Members at trust level 2 and above may now invite people."
            if allowed
            else "Only moderators invite people now.",
            "success",
        )
    return redirect(url_for("invites.space_invites", slug=space.slug))


@bp.post("/invites/<int:invite_id>/revoke")
@login_required
def withdraw(invite_id: int) -> ResponseReturnValue:
    invite = queries.get_invite_for_withdrawal_or_404(current_user, invite_id)
    form = forms.ButtonForm()
    if form.validate_on_submit():
        services.withdraw_invite(current_user, invite)
        flash("The invite no longer works.", "success")
    return redirect(_back_from_withdraw(invite))


def _back_from_withdraw(invite: Invite) -> str:
    """Back to the page the withdraw button was on: the space's invites, or one's own."""
    if request.form.get("back") == "space" and len(invite.spaces) == 1:
        return url_for("invites.space_invites", slug=invite.spaces[0].slug)
    if policy.can_make_invites(current_user):
        return url_for("invites.index")
    return url_for("spaces.home")


@bp.route("/invite/<token>", methods=["GET", "POST"])
@ratelimit.invite_link
def accept(token: str) -> ResponseReturnValue:
    found = queries.find_invite(token)
    if found is None:
        # A forged or mistyped link says nothing about which spaces exist.
        return render_template("invites/invalid.html"), 404
    has_everything = queries.has_everything_from(current_user, found)
    problem = services.invite_problem(found)
    if problem and not has_everything:
        return render_template("invites/invalid.html", problem=problem), 410
    form = forms.ButtonForm()
    if request.method == "POST":
        if not current_user.is_authenticated:
            return redirect(url_for("accounts.login", next=request.path))
        if form.validate_on_submit():
            try:
                services.accept_invite(current_user, found)
            except ValidationFailed as error:
                return render_template("invites/invalid.html", problem=error.message), 410
            flash(f"Welcome to {services.describe_grants(found)}!", "success")
            return redirect(_landing(found))
    if not current_user.is_authenticated:
        # After signing up and confirming, the member is brought back here.
        session["invite_path"] = request.path
    return render_template(
        "invites/accept.html",
        invite=found,
        grants=services.describe_grants(found),
        has_everything=has_everything,
        form=form,
    )


def _landing(invite: Invite) -> str:
    """Inside what the invite opened: its first space, else the first space its group
    opens (else the group's page), else the welcome page."""
    if invite.spaces:
        return url_for("spaces.show", slug=invite.spaces[0].slug)
    if invite.group is not None:
        opened = group_queries.list_granted_spaces(current_user, invite.group)
        if opened:
            return url_for("spaces.show", slug=opened[0].slug)
        return url_for("groups.show", group_id=invite.group.id)
    return url_for("onboarding.welcome")
