"""The full-text index of pledges and practices: the words each engine indexes, and its SQL objects.

Both engines index ``search_document``, a column the application fills from the searched
columns (``SEARCHED``) with ``document_words``; a reader's query goes through the same
``query_words``, so what is indexed and what is looked up are cut the same way:

- letters and digits only, case folded (NFKC), Latin accents dropped, digits of any script
  read as ASCII digits;
- Arabic without tashkeel or tatweel, with one form of alef, ya and ta marbuta;
- Chinese (and any Han text) written without spaces: each run of Han characters is
  indexed as its characters and its pairs of neighbours, so a two-character word inside
  a sentence is found (a query's run is looked up by its pairs, a lone character by itself).

SQLite: an external-content FTS5 table per kind (``pledge_fts``, ``practice_fts``) over
``search_document``, kept in step by triggers; tokenizer ``porter ascii`` (the words are
already split and folded here; Porter folds English inflections).
PostgreSQL: a generated ``search_vector`` column, the document under the text search
configuration of the record's language plus ``simple`` (every word as written), with a
GIN index.

These objects are the database's, not the models': ``include_name`` keeps them out of
Alembic's comparison with the models.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy import Connection, event, inspect, text
from sqlalchemy.orm import Session

from models.pledge import Pledge
from models.practice import Practice
from models.publishable import PublishableRecord

# The columns a reader's words are looked for in, per kind (redacted on the way in).
SEARCHED: dict[type[PublishableRecord], tuple[str, ...]] = {
    Pledge: ("organisation", "title", "text"),
    Practice: ("title", "description", "organisation", "partners"),
}
TABLES = ("pledge", "practice")

# PostgreSQL text search configuration per record language; 'simple' for any other (zh).
LOCALE_CONFIGS = {
    "en": "english",
    "fr": "french",
    "es": "spanish",
    "ru": "russian",
    "pt": "portuguese",
    "ar": "arabic",
}
# Every configuration a query is read under: a word matches in whatever language it was written.
QUERY_CONFIGS = (*sorted(set(LOCALE_CONFIGS.values())), "simple")

_ARABIC_MARKS = re.compile("[\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06ed\u0640]")
_ARABIC_FOLD = str.maketrans({"أ": "ا", "إ": "ا", "آ": "ا", "ٱ": "ا", "ى": "ي", "ة": "ه"})
_WORD = re.compile(r"[^\W_]+")
_HAN_RUN = re.compile(
    "([\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0002fa1f\U00030000-\U0003134f]+)"
)


def _is_latin(ch: str) -> bool:
    code = ord(ch)
    return ch.isalpha() and (code < 0x250 or 0x1E00 <= code <= 0x1EFF)


def _fold(value: str) -> str:
    """Case, compatibility forms, Latin accents, Arabic marks and letter forms, digits folded."""
    value = unicodedata.normalize("NFKC", value).casefold()
    value = _ARABIC_MARKS.sub("", value).translate(_ARABIC_FOLD)
    if not value.isascii():
        kept: list[str] = []
        for ch in unicodedata.normalize("NFD", value):
            if unicodedata.combining(ch) and kept and _is_latin(kept[-1]):
                continue  # an accent on a Latin letter: "réfugiés" is "refugies"
            digit = unicodedata.decimal(ch, None)
            kept.append(str(digit) if digit is not None else ch)
        value = unicodedata.normalize("NFC", "".join(kept))
    return value


def _pieces(value: str) -> Iterable[tuple[str, bool]]:
    """Each folded word of ``value``, cut at Han runs; True for a run of Han characters."""
    for word in _WORD.findall(_fold(value)):
        for piece in _HAN_RUN.split(word):
            if piece:
                yield piece, bool(_HAN_RUN.fullmatch(piece))


def _pairs(run: str) -> list[str]:
    return [run[i : i + 2] for i in range(len(run) - 1)]


def document_words(*texts: str | None) -> list[str]:
    """The words indexed for a record's texts: Han runs as their characters and pairs."""
    words: list[str] = []
    for value in texts:
        for piece, han in _pieces(value or ""):
            words.extend([*piece, *_pairs(piece)] if han else [piece])
    return words


