"""Sign-up, sign-in, password and e-mail management, and member administration."""

from __future__ import annotations

import logging

from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user, login_required, login_user, logout_user

from community import policy, ratelimit
from community.accounts import forms, queries, services
from community.accounts.models import Role
from community.errors import ValidationFailed
from community.onboarding import services as onboarding_services
from community.profiles import forms as profile_forms
from community.profiles import queries as profile_queries
from community.profiles import services as profile_services
from community.sanctions import queries as sanction_queries
from community.sanctions.models import SanctionKind
from community.sanctions.services import describe_end
from community.security import safe_next_url

bp = Blueprint("accounts", __name__)
log = logging.getLogger(__name__)

UNPROCESSABLE = 422
FORBIDDEN = 403


def _refuse_suspended(user: services.User) -> ResponseReturnValue:
    """The sign-in page for a suspended member who proved who they are: why, and
    until when. No session starts (nor from a reset or confirmation link)."""
    suspension = sanction_queries.sanction_in_force(user, SanctionKind.SUSPENSION)
    log.info("account.login outcome=refused reason=suspended user_id=%s", user.id)
    return render_template(
        "accounts/login.html",
        form=forms.SignInForm(formdata=None),
        next_url=None,
        suspension=suspension,
        suspended_until=describe_end(user.suspended_until),
    ), FORBIDDEN


def _start_session(user: services.User, *, remember: bool = False) -> None:
    # A fresh session at sign-in: nothing set before it (by anyone) carries over.
    session.clear()
    # Permanent sessions are renewed by every request and end when idle for
    # PERMANENT_SESSION_LIFETIME; visitors' sessions stay browser sessions.
    session.permanent = True
    login_user(user, remember=remember)


def _sign_in(user: services.User, *, remember: bool = False) -> None:
    """Start a session for someone who just proved who they are, and keep it in
    their sign-in history."""
    services.record_sign_in(
        user, ip_address=request.remote_addr, user_agent=request.headers.get("User-Agent")
    )
    _start_session(user, remember=remember)


@bp.route("/signup", methods=["GET", "POST"])
@ratelimit.sign_up
def signup() -> ResponseReturnValue:
    if current_user.is_authenticated:
        return redirect(url_for("spaces.home"))
    # The profile fields an admin made required are asked here, beside the account's.
    profile_fields = profile_queries.list_signup_fields()
    form = profile_forms.with_custom_fields(forms.SignUpForm, profile_fields, is_signup=True)()
    if form.validate_on_submit():
        try:
            answers = profile_services.check_signup_answers(
                profile_fields, {d.form_name: form[d.form_name].data for d in profile_fields}
            )
            services.register_user(
                email=form.email.data,
                username=form.username.data,
                display_name=form.display_name.data,
                password=form.password.data,
                profile_answers=answers,
            )
        except ValidationFailed as error:
            form.add_error(error)
        else:
            session["signup_email"] = form.email.data.strip()
            return redirect(url_for("accounts.signup_sent"))
    status = UNPROCESSABLE if form.is_submitted() else 200
    return render_template("accounts/signup.html", form=form, profile_fields=profile_fields), status


@bp.get("/signup/sent")
def signup_sent() -> ResponseReturnValue:
    return render_template("accounts/signup_sent.html", email=session.get("signup_email"))


@bp.route("/confirm/<token>", methods=["GET", "POST"])
def confirm(token: str) -> ResponseReturnValue:
    # The link from the e-mail opens a page with a button: a GET never changes
    # state, and mail scanners that follow links confirm nothing.
    form = forms.ConfirmForm()
    if form.validate_on_submit():
        user = services.confirm_email(token)
        if user is None:
            return render_template("accounts/link_invalid.html"), 404
        if current_user.is_authenticated and current_user.id != user.id:
            # Never switch a signed-in member into the link's account: a link sent
            # by someone else must not sign the victim into the sender's account.
            flash(f"The address {user.email} is confirmed. Sign out to use that account.", "info")
            return redirect(url_for("spaces.home"))
        refusal = services.sign_in_refusal(user)
        if refusal is not None:
            flash(f"Your e-mail address is confirmed. {refusal}", "info")
            return redirect(url_for("spaces.home"))
        invite_path = safe_next_url(session.get("invite_path"))
        if not policy.can_sign_in(user):
            return _refuse_suspended(user)
        if not current_user.is_authenticated:
            _sign_in(user)
        is_first = onboarding_services.record_sign_in(user)
        flash("Your e-mail address is confirmed. Welcome!", "success")
        # Someone who signed up from an invite goes back to it to join; other
        # newcomers start at the welcome page.
        return redirect(invite_path or _after_sign_in(is_first=is_first))
    return render_template("accounts/confirm.html", form=form)


