"""Profile pages, editing one's profile, avatars, the export, deleting an account,
and the admin pages for profile fields and deleting members."""

from __future__ import annotations

from flask import (
    Blueprint,
    abort,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_login import current_user, login_required, logout_user

from community import policy, ratelimit
from community.accounts import queries as account_queries
from community.accounts.models import User
from community.errors import ValidationFailed
from community.profiles import forms, queries, services
from community.profiles.models import (
    BUILT_IN_FIELDS,
    FieldAnswer,
    FieldVisibility,
    ProfileFieldKind,
)
from community.trust import queries as trust_queries

bp = Blueprint("profiles", __name__)

UNPROCESSABLE = 422
# Avatars change address with each new picture (?v=), so a browser may keep one long.
AVATAR_CACHE_SECONDS = 7 * 24 * 3600


# --- the profile page ---------------------------------------------------------------


@bp.get("/u/<username>")
def show(username: str) -> ResponseReturnValue:
    member = queries.get_member_or_404(current_user, username)
    view_as = None
    viewers = (current_user,)
    viewer = current_user
    is_owner = current_user.is_authenticated and current_user.id == member.id
    # Only the owner may look through someone else's eyes, and only at their own page.
    if is_owner and request.args.get("as") in queries.ViewAs.__members__.values():
        view_as = queries.ViewAs(request.args["as"])
        viewer = view_as.viewer()
        viewers = (viewer, current_user)
    show_filter = request.args.get("show")
    show_filter = show_filter if show_filter in queries.ACTIVITY_FILTERS else None
    activity = queries.list_activity(
        viewers,
        member,
        show=show_filter,
        after=queries.ActivityCursor.decode(request.args.get("after")),
    )
    return render_template(
        "profiles/show.html",
        member=member,
        profile=queries.profile_for(viewer, member),
        activity=activity,
        show_filter=show_filter,
        is_owner=is_owner,
        view_as=view_as,
        view_as_choices=list(queries.ViewAs),
        # A stand-in who would not find the page at all is told so, not shown it.
        is_found=view_as is None or queries.is_member_visible(viewer, member),
        **_trust_panel(member, is_viewing_as=view_as is not None),
    )


def _trust_panel(member: User, *, is_viewing_as: bool) -> dict[str, object]:
    """The member's trust level and its figures, for staff only (never in "view as")."""
    if is_viewing_as or not policy.can_see_trust_level(current_user):
        return {"trust_stats": None}
    return {
        "trust_stats": trust_queries.trust_stats(member),
        "thresholds": trust_queries.Thresholds.from_config(),
    }


@bp.get("/u/<username>/avatar")
def avatar(username: str) -> ResponseReturnValue:
    picture = queries.get_avatar_or_404(current_user, username)
    response = make_response(picture.image)
    # The type we encoded it as, never one a browser would sniff or run.
    response.headers["Content-Type"] = picture.content_type
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Disposition"] = "inline; filename=avatar"
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    # Private: whether a viewer may see it depends on who they are.
    response.headers["Cache-Control"] = f"private, max-age={AVATAR_CACHE_SECONDS}"
    response.headers["Vary"] = "Cookie"
    return response


# --- editing one's own profile --------------------------------------------------------


def _profile_form(definitions: list) -> forms.BaseForm:
    return forms.with_custom_fields(forms.ProfileForm, definitions)()


def _render_edit(form: forms.BaseForm, definitions: list, *, status: int = 200,
                 avatar_form: forms.AvatarForm | None = None) -> ResponseReturnValue:  # fmt: skip
    return render_template(
        "profiles/edit.html",
        form=form,
        definitions=definitions,
        built_in_fields=BUILT_IN_FIELDS,
        avatar_form=avatar_form or forms.AvatarForm(),
        remove_avatar_form=forms.ConfirmForm(),
        avatar=queries.get_avatar(current_user, current_user),
    ), status


@bp.get("/account/profile")
@login_required
def edit() -> ResponseReturnValue:
    definitions = queries.list_profile_fields()
    profile = queries.own_profile(current_user)
    answers = queries.own_answers(current_user)
    form = _profile_form(definitions)
    form.display_name.data = current_user.display_name
    form.bio.data = profile.bio_source
    form.bio_visibility.data = profile.visibility_of("bio").value
    form.avatar_visibility.data = profile.visibility_of("avatar").value
    for field in BUILT_IN_FIELDS:
        form[field.name].data = profile.value_of(field)
        form[f"{field.name}_visibility"].data = profile.visibility_of(field.name).value
    for definition in definitions:
        answer = answers.get(definition.id)
        form[definition.form_name].data = answer.value if answer else ""
        visibility = answer.visibility if answer else definition.default_visibility
        form[f"{definition.form_name}_visibility"].data = visibility.value
    return _render_edit(form, definitions)


@bp.post("/account/profile")
@login_required
def update() -> ResponseReturnValue:
    definitions = queries.list_profile_fields()
    form = _profile_form(definitions)
    if form.validate_on_submit():
        names = ["bio", "avatar", *(field.name for field in BUILT_IN_FIELDS)]
        visibility = {
            name: FieldVisibility(form[f"{name}_visibility"].data)
            for name in names
            if form[f"{name}_visibility"].data
        }
        answers = {}
        for definition in definitions:
            chosen = form[f"{definition.form_name}_visibility"].data
            answers[definition.id] = FieldAnswer(
                form[definition.form_name].data or "",
                FieldVisibility(chosen) if chosen else definition.default_visibility,
            )
        try:
            services.update_profile(
                current_user,
                display_name=form.display_name.data,
                bio=form.bio.data,
                fields={field.name: form[field.name].data for field in BUILT_IN_FIELDS},
                visibility=visibility,
                answers=answers,
            )
        except ValidationFailed as error:
            form.add_error(error)
        else:
            flash("Your profile is saved.", "success")
            return redirect(url_for("profiles.show", username=current_user.username))
    return _render_edit(form, definitions, status=UNPROCESSABLE)


@bp.post("/account/profile/avatar")
@login_required
def upload_avatar() -> ResponseReturnValue:
    form = forms.AvatarForm()
    if form.validate_on_submit():
        upload = form.avatar.data
        try:
            services.set_avatar(
                current_user,
                data=upload.read(services.avatars.AVATAR_MAX_BYTES + 1) if upload else b"",
            )
        except ValidationFailed as error:
            form.add_error(error)
        else:
            flash("Your new avatar is in place.", "success")
            return redirect(url_for("profiles.edit"))
    definitions = queries.list_profile_fields()
    return _render_edit(_profile_form(definitions), definitions, status=UNPROCESSABLE,
                        avatar_form=form)  # fmt: skip


@bp.post("/account/profile/avatar/remove")
@login_required
def remove_avatar() -> ResponseReturnValue:
    if not forms.ConfirmForm().validate_on_submit():
        abort(400)
    services.remove_avatar(current_user)
    flash("Your avatar is removed.", "success")
    return redirect(url_for("profiles.edit"))


# --- the export -------------------------------------------------------------------------


def _render_export(form: forms.ExportForm, *, status: int = 200) -> ResponseReturnValue:
    return render_template(
        "profiles/export.html", form=form, exports=queries.list_exports(current_user)
    ), status


@bp.get("/account/export")
@login_required
def export() -> ResponseReturnValue:
    return _render_export(forms.ExportForm())


@bp.post("/account/export")
@login_required
@ratelimit.export
def request_export() -> ResponseReturnValue:
    form = forms.ExportForm()
    if form.validate_on_submit():
        try:
            services.request_export(current_user, password=form.password.data)
        except ValidationFailed as error:
            form.add_error(error)
        else:
            flash("Your archive is ready: download it below.", "success")
            return redirect(url_for("profiles.export"))
    return _render_export(form, status=UNPROCESSABLE)


@bp.get("/account/export/<token>")
def download_export(token: str) -> ResponseReturnValue:
    # No sign-in redirect: an unknown, expired or someone else's link is a 404 to all.
    data_export = queries.get_export_or_404(current_user, token)
    response = make_response(data_export.archive)
    response.headers["Content-Type"] = "application/zip"
    response.headers["Content-Disposition"] = f'attachment; filename="{data_export.filename}"'
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "no-store"
    return response


# --- deleting one's account ---------------------------------------------------------------


@bp.route("/account/delete", methods=["GET", "POST"])
@login_required
def delete_account() -> ResponseReturnValue:
    form = forms.DeleteAccountForm()
    if form.validate_on_submit():
        try:
            services.delete_own_account(
                current_user._get_current_object(),
                password=form.password.data,
                remove_posts=form.posts.data == "remove",
            )
        except ValidationFailed as error:
            form.add_error(error)
        else:
            logout_user()
            session.clear()
            flash("Your account is deleted. Thank you for having been part of this community.",
                  "info")  # fmt: skip
            return redirect(url_for("spaces.home"))
    status = UNPROCESSABLE if form.is_submitted() else 200
    return render_template("profiles/delete.html", form=form), status


# --- administration -----------------------------------------------------------------------
# No @login_required: the policy check answers 404 to everyone but admins (see accounts).


@bp.route("/admin/members/<int:user_id>/delete", methods=["GET", "POST"])
def admin_delete_member(user_id: int) -> ResponseReturnValue:
    member = account_queries.get_member_for_admin_or_404(current_user, user_id)
    form = forms.AdminDeleteMemberForm()
    if form.validate_on_submit():
        name = member.username
        try:
            services.delete_member(
                current_user,
                member,
                password=form.password.data,
                reason=form.reason.data,
                remove_posts=form.posts.data == "remove",
            )
        except ValidationFailed as error:
            form.add_error(error)
        else:
            flash(f"The account of {name} is deleted.", "success")
            return redirect(url_for("accounts.admin_members"))
    status = UNPROCESSABLE if form.is_submitted() else 200
    return render_template("profiles/admin_delete.html", member=member, form=form), status


@bp.route("/admin/profile-fields", methods=["GET", "POST"])
def admin_fields() -> ResponseReturnValue:
    policy.require_manage_profile_fields(current_user)
    form = forms.ProfileFieldForm()
    if form.validate_on_submit():
        try:
            definition = services.create_profile_field(
                current_user,
                label=form.label.data,
                hint=form.hint.data,
                kind=_kind(form.kind.data),
                choices=form.options.data,
                is_required=form.is_required.data,
                default_visibility=_visibility(form.default_visibility.data),
            )
        except ValidationFailed as error:
            form.add_error(error)
        else:
            flash(f"Every profile now has “{definition.label}”.", "success")
            return redirect(url_for("profiles.admin_fields"))
    status = UNPROCESSABLE if form.is_submitted() else 200
    return render_template(
        "profiles/admin_fields.html",
        form=form,
        definitions=queries.list_profile_fields(),
    ), status


@bp.route("/admin/profile-fields/<int:field_id>", methods=["GET", "POST"])
def admin_field(field_id: int) -> ResponseReturnValue:
    definition = queries.get_profile_field_or_404(current_user, field_id)
    form = forms.ProfileFieldForm(obj=definition, data={"options": definition.choices_text})
    if form.validate_on_submit():
        try:
            services.update_profile_field(
                current_user,
                definition,
                label=form.label.data,
                hint=form.hint.data,
                choices=form.options.data,
                is_required=form.is_required.data,
                default_visibility=_visibility(form.default_visibility.data),
            )
        except ValidationFailed as error:
            form.add_error(error)
        else:
            flash(f"Saved “{definition.label}”.", "success")
            return redirect(url_for("profiles.admin_fields"))
    status = UNPROCESSABLE if form.is_submitted() else 200
    return render_template(
        "profiles/admin_field.html",
        form=form,
        definition=definition,
        delete_form=forms.ConfirmForm(),
    ), status


@bp.post("/admin/profile-fields/<int:field_id>/delete")
def admin_delete_field(field_id: int) -> ResponseReturnValue:
    definition = queries.get_profile_field_or_404(current_user, field_id)
    if not forms.ConfirmForm().validate_on_submit():
        abort(400)
    label = definition.label
    services.delete_profile_field(current_user, definition)
    flash(f"“{label}” is removed from every profile.", "success")
    return redirect(url_for("profiles.admin_fields"))


def _kind(raw: str | None) -> ProfileFieldKind:
    try:
        return ProfileFieldKind(raw)
    except ValueError as error:
        raise ValidationFailed("kind", "Choose one of the kinds in the list.") from error


def _visibility(raw: str | None) -> FieldVisibility:
    try:
        return FieldVisibility(raw)
    except ValueError as error:
        raise ValidationFailed("default_visibility", "Choose who sees it from the list.") from error
