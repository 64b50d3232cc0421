"""The dashboard's figures as rows: for the CSV export (and tests that compare them).

One row per figure and period: ``section, figure, subject, period, value``. The
subject says what a figure is about when it is one of many (a space kind, a tag, a
member, an idea status); the period is the whole range (``first/last`` in ISO 8601),
a week (its Monday), a month (``YYYY-MM``) or ``now``.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from datetime import date

from community.answers.queries import WeekOfQuestions
from community.dashboard.attention import AttentionGroup
from community.dashboard.formats import hours
from community.dashboard.queries import Dashboard
from community.ideas.models import IdeaStatus

HEADER = ("section", "figure", "subject", "period", "value")
Value = int | float | str | None
Row = tuple[str, str, str, str, Value]

# Spreadsheets run a cell that starts with one of these as a formula; member names
# reach the export, so such a cell gets a leading apostrophe (OWASP's advice).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _round(value: float | None, digits: int) -> float | None:
    return None if value is None else round(value, digits)


def figure_rows(board: Dashboard, attention: list[AttentionGroup]) -> Iterator[Row]:
    """Every figure of the dashboard, section by section."""
    period = board.scope.period
    whole = f"{period.first_day.isoformat()}/{period.last_day.isoformat()}"

    def week(monday: date) -> str:
        return monday.isoformat()

    questions = board.respond.questions
    question_weeks = {
        monday: questions.weeks.get(monday, WeekOfQuestions()) for monday in period.weeks
    }
    for name, total, weekly in (
        ("questions asked", questions.asked, "asked"),
        ("answered by staff", questions.answered_by_staff, "answered_by_staff"),
        ("answered by staff within 24 hours", questions.answered_within_24h, "answered_within_24h"),
        ("questions solved", questions.solved, "solved"),
    ):
        yield "respond", name, "", whole, total
        for monday, figures in question_weeks.items():
            yield "respond", name, "", week(monday), getattr(figures, weekly)
    for name, attribute in (
        ("median hours to first staff reply", "median_first_staff_reply"),
        ("90th percentile hours to first staff reply", "p90_first_staff_reply"),
    ):
        yield "respond", name, "", whole, hours(getattr(questions, attribute))
        for monday, figures in question_weeks.items():
            yield "respond", name, "", week(monday), hours(getattr(figures, attribute))
    yield (
        "respond",
        "share answered by staff within 24 hours",
        "",
        whole,
        _round(questions.share_answered_within_24h, 4),
    )
    yield "respond", "share solved", "", whole, _round(questions.share_solved, 4)
    yield "respond", "questions waiting now", "", "now", board.respond.waiting.count
    oldest = board.respond.waiting.oldest_asked_at
    yield (
        "respond",
        "oldest waiting question asked at",
        "",
        "now",
        (oldest.isoformat(timespec="seconds") if oldest else None),
    )

    listen = board.listen
    for kind in listen.kinds:
        for name, attribute in (("new topics", "topics"), ("replies", "replies")):
            counts = {
                monday: getattr(figures, attribute).get(kind, 0)
                for monday, figures in listen.weeks.items()
            }
            yield "listen", name, f"{kind.value} spaces", whole, sum(counts.values())
            for monday, count in counts.items():
                yield "listen", name, f"{kind.value} spaces", week(monday), count
    yield "listen", "active members", "", whole, listen.active_members
    yield "listen", "new members (first post)", "", whole, listen.new_members
    for monday, figures in listen.weeks.items():
        yield "listen", "active members", "", week(monday), figures.active_members
        yield "listen", "new members (first post)", "", week(monday), figures.new_members
    yield "listen", "new members who came back", "", whole, listen.came_back
    yield (
        "listen",
        "share of new members who came back",
        "",
        whole,
        _round(listen.share_came_back, 4),
    )
    for tag, posts in listen.busiest_tags:
        yield "listen", "posts in tagged topics", tag, whole, posts

    ideas = board.cocreate
    for name, per_month in (
        ("ideas posted", ideas.ideas_per_month),
        ("votes on ideas", ideas.votes_per_month),
        ("ideas shipped", ideas.shipped_per_month),
    ):
        yield "cocreate", name, "", whole, sum(per_month.values())
        for month in period.months:
            yield "cocreate", name, "", month, per_month.get(month, 0)
    for status in IdeaStatus:
        yield (
            "cocreate",
            "ideas by status now",
            status.label,
            whole,
            ideas.ideas_per_status.get(status.value, 0),
        )
    for stage, count in ideas.funnel.items():
        yield "cocreate", "ideas that reached the stage", stage.label, whole, count
    yield "cocreate", "ideas with an official response", "", whole, ideas.with_response
    yield (
        "cocreate",
        "share with an official response",
        "",
        whole,
        _round(ideas.share_with_response, 4),
    )
    yield (
        "cocreate",
        "median days to first official response",
        "",
        whole,
        _round(ideas.median_days_to_first_response, 2),
    )
    yield "cocreate", "median days to shipped", "", whole, _round(ideas.median_days_to_shipped, 2)

    community = board.community
    yield "community", "accepted answers by members", "", whole, community.accepted_by_members
    yield "community", "accepted answers by staff", "", whole, community.accepted_by_staff
    for monday, figures in community.accepted.items():
        yield "community", "accepted answers by members", "", week(monday), figures.by_members
        yield "community", "accepted answers by staff", "", week(monday), figures.by_staff
    yield (
        "community",
        "share of accepted answers by members",
        "",
        whole,
        _round(community.share_accepted_by_members, 4),
    )
    for contributor in community.top_contributors:
        subject = f"{contributor.display_name} (@{contributor.username})"
        yield "community", "top contributor posts", subject, whole, contributor.posts
        yield (
            "community",
            "top contributor accepted answers",
            subject,
            whole,
            (contributor.accepted_answers),
        )
    yield "community", "invite links made", "", whole, community.invites_made
    yield "community", "members who joined through an invite", "", whole, community.invite_joins
    requests = community.join_requests
    for name, value in (
        ("join requests", requests.asked),
        ("join requests approved", requests.approved),
        ("join requests declined", requests.declined),
        ("join requests pending", requests.pending),
    ):
        yield "community", name, "", whole, value
    yield (
        "community",
        "median days to decide a join request",
        "",
        whole,
        _round(requests.median_days_to_decision, 2),
    )

    for group in attention:
        yield "needs attention", group.heading, "", "now", group.total


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return str(value)


def to_csv(rows: Iterator[Row]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(HEADER)
    for row in rows:
        writer.writerow([_cell(value) for value in row])
    return out.getvalue()
