"""Broadcasts: staff write once to the contributors of a review who agreed to hear from them.

Only contributors with a ``ChatContact`` for the review (they said yes to
"may we send you a message here about this regional review") are recipients,
fixed when the broadcast is created: one ``BroadcastDelivery`` row each, plus
one per group chat staff name. Each message ends with a short footer, in the
recipient's language, saying how to stop.

Delivery is **at most once**. Before each Bot API call the row is marked
``sending`` (committed); after Telegram's answer it is marked ``sent`` (or
back to ``pending`` for the next part of a long message). A crash between the
two leaves ``sending``: Telegram may or may not have delivered it, and the
Bot API has no idempotency key to ask. Such rows become ``uncertain`` and
are not sent again, so nobody already reached gets the message twice;
``--retry-uncertain`` sends them again when staff prefer at least once. The
window is one call per row in flight (a handful), not the whole batch.
A 429, a 5xx the Bot API answered, or a connection that never opened, is known
not to have delivered, so those rows go back to ``pending`` and are tried again
under the broadcast policy (``intake_api.policies.delivery``) until its deadline.
Every row that ends ``failed`` or ``uncertain`` is also recorded in the failure
record (``delivery_failures``, by delivery id) where staff see it.

Withdrawal is honoured up to the moment of sending: the chat is read, and
decrypted, from the ``ChatContact`` in the same transaction that claims the
row, so a contributor who sent /consent midway is skipped.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Engine, String, and_, cast, delete, func, insert, literal, update
from sqlalchemy import select as core_select
from sqlmodel import Session, col, select

from intake_api import delivery_failures
from intake_api.chat_contacts import CHAT_ID_CONTEXT
from intake_api.crypto import KeyRing
from intake_api.i18n import LOCALES, gettext
from intake_api.leases import Lease, LeaseHeld
from intake_api.policies.delivery import Kind
from models import crud
from models.base import utcnow
from models.broadcast import Broadcast, BroadcastDelivery, ChatContact
from models.db import read_session, write_session
from models.delivery import OutboundFailure
from models.reference import N_

ANY_LOCALE = "*"  # the message as staff wrote it, for every locale without its own text
FOOTER = N_(
    "You receive this because you agreed to hear from the organisers about this regional review. Send /consent to stop."
)
GROUP_CONTEXT = "broadcast_delivery.group_chat"
LEASE_NAME = "telegram-broadcast"
LEASE_SECONDS = 30
FINAL = ("sent", "failed", "skipped", "uncertain")


class BroadcastInProgress(Exception):
    """Another broadcast to this review is unfinished: finish or abandon it first."""

    def __init__(self, broadcast_id: int, left: int) -> None:
        super().__init__(f"broadcast #{broadcast_id} is unfinished ({left} left)")
        self.broadcast_id = broadcast_id
        self.left = left


class SenderBusy(LeaseHeld):
    """Another process is sending a broadcast with this bot."""


@dataclass(frozen=True)
class Created:
    broadcast_id: int
    review_slug: str
    recipients: int
    resumed: bool  # True: this broadcast existed already, and carries on


@dataclass(frozen=True)
class Target:
    """One delivery as the sender needs it: what to send, and how much of it was acknowledged."""

    delivery_id: int
    group: bool
    texts: tuple[str, ...]
    parts_sent: int


def broadcast_key(review_slug: str, messages: dict[str, str], groups: Sequence[int | str]) -> str:
    """The same review, texts and groups give the same key: a re-run resumes."""
    canonical = json.dumps([review_slug, messages, sorted(str(g) for g in groups)], sort_keys=True)
    return hashlib.sha256(canonical.encode()).hexdigest()


def count_recipients(engine: Engine, *, review_slug: str) -> int:
    """How many contributors agreed to hear about this review, for a dry run."""
    with read_session(engine) as session:
        return int(
            session.exec(
                select(func.count())
                .select_from(ChatContact)
                .where(col(ChatContact.review_slug) == review_slug)
            ).one()
        )


def create_broadcast(
    engine: Engine,
    keys: KeyRing,
    *,
    review_slug: str,
    messages: dict[str, str],
    groups: Sequence[int | str] = (),
    actor: str,
    abandon_unfinished: bool = False,
) -> Created:
    """The broadcast of these texts, with its recipients fixed now; or the same one, to resume.

    Raises ``BroadcastInProgress`` when a different broadcast to the review is
    unfinished (unless ``abandon_unfinished``: its unsent rows are then skipped).
    """
    if ANY_LOCALE not in messages or not messages[ANY_LOCALE].strip():
        raise ValueError("the message as written (locale '*') is required")
    key = broadcast_key(review_slug, messages, groups)
    with write_session(engine) as session:
        existing = session.exec(select(Broadcast).where(col(Broadcast.key) == key)).first()
        if existing is not None:
            return Created(
                existing.id or 0, review_slug, _rows(session, existing.id or 0), resumed=True
            )
        for unfinished in session.exec(
            select(Broadcast).where(
                col(Broadcast.review_slug) == review_slug,
                col(Broadcast.finished_at).is_(None),
                col(Broadcast.abandoned_at).is_(None),
            )
        ):
            left = _left(session, unfinished.id or 0)
            if not left:
                unfinished.finished_at = utcnow()
            elif abandon_unfinished:
                _abandon(session, unfinished)
            else:
                raise BroadcastInProgress(unfinished.id or 0, left)
        broadcast = Broadcast(review_slug=review_slug, key=key, messages=messages, created_by=actor)
        session.add(broadcast)
        session.flush()
        # One row per consenting contributor, in one statement (thousands at once).
        session.execute(
            insert(BroadcastDelivery).from_select(
                [
                    "broadcast_id",
                    "recipient",
                    "contributor_id",
                    "locale",
                    "status",
                    "parts_sent",
                    "attempts",
                ],
                core_select(
                    literal(broadcast.id),
                    literal("contributor:").concat(cast(col(ChatContact.contributor_id), String)),
                    col(ChatContact.contributor_id),
                    col(ChatContact.locale),
                    literal("pending"),
                    literal(0),
                    literal(0),
                ).where(col(ChatContact.review_slug) == review_slug),
            )
        )
        for chat in dict.fromkeys(str(g) for g in groups):
            session.add(
                BroadcastDelivery(
                    broadcast_id=broadcast.id or 0,
                    recipient=f"group:{keys.pseudonym('telegram-group', chat)}",
                    group_chat=keys.encrypt(chat, context=GROUP_CONTEXT),
                    locale=ANY_LOCALE,
                )
            )
        session.flush()
        crud.write_audit(
            session,
            actor=actor,
            action="broadcast.created",
            subject_type="broadcast",
            subject_id=broadcast.id,
            detail={"review": review_slug, "groups": len(groups)},
        )
        return Created(
            broadcast.id or 0, review_slug, _rows(session, broadcast.id or 0), resumed=False
        )


def _rows(session: Session, broadcast_id: int) -> int:
    return int(
        session.exec(
            select(func.count())
            .select_from(BroadcastDelivery)
            .where(col(BroadcastDelivery.broadcast_id) == broadcast_id)
        ).one()
    )


def _left(session: Session, broadcast_id: int) -> int:
    return int(
        session.exec(
            select(func.count())
            .select_from(BroadcastDelivery)
            .where(
                col(BroadcastDelivery.broadcast_id) == broadcast_id,
                col(BroadcastDelivery.status).in_(("pending", "sending")),
            )
        ).one()
    )


def _abandon(session: Session, broadcast: Broadcast) -> None:
    session.execute(
        update(BroadcastDelivery)
        .where(
            col(BroadcastDelivery.broadcast_id) == broadcast.id,
            col(BroadcastDelivery.status) == "pending",
        )
        .values(status="skipped", error="abandoned")
    )
    broadcast.abandoned_at = utcnow()
    session.add(broadcast)


def recover(engine: Engine, broadcast_id: int, *, retry_uncertain: bool = False) -> int:
    """Before sending: rows a crashed sender left ``sending`` become ``uncertain``; returns how many.

    With ``retry_uncertain`` every uncertain row goes back to ``pending``
    instead, and will be sent (at least once: some may be received twice).
    """
    with write_session(engine) as session:
        mine = col(BroadcastDelivery.broadcast_id) == broadcast_id
        crashed = session.exec(
            select(BroadcastDelivery).where(mine, col(BroadcastDelivery.status) == "sending")
        ).all()
        left = session.execute(
            update(BroadcastDelivery)
            .where(mine, col(BroadcastDelivery.status) == "sending")
            .values(status="uncertain", error="crashed")
        )
        for row in crashed:  # a handful: the calls in flight when the sender died
            delivery_failures.give_up(
                session,
                Kind.BROADCAST,
                delivery_ref(row.id or 0),
                "uncertain crashed",
                attempts=row.attempts,
                first_tried_at=row.claimed_at,
            )
        if retry_uncertain:
            uncertain = core_select(
                literal("broadcast_delivery:").concat(cast(col(BroadcastDelivery.id), String))
            ).where(mine, col(BroadcastDelivery.status) == "uncertain")
            session.execute(
                delete(OutboundFailure).where(  # tried again: no longer given up on
                    col(OutboundFailure.kind) == Kind.BROADCAST.value,
                    col(OutboundFailure.ref).in_(uncertain),
                )
            )
            session.execute(
                update(BroadcastDelivery)
                .where(mine, col(BroadcastDelivery.status) == "uncertain")
                .values(status="pending", error=None)
            )
        return int(left.rowcount or 0)  # type: ignore[attr-defined]


def pending_targets(engine: Engine, broadcast_id: int) -> list[Target]:
    """What is left to send, in the order the rows were made; texts in each recipient's language."""
    with read_session(engine) as session:
        broadcast = session.get_one(Broadcast, broadcast_id)
        rows = session.exec(
            select(
                col(BroadcastDelivery.id),
                BroadcastDelivery.group_chat,
                BroadcastDelivery.locale,
                BroadcastDelivery.parts_sent,
            )
            .where(
                col(BroadcastDelivery.broadcast_id) == broadcast_id,
                col(BroadcastDelivery.status) == "pending",
            )
            .order_by(col(BroadcastDelivery.id))
        ).all()
    grouped = group_texts(broadcast.messages)
    private = {
        locale: (text_for(broadcast.messages, locale),) for locale in {row[2] for row in rows}
    }
    return [
        Target(
            delivery_id or 0,
            group_chat is not None,
            grouped if group_chat is not None else private[locale],
            parts_sent,
        )
        for delivery_id, group_chat, locale, parts_sent in rows
    ]


