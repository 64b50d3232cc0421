"""The member moderation page: warn, silence, suspend, lift, and the trust level."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user

from community import policy
from community.accounts.models import User
from community.errors import ValidationFailed
from community.sanctions import forms, queries, services
from community.sanctions.models import SanctionKind
from community.trust import forms as trust_forms
from community.trust import queries as trust_queries
from community.trust import services as trust_services

bp = Blueprint("sanctions", __name__, url_prefix="/mod/members")

UNPROCESSABLE = 422


def _render(member: User, *, status: int = 200, **failed: object) -> ResponseReturnValue:
    """The page; a form that failed is passed in to show with its errors."""
    shown = {
        "warn_form": forms.WarnForm(prefix="warn"),
        "silence_form": forms.SanctionForm(prefix="silence"),
        "suspend_form": forms.SanctionForm(prefix="suspend"),
        "trust_form": trust_forms.TrustLevelForm(prefix="trust"),
        **failed,
    }
    return render_template(
        "sanctions/member.html",
        member=member,
        sanctions=queries.list_sanctions(member),
        silence=queries.sanction_in_force(member, SanctionKind.SILENCE),
        suspension=queries.sanction_in_force(member, SanctionKind.SUSPENSION),
        stats=trust_queries.trust_stats(member),
        thresholds=trust_queries.Thresholds.from_config(),
        lift_form=forms.LiftForm(),
        describe_end=services.describe_end,
        **shown,
    ), status


def _back(member: User) -> ResponseReturnValue:
    return redirect(url_for("sanctions.member", username=member.username))


def _acting_on(username: str) -> User:
    """The member a POST acts on: 404 when the page does not exist for the viewer,
    403 when it does but they may not act on this member."""
    member = queries.get_member_to_moderate_or_404(current_user, username)
    policy.require_sanction_member(current_user, member)
    return member


@bp.get("/<username>")
def member(username: str) -> ResponseReturnValue:
    return _render(queries.get_member_to_moderate_or_404(current_user, username))


@bp.post("/<username>/warn")
def warn(username: str) -> ResponseReturnValue:
    member = _acting_on(username)
    form = forms.WarnForm(prefix="warn")
    if form.validate_on_submit():
        try:
            services.warn_member(
                current_user, member, message=form.message.data,
                submission_token=form.submission_token.data,
            )  # fmt: skip
        except ValidationFailed as error:
            form.add_error(error)
        else:
            flash(f"{member.display_name} was sent the warning.", "success")
            return _back(member)
    return _render(member, status=UNPROCESSABLE, warn_form=form)


def _sanction(username: str, kind: SanctionKind) -> ResponseReturnValue:
    member = _acting_on(username)
    prefix = "silence" if kind is SanctionKind.SILENCE else "suspend"
    form = forms.SanctionForm(prefix=prefix)
    if form.validate_on_submit():
        act = services.silence_member if kind is SanctionKind.SILENCE else services.suspend_member
        try:
            ends_at = services.sanction_end(services.Period(form.period.data), form.until.data)
            act(
                current_user, member, reason=form.reason.data, ends_at=ends_at,
                submission_token=form.submission_token.data,
            )  # fmt: skip
        except ValidationFailed as error:
            form.add_error(error)
        else:
            done = "silenced" if kind is SanctionKind.SILENCE else "suspended"
            flash(f"{member.display_name} is {done} {services.describe_end(ends_at)}.", "success")
            return _back(member)
    return _render(member, status=UNPROCESSABLE, **{f"{prefix}_form": form})


@bp.post("/<username>/silence")
def silence(username: str) -> ResponseReturnValue:
    return _sanction(username, SanctionKind.SILENCE)


@bp.post("/<username>/suspend")
def suspend(username: str) -> ResponseReturnValue:
    return _sanction(username, SanctionKind.SUSPENSION)


def _lift(username: str, kind: SanctionKind) -> ResponseReturnValue:
    member = _acting_on(username)
    if not forms.LiftForm().validate_on_submit():
        return render_template("errors/error.html", code=400), 400
    lift = services.lift_silence if kind is SanctionKind.SILENCE else services.lift_suspension
    lifted = lift(current_user, member)
    what = "silence" if kind is SanctionKind.SILENCE else "suspension"
    if lifted is None:
        flash(f"{member.display_name} has no {what} in force: nothing was changed.", "info")
    else:
        flash(f"The {what} of {member.display_name} is lifted.", "success")
    return _back(member)


@bp.post("/<username>/unsilence")
def unsilence(username: str) -> ResponseReturnValue:
    return _lift(username, SanctionKind.SILENCE)


@bp.post("/<username>/unsuspend")
def unsuspend(username: str) -> ResponseReturnValue:
    return _lift(username, SanctionKind.SUSPENSION)


@bp.post("/<username>/trust-level")
def trust_level(username: str) -> ResponseReturnValue:
    member = queries.get_member_to_moderate_or_404(current_user, username)
    policy.require_set_trust_level(current_user)
    form = trust_forms.TrustLevelForm(prefix="trust")
    if form.validate_on_submit():
        trust_services.set_trust_level(current_user, member, level=form.chosen_level())
        flash(f"{member.display_name} is at trust level {member.trust_level}.", "success")
        return _back(member)
    return _render(member, status=UNPROCESSABLE, trust_form=form)
