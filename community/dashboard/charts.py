"""The dashboard's charts: SVG drawn on the server by pygal, one per section.

Pages show them as ``<img>`` of the chart endpoint, so they need no JavaScript; the
numbers are also in a table beside each chart. pygal's scripts (its tooltips) are
taken out, and its one ``<style>`` element carries the response's CSP nonce, so the
SVG also renders when opened on its own under the app's Content-Security-Policy.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any
from xml.etree.ElementTree import Element

import pygal
from pygal.style import Style

from community.answers.queries import QuestionFigures
from community.dashboard.periods import Period
from community.dashboard.queries import AcceptedWeek, PostsByKind
from community.figures import SECONDS_PER_HOUR
from community.ideas.queries import IdeasPerMonth
from community.spaces.models import Visibility

WIDTH, HEIGHT = 720, 320
# About this many labels on an axis of counts.
COUNT_LABELS = 5
# Past this many weeks, only every n-th week is labelled so labels do not overlap.
LABELLED_WEEKS = 13

# Hearth's palette (static/css/hearth.css) and its font.
STYLE = Style(
    background="#ffffff",
    plot_background="#ffffff",
    foreground="#1f1b16",
    foreground_strong="#1f1b16",
    foreground_subtle="#5f574d",
    guide_stroke_color="#e4ddd3",
    major_guide_stroke_color="#e4ddd3",
    font_family='system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif',
    label_font_size=12,
    major_label_font_size=12,
    legend_font_size=13,
    value_font_size=12,
    colors=("#b4461e", "#1d4f91", "#1e6b3a", "#8d6e1f", "#6b3fa0"),
    opacity=".85",
    opacity_hover=".85",
    transition="0s",
)
KIND_LABELS = {
    Visibility.PUBLIC: "public spaces",
    Visibility.CLOSED: "closed spaces",
    Visibility.EMPLOYEE: "employee spaces",
}


def _for_an_image(nonce: str) -> Callable[[Element], Element]:
    """An xml filter: drop what only pygal's script uses (the script itself, tooltip
    texts and the tooltip layer, which hides itself with an inline style) and put the
    response's nonce on the stylesheet."""

    def apply(root: Element) -> Element:
        for parent in root.iter():
            for child in list(parent):
                is_tooltip = "tooltip-overlay" in child.get("class", "").split()
                if child.tag in ("script", "desc") or is_tooltip:
                    parent.remove(child)
                elif child.tag == "style":
                    child.set("nonce", nonce)
        return root

    return apply


def _week_labels(weeks: list[date]) -> dict[str, Any]:
    return {
        "x_labels": [f"{monday:%-d %b}" for monday in weeks],
        "x_labels_major_every": max(1, -(-len(weeks) // LABELLED_WEEKS)),
        "show_minor_x_labels": len(weeks) <= LABELLED_WEEKS,
    }


def _whole_numbers(*series: list[int]) -> dict[str, Any]:
    """Axis labels at whole numbers for counts (pygal would label 0.2, 0.4, ...)."""
    top = max((value for values in series for value in values), default=0)
    step = max(1, -(-top // COUNT_LABELS))
    return {"y_labels": list(range(0, top + step, step))}


def _chart(kind: type, nonce: str, **config: Any) -> Any:
    chart = kind(
        width=WIDTH,
        height=HEIGHT,
        style=STYLE,
        js=[],
        legend_at_bottom=True,
        legend_at_bottom_columns=3,
        truncate_label=-1,
        show_x_guides=False,
        print_zeroes=False,
        margin=12,
        margin_bottom=20,
        no_data_text="Nothing in this period",
        truncate_legend=-1,
        **config,
    )
    return chart.add_xml_filter(_for_an_image(nonce))


def respond_chart(figures: QuestionFigures, period: Period, nonce: str) -> bytes:
    weeks = period.weeks
    chart = _chart(pygal.Line, nonce, y_title="hours", include_x_axis=True, **_week_labels(weeks))
    by_week = figures.weeks

    def hours(monday: date, name: str) -> float | None:
        week = by_week.get(monday)
        wait = getattr(week, name) if week else None
        return round(wait.total_seconds() / SECONDS_PER_HOUR, 1) if wait is not None else None

    median = [hours(monday, "median_first_staff_reply") for monday in weeks]
    chart.add("median wait for a staff reply", median)
    chart.add("90th percentile", [hours(w, "p90_first_staff_reply") for w in weeks])
    return chart.render()


def listen_chart(posts: PostsByKind, period: Period, nonce: str) -> bytes:
    weeks = [posts.weeks[monday] for monday in period.weeks]
    totals = [sum(week.topics.values()) + sum(week.replies.values()) for week in weeks]
    chart = _chart(
        pygal.StackedBar,
        nonce,
        y_title="posts",
        **_week_labels(period.weeks),
        **_whole_numbers(totals),
    )
    for kind in posts.kinds:
        chart.add(
            KIND_LABELS[kind],
            [week.topics.get(kind, 0) + week.replies.get(kind, 0) for week in weeks],
        )
    return chart.render()


def cocreate_chart(ideas: IdeasPerMonth, period: Period, nonce: str) -> bytes:
    months = period.months
    posted = [ideas.posted.get(month, 0) for month in months]
    shipped = [ideas.shipped.get(month, 0) for month in months]
    chart = _chart(
        pygal.Bar, nonce, y_title="ideas", x_labels=months, **_whole_numbers(posted, shipped)
    )
    chart.add("posted", posted)
    chart.add("shipped", shipped)
    return chart.render()


def community_chart(accepted: dict[date, AcceptedWeek], period: Period, nonce: str) -> bytes:
    by_members = [accepted[monday].by_members for monday in period.weeks]
    by_staff = [accepted[monday].by_staff for monday in period.weeks]
    totals = [members + staff for members, staff in zip(by_members, by_staff, strict=True)]
    chart = _chart(
        pygal.StackedBar,
        nonce,
        y_title="accepted answers",
        **_week_labels(period.weeks),
        **_whole_numbers(totals),
    )
    chart.add("by members", by_members)
    chart.add("by staff", by_staff)
    return chart.render()


CHARTS: dict[str, Callable[[Any, Period, str], bytes]] = {
    "respond": respond_chart,
    "listen": listen_chart,
    "cocreate": cocreate_chart,
    "community": community_chart,
}
