"""The search page: GET /search with the text in ``q`` and optional filters."""

from __future__ import annotations

from flask import Blueprint, render_template, request
from flask.typing import ResponseReturnValue
from flask_login import current_user

from community import ratelimit
from community.search import forms, queries
from community.spaces import queries as space_queries

bp = Blueprint("search", __name__)

UNPROCESSABLE = 422


def _render(form: forms.SearchForm, results: queries.SearchResults | None) -> str:
    # Other pages repeat the search as given: the form's own fields only (never
    # url_for's _external, _scheme or _anchor, which a crafted address could carry).
    page_args = {
        name: value
        for name, value in request.args.items()
        if value and name in form.data and name != "page"
    }
    return render_template(
        "search/index.html",
        form=form,
        results=results,
        page_args=page_args,
        max_query_length=queries.QUERY_MAX_LENGTH,
    )


@bp.get("/search")
@ratelimit.search
def index() -> ResponseReturnValue:
    form = forms.SearchForm(formdata=request.args)
    form.set_space_choices(queries.list_searchable_spaces(current_user))
    if not queries.clean_query(form.q.data):
        # No text: the form alone, with nothing to complain about.
        return _render(form, None)
    # A space the viewer may not read answers like one that does not exist.
    space = None
    if form.space.data:
        space = space_queries.get_readable_space_or_404(current_user, form.space.data)
    if not form.validate():
        return _render(form, None), UNPROCESSABLE
    results = queries.search_posts(
        current_user,
        form.q.data,
        space=space,
        kind=form.kind_value,
        solved=form.solved_value,
        author=form.author.data,
        tag=form.tag.data,
        since=form.since.data,
        until=form.until.data,
        page=request.args.get("page", 1, type=int),
    )
    return _render(form, results)