def text_for(messages: dict[str, str], locale: str) -> str:
    """The message for one contributor: theirs if staff wrote one, else as written; then the footer."""
    body = messages.get(locale) or messages[ANY_LOCALE]
    return f"{body.strip()}\n\n{gettext(locale, FOOTER)}"


def group_texts(messages: dict[str, str]) -> tuple[str, ...]:
    """A group is read in many languages: each text staff gave, once, without a footer."""
    ordered = [
        messages[ANY_LOCALE],
        *(messages[locale] for locale in LOCALES if locale in messages),
    ]
    return tuple(dict.fromkeys(text.strip() for text in ordered))


def claim(engine: Engine, keys: KeyRing, delivery_id: int) -> int | str | None:
    """Mark one row ``sending`` just before its call; the chat to send to, or None: do not send.

    None when the row is no longer pending (another sender has it) or the
    contributor withdrew since (the row is then ``skipped``).
    """
    with write_session(engine) as session:
        found = session.exec(
            select(BroadcastDelivery.status, BroadcastDelivery.group_chat, ChatContact.chat_id)
            .select_from(BroadcastDelivery)
            .join(Broadcast, col(Broadcast.id) == BroadcastDelivery.broadcast_id)
            .outerjoin(
                ChatContact,
                and_(
                    col(ChatContact.contributor_id) == BroadcastDelivery.contributor_id,
                    col(ChatContact.review_slug) == Broadcast.review_slug,
                ),
            )
            .where(col(BroadcastDelivery.id) == delivery_id)
        ).first()
        if found is None or found[0] != "pending":
            return None
        status, group_chat, sealed = found
        if group_chat is None and sealed is None:
            _set(session, delivery_id, status="skipped", error="withdrawn")
            return None
        _set(
            session,
            delivery_id,
            status="sending",
            attempts=BroadcastDelivery.attempts + 1,
            claimed_at=utcnow(),
        )
        if group_chat is not None:
            return keys.decrypt(group_chat, context=GROUP_CONTEXT)
        return int(keys.decrypt(sealed, context=CHAT_ID_CONTEXT))


