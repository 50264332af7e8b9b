"""The record of outbound messages that failed: each retry counted, each give-up kept for staff.

Senders that keep their own row per message (the reply outbox, broadcast deliveries)
count a retry with ``retried`` and write here only when they give up. Senders without
one (moderation posts, digests per channel) keep their retry state here too:
``retry_or_give_up`` notes a failure and says when to try next, or gives up once the
kind's deadline (``intake_api.policies.delivery``) has passed or the failure is a refusal.
Every give-up goes through ``give_up``: one row, one log line, one count (``failures``).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine, delete, func
from sqlmodel import Session, col, select

from intake_api import failures
from intake_api.policies.delivery import POLICIES, Kind, Policy, classify
from models.base import utcnow
from models.db import read_session, write_session
from models.delivery import OutboundFailure
from models.digest import DigestDelivery


@dataclass(frozen=True)
class Decision:
    """What a sender does after a failure: try again at ``retry_at``, or nothing (given up)."""

    retry_at: datetime | None

    @property
    def gave_up(self) -> bool:
        return self.retry_at is None


def period_ref(subscription_id: int, period_end: datetime) -> str:
    """How the record names a digest period (by Slack or e-mail): the subscription and the period's end."""
    return f"subscription:{subscription_id} period:{_aware(period_end).astimezone(UTC):%Y-%m-%dT%H:%MZ}"


def cause_of(error: BaseException | str) -> str:
    return (error if isinstance(error, str) else classify(error).cause)[:64]


def retried(kind: Kind, error: BaseException) -> None:
    """Count a retry (the sender keeps when to try in its own row)."""
    failures.outbound_retry(kind.value, error)


def give_up(
    session: Session,
    kind: Kind,
    ref: str,
    error: BaseException | str,
    *,
    attempts: int,
    first_tried_at: datetime | None,
    now: datetime | None = None,
) -> None:
    """Record ``kind`` ``ref`` as failed, in the caller's transaction; log it once and count it."""
    now = now or utcnow()
    row = session.exec(
        select(OutboundFailure).where(
            col(OutboundFailure.kind) == kind.value, col(OutboundFailure.ref) == ref
        )
    ).first()
    if row is None:
        row = OutboundFailure(
            kind=kind.value, ref=ref, cause="", first_tried_at=first_tried_at or now
        )
    row.cause, row.attempts, row.failed_at, row.next_try_at = cause_of(error), attempts, now, None
    session.add(row)
    failures.outbound_give_up(kind.value, ref, error)


def retry_or_give_up(
    engine: Engine,
    kind: Kind,
    ref: str,
    error: BaseException,
    *,
    now: datetime | None = None,
    policy: Policy | None = None,
) -> Decision:
    """Note a failed try of a message whose retry state lives here; when to try next, or given up."""
    now, policy = now or utcnow(), policy or POLICIES[kind]
    verdict = classify(error)
    with write_session(engine) as session:
        row = session.exec(
            select(OutboundFailure).where(
                col(OutboundFailure.kind) == kind.value, col(OutboundFailure.ref) == ref
            )
        ).first()
        first = _aware(row.first_tried_at) if row is not None else now
        attempts = (row.attempts if row is not None else 0) + 1
        delay = timedelta(seconds=policy.delay(attempts, hint=verdict.retry_after))
        if not verdict.transient or now + delay > first + policy.deadline:
            give_up(session, kind, ref, error, attempts=attempts, first_tried_at=first, now=now)
            return Decision(None)
        if row is None:
            row = OutboundFailure(
                kind=kind.value, ref=ref, cause=verdict.cause[:64], first_tried_at=now
            )
        row.cause, row.attempts, row.next_try_at = verdict.cause[:64], attempts, now + delay
        session.add(row)
    failures.outbound_retry(kind.value, error)
    return Decision(now + delay)