def query_words(query: str) -> list[str]:
    """The words a query looks up, each required: Han runs by their pairs (or the lone character)."""
    words: list[str] = []
    for piece, han in _pieces(query):
        words.extend((_pairs(piece) or [piece]) if han else [piece])
    return list(dict.fromkeys(words))


def search_document(model: type[PublishableRecord], values: Mapping[str, Any]) -> str:
    """The ``search_document`` of a record of ``model`` with these column values."""
    return " ".join(document_words(*(values.get(name) for name in SEARCHED[model])))


def with_search_document(model: type[Any], values: dict[str, Any]) -> dict[str, Any]:
    """``values`` of a new row, with its search document when ``model`` is searched."""
    if model in SEARCHED:
        return {**values, "search_document": search_document(model, values)}
    return values


def _refresh_document(_mapper: Any, _connection: Any, target: PublishableRecord) -> None:
    """ORM writes: the document follows the searched columns (Core inserts use ``with_search_document``)."""
    model = type(target)
    state = inspect(target)
    new = state.pending or not target.search_document
    if new or any(state.attrs[name].history.has_changes() for name in SEARCHED[model]):
        target.search_document = search_document(
            model, {name: getattr(target, name) for name in SEARCHED[model]}
        )


def _purge_erased_words(session: Session, _context: Any) -> None:
    """SQLite: merge the index of a kind whose records were deleted, so their words leave the file.

    FTS5 (before SQLite 3.42's secure-delete) records a deletion as a marker in a new
    segment; the erased words stay in the older segments until they are merged. An
    erasure deletes records through the ORM; merging all segments in the same transaction
    rewrites the index without them (and ``secure_delete`` zeroes the pages freed).
    """
    tables = {type(o).__tablename__ for o in session.deleted if type(o) in SEARCHED}
    if not tables:
        return
    connection = session.connection()
    if connection.dialect.name != "sqlite":
        return
    for table in sorted(tables):
        _fts5_command(connection, table, "optimize")


def _fts5_command(connection: Connection, table: str, command: str) -> None:
    fts = f"{table}_fts"  # one of TABLES; the command one of FTS5's own
    connection.exec_driver_sql(f"INSERT INTO {fts}({fts}) VALUES ('{command}')")  # noqa: S608


for _model in SEARCHED:
    event.listen(_model, "before_insert", _refresh_document)
    event.listen(_model, "before_update", _refresh_document)
event.listen(Session, "after_flush", _purge_erased_words)


# --- the database's objects -------------------------------------------------------------------

_FTS_NAME = re.compile(r"^(?:pledge|practice)_fts(?:_(?:data|idx|content|docsize|config))?$")


def include_name(name: str | None, type_: str, parent_names: Mapping[str, Any]) -> bool:
    """Alembic: leave the full-text objects (FTS5 tables, ``search_vector``) out of comparisons."""
    if type_ == "table" and name and _FTS_NAME.match(name):
        return False
    if type_ == "column" and name == "search_vector":
        return False
    if type_ == "index" and name and name.endswith("_search_vector"):
        return False
    return True


def _sqlite_triggers(table: str) -> dict[str, str]:
    fts = f"{table}_fts"  # table: one of TABLES
    remove = (
        f"INSERT INTO {fts}({fts}, rowid, search_document)"  # noqa: S608
        " VALUES ('delete', old.id, old.search_document);"
    )
    add = f"INSERT INTO {fts}(rowid, search_document) VALUES (new.id, new.search_document);"  # noqa: S608
    return {
        f"{fts}_insert": f"AFTER INSERT ON {table} BEGIN {add} END",
        f"{fts}_delete": f"AFTER DELETE ON {table} BEGIN {remove} END",
        f"{fts}_update": f"AFTER UPDATE OF search_document ON {table} BEGIN {remove} {add} END",
    }