def _after_sign_in(*, is_first: bool) -> str:
    """A member's first sign-in opens the welcome page; later ones the home page."""
    return url_for("onboarding.welcome") if is_first else url_for("spaces.home")


@bp.post("/confirm/resend")
@login_required
@ratelimit.confirmation_mail
def resend_confirmation() -> ResponseReturnValue:
    if not current_user.is_confirmed:
        services.resend_confirmation(current_user)
        flash(f"We sent a new confirmation link to {current_user.email}.", "info")
    return redirect(safe_next_url(request.form.get("next")) or url_for("spaces.home"))


@bp.route("/login", methods=["GET", "POST"])
@ratelimit.sign_in_per_address
@ratelimit.sign_in_per_account
@ratelimit.sign_in_per_account_anywhere
def login() -> ResponseReturnValue:
    next_url = safe_next_url(request.args.get("next"))
    if current_user.is_authenticated:
        return redirect(next_url or url_for("spaces.home"))
    form = forms.SignInForm()
    if form.validate_on_submit():
        user = services.authenticate(form.login.data, form.password.data)
        if user is not None and not policy.can_sign_in(user):
            return _refuse_suspended(user)
        # A sign-up awaiting approval is told so, only after the right password.
        refusal = services.sign_in_refusal(user) if user is not None else None
        if user is not None and refusal is None:
            _sign_in(user, remember=form.remember.data)
            is_first = onboarding_services.record_sign_in(user)
            return redirect(next_url or _after_sign_in(is_first=is_first))
        # One message whether the address exists or the password is wrong.
        form.form_errors.append(refusal or "That e-mail or username and password do not match.")
    status = UNPROCESSABLE if form.is_submitted() else 200
    return render_template("accounts/login.html", form=form, next_url=next_url), status


@bp.post("/logout")
def logout() -> ResponseReturnValue:
    if current_user.is_authenticated:
        # Signing out ends every session of this member, so a copied or replayed
        # cookie (remember-me included) is anonymous from now on.
        services.end_all_sessions(current_user)
    logout_user()
    session.clear()
    flash("You are signed out.", "info")
    return redirect(url_for("spaces.home"))


@bp.route("/password/reset", methods=["GET", "POST"])
@ratelimit.password_reset_per_address
@ratelimit.password_reset_per_account
def reset_request() -> ResponseReturnValue:
    form = forms.ResetRequestForm()
    if form.validate_on_submit():
        services.request_password_reset(form.email.data)
        # The same answer whether or not the address has an account.
        return render_template("accounts/reset_sent.html")
    status = UNPROCESSABLE if form.is_submitted() else 200
    return render_template("accounts/reset_request.html", form=form), status


@bp.route("/password/reset/<token>", methods=["GET", "POST"])
def reset_password(token: str) -> ResponseReturnValue:
    if services.user_for_reset_token(token) is None:
        return render_template("accounts/link_invalid.html"), 404
    form = forms.ResetPasswordForm()
    if form.validate_on_submit():
        try:
            user = services.reset_password(token, form.password.data)
        except ValidationFailed as error:
            form.add_error(error)
        else:
            if not policy.can_sign_in(user):
                # The new password stands; the suspension decides when it is used.
                return _refuse_suspended(user)
            refusal = services.sign_in_refusal(user)
            if refusal is not None:
                # A sign-up waiting for approval (or rejected) gets no session here either.
                flash(f"Your password is changed. {refusal}", "info")
                return redirect(url_for("accounts.login"))
            _sign_in(user)
            flash("Your password is changed and you are signed in.", "success")
            return redirect(url_for("spaces.home"))
    status = UNPROCESSABLE if form.is_submitted() else 200
    return render_template("accounts/reset_password.html", form=form), status


@bp.get("/account")
@login_required
def settings() -> ResponseReturnValue:
    return _render_settings()


def _render_settings(status: int = 200, **failed_form: object) -> ResponseReturnValue:
    """The account page; a form that failed is passed in to show with its errors."""
    forms_shown = {
        "password_form": forms.ChangePasswordForm(prefix="pw"),
        "email_form": forms.ChangeEmailForm(prefix="em"),
        "name_form": forms.DisplayNameForm(prefix="dn", obj=current_user),
        **failed_form,
    }
    return render_template("accounts/settings.html", **forms_shown), status


