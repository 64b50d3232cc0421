"""Full-text search backends: SQLite FTS5 and PostgreSQL tsvector, behind one interface.

The index is one document per post (migration ``5e4c0fa1b2c3``): the post's Markdown
source, and for a topic's first post the topic's title too. Triggers keep it current.
A backend turns a member's text into the pieces of one SELECT: what to join to
``posts``, the match condition, a sort key (best first) and a snippet with the
matches between ``SNIPPET_START`` and ``SNIPPET_STOP``. ``community.search.queries``
adds permissions and filters; nothing here knows who is asking.

Both read web-search syntax: words (all must match), "quoted phrases", ``OR``
between terms, and ``-term`` to leave a term out. PostgreSQL parses it with
``websearch_to_tsquery``, which accepts any text; on SQLite ``fts5_query`` rebuilds
the text as FTS5 syntax in which every term is a quoted string of plain words, so
nothing a member types is read as an FTS5 operator.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Protocol

from sqlalchemy import REAL, ColumnElement, FromClause, Integer, cast, column, func, literal, table
from sqlalchemy.dialects.postgresql import ARRAY, REGCONFIG, TSQUERY, TSVECTOR, array
from sqlalchemy.sql.expression import literal_column

from community.markdown import SNIPPET_START, SNIPPET_STOP
from community.topics.models import Post

# A title match counts five times a body match, on both databases.
TITLE_WEIGHT = 5.0
BODY_WEIGHT = 1.0
SNIPPET_WORDS = 30
ELLIPSIS = "…"


@dataclass(frozen=True)
class TextMatch:
    """What a backend adds to the search query for one member's text."""

    index: FromClause  # the search table, joined to posts
    onclause: ColumnElement[bool]
    condition: ColumnElement[bool]
    order: ColumnElement[float]  # ascending: best match first
    snippet: ColumnElement[str]


class SearchBackend(Protocol):
    def match(self, text: str) -> TextMatch | None:
        """The query's pieces, or None when the text holds no word to search for."""


# --- SQLite -------------------------------------------------------------------------

_fts = table("post_search", column("rowid", Integer))
# FTS5's MATCH, bm25() and snippet() take the table itself as an argument.
_FTS_TABLE = literal_column("post_search")
_FTS_BODY_COLUMN = 1
# A quoted phrase (an unbalanced quote runs to the end of the text) or a run of
# other non-space characters, each with an optional leading minus.
_TERM = re.compile(r'(?P<negated>-?)(?:"(?P<phrase>[^"]*)"?|(?P<word>[^\s"]+))')
# Letters and digits: what FTS5's unicode61 tokenizer keeps; the rest separates words.
_WORD = re.compile(r"[^\W_]+")


def _quoted(words: list[str]) -> str:
    return '"' + " ".join(words).replace('"', '""') + '"'


def fts5_query(text: str) -> str | None:
    """Rebuild a member's web-search text as an FTS5 query; None if it has no words.

    Every term becomes a double-quoted phrase of letters and digits, so FTS5 reads
    nothing in it as syntax (``NEAR``, ``*``, ``^``, parentheses, column filters).
    ``OR`` and ``-`` are read as web search engines read them; FTS5's NOT needs
    something to subtract from, so a query of only ``-terms`` finds nothing.
    Operators are explicit (``AND``) because FTS5 refuses implicit AND next to a
    parenthesised group.
    """
    groups: list[list[str]] = []  # ANDed; the terms within a group are ORed
    negated: list[str] = []
    joins_previous = False
    for term in _TERM.finditer(text):
        raw = term["phrase"] if term["phrase"] is not None else term["word"]
        if term["word"] is not None and not term["negated"] and raw.upper() == "OR":
            joins_previous = bool(groups)
            continue
        words = _WORD.findall(raw)
        if not words:
            continue
        if term["negated"]:
            negated.append(_quoted(words))
        elif joins_previous:
            groups[-1].append(_quoted(words))
        else:
            groups.append([_quoted(words)])
        joins_previous = False
    if not groups:
        return None
    positive = " AND ".join(
        group[0] if len(group) == 1 else "(" + " OR ".join(group) + ")" for group in groups
    )
    if not negated:
        return positive
    return f"({positive}) NOT ({' OR '.join(negated)})"


class SQLiteFTS5Backend:
    """FTS5 with the Porter stemmer; bm25 ranks (lower is better)."""

    def match(self, text: str) -> TextMatch | None:
        expression = fts5_query(text)
        if expression is None:
            return None
        return TextMatch(
            index=_fts,
            onclause=_fts.c.rowid == Post.id,
            condition=_FTS_TABLE.op("MATCH", is_comparison=True)(expression),
            order=func.bm25(_FTS_TABLE, TITLE_WEIGHT, BODY_WEIGHT),
            snippet=func.snippet(
                _FTS_TABLE, _FTS_BODY_COLUMN, SNIPPET_START, SNIPPET_STOP, ELLIPSIS, SNIPPET_WORDS
            ),
        )


# --- PostgreSQL ---------------------------------------------------------------------

# 'english' stems ("paired" finds "pairing") and skips stop words, as the index does
# (the migration names the same configuration).
TEXT_SEARCH_CONFIG = "english"
_documents = table("post_search", column("post_id", Integer), column("document", TSVECTOR))
# ts_rank's weights (a real[]) for the labels D, C, B, A: titles are A, bodies B.
_RANK_WEIGHTS = cast(array([0.1, 0.1, 0.2 * BODY_WEIGHT, 0.2 * TITLE_WEIGHT]), ARRAY(REAL))
# Divide by 1 + log(length), so a long post does not win by length alone (bm25
# normalises length on SQLite).
_RANK_NORMALIZATION = 1
_HEADLINE_OPTIONS = (
    f"StartSel={SNIPPET_START}, StopSel={SNIPPET_STOP}, MaxWords={SNIPPET_WORDS}, "
    f'MinWords={SNIPPET_WORDS // 2}, MaxFragments=2, FragmentDelimiter=" {ELLIPSIS} "'
)


class PostgreSQLBackend:
    """tsvector documents with a GIN index; websearch_to_tsquery parses; ts_rank ranks."""

    def match(self, text: str) -> TextMatch | None:
        config = literal(TEXT_SEARCH_CONFIG, type_=REGCONFIG)
        # A query of only stop words or punctuation is an empty tsquery, which matches
        # nothing (PostgreSQL says so in a NOTICE, not an error).
        query = func.websearch_to_tsquery(config, text, type_=TSQUERY)
        document = _documents.c.document
        return TextMatch(
            index=_documents,
            onclause=_documents.c.post_id == Post.id,
            condition=document.bool_op("@@")(query),
            order=-func.ts_rank(_RANK_WEIGHTS, document, query, _RANK_NORMALIZATION),
            # ts_headline parses the text again: PostgreSQL evaluates this costly
            # output column after the sort and LIMIT, for the rows on the page only.
            snippet=func.ts_headline(config, Post.body_source, query, _HEADLINE_OPTIONS),
        )


BACKENDS: dict[str, SearchBackend] = {
    "sqlite": SQLiteFTS5Backend(),
    "postgresql": PostgreSQLBackend(),
}


def backend_for(dialect_name: str) -> SearchBackend:
    """The backend for a database; raises LookupError for one without search."""
    try:
        return BACKENDS[dialect_name]
    except KeyError:
        raise LookupError(f"no search backend for {dialect_name}") from None
