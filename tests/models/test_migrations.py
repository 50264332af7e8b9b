"""Migrations build the whole store from empty, identically to the models, on both backends."""

from __future__ import annotations

import time

import psycopg
import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import event, inspect, text
from sqlmodel import SQLModel

from models.db import make_engine
from models.full_text import include_name
from models.migrate import alembic_config, current_revision, upgrade
from models.reference import OBJECTIVES, REVIEW_SLUGS
from tests.conftest import PG_DSN, require_postgres

TABLES = {
    "regional_review",
    "objective",
    "contributor",
    "submission",
    "submission_objective",
    "pledge",
    "practice",
    "registration",
    "consent_record",
    "audit_entry",
}


def test_upgrade_from_empty_creates_every_table_and_seeds_reference_data(database_url):
    engine = make_engine(database_url)
    upgrade(engine)

    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert current_revision(engine) == head
    assert TABLES <= set(inspect(engine).get_table_names())
    with engine.connect() as connection:
        slugs = (
            connection.execute(text("SELECT slug FROM regional_review ORDER BY slug"))
            .scalars()
            .all()
        )
        objectives = connection.execute(text("SELECT count(*) FROM objective")).scalar_one()
    assert tuple(slugs) == tuple(sorted(REVIEW_SLUGS))
    assert objectives == len(OBJECTIVES) == 23
    engine.dispose()


def test_upgrade_twice_changes_nothing(database_url):
    engine = make_engine(database_url)
    upgrade(engine)
    upgrade(engine)
    with engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM regional_review")).scalar_one() == 5
    engine.dispose()


def test_upgrading_an_up_to_date_store_only_reads(database_url):
    """Every command and server start runs ``upgrade``: on a store already at head it must
    not ask for a write lock (SQLite refuses a write at once to a transaction whose snapshot
    another process has moved on, whatever the busy timeout: a CLI broadcast started beside a
    busy server failed so)."""
    engine = make_engine(database_url)
    upgrade(engine)
    statements: list[str] = []

    def seen(_conn, _cursor, statement, *_args):  # type: ignore[no-untyped-def]
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", seen)
    try:
        upgrade(engine)
    finally:
        event.remove(engine, "before_cursor_execute", seen)
    writes = [
        s
        for s in statements
        if s.lstrip().split()[0].upper()
        in ("INSERT", "UPDATE", "DELETE", "CREATE", "DROP", "ALTER")
    ]
    assert statements and not writes, writes
    engine.dispose()


def test_migrations_match_the_models(database_url):
    """A model change without its migration fails here."""
    engine = make_engine(database_url)
    upgrade(engine)
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"include_name": include_name})
        diff = compare_metadata(context, SQLModel.metadata)
    engine.dispose()
    assert diff == []


def test_sqlite_runs_in_wal_mode_with_a_busy_timeout(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'x.db'}")
    with engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert connection.exec_driver_sql("PRAGMA busy_timeout").scalar() >= 5000
        assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    engine.dispose()


@pytest.mark.postgres
def test_a_postgresql_connection_is_pinged_only_when_closed_or_idle(monkeypatch):
    """A connection used a moment ago goes straight back to work; one whose server process
    is gone (as after a restart) is replaced before use, however recently it was used; one
    idle past the window is pinged, and kept when it answers."""
    from models import db

    require_postgres()
    engine = make_engine(PG_DSN)
    assert engine.dialect.driver == "psycopg"
    pings: list[object] = []
    ping = engine.dialect.do_ping
    monkeypatch.setattr(engine.dialect, "do_ping", lambda c: pings.append(c) or ping(c))
    monkeypatch.setattr(db, "PING_AFTER_IDLE_S", 60.0)

    def backend() -> int:
        with engine.connect() as connection:
            return int(connection.exec_driver_sql("SELECT pg_backend_pid()").scalar_one())

    try:
        first = backend()
        assert backend() == first and pings == []  # used a moment ago: no ping
        with psycopg.connect(PG_DSN, autocommit=True) as other:
            other.execute("SELECT pg_terminate_backend(%s)", (first,))
        time.sleep(0.2)  # the server's close reaches the socket
        replaced = backend()  # seen closed, pinged, replaced before the statement was sent
        assert replaced != first and len(pings) == 1
        monkeypatch.setattr(db, "PING_AFTER_IDLE_S", 0.2)
        time.sleep(0.3)
        assert backend() == replaced and len(pings) == 2  # idle: pinged, alive, kept
    finally:
        engine.dispose()