def acknowledged(engine: Engine, delivery_id: int, *, parts_sent: int, done: bool) -> None:
    """Telegram accepted a part: the row is ``sent``, or ``pending`` for its next part."""
    with write_session(engine) as session:
        if done:
            _set(
                session,
                delivery_id,
                status="sent",
                parts_sent=parts_sent,
                sent_at=utcnow(),
                error=None,
            )
        else:
            _set(session, delivery_id, status="pending", parts_sent=parts_sent)


def released(engine: Engine, delivery_id: int, *, error: str) -> None:
    """The call certainly did not deliver (429, no connection): pending again."""
    with write_session(engine) as session:
        _set(session, delivery_id, status="pending", error=error[:40])


def settled(
    engine: Engine,
    delivery_id: int,
    *,
    status: str,
    error: str,
    forget_chat: bool = False,
    give_up: BaseException | None = None,
) -> None:
    """A final outcome other than sent: ``failed`` (refused, or the deadline passed), ``uncertain`` (may have gone).

    ``forget_chat``: Telegram says the person blocked the bot or left; a chat
    that can no longer be written to is not kept. ``give_up``: what failed, for the
    failure record (an uncertain row's cause says so: staff may send it again).
    """
    with write_session(engine) as session:
        _set(session, delivery_id, status=status, error=error[:40])
        if give_up is not None:
            row = session.get_one(BroadcastDelivery, delivery_id)
            cause = delivery_failures.cause_of(give_up)
            delivery_failures.give_up(
                session,
                Kind.BROADCAST,
                delivery_ref(delivery_id),
                f"uncertain {cause}" if status == "uncertain" else give_up,
                attempts=row.attempts,
                first_tried_at=row.claimed_at,
            )
        if forget_chat:
            row = session.get_one(BroadcastDelivery, delivery_id)
            broadcast = session.get_one(Broadcast, row.broadcast_id)
            if row.contributor_id is not None:
                session.execute(
                    delete(ChatContact).where(
                        col(ChatContact.contributor_id) == row.contributor_id,
                        col(ChatContact.review_slug) == broadcast.review_slug,
                    )
                )