def ensure_sqlite_index(connection: Connection) -> None:
    """Create the FTS5 tables and their triggers where missing, and refill an index that lost them.

    Rebuilding a table (Alembic's batch mode: copy, drop, rename) drops its triggers: run
    after every migration, this puts them back and re-reads the table into the index.
    """
    existing = set(
        connection.exec_driver_sql(
            "SELECT name FROM sqlite_master WHERE type IN ('table', 'trigger')"
        ).scalars()
    )
    for table in TABLES:
        if table not in existing:
            continue
        fts = f"{table}_fts"
        if fts not in existing:
            connection.exec_driver_sql(
                f"CREATE VIRTUAL TABLE {fts} USING fts5(search_document, "
                f"content='{table}', content_rowid='id', tokenize='porter ascii')"
            )
        triggers = _sqlite_triggers(table)
        if all(name in existing for name in triggers):
            continue
        for name, body in triggers.items():
            connection.exec_driver_sql(f"DROP TRIGGER IF EXISTS {name}")
            connection.exec_driver_sql(f"CREATE TRIGGER {name} {body}")
        _fts5_command(connection, table, "rebuild")


def drop_sqlite_index(connection: Connection) -> None:
    for table in TABLES:
        for name in _sqlite_triggers(table):
            connection.exec_driver_sql(f"DROP TRIGGER IF EXISTS {name}")
        connection.exec_driver_sql(f"DROP TABLE IF EXISTS {table}_fts")


def postgresql_vector_sql() -> str:
    """The ``search_vector`` expression: the record language's configuration, and 'simple'."""
    cases = " ".join(
        f"WHEN '{locale}' THEN '{config}'::regconfig" for locale, config in LOCALE_CONFIGS.items()
    )
    return (
        f"to_tsvector(CASE locale {cases} ELSE 'simple'::regconfig END, search_document)"
        " || to_tsvector('simple'::regconfig, search_document)"
    )


# The query of a reader's words (each already cut by ``query_words``): every word, each as
# any of its distinct forms under the configurations of QUERY_CONFIGS. IMMUTABLE, so the
# planner computes it once from the words and estimates the match from the index's
# statistics (the same lexeme seven times over would look seven times as common).
SEARCH_QUERY_FUNCTION = "search_query"


def postgresql_query_function_sql() -> str:
    configs = ", ".join(f"'{config}'" for config in QUERY_CONFIGS)
    return f"""CREATE OR REPLACE FUNCTION {SEARCH_QUERY_FUNCTION}(words text[]) RETURNS tsquery
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE AS $$
DECLARE
    result tsquery := ''::tsquery;
    word text;
    config regconfig;
    form tsquery;
    either tsquery;
    seen text[];
BEGIN
    FOREACH word IN ARRAY words LOOP
        either := NULL;
        seen := '{{}}';
        FOREACH config IN ARRAY ARRAY[{configs}]::regconfig[] LOOP
            form := plainto_tsquery(config, word);
            IF numnode(form) > 0 AND NOT (form::text = ANY (seen)) THEN
                seen := seen || form::text;
                either := CASE WHEN either IS NULL THEN form ELSE either || form END;
            END IF;
        END LOOP;
        IF either IS NOT NULL THEN
            result := CASE WHEN numnode(result) = 0 THEN either ELSE result && either END;
        END IF;
    END LOOP;
    RETURN result;
END
$$"""


def create_postgresql_index(connection: Connection) -> None:
    connection.execute(text(postgresql_query_function_sql()))
    for table in TABLES:
        connection.execute(
            text(
                f"ALTER TABLE {table} ADD COLUMN IF NOT EXISTS search_vector tsvector "
                f"GENERATED ALWAYS AS ({postgresql_vector_sql()}) STORED"
            )
        )
        connection.execute(
            text(
                f"CREATE INDEX IF NOT EXISTS ix_{table}_search_vector ON {table} "
                "USING gin (search_vector)"
            )
        )


def drop_postgresql_index(connection: Connection) -> None:
    for table in TABLES:
        connection.execute(text(f"DROP INDEX IF EXISTS ix_{table}_search_vector"))
        connection.execute(text(f"ALTER TABLE {table} DROP COLUMN IF EXISTS search_vector"))
    connection.execute(text(f"DROP FUNCTION IF EXISTS {SEARCH_QUERY_FUNCTION}(text[])"))