def state(engine: Engine, kind: Kind, ref: str) -> OutboundFailure | None:
    with read_session(engine) as session:
        return session.exec(
            select(OutboundFailure).where(
                col(OutboundFailure.kind) == kind.value, col(OutboundFailure.ref) == ref
            )
        ).first()


def waiting(row: OutboundFailure | None, now: datetime) -> bool:
    """True when the message was given up on, or its next try is not due yet."""
    if row is None:
        return False
    return row.failed_at is not None or (
        row.next_try_at is not None and _aware(row.next_try_at) > now
    )


def delivered(engine: Engine, kind: Kind, ref: str) -> None:
    """It went: forget its retry state."""
    with write_session(engine) as session:
        session.execute(
            delete(OutboundFailure).where(
                col(OutboundFailure.kind) == kind.value,
                col(OutboundFailure.ref) == ref,
                col(OutboundFailure.failed_at).is_(None),
            )
        )


def recent(
    engine: Engine, *, limit: int = 50, include_retrying: bool = True
) -> list[OutboundFailure]:
    """Given-up messages, newest first, then those still being retried."""
    with read_session(engine) as session:
        failed = list(
            session.exec(
                select(OutboundFailure)
                .where(col(OutboundFailure.failed_at).is_not(None))
                .order_by(col(OutboundFailure.failed_at).desc())
                .limit(limit)
            )
        )
        trying = (
            list(
                session.exec(
                    select(OutboundFailure)
                    .where(col(OutboundFailure.failed_at).is_(None))
                    .order_by(col(OutboundFailure.id))
                    .limit(limit)
                )
            )
            if include_retrying
            else []
        )
    return failed + trying


def counts(engine: Engine, *, since: datetime | None = None) -> dict[str, Counter[str]]:
    """Per kind: how many were given up on (``failed``, since ``since``) and how many are being retried."""
    with read_session(engine) as session:
        query = select(
            OutboundFailure.kind, col(OutboundFailure.failed_at).is_(None), func.count()
        ).group_by(col(OutboundFailure.kind), col(OutboundFailure.failed_at).is_(None))
        if since is not None:
            query = query.where(
                (col(OutboundFailure.failed_at) >= since) | col(OutboundFailure.failed_at).is_(None)
            )
        rows = session.exec(query).all()
    result: dict[str, Counter[str]] = {}
    for kind, retrying, count in rows:
        result.setdefault(kind, Counter())["retrying" if retrying else "failed"] += int(count)
    return result


# Kinds whose message still exists after a give-up, so staff can have it tried again: an input
# and a digest period are rebuilt from the store; a reply's sealed call and a broadcast's
# uncertain row are not kept here (``broadcast --retry-uncertain`` sends those again).
RETRYABLE = frozenset({Kind.MODERATION, Kind.DIGEST, Kind.EMAIL})


def try_again(engine: Engine, failure_id: int) -> OutboundFailure | None:
    """Forget a give-up of a retryable kind, so its sender tries it afresh at its next run."""
    with write_session(engine) as session:
        row = session.get(OutboundFailure, failure_id)
        if row is None or row.failed_at is None or Kind(row.kind) not in RETRYABLE:
            return None
        if row.kind in (Kind.DIGEST, Kind.EMAIL):  # the period waits for its missing channel again
            subscription_id = int(row.ref.split(" ")[0].split(":")[1])
            for delivery in session.exec(
                select(DigestDelivery).where(
                    col(DigestDelivery.subscription_id) == subscription_id,
                    col(DigestDelivery.status) == "failed",
                )
            ):
                if period_ref(subscription_id, delivery.period_end) == row.ref:
                    delivery.status = "retrying"
                    session.add(delivery)
        session.delete(row)
        return row


def forget_before(engine: Engine, moment: datetime) -> int:
    """Delete give-ups recorded before ``moment`` (they name ids only; kept for as long as staff need)."""
    with write_session(engine) as session:
        result = session.execute(
            delete(OutboundFailure).where(col(OutboundFailure.failed_at) < moment)
        )
        return int(result.rowcount or 0)  # type: ignore[attr-defined]


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