@bp.post("/account/display-name")
@login_required
def change_display_name() -> ResponseReturnValue:
    name_form = forms.DisplayNameForm(prefix="dn")
    if name_form.validate_on_submit():
        try:
            services.change_display_name(current_user, display_name=name_form.display_name.data)
        except ValidationFailed as error:
            name_form.add_error(error)
        else:
            flash("Your display name is changed.", "success")
            return redirect(url_for("accounts.settings"))
    return _render_settings(UNPROCESSABLE, name_form=name_form)


@bp.post("/account/password")
@login_required
def change_password() -> ResponseReturnValue:
    password_form = forms.ChangePasswordForm(prefix="pw")
    if password_form.validate_on_submit():
        try:
            # The service returns the member it was given; it must be the User, not
            # the ``current_user`` proxy, or login_user would store the proxy in ``g``
            # and every later ``current_user`` lookup would recurse into itself.
            user = services.change_password(
                current_user._get_current_object(),
                current_password=password_form.current_password.data,
                new_password=password_form.new_password.data,
            )
        except ValidationFailed as error:
            password_form.add_error(error)
        else:
            # Every other session just ended; this one continues with the new version.
            _start_session(user)
            flash("Your password is changed. Other devices have been signed out.", "success")
            return redirect(url_for("accounts.settings"))
    return _render_settings(UNPROCESSABLE, password_form=password_form)


@bp.post("/account/email")
@login_required
def change_email() -> ResponseReturnValue:
    email_form = forms.ChangeEmailForm(prefix="em")
    if email_form.validate_on_submit():
        try:
            new_email = services.request_email_change(
                current_user, password=email_form.password.data, new_email=email_form.new_email.data
            )
        except ValidationFailed as error:
            email_form.add_error(error)
        else:
            flash(f"We sent a confirmation link to {new_email}.", "info")
            return redirect(url_for("accounts.settings"))
    return _render_settings(UNPROCESSABLE, email_form=email_form)


@bp.route("/account/email/confirm/<token>", methods=["GET", "POST"])
def confirm_email_change(token: str) -> ResponseReturnValue:
    found = services.read_email_change_token(token)
    if found is None:
        return render_template("accounts/link_invalid.html"), 404
    form = forms.ConfirmForm()
    if form.validate_on_submit():
        try:
            services.confirm_email_change(token)
        except ValidationFailed as error:
            flash(error.message, "error")
            return render_template("accounts/link_invalid.html"), 409
        flash("Your e-mail address is changed.", "success")
        return redirect(url_for("spaces.home"))
    return render_template("accounts/confirm_email_change.html", form=form, new_email=found[1])


@bp.post("/account/sign-out-everywhere")
@login_required
def sign_out_everywhere() -> ResponseReturnValue:
    services.end_all_sessions(current_user)
    logout_user()
    session.clear()
    flash("You are signed out on every device.", "info")
    return redirect(url_for("accounts.login"))


# --- administration -----------------------------------------------------------


# These pages carry no @login_required: the query's policy check answers 404 to
# everyone but admins, visitors included, just as for a wrong id; a redirect to
# sign-in would tell a visitor that the page exists.


@bp.get("/admin/members")
def admin_members() -> ResponseReturnValue:
    search = request.args.get("q", "")[:100]
    page = request.args.get("page", 1, type=int)
    members = queries.list_members_for_admin(current_user, query=search, page=page)
    return render_template(
        "accounts/admin_members.html",
        members=members,
        search=search,
        page=page,
        page_size=queries.MEMBERS_PER_PAGE,
    )


@bp.route("/admin/members/<int:user_id>", methods=["GET", "POST"])
def admin_member(user_id: int) -> ResponseReturnValue:
    member = queries.get_member_for_admin_or_404(current_user, user_id)
    form = forms.MemberAdminForm(obj=member)
    if form.validate_on_submit():
        try:
            services.update_member(
                current_user, member, role=Role(form.role.data), is_employee=form.is_employee.data
            )
        except ValidationFailed as error:
            form.add_error(error)
        else:
            flash(f"Saved {member.username}.", "success")
            return redirect(url_for("accounts.admin_member", user_id=member.id))
    status = UNPROCESSABLE if form.is_submitted() else 200
    return render_template("accounts/admin_member.html", member=member, form=form), status
