"""Markdown -> HTML -> allow-list sanitiser: the only place HTML becomes ``Markup``.

Three layers, none trusted alone (bleach has been unmaintained since June 2026):

1. markdown-it-py with its ``js-default`` preset, which has raw HTML switched off
   and rejects ``javascript:``/``vbscript:``/``file:`` links;
2. bleach with an explicit allow-list of tags, attributes and URL schemes, modelled
   on GitHub's html-pipeline sanitisation filter and trimmed for a forum;
3. a nonce-based Content-Security-Policy on every page (``community.security``).

Posts are rendered once, when written, and the stored HTML is what pages print.
Preview and save call the same ``render_markdown``.
"""

from __future__ import annotations

import re
from functools import partial
from html import unescape

import bleach
from bleach.linkifier import LinkifyFilter
from markdown_it import MarkdownIt
from markdown_it.rules_core import StateCore
from markupsafe import Markup, escape

ALLOWED_TAGS = frozenset(
    {
        "p", "br", "hr", "h1", "h2", "h3", "h4", "h5", "h6",
        "strong", "em", "b", "i", "del", "s", "ins", "sup", "sub",
        "code", "pre", "kbd", "blockquote", "ul", "ol", "li", "dl", "dt", "dd",
        "table", "thead", "tbody", "tr", "th", "td",
        "a", "img", "details", "summary", "abbr",
    }
)  # fmt: skip
ALLOWED_PROTOCOLS = frozenset({"http", "https", "mailto"})
LINK_REL = "nofollow ugc noopener noreferrer"
_LANGUAGE_CLASS = re.compile(r"language-[A-Za-z0-9_+-]{1,30}")
_C0_CONTROL_OR_SPACE = "".join(chr(code) for code in range(0x21))
_URL_IGNORED = re.compile(r"[\t\n\r]")
_URL_SCHEME = re.compile(r"([A-Za-z][A-Za-z0-9+.-]*):")
# Search snippets mark matches with two control characters no HTML escaper touches
# (community.search asks FTS5's snippet() and PostgreSQL's ts_headline for them).
SNIPPET_START = "\x02"
SNIPPET_STOP = "\x03"
_SNIPPET_MATCH = re.compile(f"{SNIPPET_START}([^{SNIPPET_START}{SNIPPET_STOP}]*){SNIPPET_STOP}")
_SNIPPET_STRAY = re.compile(f"[{SNIPPET_START}{SNIPPET_STOP}]")


def _allow_code_class(tag: str, name: str, value: str) -> bool:
    return name == "class" and _LANGUAGE_CLASS.fullmatch(value) is not None


def _as_browser_reads(url: str) -> str:
    """Return an attribute's URL as a browser's URL parser (WHATWG) reads it.

    bleach hands attribute filters the value with its character references still
    encoded; the browser decodes them, then ignores C0 controls and spaces at the
    start and tabs and newlines anywhere, so "/&#9;/evil" loads from host "evil".
    """
    return _URL_IGNORED.sub("", unescape(url).lstrip(_C0_CONTROL_OR_SPACE))


def _allow_link_attribute(tag: str, name: str, value: str) -> bool:
    if name == "href":
        # bleach's URL parser reads "javascript:1" or "tel:123" as a host and port
        # with no scheme (mozilla/bleach#611, not to be fixed), so it lets them
        # through; check the scheme the browser will see.
        scheme = _URL_SCHEME.match(_as_browser_reads(value))
        return scheme is None or scheme.group(1).lower() in ALLOWED_PROTOCOLS
    return name in {"title", "rel"}


def _allow_img_attribute(tag: str, name: str, value: str) -> bool:
    if name in {"alt", "title", "width", "height"}:
        return True
    # Images only from this site: a hot-linked image tells a third party who read
    # the post (and the CSP's img-src would block it anyway).
    if name == "src":
        src = _as_browser_reads(value)
        return src.startswith("/") and not src.startswith(("//", "/\\"))
    return False


ALLOWED_ATTRIBUTES = {
    "a": _allow_link_attribute,
    "img": _allow_img_attribute,
    "th": ["align"],
    "td": ["align"],
    "ol": ["start"],
    "code": _allow_code_class,
    "abbr": ["title"],
}


def _set_link_rel(attrs: dict, new: bool = False) -> dict:
    """Mark every link as user-generated so it passes no ranking and no opener."""
    attrs[(None, "rel")] = LINK_REL
    return attrs


_TABLE_CELLS = frozenset({"th_open", "td_open"})
_TEXT_ALIGN = re.compile(r"text-align:(left|center|right)")


def _table_alignment_as_attribute(state: StateCore) -> None:
    """Write a column's alignment as ``align``, which the allow-list keeps.

    markdown-it writes it as a ``style`` attribute, which the sanitiser strips (no
    ``style`` is ever allowed), so tables lost their alignment.
    """
    for token in state.tokens:
        if token.type not in _TABLE_CELLS:
            continue
        alignment = _TEXT_ALIGN.fullmatch(str(token.attrs.pop("style", "")))
        if alignment:
            token.attrSet("align", alignment.group(1))


_markdown = MarkdownIt("js-default").enable(["table", "strikethrough"])
_markdown.core.ruler.push("table_alignment", _table_alignment_as_attribute)
_cleaner = bleach.Cleaner(
    tags=ALLOWED_TAGS,
    attributes=ALLOWED_ATTRIBUTES,
    protocols=ALLOWED_PROTOCOLS,
    strip=True,
    strip_comments=True,
    filters=[partial(LinkifyFilter, callbacks=[_set_link_rel], skip_tags={"pre", "code"})],
)


def sanitize_html(html: str) -> str:
    """Reduce arbitrary HTML to the allow-list."""
    return _cleaner.clean(html)


def render_markdown(source: str) -> str:
    """Render a member's Markdown to sanitised HTML, ready to store and print."""
    return sanitize_html(_markdown.render(source))


def stored_html(html: str | None) -> Markup:
    """Mark HTML that ``render_markdown`` produced (and the database kept) as safe.

    Templates use it as the ``stored_html`` filter on ``body_html`` columns only.
    Sanitising again would cost a parse per post per view; the stored value can only
    have come from ``render_markdown``.
    """
    return Markup(html or "")  # noqa: S704 - input is render_markdown's output


def render_snippet(text: str | None) -> Markup:
    """Escape a search snippet and turn its match markers into ``<mark>`` elements.

    The snippet is plain text cut from a post's Markdown source, so everything in it
    is escaped; only a start marker followed by a stop marker becomes markup. A
    marker character that a member typed into a post is dropped, so the result is
    always balanced.
    """
    escaped = str(escape(text or ""))
    marked = _SNIPPET_MATCH.sub(r"<mark>\1</mark>", escaped)
    return Markup(_SNIPPET_STRAY.sub("", marked))  # noqa: S704 - escaped above; only <mark> added
