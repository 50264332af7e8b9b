"""Near-duplicate groups in the store: joined after intake, rebuilt in batch, the same result.

A group is identified by its smallest submission id; an input alone has no group.

An intake only records that its input waits (``wait_for_group``, in its own transaction);
``group_waiting`` joins the waiting inputs one after another, under a lock only groupers
take. Grouping inputs one at a time is what keeps groups whole (two inputs grouped at once
would not see each other, and could merge the same group two ways); intakes never wait
for it.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from typing import Any, cast

import numpy as np
from sqlalchemy import Connection, Engine, delete, exists, insert, text, update
from sqlmodel import Session, col, select

from intake_api.language.near_duplicates import NEEDED, bands, components, signature
from models.db import read_session, write_session
from models.submission import GroupingPending, Submission, TextBand

BATCH = 20_000
WAITING_BATCH = 20  # waiting inputs grouped per transaction (SQLite's write lock, held)
PARALLEL_CHUNK = 500
_INPUTS = Submission.__table__  # type: ignore[attr-defined]
_BANDS = TextBand.__table__  # type: ignore[attr-defined]


# Statements in the driver's own terms, "{}" for each parameter: at intake, composing
# and compiling SQLAlchemy constructs (sixteen band literals, IN lists) cost more than
# running them.
_CANDIDATES = (
    "SELECT id, minhash, duplicate_group FROM submission WHERE id IN "
    "(SELECT submission_id FROM text_band WHERE band IN ({}))"
)
_ADD_BANDS = "INSERT INTO text_band (band, submission_id) VALUES {}"
_MEMBERS = "SELECT id FROM submission WHERE duplicate_group IN ({})"
_SET_GROUP = "UPDATE submission SET duplicate_group = {} WHERE id IN ({})"
# Groups change one input at a time, in one grouper at a time per store: held by the
# grouper until its transaction commits, never by an intake. SQLite's write lock already
# does the same.
_LOCK_KEY = "hashtext(current_database() || '.' || current_schema() || '.gcm-intake-grouping')"
_GROUPING_LOCK = text(f"SELECT pg_advisory_xact_lock({_LOCK_KEY})")
_TRY_GROUPING_LOCK = text(f"SELECT pg_try_advisory_xact_lock({_LOCK_KEY})")


def wait_for_group(session: Session, submission_id: int) -> None:
    """Record, in the intake's transaction, that a new input waits to join its group."""
    session.execute(insert(GroupingPending).values(submission_id=submission_id))


def group_waiting(engine: Engine, *, batch: int = WAITING_BATCH) -> int:
    """Join every waiting input to its near-duplicates, oldest first; how many were joined.

    Returns at once when another grouper holds the lock: it groups these inputs too. An
    intake committed while this one held the lock left its input to this one, which looks
    again after each round. Nothing waiting: nothing written (no write lock on SQLite).
    """
    joined = 0
    while _any_waiting(engine):
        with write_session(engine) as session:
            if not _try_lock_groups(session.connection()):
                return joined
            waiting = session.exec(
                select(Submission.id, Submission.minhash)
                .join(GroupingPending, col(GroupingPending.submission_id) == col(Submission.id))
                .order_by(col(Submission.id))
                .limit(batch)
            ).all()
            ids = [cast(int, submission_id) for submission_id, _ in waiting]
            for submission_id, (_, minhash) in zip(ids, waiting, strict=True):
                if minhash is not None:
                    join_group(session, submission_id, minhash)
            session.execute(
                delete(GroupingPending).where(col(GroupingPending.submission_id).in_(ids))
            )
        joined += len(ids)
    return joined


def _any_waiting(engine: Engine) -> bool:
    with read_session(engine) as session:
        return bool(session.scalar(select(exists().select_from(GroupingPending))))


def join_group(session: Session, submission_id: int, minhash: bytes) -> int | None:
    """Index an input's bands and merge it with the near-duplicates grouped before it.

    The caller holds the grouping lock (``group_waiting``).
    """
    keys = bands(minhash)
    connection = session.connection()
    mark = _mark(connection)
    candidates = connection.exec_driver_sql(
        _CANDIDATES.format(_marks(mark, len(keys))), tuple(keys)
    ).all()
    connection.exec_driver_sql(
        _ADD_BANDS.format(", ".join([f"({mark}, {mark})"] * len(keys))),
        tuple(v for key in keys for v in (key, submission_id)),
    )
    close = _close(minhash, [row for row in candidates if row[1] is not None])
    if not close:
        return None
    members = {submission_id, *(i for i, _ in close)}
    groups = {g for _, g in close if g is not None}
    group = min(members | groups)
    if groups == {group}:  # joining one group that keeps its id: only the newcomers change
        members = {submission_id, *(i for i, g in close if g is None)}
    elif groups:  # whole groups merge (two indexed lookups: an OR would scan the table)
        members |= set(
            connection.exec_driver_sql(
                _MEMBERS.format(_marks(mark, len(groups))), tuple(sorted(groups))
            ).scalars()
        )
    connection.exec_driver_sql(
        _SET_GROUP.format(mark, _marks(mark, len(members))), (group, *sorted(members))
    )
    return group


