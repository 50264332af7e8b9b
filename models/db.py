"""Engine and sessions for the shared store, tuned per backend."""

from __future__ import annotations

import select
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, event, exc, text
from sqlalchemy.engine import make_url
from sqlmodel import Session, create_engine

SQLITE_BUSY_TIMEOUT_MS = 15_000
PG_CONNECT_TIMEOUT_S = 10
# A pooled PostgreSQL connection is pinged before use when the server has closed its end
# (a restart, a terminated backend: the socket reads as closed, no round trip needed to
# see it) or when it has been idle this long (HikariCP's aliveBypassWindowMs, 500 ms by
# default: a silent network drop shows no sign). A busy worker's connections are not asked
# one more round trip per transaction (half of a 304's).
PING_AFTER_IDLE_S = 0.5


def make_engine(url: str, **kwargs: Any) -> Engine:
    """Create the engine: WAL and a busy timeout on SQLite; on PostgreSQL, a connect timeout
    and a ping of connections that were idle."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        return _sqlite_engine(url, **kwargs)
    if parsed.drivername == "postgresql":
        url = parsed.set(drivername="postgresql+psycopg").render_as_string(hide_password=False)
    if parsed.get_backend_name() == "postgresql" and "connect_timeout" not in parsed.query:
        # An unreachable server fails a request (and /healthz) in seconds, not after TCP's minutes.
        kwargs["connect_args"] = {
            "connect_timeout": PG_CONNECT_TIMEOUT_S,
            **kwargs.get("connect_args", {}),
        }
    engine = create_engine(url, **kwargs)
    _ping_after_idle(engine)
    return engine


def _ping_after_idle(engine: Engine) -> None:
    """Ping a connection taken from the pool when its server closed it or after
    ``PING_AFTER_IDLE_S`` idle; a dead one is replaced before anyone uses it (SQLAlchemy
    retries the checkout with a new connection)."""

    @event.listens_for(engine, "checkin")
    def _idle_from(_dbapi_connection: Any, record: Any) -> None:
        record.info["idle_since"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _alive(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        idle_since = record.info.pop("idle_since", None)
        if idle_since is None:
            return  # new
        if time.monotonic() - idle_since < PING_AFTER_IDLE_S and _quiet(dbapi_connection):
            return  # used a moment ago, and the server has said nothing since
        try:
            engine.dialect.do_ping(dbapi_connection)
        except Exception as error:  # noqa: BLE001 - any failure: this connection is gone
            raise exc.DisconnectionError(
                f"a pooled connection did not answer: {error!r}"
            ) from error


def _quiet(dbapi_connection: Any) -> bool:
    """Nothing to read on an idle connection's socket. The server only writes to an idle
    connection to end it (an administrator's shutdown, then the close): readable means gone
    or going. (go-sql-driver/mysql checks a pooled connection the same way.)"""
    try:
        socket = dbapi_connection.pgconn.socket
        readable, _, _ = select.select([socket], [], [], 0)
    except Exception:  # noqa: BLE001 - no socket to look at: let the ping decide
        return False
    return not readable


def _sqlite_engine(url: str, **kwargs: Any) -> Engine:
    _create_folder_of(url)
    engine = create_engine(
        url,
        connect_args={"check_same_thread": False, "timeout": SQLITE_BUSY_TIMEOUT_MS / 1000},
        **kwargs,
    )

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy emit BEGIN itself (see _on_begin), instead of pysqlite's implicit one.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        # Erased rows are overwritten with zeros, not left in free pages of the file.
        cursor.execute("PRAGMA secure_delete=ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        # A write transaction takes the write lock up front, so it waits on the busy
        # timeout instead of failing when a read snapshot cannot be upgraded.
        if connection.get_execution_options().get("write"):
            connection.exec_driver_sql("BEGIN IMMEDIATE")
        else:
            connection.exec_driver_sql("BEGIN")

    return engine


def _create_folder_of(url: str) -> None:
    """Make the folder of an SQLite file, so a fresh directory needs no set-up (sqlite3 will not).

    Created readable by this user only: the store holds what people wrote.
    """
    database = make_url(url).database
    if not database or database == ":memory:" or database.startswith("file:"):
        return  # in memory, or a URI filename whose path sqlite3 reads itself
    try:
        Path(database).expanduser().parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    except OSError:
        pass  # not ours to create (read-only, a file in the way): connecting says why, /healthz 503


@contextmanager
def write_session(engine: Engine) -> Iterator[Session]:
    """A session for one writing transaction; commits on success, rolls back on error."""
    with Session(engine, expire_on_commit=False) as session:
        session.connection(execution_options={"write": True})
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise


@contextmanager
def read_session(engine: Engine) -> Iterator[Session]:
    with Session(engine, expire_on_commit=False) as session:
        yield session


def ping(engine: Engine) -> bool:
    """True when the store answers a trivial query."""
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        return True
    except Exception:  # noqa: BLE001 - any failure means "unavailable"
        return False
