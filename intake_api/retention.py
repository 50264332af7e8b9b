"""Retention: what is deleted when its purpose is over, in batches safe to re-run.

Contact details, sealed original texts and registrants' names and needs serve
the consultation; they go ``contact_retention_days`` after the review's
consultation (a review may set its own number). The redacted text of inputs
stays for the summary report. Telegram chats kept for messages about a
review, and the delivery rows of its broadcasts, are contact details too and
go at the same time. Unfinished chat conversations and settled platform
deliveries go after a few idle weeks, chat replies never sent after a day.

Each step selects by a condition that its own update makes false, and commits
batch by batch: a purge that crashes midway loses nothing already done, and
the next run simply carries on.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Engine, delete, func, update
from sqlmodel import col, select

from intake_api.record_kinds import KINDS
from models import crud
from models.base import utcnow
from models.broadcast import Broadcast, BroadcastDelivery, ChatContact
from models.conversation import ChatSession
from models.db import read_session, write_session
from models.inbox import InboxEntry
from models.outbox import ChatReply
from models.registration import Registration
from models.review import RegionalReview
from models.submission import Submission

BATCH = 500
DELIVERY_RETENTION = timedelta(days=30)  # long past any platform's redelivery window
REPLY_RETENTION = timedelta(days=1)


@dataclass(frozen=True)
class Step:
    """One kind of data to purge: which rows, and what purging does to them."""

    name: str
    model: type[Any]
    due: ColumnElement[bool]
    change: dict[str, Any] | None  # values to set; None deletes the rows


@dataclass(frozen=True)
class Policy:
    contact_retention_days: int
    conversation_retention_days: int


class Retention:
    """The purge and its dry run, bound to the store and the deployment's retention policy."""

    def __init__(self, engine: Engine, policy: Policy) -> None:
        self.engine = engine
        self.policy = policy

    def set_review_retention(self, *, review_slug: str, days: int | None, actor: str) -> None:
        """A review's own retention period; None falls back to the deployment's setting."""
        with write_session(self.engine) as session:
            review = session.get_one(RegionalReview, review_slug)
            review.contact_retention_days = days
            crud.write_audit(
                session,
                actor=actor,
                action="review.retention_set",
                subject_type="review",
                subject_id=None,
                detail={"review": review_slug, "days": days},
            )

    def ended_reviews(self, today: date) -> list[str]:
        """Reviews whose consultation ended more than their retention period ago."""
        with read_session(self.engine) as session:
            reviews = session.exec(select(RegionalReview)).all()
        return [
            r.slug
            for r in reviews
            if today > r.consultation_on + timedelta(days=_days(r, self.policy))
        ]

    def plan(self, *, now: datetime | None = None) -> dict[str, int]:
        """How many rows each step would change now: the dry run."""
        now = now or utcnow()
        with read_session(self.engine) as session:
            return {
                step.name: session.exec(
                    select(func.count()).select_from(step.model).where(step.due)
                ).one()
                for step in self._steps(now)
            }

    def purge(
        self,
        *,
        now: datetime | None = None,
        batch: int = BATCH,
        progress: Callable[[str, int], None] = lambda _step, _done: None,
    ) -> dict[str, int]:
        """Purge everything due, batch by batch; returns the rows changed per step."""
        now = now or utcnow()
        done: dict[str, int] = {}
        for step in self._steps(now):
            done[step.name] = 0
            for count in self._batches(step, batch):
                done[step.name] += count
                progress(step.name, count)
        with write_session(self.engine) as session:
            crud.write_audit(
                session,
                actor="retention",
                action="retention.purged",
                subject_type="store",
                subject_id=None,
                detail=done,
            )
        return done

    def _steps(self, now: datetime) -> list[Step]:
        return steps(self.ended_reviews(now.date()), self.policy, now)

    def _batches(self, step: Step, batch: int) -> Iterator[int]:
        """Change due rows ``batch`` at a time, one committed transaction each."""
        while True:
            with write_session(self.engine) as session:
                ids = session.exec(select(step.model.id).where(step.due).limit(batch)).all()
                if not ids:
                    return
                where = col(step.model.id).in_(ids)
                if step.change is None:
                    session.execute(delete(step.model).where(where))
                else:
                    session.execute(update(step.model).where(where).values(**step.change))
            yield len(ids)


def _days(review: RegionalReview, policy: Policy) -> int:
    if review.contact_retention_days is None:
        return policy.contact_retention_days
    return review.contact_retention_days


def steps(ended: list[str], policy: Policy, now: datetime) -> list[Step]:
    """What is due now, given the reviews whose retention period is over."""
    plan = [
        Step(
            f"{model.__tablename__}.contact_email",
            model,  # type: ignore[attr-defined]
            col(model.review_slug).in_(ended) & col(model.contact_email).is_not(None),  # type: ignore[attr-defined]
            {"contact_email": None},
        )
        for model in (kind.model for kind in KINDS.values())
    ]
    plan += [
        Step(
            "submission.text_original",
            Submission,
            col(Submission.review_slug).in_(ended) & col(Submission.text_original).is_not(None),
            {"text_original": None},
        ),
        Step(
            "registration.name_and_needs",
            Registration,
            col(Registration.review_slug).in_(ended) & (func.length(col(Registration.name)) > 0),
            {"name": b"", "accessibility_needs": None, "travel_reason": None},
        ),
        Step(
            "chat_contact.review_ended", ChatContact, col(ChatContact.review_slug).in_(ended), None
        ),
        Step(
            "broadcast_delivery.review_ended",
            BroadcastDelivery,
            col(BroadcastDelivery.broadcast_id).in_(
                select(Broadcast.id).where(col(Broadcast.review_slug).in_(ended))
            ),
            None,
        ),
        Step(
            "chat_session.idle",
            ChatSession,
            col(ChatSession.updated_at) < now - timedelta(days=policy.conversation_retention_days),
            None,
        ),
        Step(
            "inbox_entry.settled",
            InboxEntry,
            (col(InboxEntry.status) == "done")
            & (col(InboxEntry.processed_at) < now - DELIVERY_RETENTION),
            None,
        ),
        # A reply nobody sent within a day (Telegram switched off, say) answers nothing any more.
        Step(
            "chat_reply.unsent", ChatReply, col(ChatReply.created_at) < now - REPLY_RETENTION, None
        ),
    ]
    return plan
