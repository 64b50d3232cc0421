"""Markdown -> HTML -> allow-list sanitiser: the only place HTML becomes ``Markup``.

Three layers, none trusted alone (bleach has been unmaintained since June 2026):

1. markdown-it-py with its ``js-default`` preset, which has raw HTML switched off
   and rejects ``javascript:``/``vbscript:``/``file:`` links;
2. bleach with an explicit allow-list of tags, attributes and URL schemes, modelled
   on GitHub's html-pipeline sanitisation filter and trimmed for a forum;
3. a nonce-based Content-Security-Policy on every page (``community.security``).

Posts are rendered once, when written, and the stored HTML is what pages print.
Preview and save call the same ``render_markdown``.

Two core rules of our own read the parsed tokens (never the HTML):

- mentions: ``@username`` in text (not in code, not inside a link) becomes a link to
  the member's profile when the caller's ``mentionable`` says so (the services ask
  for members who may read the topic); any other ``@name`` stays plain text, so the
  page says nothing about who exists or who may read what;
- quotes: a link to a post (``/t/<topic>#post-<n>``) inside a blockquote is recorded
  as a quote of that post, for the quoted author's notification.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import partial
from html import unescape

import bleach
from bleach.linkifier import LinkifyFilter
from markdown_it import MarkdownIt
from markdown_it.rules_core import StateCore
from markdown_it.token import Token
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
    if name == "class":
        return value == MENTION_CLASS  # only the mention rule's own links
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


# --- mentions and quotes -------------------------------------------------------------

MENTION_CLASS = "mention"
# Where a mention links: the member's profile page.
PROFILE_PATH = "/u/{username}"
# A username as accounts allow it (3-30 characters), after an "@" that does not
# follow a word character (so an e-mail address is not a mention).
_MENTION = re.compile(r"(?<![\w@/.+-])@([A-Za-z0-9][A-Za-z0-9_.-]{1,29})")
_TRAILING_PUNCTUATION = "._-"
# A quote's reference: a link to a post of a topic, as the Quote button writes it.
QUOTE_LINK = re.compile(r"/t/(?P<topic_id>[0-9]{1,18})(?:\?[^#]*)?#post-(?P<number>[0-9]{1,9})")

MentionResolver = Callable[[frozenset[str]], Iterable[str]]


@dataclass(frozen=True)
class RenderedPost:
    html: str
    # Lower-cased usernames linked outside quotes: the members to tell.
    mentions: frozenset[str]
    # (topic id, post number) of every post quoted.
    quotes: frozenset[tuple[int, int]]


def _mention_candidates(text: str) -> set[str]:
    names = set()
    for match in _MENTION.finditer(text):
        name = match.group(1).lower()
        names.add(name)
        names.add(name.rstrip(_TRAILING_PUNCTUATION))
    return {name for name in names if len(name) >= 3}


def _inline_tokens(tokens: list[Token]) -> Iterable[tuple[Token, bool]]:
    """Each inline token with its children, and whether it sits inside a blockquote."""
    depth = 0
    for token in tokens:
        if token.type == "blockquote_open":
            depth += 1
        elif token.type == "blockquote_close":
            depth -= 1
        elif token.type == "inline" and token.children:
            yield token, depth > 0


def _inline_text_tokens(tokens: list[Token]) -> Iterable[tuple[Token, list[Token], int, bool]]:
    """Each inline text token outside links, with its siblings, its index, and
    whether it sits inside a blockquote."""
    for token, is_quoted in _inline_tokens(tokens):
        in_link = 0
        for index, child in enumerate(token.children):
            if child.type == "link_open":
                in_link += 1
            elif child.type == "link_close":
                in_link -= 1
            elif child.type == "text" and not in_link:
                yield child, token.children, index, is_quoted


def _split_mentions(text: str, linked: set[str]) -> list[Token] | None:
    """The text as tokens with mentions of ``linked`` members as links, or None."""
    pieces: list[Token] = []
    position = 0
    for match in _MENTION.finditer(text):
        typed = match.group(1)
        if typed.lower() not in linked:
            typed = typed.rstrip(_TRAILING_PUNCTUATION)
        if typed.lower() not in linked:
            continue
        start, end = match.start(), match.start() + 1 + len(typed)
        if start > position:
            pieces.append(_text(text[position:start]))
        link = Token("link_open", "a", 1)
        link.attrs = {"href": PROFILE_PATH.format(username=typed.lower()), "class": MENTION_CLASS}
        pieces += [link, _text("@" + typed), Token("link_close", "a", -1)]
        position = end
    if not pieces:
        return None
    if position < len(text):
        pieces.append(_text(text[position:]))
    return pieces


def _text(content: str) -> Token:
    token = Token("text", "", 0)
    token.content = content
    return token


def _mentions_and_quotes(state: StateCore) -> None:
    """Core rule: link mentions the caller allows, record them and quoted posts."""
    resolve: MentionResolver | None = state.env.get("mentionable")
    texts = list(_inline_text_tokens(state.tokens))
    candidates: set[str] = set()
    for token, _siblings, _index, _quoted in texts:
        candidates |= _mention_candidates(token.content)
    linked = (
        {name.lower() for name in resolve(frozenset(candidates))}
        if (resolve and candidates)
        else set()
    )
    mentioned: set[str] = set()
    # Replace from the end, so earlier indexes stay right.
    for token, siblings, index, is_quoted in reversed(texts):
        pieces = _split_mentions(token.content, linked) if linked else None
        if pieces is None:
            continue
        siblings[index : index + 1] = pieces
        if not is_quoted:  # a mention inside a quote is the quoted author's, not news
            mentioned |= {piece.content[1:].lower() for piece in pieces if piece.content[:1] == "@"}
    state.env["mentioned"] = frozenset(mentioned & linked)
    state.env["quoted"] = frozenset(_quoted_posts(state.tokens))


def _quoted_posts(tokens: list[Token]) -> set[tuple[int, int]]:
    quoted = set()
    for token, is_quoted in _inline_tokens(tokens):
        if not is_quoted:
            continue
        for child in token.children:
            href = str(child.attrs.get("href", "")) if child.type == "link_open" else ""
            match = QUOTE_LINK.fullmatch(href)
            if match:
                quoted.add((int(match["topic_id"]), int(match["number"])))
    return quoted


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
# Before text_join, so an escaped "\@name" stays apart from its name and is no mention.
_markdown.core.ruler.before("text_join", "mentions_and_quotes", _mentions_and_quotes)
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


def render_markdown(source: str, *, mentionable: MentionResolver | None = None) -> str:
    """Render a member's Markdown to sanitised HTML, ready to store and print.

    ``mentionable`` gets the lower-cased names after "@" and returns those to link;
    without it no mention is linked.
    """
    return render_post(source, mentionable=mentionable).html


def render_post(source: str, *, mentionable: MentionResolver | None = None) -> RenderedPost:
    """Render like ``render_markdown`` and say whom the post mentions and quotes."""
    env: dict = {"mentionable": mentionable}
    html = sanitize_html(_markdown.render(source, env))
    return RenderedPost(
        html=html,
        mentions=env.get("mentioned", frozenset()),
        quotes=env.get("quoted", frozenset()),
    )


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
