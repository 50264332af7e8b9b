"""Counts per regional review for staff views (Slack App Home, the API), straight from SQL.

Flagged inputs are listed by receipt and theme, never by their words: App Home is a
screen anyone near a staff member's laptop or phone can read.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import ColumnElement, Engine, func
from sqlmodel import Session, col, select

from intake_api.policies.publication import Pointer
from models.base import utcnow
from models.db import read_session
from models.review import RegionalReview
from models.submission import Submission


@dataclass(frozen=True)
class ReviewStats:
    slug: str
    region: str
    commission: str
    consultation_on: date
    meeting_format: str
    venue: str
    today: int
    week: int
    total: int
    by_group: list[tuple[str, int]]
    flagged: list[Pointer]  # the latest flagged inputs, without their words


def review_stats(engine: Engine, *, now: datetime | None = None) -> list[ReviewStats]:
    now = now or utcnow()
    start_of_day = now.replace(hour=0, minute=0, second=0, microsecond=0)
    week_ago = now - timedelta(days=7)
    with read_session(engine) as session:
        reviews = session.exec(select(RegionalReview).order_by(col(RegionalReview.consultation_on))).all()
        counts = {
            slug: (today or 0, week or 0, total)
            for slug, today, week, total in session.exec(
                select(
                    Submission.review_slug,
                    func.sum((col(Submission.created_at) >= start_of_day).cast(_int())),
                    func.sum((col(Submission.created_at) >= week_ago).cast(_int())),
                    func.count(),
                ).group_by(col(Submission.review_slug))
            )
        }
        groups: dict[str, list[tuple[str, int]]] = {}
        for slug, group, count in session.exec(
            select(Submission.review_slug, Submission.stakeholder_group, func.count())
            .group_by(col(Submission.review_slug), col(Submission.stakeholder_group))
            .order_by(func.count().desc())
        ):
            groups.setdefault(slug, []).append((group or "other", count))
        flagged: dict[str, list[Pointer]] = {}
        for slug, receipt, theme, urgent in session.exec(
            select(Submission.review_slug, Submission.receipt, Submission.theme, Submission.urgent_category)
            .where(Submission.status == "flagged")
            .order_by(col(Submission.updated_at).desc())
        ):
            if len(flagged.setdefault(slug, [])) < 5:
                flagged[slug].append(Pointer(receipt, theme, urgent))
    return [
        ReviewStats(r.slug, r.region, r.commission, r.consultation_on, r.meeting_format, r.venue,
                    *counts.get(r.slug, (0, 0, 0)), groups.get(r.slug, []), flagged.get(r.slug, []))
        for r in reviews
    ]  # fmt: skip


# Key phrases (TF-IDF, in Python) read at most this many of the latest inputs: their top
# terms settle long before that, and a report over a million inputs stays seconds, not minutes.
KEY_PHRASE_SAMPLE = 10_000


def latest_inputs(session: Session) -> ColumnElement[bool]:
    """A condition keeping the latest KEY_PHRASE_SAMPLE inputs by id (a primary-key range)."""
    newest = session.exec(select(func.max(Submission.id))).one() or 0
    return col(Submission.id) > newest - KEY_PHRASE_SAMPLE


def _int():  # type: ignore[no-untyped-def]
    from sqlalchemy import Integer

    return Integer()
