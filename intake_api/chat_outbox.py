"""Replies owed to chats, kept in the store until the platform has them.

A webhook must answer fast, and a platform's flood limits are per bot, not per
process: so the replies a processed update causes are written here, in the
transaction that settles the update, and one sender per deployment sends them
(``bots.telegram.replies``). Each row is one API call, sealed with the key ring
(it holds the chat id and the person's words); ``chat_key`` is the chat's keyed
pseudonym, so a chat's rows go in order and erasure can find them without
opening any. Rows are deleted once sent, or once given up: a call refused by the
platform (the person blocked the bot) or still failing at the reply deadline
(``intake_api.policies.delivery``) is recorded as failed (``delivery_failures``), by its
row id only, where staff see it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Engine, delete, exists, insert, or_, update
from sqlalchemy.orm import aliased
from sqlmodel import Session, col, select

from intake_api import delivery_failures
from intake_api.crypto import KeyRing
from intake_api.policies.delivery import POLICIES, Kind, Policy, classify
from models.base import utcnow
from models.crud import new_row
from models.db import read_session, write_session
from models.outbox import ChatReply


@dataclass(frozen=True)
class PendingCall:
    id: int
    chat_key: str
    method: str
    params: dict[str, Any]
    attempts: int


class ChatOutbox:
    def __init__(
        self, engine: Engine, keys: KeyRing, channel: str, *, policy: Policy | None = None
    ) -> None:
        self.engine = engine
        self.keys = keys
        self.channel = channel
        self.policy = (
            policy or POLICIES[Kind.REPLY]
        )  # a reply older than its deadline answers nobody waiting

    def chat_key(self, chat_id: int | str) -> str:
        """The chat's pseudonym: for a private chat, the same as its contributor's."""
        return self.keys.pseudonym(self.channel, chat_id)

    def add(
        self, session: Session, *, chat_id: int | str, calls: list[tuple[str, dict[str, Any]]]
    ) -> None:
        """Queue a chat's calls, in order, inside the caller's transaction."""
        if not calls:
            return
        key = self.chat_key(chat_id)
        rows = [
            new_row(ChatReply, channel=self.channel, chat_key=key, call=self._seal(method, params))
            for method, params in calls
        ]
        session.execute(insert(ChatReply), rows)  # ids in list order: the chat's order

    def next_calls(self, *, busy: set[str], limit: int) -> list[PendingCall]:
        """The oldest due call of each chat that has none in flight (``busy``), oldest first.

        Walks the queue from its oldest row and stops after ``limit``: each candidate's
        "no earlier row for this chat" is one probe of the (chat_key, id) index, so a
        backlog of thousands costs no more than a short queue.
        """
        earlier = aliased(ChatReply)
        query = (
            select(ChatReply)
            .where(col(ChatReply.channel) == self.channel)
            .where(or_(col(ChatReply.not_before).is_(None), col(ChatReply.not_before) <= utcnow()))
            .where(
                ~exists().where(
                    col(earlier.chat_key) == col(ChatReply.chat_key),
                    col(earlier.id) < col(ChatReply.id),
                )
            )
            .order_by(col(ChatReply.id))
            .limit(limit)
        )
        if busy:
            query = query.where(col(ChatReply.chat_key).not_in(busy))
        with read_session(self.engine) as session:
            return [self._open(row) for row in session.exec(query)]

    def has_pending(self) -> bool:
        with read_session(self.engine) as session:
            return (
                session.exec(
                    select(ChatReply.id).where(col(ChatReply.channel) == self.channel)
                ).first()
                is not None
            )

    def replace(self, call_id: int, method: str, params: dict[str, Any]) -> None:
        """Another call in its place and turn (an edit that can no longer be made becomes a message)."""
        with write_session(self.engine) as session:
            session.execute(
                update(ChatReply)
                .where(col(ChatReply.id) == call_id)
                .values(call=self._seal(method, params))
            )

    def sent(self, call_id: int) -> None:
        with write_session(self.engine) as session:
            session.execute(delete(ChatReply).where(col(ChatReply.id) == call_id))

    def retry_later(self, call: PendingCall, error: BaseException, *, counts: bool = True) -> bool:
        """Keep a call that failed for a while for its next try; False when it was given up instead.

        ``counts``: a failure of the call (a 5xx, a timeout, a reset) rather than the bot's
        flood limit (a 429 waits as long as it asks, but does not count as an attempt).
        The deadline is counted from when the reply was queued.
        """
        verdict = classify(error)
        with write_session(self.engine) as session:
            row = session.get(ChatReply, call.id)
            if row is None:
                return False
            attempts = row.attempts + (1 if counts else 0)
            created = (
                row.created_at
                if row.created_at.tzinfo
                else row.created_at.replace(tzinfo=utcnow().tzinfo)
            )
            after = timedelta(seconds=self.policy.delay(max(attempts, 1), hint=verdict.retry_after))
            if not verdict.transient or utcnow() + after > created + self.policy.deadline:
                self._give_up(
                    session, row, error, attempts=row.attempts + 1, first=created
                )  # this try too
                return False
            row.attempts, row.not_before = attempts, utcnow() + after
        if counts:
            delivery_failures.retried(Kind.REPLY, error)
        return True

    def refused(self, call: PendingCall, error: BaseException) -> None:
        """The platform refused the call for good (blocked, a chat gone): recorded as failed, not sent again."""
        with write_session(self.engine) as session:
            row = session.get(ChatReply, call.id)
            if row is not None:
                self._give_up(session, row, error, attempts=row.attempts + 1, first=row.created_at)

    def _give_up(
        self,
        session: Session,
        row: ChatReply,
        error: BaseException,
        *,
        attempts: int,
        first: datetime,
    ) -> None:
        delivery_failures.give_up(
            session,
            Kind.REPLY,
            f"chat_reply:{row.id}",
            error,
            attempts=attempts,
            first_tried_at=first,
        )
        session.delete(row)

    def _seal(self, method: str, params: dict[str, Any]) -> bytes:
        return self.keys.encrypt(
            json.dumps({"method": method, "params": params}), context=self._context
        )

    @property
    def _context(self) -> str:
        return f"outbox.{self.channel}"

    def _open(self, row: ChatReply) -> PendingCall:
        call = json.loads(self.keys.decrypt(row.call, context=self._context))
        return PendingCall(row.id or 0, row.chat_key, call["method"], call["params"], row.attempts)
