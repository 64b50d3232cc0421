"""The welcome page and its checklist, the guidelines, onboarding settings, and
moderators' "new this week"."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user, login_required
from wtforms.fields.choices import SelectChoice

from community import policy
from community.accounts import queries as account_queries
from community.errors import ValidationFailed
from community.onboarding import forms, queries, services
from community.spaces import queries as space_queries
from community.spaces.models import Visibility

bp = Blueprint("onboarding", __name__)

UNPROCESSABLE = 422


@bp.get("/welcome")
@login_required
def welcome() -> ResponseReturnValue:
    return render_template(
        "onboarding/welcome.html",
        checklist=queries.checklist_for(current_user),
        button_form=forms.ButtonForm(),
    )


@bp.get("/guidelines")
def guidelines() -> ResponseReturnValue:
    onboarding = (
        queries.get_member_onboarding(current_user) if current_user.is_authenticated else None
    )
    return render_template(
        "onboarding/guidelines.html",
        settings=queries.get_settings(),
        has_read=onboarding is not None and onboarding.guidelines_read_at is not None,
        button_form=forms.ButtonForm(),
    )


@bp.post("/guidelines/read")
@login_required
def mark_guidelines_read() -> ResponseReturnValue:
    # Reading is recorded by this button, never by opening the page: GETs write nothing.
    if forms.ButtonForm().validate_on_submit():
        services.mark_guidelines_read(current_user)
        flash("Thank you for reading the guidelines.", "success")
    return redirect(url_for("onboarding.welcome"))


# --- administration and moderation ------------------------------------------------

# No @login_required: policy answers 404 to everyone who may not use these pages,
# visitors included.


@bp.route("/admin/onboarding", methods=["GET", "POST"])
def admin_settings() -> ResponseReturnValue:
    policy.require_edit_onboarding(current_user)
    settings = queries.get_settings()
    form = forms.OnboardingSettingsForm()
    public_spaces = space_queries.list_spaces_for_admin(current_user, visibility=Visibility.PUBLIC)
    form.welcome_space.choices = [
        SelectChoice("", "None"),
        *(SelectChoice(str(space.id), space.name) for space in public_spaces),
    ]
    if request.method == "GET":
        form.guidelines.data = settings.guidelines_source
        form.welcome_space.data = str(settings.welcome_space_id or "")
    if form.validate_on_submit():
        welcome_space = None
        if (form.welcome_space.data or "").isdigit():
            welcome_space = space_queries.get_space_by_id_for_admin_or_404(
                current_user, int(form.welcome_space.data)
            )
        try:
            services.update_onboarding_settings(
                current_user, guidelines=form.guidelines.data, welcome_space=welcome_space
            )
        except ValidationFailed as error:
            form.add_error(error)
        else:
            flash("Onboarding settings saved.", "success")
            return redirect(url_for("onboarding.admin_settings"))
    status = UNPROCESSABLE if form.is_submitted() else 200
    return render_template("onboarding/admin_settings.html", form=form), status


@bp.get("/moderation/newcomers")
def newcomers() -> ResponseReturnValue:
    return _render_newcomers()


def _render_newcomers(
    failed: tuple[int, forms.WelcomeForm] | None = None, status: int = 200
) -> ResponseReturnValue:
    """The page; ``failed`` is a newcomer's welcome form that came back with errors."""
    before = request.args.get("before", type=int)
    return render_template(
        "onboarding/newcomers.html",
        page=queries.list_newcomers(current_user, before=before),
        is_first_page=before is None,
        form=forms.WelcomeForm(formdata=None),
        failed_user_id=failed[0] if failed else None,
        failed_form=failed[1] if failed else None,
    ), status


@bp.post("/moderation/newcomers/<int:user_id>/welcome")
def welcome_newcomer(user_id: int) -> ResponseReturnValue:
    policy.require_welcome_newcomers(current_user)
    member = account_queries.get_member_or_404(user_id)
    form = forms.WelcomeForm()
    if form.validate_on_submit():
        try:
            sent = services.send_welcome_message(current_user, member, note=form.note.data)
        except ValidationFailed as error:
            form.add_error(error)
        else:
            if sent:
                flash(f"Welcome message sent to {member.display_name}.", "success")
            else:
                flash(f"{member.display_name} was welcomed already.", "info")
            return redirect(url_for("onboarding.newcomers"))
    return _render_newcomers((member.id, form), UNPROCESSABLE)
