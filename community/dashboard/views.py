"""The community health dashboard: the page, its charts, its CSV export, the summary opt-in.

Every route answers 404 to anyone but staff (employees and admins), like a page that
does not exist; a space in the filter that the viewer cannot read answers 404 too.
"""

from __future__ import annotations

from datetime import datetime

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_login import current_user, login_required

from community import policy, security
from community.dashboard import attention, charts, export, formats, forms, queries, services
from community.dashboard.periods import Period
from community.database import utcnow
from community.spaces import queries as space_queries

bp = Blueprint("dashboard", __name__)

UNPROCESSABLE = 422

bp.add_app_template_filter(formats.duration, "duration")
bp.add_app_template_filter(formats.percent, "percent")
bp.add_app_template_filter(formats.days, "days")


@bp.app_template_filter("waited")
def _waited(since: datetime) -> str:
    return formats.duration(utcnow() - since)


def _filters() -> tuple[forms.RangeForm, queries.Scope, bool]:
    """The filter form, the scope it asks for (the default period when its days make
    no range) and whether its days were valid. NotFound for non-staff and for a space
    the viewer cannot read."""
    spaces = queries.list_dashboard_spaces(current_user)
    form = forms.RangeForm(formdata=request.args)
    form.set_space_choices(spaces)
    space = None
    if form.space.data:
        space = space_queries.get_readable_space_or_404(current_user, form.space.data)
    today = utcnow().date()
    period = form.chosen_period(today=today)
    scope = queries.Scope(viewer=current_user, period=period or Period.default(today), space=space)
    return form, scope, period is not None


def _scope_args(scope: queries.Scope) -> dict[str, str]:
    """The query string that names ``scope``: for the chart, export and summary links."""
    args = {
        "since": scope.period.first_day.isoformat(),
        "until": scope.period.last_day.isoformat(),
    }
    if scope.space is not None:
        args["space"] = scope.space.slug
    return args


def _refused(form: forms.RangeForm) -> Response:
    """A plain answer for an export or chart asked for with days that make no range."""
    messages = [error for field in (form.since, form.until) for error in field.errors]
    return Response(" ".join(messages) + "\n", UNPROCESSABLE, mimetype="text/plain")


def _rules() -> attention.AttentionRules:
    return attention.AttentionRules.from_config(current_app.config)


@bp.get("/dashboard")
@login_required
def index() -> ResponseReturnValue:
    form, scope, is_valid = _filters()
    board = queries.dashboard(scope)
    page = render_template(
        "dashboard/index.html",
        form=form,
        board=board,
        attention=attention.needs_attention(scope, _rules()),
        scope_args=_scope_args(scope),
        summary_form=forms.SummaryForm(),
        is_subscribed=queries.has_summary_subscription(current_user),
        kind_labels=charts.KIND_LABELS,
    )
    return page, (200 if is_valid else UNPROCESSABLE)


@bp.get("/dashboard/charts/<any(respond, listen, cocreate, community):section>.svg")
@login_required
def chart(section: str) -> ResponseReturnValue:
    form, scope, is_valid = _filters()
    if not is_valid:
        return _refused(form)
    figures = queries.chart_data(scope, section)
    svg = charts.CHARTS[section](figures, scope.period, security.style_nonce())
    return Response(svg, mimetype="image/svg+xml")


@bp.get("/dashboard/export.csv")
@login_required
def export_csv() -> ResponseReturnValue:
    form, scope, is_valid = _filters()
    if not is_valid:
        return _refused(form)
    board = queries.dashboard(scope)
    rows = export.figure_rows(board, attention.needs_attention(scope, _rules()))
    name = f"community-health-{scope.period.first_day}-{scope.period.last_day}"
    if scope.space is not None:
        name += f"-{scope.space.slug}"  # slugs are [a-z0-9-]: safe in a header
    return Response(
        export.to_csv(rows),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{name}.csv"'},
    )


@bp.post("/dashboard/summary")
@login_required
def summary() -> ResponseReturnValue:
    policy.require_view_dashboard(current_user)
    form = forms.SummaryForm()
    if not form.validate_on_submit():
        abort(400)  # a hidden field nobody types: only a forged request gets here
    is_subscribed = services.set_summary_subscription(
        current_user, is_subscribed=form.value.data == "on"
    )
    if is_subscribed:
        flash("You will get the weekly summary by e-mail.", "success")
    else:
        flash("You will not get the weekly summary any more.", "info")
    return redirect(url_for("dashboard.index"))
