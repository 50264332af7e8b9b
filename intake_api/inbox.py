"""Exactly-once intake of chat deliveries (Telegram updates, Slack events).

A delivery is recorded in the store before the platform gets its
acknowledgement; a redelivery of the same id is recognised and skipped; one
whose processing failed stays pending and is tried again later. Payloads are
encrypted while they wait and dropped once processed.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Engine, update
from sqlmodel import Session, col, select

from intake_api.crypto import KeyRing
from models import crud
from models.base import utcnow
from models.db import read_session, write_session
from models.inbox import InboxEntry

MAX_ATTEMPTS = 5


@dataclass(frozen=True)
class Delivery:
    delivery_id: str
    payload: dict[str, Any]
    attempts: int


class Inbox:
    def __init__(self, engine: Engine, keys: KeyRing, channel: str) -> None:
        self.engine = engine
        self.keys = keys
        self.channel = channel

    def receive(self, delivery_id: str, payload: dict[str, Any]) -> bool:
        """Record a delivery; False when it was seen before (a redelivery: do nothing)."""
        sealed = self.keys.encrypt(json.dumps(payload), context=f"inbox.{self.channel}")
        values = {"channel": self.channel, "delivery_id": delivery_id, "payload": sealed}
        with write_session(self.engine) as session:
            return (
                crud.insert_new(session, InboxEntry, values, unique=["channel", "delivery_id"])
                is not None
            )

    def claim(self, delivery_id: str) -> bool:
        """True when this delivery still needs processing (not done, attempts left)."""
        with read_session(self.engine) as session:
            entry = self._entry(session, delivery_id)
            return entry is not None and entry.status == "pending" and entry.attempts < MAX_ATTEMPTS

    def claim_retry(self, delivery_id: str, *, stale_after: timedelta) -> bool:
        """For a platform's retry of a delivery seen before: True when the first attempt failed,
        or stopped without a word (still pending after ``stale_after``, e.g. its process died).

        False while the first attempt may still be running: a retry that arrives meanwhile
        (Slack retries after 3 seconds without an answer) must not process it a second time.
        """
        with read_session(self.engine) as session:
            entry = self._entry(session, delivery_id)
            if entry is None or entry.status != "pending" or entry.attempts >= MAX_ATTEMPTS:
                return False
            return entry.attempts > 0 or _aware(entry.received_at) < utcnow() - stale_after

    def done(self, delivery_id: str, *, then: Callable[[Session], None] | None = None) -> None:
        """Settle a delivery; ``then`` writes what it caused (its replies) in the same transaction."""
        with write_session(self.engine) as session:
            session.execute(
                update(InboxEntry)
                .where(
                    col(InboxEntry.channel) == self.channel,
                    col(InboxEntry.delivery_id) == delivery_id,
                )
                .values(status="done", payload=None, processed_at=utcnow())
            )
            if then is not None:
                then(session)

    def failed(self, delivery_id: str, error: BaseException) -> None:
        """Count a failed attempt; after the last one the delivery is reported as failed."""
        with write_session(self.engine) as session:
            entry = self._entry(session, delivery_id)
            if entry is None:
                return
            entry.attempts += 1
            entry.last_error = type(error).__name__[:120]
            if entry.attempts >= MAX_ATTEMPTS:
                entry.status, entry.payload = "failed", None

    def due_for_retry(self, *, older_than: timedelta, limit: int = 50) -> list[Delivery]:
        """Pending deliveries nobody finished, e.g. after a crash or a failed attempt."""
        cutoff = utcnow() - older_than
        with read_session(self.engine) as session:
            entries = session.exec(
                select(InboxEntry)
                .where(InboxEntry.channel == self.channel, InboxEntry.status == "pending")
                .where(InboxEntry.received_at < cutoff)
                .order_by(InboxEntry.id)  # type: ignore[arg-type]
                .limit(limit)
            )
            return [
                Delivery(e.delivery_id, self._open(e.payload), e.attempts)
                for e in entries
                if e.payload is not None
            ]

    def status(self, delivery_id: str) -> str | None:
        with read_session(self.engine) as session:
            entry = self._entry(session, delivery_id)
            return entry.status if entry else None

    def _entry(self, session: Session, delivery_id: str) -> InboxEntry | None:
        statement = select(InboxEntry).where(
            InboxEntry.channel == self.channel, InboxEntry.delivery_id == delivery_id
        )
        return session.exec(statement).first()

    def _open(self, sealed: bytes) -> dict[str, Any]:
        payload: dict[str, Any] = json.loads(
            self.keys.decrypt(sealed, context=f"inbox.{self.channel}")
        )
        return payload


def _aware(moment: datetime) -> datetime:
    """SQLite gives back naive UTC times; PostgreSQL aware ones."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
