"""Near-duplicate groups in the store: joined at intake, rebuilt in batch, the same result.

A group is identified by its smallest submission id; an input alone has no group.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import Engine, delete, insert, update
from sqlmodel import Session, col, select

from intake_api.language.near_duplicates import THRESHOLD, bands, components, signature, similarity
from models.db import read_session, write_session
from models.submission import Submission, TextBand

BATCH = 2_000


def join_group(session: Session, submission: Submission) -> int | None:
    """Index a new input's bands and merge it with the near-duplicates already stored."""
    if submission.minhash is None or submission.id is None:
        return None
    keys = bands(submission.minhash)
    with session.no_autoflush:
        candidates = session.execute(
            select(Submission.id, Submission.minhash, Submission.duplicate_group)
            .where(col(Submission.id).in_(
                select(TextBand.submission_id).where(col(TextBand.band).in_(keys)).scalar_subquery()))
        ).all()  # fmt: skip
    session.execute(insert(TextBand), [{"band": key, "submission_id": submission.id} for key in keys])
    close = [(other_id, group) for other_id, sig, group in candidates
             if sig is not None and similarity(submission.minhash, sig) >= THRESHOLD]  # fmt: skip
    if not close:
        return None
    members = {submission.id, *(i for i, _ in close)}
    groups = {g for _, g in close if g is not None}
    group = min(members | groups)
    if groups:  # whole groups merge (two indexed lookups: an OR would scan the table)
        members |= set(session.execute(
            select(Submission.id).where(col(Submission.duplicate_group).in_(groups))).scalars())  # fmt: skip
    session.execute(
        update(Submission).where(col(Submission.id).in_(members)).values(duplicate_group=group)
    )
    submission.duplicate_group = group
    return group


def regroup_all(engine: Engine, progress: Callable[[int], None] = lambda _n: None) -> dict[str, int]:
    """Batch: sign inputs that lack a signature, rebuild bands and groups from scratch."""
    signed = 0
    while True:
        with write_session(engine) as session:
            rows = session.exec(
                select(Submission).where(col(Submission.minhash).is_(None)).limit(BATCH)
            ).all()
            for row in rows:
                row.minhash = signature(row.text)
                session.add(row)
        signed += len(rows)
        progress(len(rows))
        if len(rows) < BATCH:
            break
    with read_session(engine) as session:
        items = [(i, s) for i, s in session.exec(
            select(Submission.id, Submission.minhash).order_by(col(Submission.id))) if i is not None and s]  # fmt: skip
    groups = components(items)
    with write_session(engine) as session:
        session.execute(delete(TextBand))
        for start in range(0, len(items), BATCH):
            session.add_all(TextBand(band=key, submission_id=i)
                            for i, sig in items[start:start + BATCH] for key in bands(sig))  # fmt: skip
            session.flush()
            progress(min(BATCH, len(items) - start))
        session.execute(update(Submission).values(duplicate_group=None))
        by_group: dict[int, list[int]] = {}
        for member, group in groups.items():
            by_group.setdefault(group, []).append(member)
        for group, members in by_group.items():
            session.execute(update(Submission).where(col(Submission.id).in_(members)).values(duplicate_group=group))
    return {"signed": signed, "inputs": len(items), "groups": len(by_group),
            "in_groups": len(groups)}  # fmt: skip
