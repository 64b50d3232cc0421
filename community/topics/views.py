"""Topic pages, posting, editing and moderation of topics."""

from __future__ import annotations

import math

from flask import (
    Blueprint,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_login import current_user, login_required

from community import policy, ratelimit
from community.answers import forms as answer_forms
from community.answers import queries as answer_queries
from community.errors import TooSoon, ValidationFailed
from community.ideas import forms as idea_forms
from community.ideas import queries as idea_queries
from community.ideas import services as idea_services
from community.notifications import forms as notification_forms
from community.notifications import services as notification_services
from community.notifications.models import COUNTING_LEVELS
from community.search import queries as search_queries
from community.spaces import queries as space_queries
from community.topics import forms, queries, services
from community.topics.models import Topic, TopicKind
from community.topics.urls import post_url
from community.trust import forms as trust_forms

bp = Blueprint("topics", __name__)

UNPROCESSABLE = 422
TOO_MANY_REQUESTS = 429
SIMILAR_COUNT = 5
SIMILAR_MIN_TITLE = 5


@bp.route("/s/<slug>/new", methods=["GET", "POST"])
@login_required
@ratelimit.new_topic
def new(slug: str) -> ResponseReturnValue:
    space = space_queries.get_readable_space_or_404(current_user, slug)
    policy.require_post_in_space(current_user, space)
    # "Find similar questions" sends the draft back by GET, so nothing is posted.
    form = forms.TopicForm(request.args) if request.method == "GET" else forms.TopicForm()
    forms.offer_kinds(form, services.topic_kinds(space))
    headers: dict[str, str] = {}
    status = UNPROCESSABLE if form.is_submitted() else 200
    if form.validate_on_submit():
        try:
            topic = services.create_topic(
                current_user,
                space,
                title=form.title.data,
                body=form.body.data,
                kind=TopicKind(form.kind.data),
                tags=form.tags.data,
                submission_token=form.submission_token.data,
            )
        except TooSoon as error:
            form.add_error(error)
            status, headers = TOO_MANY_REQUESTS, {"Retry-After": str(error.retry_after)}
        except ValidationFailed as error:
            form.add_error(error)
        else:
            return redirect(url_for("topics.show", topic_id=topic.id))
    return (
        render_template("topics/new.html", space=space, form=form, similar=_similar_topics(form)),
        status,
        headers,
    )


def _similar_topics(form: forms.TopicForm) -> list[Topic] | None:
    """For a question, answered questions like the draft's title; for an idea, ideas
    like it (to vote for one rather than post a duplicate). Only what the member may
    read; None when there is no title to compare yet or the kind has no suggestions."""
    title = (form.title.data or "").strip()
    if form.kind.data not in (TopicKind.QUESTION, TopicKind.IDEA) or len(title) < SIMILAR_MIN_TITLE:
        return None
    kind = TopicKind(form.kind.data)
    results = search_queries.search_posts(
        current_user,
        title,
        kind=kind,
        solved=True if kind is TopicKind.QUESTION else None,
        per_page=SIMILAR_COUNT,
    )
    topics: list[Topic] = []
    for hit in results.hits:
        if hit.post.topic not in topics:
            topics.append(hit.post.topic)
    return topics


@bp.get("/t/<int:topic_id>")
def show(topic_id: int) -> ResponseReturnValue:
    topic = queries.get_readable_topic_or_404(current_user, topic_id)
    return render_topic_page(topic, reply_form=_quoting_reply_form(topic))


def _quoting_reply_form(topic: Topic) -> forms.ReplyForm | None:
    """``?quote=<post id>``: the reply form starts with that post quoted (the Quote
    button's way without JavaScript). Only a live post of this topic is quoted."""
    post_id = request.args.get("quote", type=int)
    if post_id is None or not policy.can_reply(current_user, topic):
        return None
    post = queries.get_readable_post_or_404(current_user, post_id)
    if post.topic_id != topic.id or post.is_deleted:
        return None
    return forms.ReplyForm(data={"body": services.quote_markdown(post)})


def render_topic_page(
    topic: Topic,
    *,
    status: int = 200,
    reply_form: forms.ReplyForm | None = None,
    headers: dict[str, str] | None = None,
    **idea_forms: object,
) -> ResponseReturnValue:
    """The topic page; a form that failed is passed in to show with its errors
    (``idea_forms``: the idea panel's status, merge and note forms)."""
    per_page = current_app.config["POSTS_PER_PAGE"]
    page = request.args.get("page", 1, type=int)
    answer_sort = None
    if topic.is_question:
        # A question page: the question, then its answers, the accepted one first.
        answer_sort = request.args.get("sort", "votes")
        if answer_sort not in answer_queries.ANSWER_SORTS:
            answer_sort = "votes"
        page_count = max(math.ceil((topic.last_post_number - 1) / per_page), 1)
        if not 1 <= page <= page_count:
            return render_template("errors/error.html", code=404), 404
        question = queries.list_topic_posts(current_user, topic, page=1, per_page=1)
        answers, _ = answer_queries.list_answers(
            current_user, topic, sort=answer_sort, page=page, per_page=per_page
        )
        posts = question + answers
    else:
        page_count = max(math.ceil(topic.last_post_number / per_page), 1)
        if not 1 <= page <= page_count:
            return render_template("errors/error.html", code=404), 404
        posts = queries.list_topic_posts(current_user, topic, page=page, per_page=per_page)
    return (
        render_template(
            "topics/show.html",
            topic=topic,
            posts=posts,
            page=page,
            page_count=page_count,
            answer_sort=answer_sort,
            voted_post_ids=(
                answer_queries.voted_post_ids(current_user, posts)
                if topic.is_question
                else frozenset()
            ),
            idea=_idea_panel(topic, idea_forms),
            watch_level=notification_services.watch_level(current_user, topic),
            counting_levels=COUNTING_LEVELS,
            **_member_forms(reply_form),
        ),
        status,
        headers or {},
    )


def _member_forms(reply_form: forms.ReplyForm | None) -> dict[str, object]:
    """The topic page's forms, for a signed-in reader only.

    Making a form makes its CSRF token, which opens a session: a signed-out reader, who
    can use none of them, gets none, so the page stays public and cacheable.
    """
    if not current_user.is_authenticated:
        return {}
    return {
        "reply_form": reply_form or forms.ReplyForm(),
        "watch_form": notification_forms.WatchForm(),
        "read_form": notification_forms.ReadTopicForm(),
        "toggle_form": forms.ToggleForm(),
        "delete_form": forms.DeleteForm(),
        "accept_form": answer_forms.AcceptForm(),
        "vote_form": answer_forms.VoteForm(),
        "reading_form": trust_forms.ReadingReportForm(),
    }


def _idea_panel(topic: Topic, failed_forms: dict[str, object]) -> dict | None:
    """What the top of an idea shows: status, votes, official response, timeline,
    staff forms, and internal notes for employees."""
    if topic.kind is not TopicKind.IDEA or topic.idea is None:
        return None
    changes = idea_queries.timeline(topic)
    return {
        "idea": topic.idea,
        "timeline": changes,
        "response": idea_queries.official_response(changes),
        "has_voted": idea_queries.has_voted(current_user, topic),
        "votes_left": idea_services.votes_left(current_user, topic.space),
        "notes": idea_queries.list_notes(current_user, topic),
        **_idea_forms(topic, failed_forms),
    }


def _idea_forms(topic: Topic, failed_forms: dict[str, object]) -> dict[str, object]:
    if not current_user.is_authenticated:
        return {}  # signed out: no forms, no session (see _member_forms)
    return {
        "vote_form": idea_forms.IdeaVoteForm(),
        "status_form": failed_forms.get("status_form")
        or idea_forms.IdeaStatusForm(data={"status": topic.idea.status.value}),
        "merge_form": failed_forms.get("merge_form") or idea_forms.MergeIdeaForm(),
        "note_form": failed_forms.get("note_form") or idea_forms.IdeaNoteForm(),
    }


@bp.post("/t/<int:topic_id>/reply")
@login_required
@ratelimit.new_reply
def reply(topic_id: int) -> ResponseReturnValue:
    topic = queries.get_readable_topic_or_404(current_user, topic_id)
    policy.require_reply(current_user, topic)
    form = forms.ReplyForm()
    if form.validate_on_submit():
        try:
            post = services.reply_to_topic(
                current_user,
                topic,
                body=form.body.data,
                submission_token=form.submission_token.data,
            )
        except TooSoon as error:
            form.add_error(error)
            return render_topic_page(
                topic,
                status=TOO_MANY_REQUESTS,
                reply_form=form,
                headers={"Retry-After": str(error.retry_after)},
            )
        except ValidationFailed as error:
            form.add_error(error)
        else:
            return redirect(post_url(post))
    return render_topic_page(topic, status=UNPROCESSABLE, reply_form=form)


@bp.route("/p/<int:post_id>/edit", methods=["GET", "POST"])
@login_required
def edit(post_id: int) -> ResponseReturnValue:
    post = queries.get_readable_post_or_404(current_user, post_id)
    policy.require_edit_post(current_user, post)
    form = forms.EditPostForm(
        data={"title": post.topic.title, "body": post.body_source}
        if request.method == "GET"
        else None
    )
    if form.validate_on_submit():
        try:
            services.edit_post(
                current_user,
                post,
                body=form.body.data,
                title=form.title.data if post.is_first else None,
            )
        except ValidationFailed as error:
            form.add_error(error)
        else:
            flash("Your changes are saved.", "success")
            return redirect(post_url(post))
    status = UNPROCESSABLE if form.is_submitted() else 200
    return render_template("topics/edit.html", post=post, form=form), status


@bp.post("/p/<int:post_id>/delete")
@login_required
def delete(post_id: int) -> ResponseReturnValue:
    post = queries.get_readable_post_or_404(current_user, post_id)
    policy.require_delete_post(current_user, post)
    form = forms.DeleteForm()
    if not form.validate_on_submit():
        return render_template("errors/error.html", code=400), 400
    services.delete_post(current_user, post)
    if post.is_first:
        flash("The topic was deleted.", "success")
        return redirect(url_for("spaces.show", slug=post.topic.space.slug))
    flash("The post was deleted.", "success")
    return redirect(url_for("topics.show", topic_id=post.topic_id))


@bp.get("/p/<int:post_id>/revisions")
def revisions(post_id: int) -> ResponseReturnValue:
    post = queries.get_readable_post_or_404(current_user, post_id)
    return render_template(
        "topics/revisions.html",
        post=post,
        revisions=queries.list_post_revisions(current_user, post),
    )


@bp.post("/t/<int:topic_id>/pin")
@login_required
def pin(topic_id: int) -> ResponseReturnValue:
    topic = queries.get_readable_topic_or_404(current_user, topic_id)
    form = forms.ToggleForm()
    if form.validate_on_submit():
        services.set_topic_pinned(current_user, topic, is_pinned=form.value.data == "on")
        flash("Pinned." if topic.is_pinned else "Unpinned.", "success")
    return redirect(url_for("topics.show", topic_id=topic.id))


@bp.post("/t/<int:topic_id>/lock")
@login_required
def lock(topic_id: int) -> ResponseReturnValue:
    topic = queries.get_readable_topic_or_404(current_user, topic_id)
    form = forms.ToggleForm()
    if form.validate_on_submit():
        services.set_topic_locked(current_user, topic, is_locked=form.value.data == "on")
        flash("Locked: only moderators can reply." if topic.is_locked else "Unlocked.", "success")
    return redirect(url_for("topics.show", topic_id=topic.id))


@bp.post("/p/<int:post_id>/wiki")
@login_required
def wiki(post_id: int) -> ResponseReturnValue:
    post = queries.get_readable_post_or_404(current_user, post_id)
    form = forms.ToggleForm()
    if form.validate_on_submit():
        services.set_post_wiki(current_user, post, is_wiki=form.value.data == "on")
        flash(
            "This post is now a wiki: members of the space can edit it."
            if post.is_wiki
            else "This post is no longer a wiki.",
            "success",
        )
    return redirect(url_for("topics.show", topic_id=post.topic_id))


@bp.post("/preview")
@login_required
def preview() -> ResponseReturnValue:
    """Render Markdown exactly as saving would (used by the editor's Preview tab)."""
    # Mentions are linked as they would be where the post goes.
    space = None
    topic_id = request.form.get("topic_id", type=int)
    if topic_id is not None:
        space = queries.get_readable_topic_or_404(current_user, topic_id).space
    elif request.form.get("slug"):
        space = space_queries.get_readable_space_or_404(current_user, request.form["slug"])
    try:
        html = services.preview(request.form.get("body", ""), space=space)
    except ValidationFailed as error:
        return jsonify(error=error.message), UNPROCESSABLE
    return jsonify(html=html)