def delivery_ref(delivery_id: int) -> str:
    """How the failure record names one recipient of a broadcast: the delivery row, nothing personal."""
    return f"broadcast_delivery:{delivery_id}"


def _set(session: Session, delivery_id: int, **values: object) -> None:
    session.execute(
        update(BroadcastDelivery).where(col(BroadcastDelivery.id) == delivery_id).values(**values)
    )


def finish(engine: Engine, broadcast_id: int) -> dict[str, int]:
    """Close the broadcast once nothing is left to send; returns the count per status."""
    with write_session(engine) as session:
        counts = status_counts(session, broadcast_id)
        broadcast = session.get_one(Broadcast, broadcast_id)
        if (
            not counts.get("pending")
            and not counts.get("sending")
            and broadcast.finished_at is None
        ):
            broadcast.finished_at = utcnow()
            session.add(broadcast)
            crud.write_audit(
                session,
                actor="broadcast",
                action="broadcast.finished",
                subject_type="broadcast",
                subject_id=broadcast_id,
                detail=counts,
            )
        return counts


def status_counts(session: Session, broadcast_id: int) -> dict[str, int]:
    rows = session.exec(
        select(BroadcastDelivery.status, func.count())
        .where(col(BroadcastDelivery.broadcast_id) == broadcast_id)
        .group_by(col(BroadcastDelivery.status))
    ).all()
    return {status: int(count) for status, count in rows}


def summary(engine: Engine, broadcast_id: int) -> dict[str, int]:
    with read_session(engine) as session:
        return status_counts(session, broadcast_id)


class SenderLease(Lease):
    """One broadcast sender per deployment at a time (``intake_api.leases``)."""

    def __init__(self, engine: Engine) -> None:
        super().__init__(engine, LEASE_NAME, seconds=LEASE_SECONDS, per_process=True)

    def acquire(self, *, now: datetime | None = None) -> None:
        try:
            super().acquire(now=now)
        except LeaseHeld as held:
            raise SenderBusy(*held.args) from None
