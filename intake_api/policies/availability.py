"""When the store cannot take a write or a read just now: what counts, and what a person is told.

One rule for every channel: an error that means "the store is unavailable" (stopped,
restarting, refusing or dropping connections, timing out, read-only, an SQLite file
locked past its busy timeout, a full disk) is a *503 with Retry-After*, never a 500,
and nothing was stored. Each channel turns it into its own words: the web re-shows
the form with everything typed, the API answers JSON, Slack keeps the modal open,
Telegram is answered so that it delivers the update again.

Errors that mean a fault of ours (a missing table, a constraint, a bug) are not
matched: they stay 500s, logged with their traceback.
"""

from __future__ import annotations

import sqlite3

import psycopg
from sqlalchemy import exc as sa_exc

from models.reference import N_

RETRY_AFTER_SECONDS = 30  # a PostgreSQL restart or failover takes seconds; a lock, less

NOT_STORED_TITLE = N_("We cannot store anything just now")
NOT_STORED_ADVICE = N_("Nothing was lost that you saw a receipt for. Please try again in a minute.")
# Shown above a form re-shown with everything typed in it.
NOT_STORED_FORM = N_(
    "We could not store your answers just now, so nothing was stored yet. Everything you typed is kept below: please send it again in a minute."
)
NOT_STORED_CHAT = N_(
    "We could not store this just now, so nothing was stored yet. Please try again in a minute."
)
NOT_STORED_JSON = "The store is unavailable for a moment; nothing was stored. Retry after the Retry-After seconds."

# SQLite says "unavailable" only in its messages; these are the ones that pass with time.
_SQLITE_UNAVAILABLE = (
    "database is locked",
    "database table is locked",
    "database is busy",
    "unable to open database file",
    "attempt to write a readonly database",
    "disk i/o error",
    "database or disk is full",
)
# PostgreSQL errors that are the server's state, not our query's fault (SQLSTATE classes).
_PG_UNAVAILABLE = (
    psycopg.OperationalError,  # refused, reset, closed, timed out (57014 too); admin shutdown (57P01)
    psycopg.errors.ReadOnlySqlTransaction,  # 25006: a read-only standby or default_transaction_read_only
    psycopg.errors.CannotConnectNow,  # 57P03: starting up or shutting down
    psycopg.errors.DiskFull,  # 53100
    psycopg.errors.TooManyConnections,  # 53300
)
_POOL_UNAVAILABLE = (
    sa_exc.TimeoutError,
    sa_exc.DisconnectionError,
)  # pool exhausted; connection lost


def store_unavailable(error: BaseException) -> bool:
    """True when ``error`` (or what caused it) means the store is unavailable for a while."""
    for cause in _causes(error):
        if isinstance(cause, _POOL_UNAVAILABLE):
            return True
        if isinstance(cause, sa_exc.DBAPIError) and cause.connection_invalidated:
            return True
        if isinstance(cause, _PG_UNAVAILABLE):
            return True
        if isinstance(cause, sqlite3.OperationalError) and str(cause).lower().startswith(
            _SQLITE_UNAVAILABLE
        ):
            return True
    return False


def retry_after_headers() -> dict[str, str]:
    return {"Retry-After": str(RETRY_AFTER_SECONDS)}


def _causes(error: BaseException) -> list[BaseException]:
    """The error, what it wraps (``orig``) and what caused it, each once."""
    found: list[BaseException] = []
    pending: list[BaseException | None] = [error]
    while pending:
        current = pending.pop()
        if current is None or any(current is seen for seen in found):
            continue
        found.append(current)
        pending.extend([getattr(current, "orig", None), current.__cause__, current.__context__])
    return found