def _close(sig: bytes, candidates: list[Any]) -> list[tuple[int, int | None]]:
    """(id, group) of the candidates similar enough, compared in one vectorised step.

    A campaign's thousandth copy has a thousand candidates: one numpy comparison, not a
    thousand Python ones.
    """
    if not candidates:
        return []
    matrix = np.frombuffer(b"".join(bytes(row[1]) for row in candidates), dtype="<u4").reshape(
        len(candidates), -1
    )
    agree = (matrix == np.frombuffer(sig, dtype="<u4")).sum(axis=1)
    return [
        (row[0], row[2])
        for row, same in zip(candidates, agree.tolist(), strict=True)
        if same >= NEEDED
    ]


def _mark(connection: Connection) -> str:
    """The driver's parameter marker: ``?`` for sqlite3, ``%s`` for psycopg."""
    return "?" if connection.dialect.paramstyle == "qmark" else "%s"


def _marks(mark: str, count: int) -> str:
    return ", ".join([mark] * count)


def _lock_groups(connection: Connection) -> None:
    if connection.dialect.name == "postgresql":
        connection.execute(_GROUPING_LOCK)


def _try_lock_groups(connection: Connection) -> bool:
    if connection.dialect.name != "postgresql":
        return True  # the write transaction's lock
    return bool(connection.execute(_TRY_GROUPING_LOCK).scalar())


def _sign(texts: list[str]) -> list[bytes]:
    """Signatures of many texts, each distinct text once, on every core when worth it.

    A copy-paste campaign is many copies of one text: signed once.
    """
    distinct = list(dict.fromkeys(texts))
    workers = os.cpu_count() or 1
    if workers == 1 or len(distinct) < 4 * PARALLEL_CHUNK:
        signed = [signature(t) for t in distinct]
    else:
        with ProcessPoolExecutor(
            max_workers=workers, mp_context=multiprocessing.get_context("fork")
        ) as pool:
            signed = list(pool.map(signature, distinct, chunksize=PARALLEL_CHUNK))
    by_text = dict(zip(distinct, signed, strict=True))
    return [by_text[t] for t in texts]


def _executemany(connection: Connection, statement: str, rows: list[tuple[Any, ...]]) -> None:
    """One statement over many rows straight through the driver.

    Over a million band rows, SQLAlchemy's per-row parameter processing costs more than
    the database's own work; ``{}`` marks each parameter in the driver's style.
    """
    if rows:
        connection.exec_driver_sql(
            statement.format(*[_mark(connection)] * statement.count("{}")), rows
        )


def regroup_all(
    engine: Engine, progress: Callable[[int], None] = lambda _n: None
) -> dict[str, int]:
    """Batch: sign inputs that lack a signature, rebuild bands and groups from scratch.

    Core statements and executemany throughout: the ORM's per-object work would
    dominate over 100,000 inputs.
    """
    signed = 0
    while True:
        with read_session(engine) as session:
            rows = session.execute(
                select(Submission.id, Submission.text)
                .where(col(Submission.minhash).is_(None))
                .limit(BATCH)
            ).all()
        if rows:
            signatures = _sign([t for _, t in rows])
            with write_session(engine) as session:
                _executemany(
                    session.connection(),
                    "UPDATE submission SET minhash = {} WHERE id = {}",
                    [(sig, i) for (i, _), sig in zip(rows, signatures, strict=True)],
                )
        signed += len(rows)
        progress(len(rows))
        if len(rows) < BATCH:
            break
    with read_session(engine) as session:
        items = [
            (i, s)
            for i, s in session.execute(
                select(Submission.id, Submission.minhash).order_by(col(Submission.id))
            )
            if s
        ]
    keys = [bands(sig) for _, sig in items]
    groups = components(items, keys)
    with write_session(engine) as session:
        connection = session.connection()
        _lock_groups(connection)
        connection.execute(delete(TextBand))
        # Grouped below from scratch; an input stored since the read above stays waiting.
        grouped = [i for i, _ in items]
        for start in range(0, len(grouped), BATCH):
            connection.execute(
                delete(GroupingPending).where(
                    col(GroupingPending.submission_id).in_(grouped[start : start + BATCH])
                )
            )
        secondary = list(_BANDS.indexes)  # rebuilt once at the end: cheaper than kept up row by row
        for index in secondary:
            index.drop(connection)
        for start in range(0, len(items), BATCH):
            chunk = range(start, min(start + BATCH, len(items)))
            _executemany(
                connection,
                "INSERT INTO text_band (band, submission_id) VALUES ({}, {})",
                [(key, items[n][0]) for n in chunk for key in keys[n]],
            )
            progress(len(chunk))
        for index in secondary:
            index.create(connection)
        session.execute(
            update(Submission)
            .where(col(Submission.duplicate_group).is_not(None))
            .values(duplicate_group=None)
        )
        _executemany(
            connection,
            "UPDATE submission SET duplicate_group = {} WHERE id = {}",
            [(group, member) for member, group in groups.items()],
        )
    return {
        "signed": signed,
        "inputs": len(items),
        "groups": len(set(groups.values())),
        "in_groups": len(groups),
    }
