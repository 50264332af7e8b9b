"""Full-text search over published pledges and practices: one interface, the store's own engine.

``text_matches`` gives a SQL condition for a model and what a reader typed; the pages,
open data and API add it to their queries, so search composes with filters and the
publication rule. ``rank`` orders the matches, best first.

The database does the searching (``models.full_text``): SQLite's FTS5 table of the kind,
PostgreSQL's ``search_vector`` and its GIN index. What a reader typed is cut into words
by the same function that cut the records' documents, and each word is handed to the
engine as a quoted term or a bound value, never as query syntax: no text can make a
query fail. Every word must match. On PostgreSQL a word is read under every language's
configuration and 'simple', so a French reader's word finds an English pledge written
with it, and an inflected form finds its stem where the record's language is stemmed.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import (
    ColumnElement,
    Text,
    bindparam,
    column,
    false,
    func,
    literal_column,
    select,
    table,
    true,
)
from sqlalchemy.dialects.postgresql import ARRAY, TSVECTOR
from sqlalchemy.sql.expression import TableClause
from sqlmodel import col

from models.full_text import SEARCH_QUERY_FUNCTION, SEARCHED, query_words
from models.publishable import PublishableRecord

__all__ = ["SEARCHED", "in_listing_order", "many_matches", "rank", "text_matches"]

# From this many matches on, a page of them is found by walking the listing's order rather
# than by sorting every match. PostgreSQL tests each walked row's stored vector (decompressed
# from the row), so walking pays off later there: on 100,000 pledges it beat the GIN index
# from about 2,000 matches (4.9 ms against 1.9 at 1,474; 0.9 against 6.7 at 3,016).
MANY_MATCHES = {"sqlite": 1_000, "postgresql": 2_000}

# Enough for any real search; a pasted page costs no more than this.
MAX_QUERY_CHARS = 500
MAX_WORDS = 16


def _words(query: str) -> list[str]:
    return query_words(query[:MAX_QUERY_CHARS])[:MAX_WORDS]


def _fts5_query(words: list[str]) -> str:
    """An FTS5 query holding every word as a quoted term (no operator, column or prefix syntax)."""
    return " ".join('"' + word.replace('"', '""') + '"' for word in words)


def _fts5_matches(
    model: type[PublishableRecord], words: list[str]
) -> tuple[TableClause, ColumnElement[bool]]:
    """The kind's FTS5 table, and its rows matching every word."""
    fts = table(f"{model.__tablename__}_fts", column("rowid"))
    return fts, literal_column(fts.name).op("MATCH")(_fts5_query(words))


def _tsquery(words: list[str]) -> ColumnElement[Any]:
    """Every word, each under any configuration: ('w1' in english | french | ... | simple) & ..."""
    return getattr(func, SEARCH_QUERY_FUNCTION)(bindparam("search_words", words, ARRAY(Text)))


def _vector(model: type[PublishableRecord]) -> ColumnElement[Any]:
    return literal_column(f"{model.__tablename__}.search_vector", TSVECTOR)


def text_matches(
    model: type[PublishableRecord], query: str, *, dialect: str, many: bool = False
) -> ColumnElement[bool]:
    """Rows of ``model`` whose text holds every word of ``query`` (true when it has no word).

    ``many``: the caller knows the words match many rows (a common word) and reads a few of
    them in an order of its own. SQLite would otherwise fetch every match by its key and
    sort them all; given an expression instead of the key, it walks the order's index and
    keeps the first rows found among the matches (PostgreSQL's planner weighs this itself).
    """
    if model not in SEARCHED:
        return false()
    words = _words(query)
    if not words:
        return true()
    if dialect == "postgresql":
        return _vector(model).bool_op("@@")(_tsquery(words))
    fts, matching = _fts5_matches(model, words)
    key = col(model.id)
    rows = select(fts.c.rowid).where(matching)
    return (key + 0).in_(rows) if many else key.in_(rows)


def many_matches(dialect: str, matches: int) -> bool:
    """Whether ``matches`` rows are many enough to be found by walking a listing's order."""
    return matches >= MANY_MATCHES.get(dialect, MANY_MATCHES["sqlite"])


def in_listing_order(column: ColumnElement[Any], *, dialect: str, many: bool) -> ColumnElement[Any]:
    """``column`` as a searched listing's order key, so the store takes the plan ``many`` says.

    With few matches on PostgreSQL, an expression no index gives: the planner then takes the
    matches from the GIN index and sorts them. Given the column, it walks the column's index
    testing every row's vector (its estimate of that test leaves out the decompression):
    three to six times slower for a word in 1 to 1.5% of 100,000 pledges.
    """
    if dialect == "postgresql" and not many:
        return column + literal_column("interval '0 seconds'")
    return column


def rank(model: type[PublishableRecord], query: str, *, dialect: str) -> ColumnElement[Any]:
    """An ORDER BY expression, best match first (with ``text_matches`` in the same query)."""
    words = _words(query)
    if not words or model not in SEARCHED:
        return col(model.id).desc()
    if dialect == "postgresql":
        return func.ts_rank(_vector(model), _tsquery(words)).desc()
    fts, matching = _fts5_matches(model, words)
    # FTS5's bm25 is lower for a better match.
    score = func.bm25(literal_column(fts.name))
    return select(score).where(matching, fts.c.rowid == col(model.id)).scalar_subquery().asc()
