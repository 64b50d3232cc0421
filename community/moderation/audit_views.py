"""The audit log page (admins): browse and filter; nothing here changes a row."""

from __future__ import annotations

from flask import Blueprint, render_template, request
from flask.typing import ResponseReturnValue
from flask_login import current_user

from community import policy
from community.moderation import audit_queries
from community.moderation.audit_forms import AuditFilterForm
from community.moderation.models import AuditAction, AuditTarget
from community.spaces import queries as space_queries

bp = Blueprint("audit", __name__)

UNPROCESSABLE = 422


# No @login_required: policy answers 404 to everyone but admins, visitors included.
@bp.get("/admin/audit")
def index() -> ResponseReturnValue:
    policy.require_read_audit_log(current_user)
    form = AuditFilterForm(formdata=request.args)
    form.set_space_choices(space_queries.list_spaces_for_admin(current_user))
    filters = _filters(form) if form.validate() else None
    if filters is None:
        return _render(form, None), UNPROCESSABLE
    page = audit_queries.list_audit_entries(
        current_user, filters, before=request.args.get("before", type=int)
    )
    return _render(form, page)


def _filters(form: AuditFilterForm) -> audit_queries.AuditFilters | None:
    """The form's filters, or None (with the error beside its field) for a username
    nobody has."""
    actor_id = None
    if form.actor.data:
        actor = space_queries.find_user_by_username(form.actor.data)
        if actor is None:
            form.actor.errors = ["No member has that username."]
            return None
        actor_id = actor.id
    space_id = None
    if form.space.data:
        space_id = space_queries.get_space_for_admin_or_404(current_user, form.space.data).id
    return audit_queries.AuditFilters(
        action=AuditAction(form.action.data) if form.action.data else None,
        actor_id=actor_id,
        target_type=AuditTarget(form.target_type.data) if form.target_type.data else None,
        target_id=form.target_id.data,
        space_id=space_id,
        since=form.since.data,
        until=form.until.data,
    )


def _render(form: AuditFilterForm, page: audit_queries.AuditPage | None) -> str:
    # Later pages repeat the filters as given: the form's own fields only.
    page_args = {
        name: value
        for name, value in request.args.items()
        if value and name in form.data and name != "before"
    }
    return render_template(
        "audit/index.html",
        form=form,
        page=page,
        page_args=page_args,
        is_first_page="before" not in request.args,
    )
