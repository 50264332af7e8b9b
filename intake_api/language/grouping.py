"""Near-duplicate groups in the store: joined at intake, rebuilt in batch, the same result.

A group is identified by its smallest submission id; an input alone has no group.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor

from sqlalchemy import Engine, bindparam, delete, update
from sqlmodel import Session, col, select

from intake_api.language.near_duplicates import THRESHOLD, bands, components, signature, similarity
from models.db import read_session, write_session
from models.submission import Submission, TextBand

BATCH = 20_000
PARALLEL_CHUNK = 500
_INPUTS = Submission.__table__  # type: ignore[attr-defined]
_BANDS = TextBand.__table__  # type: ignore[attr-defined]


def join_group(session: Session, submission: Submission) -> int | None:
    """Index a new input's bands and merge it with the near-duplicates already stored.

    Core statements on the session's connection: at intake, the ORM's per-statement
    work costs more than the queries themselves.
    """
    if submission.minhash is None or submission.id is None:
        return None
    keys = bands(submission.minhash)
    connection = session.connection()
    candidates = connection.execute(
        select(_INPUTS.c.id, _INPUTS.c.minhash, _INPUTS.c.duplicate_group).where(
            _INPUTS.c.id.in_(select(_BANDS.c.submission_id).where(_BANDS.c.band.in_(keys)).scalar_subquery()))
    ).all()  # fmt: skip
    connection.execute(_BANDS.insert(), [{"band": key, "submission_id": submission.id} for key in keys])
    close = [(other_id, group) for other_id, sig, group in candidates
             if sig is not None and similarity(submission.minhash, sig) >= THRESHOLD]  # fmt: skip
    if not close:
        return None
    members = {submission.id, *(i for i, _ in close)}
    groups = {g for _, g in close if g is not None}
    group = min(members | groups)
    if groups:  # whole groups merge (two indexed lookups: an OR would scan the table)
        members |= set(connection.execute(
            select(_INPUTS.c.id).where(_INPUTS.c.duplicate_group.in_(groups))).scalars())  # fmt: skip
    connection.execute(_INPUTS.update().where(_INPUTS.c.id.in_(members)).values(duplicate_group=group))
    submission.duplicate_group = group
    return group


def _sign(texts: list[str]) -> list[bytes]:
    """Signatures of many texts, on every core when there are enough to be worth it."""
    workers = os.cpu_count() or 1
    if workers == 1 or len(texts) < 4 * PARALLEL_CHUNK:
        return [signature(t) for t in texts]
    with ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("fork")) as pool:
        return list(pool.map(signature, texts, chunksize=PARALLEL_CHUNK))


def regroup_all(engine: Engine, progress: Callable[[int], None] = lambda _n: None) -> dict[str, int]:
    """Batch: sign inputs that lack a signature, rebuild bands and groups from scratch.

    Core statements and executemany throughout: the ORM's per-object work would
    dominate over 100,000 inputs.
    """
    signed = 0
    while True:
        with read_session(engine) as session:
            rows = session.execute(
                select(Submission.id, Submission.text).where(col(Submission.minhash).is_(None)).limit(BATCH)
            ).all()
        if rows:
            signatures = _sign([t for _, t in rows])
            with write_session(engine) as session:
                session.connection().execute(
                    _INPUTS.update().where(_INPUTS.c.id == bindparam("row_id")),
                    [{"row_id": i, "minhash": sig} for (i, _), sig in zip(rows, signatures, strict=True)])  # fmt: skip
        signed += len(rows)
        progress(len(rows))
        if len(rows) < BATCH:
            break
    with read_session(engine) as session:
        items = [(i, s) for i, s in session.execute(
            select(Submission.id, Submission.minhash).order_by(col(Submission.id))) if s]  # fmt: skip
    keys = [bands(sig) for _, sig in items]
    groups = components(items, keys)
    with write_session(engine) as session:
        connection = session.connection()
        connection.execute(delete(TextBand))
        secondary = list(_BANDS.indexes)  # rebuilt once at the end: cheaper than kept up row by row
        for index in secondary:
            index.drop(connection)
        for start in range(0, len(items), BATCH):
            chunk = range(start, min(start + BATCH, len(items)))
            connection.execute(
                _BANDS.insert(), [{"band": key, "submission_id": items[n][0]} for n in chunk for key in keys[n]])
            progress(len(chunk))
        for index in secondary:
            index.create(connection)
        session.execute(update(Submission).where(col(Submission.duplicate_group).is_not(None)).values(duplicate_group=None))
        if groups:
            session.connection().execute(
                _INPUTS.update().where(_INPUTS.c.id == bindparam("row_id")),
                [{"row_id": member, "duplicate_group": group} for member, group in groups.items()])  # fmt: skip
    return {"signed": signed, "inputs": len(items), "groups": len(set(groups.values())),
            "in_groups": len(groups)}  # fmt: skip
