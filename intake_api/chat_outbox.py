"""Replies owed to chats, kept in the store until the platform has them.

A webhook must answer fast, and a platform's flood limits are per bot, not per
process: so the replies a processed update causes are written here, in the
transaction that settles the update, and one sender per deployment sends them
(``bots.telegram.replies``). Each row is one API call, sealed with the key ring
(it holds the chat id and the person's words); ``chat_key`` is the chat's keyed
pseudonym, so a chat's rows go in order and erasure can find them without
opening any. Rows are deleted once sent.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import Engine, delete, exists, insert, or_, update
from sqlalchemy.orm import aliased
from sqlmodel import Session, col, select

from intake_api.crypto import KeyRing
from models.base import utcnow
from models.crud import new_row
from models.db import read_session, write_session
from models.outbox import ChatReply

MAX_ATTEMPTS = 5  # calls that failed this often are dropped (counted in the log, content never)
GIVE_UP_AFTER = timedelta(hours=1)  # a reply this old answers a question nobody waits for any more


@dataclass(frozen=True)
class PendingCall:
    id: int
    chat_key: str
    method: str
    params: dict[str, Any]
    attempts: int


class ChatOutbox:
    def __init__(self, engine: Engine, keys: KeyRing, channel: str) -> None:
        self.engine = engine
        self.keys = keys
        self.channel = channel

    def chat_key(self, chat_id: int | str) -> str:
        """The chat's pseudonym: for a private chat, the same as its contributor's."""
        return self.keys.pseudonym(self.channel, chat_id)

    def add(self, session: Session, *, chat_id: int | str, calls: list[tuple[str, dict[str, Any]]]) -> None:
        """Queue a chat's calls, in order, inside the caller's transaction."""
        if not calls:
            return
        key = self.chat_key(chat_id)
        rows = [new_row(ChatReply, channel=self.channel, chat_key=key, call=self._seal(method, params))
                for method, params in calls]  # fmt: skip
        session.execute(insert(ChatReply), rows)  # ids in list order: the chat's order

    def next_calls(self, *, busy: set[str], limit: int) -> list[PendingCall]:
        """The oldest due call of each chat that has none in flight (``busy``), oldest first.

        Walks the queue from its oldest row and stops after ``limit``: each candidate's
        "no earlier row for this chat" is one probe of the (chat_key, id) index, so a
        backlog of thousands costs no more than a short queue.
        """
        earlier = aliased(ChatReply)
        query = (
            select(ChatReply).where(col(ChatReply.channel) == self.channel)
            .where(or_(col(ChatReply.not_before).is_(None), col(ChatReply.not_before) <= utcnow()))
            .where(~exists().where(col(earlier.chat_key) == col(ChatReply.chat_key), col(earlier.id) < col(ChatReply.id)))
            .order_by(col(ChatReply.id)).limit(limit)
        )  # fmt: skip
        if busy:
            query = query.where(col(ChatReply.chat_key).not_in(busy))
        with read_session(self.engine) as session:
            return [self._open(row) for row in session.exec(query)]

    def has_pending(self) -> bool:
        with read_session(self.engine) as session:
            return session.exec(select(ChatReply.id).where(col(ChatReply.channel) == self.channel)).first() is not None

    def replace(self, call_id: int, method: str, params: dict[str, Any]) -> None:
        """Another call in its place and turn (an edit that can no longer be made becomes a message)."""
        with write_session(self.engine) as session:
            session.execute(update(ChatReply).where(col(ChatReply.id) == call_id).values(call=self._seal(method, params)))

    def sent(self, call_id: int) -> None:
        with write_session(self.engine) as session:
            session.execute(delete(ChatReply).where(col(ChatReply.id) == call_id))

    def retry_later(self, call: PendingCall, *, after: timedelta, counts: bool = True) -> bool:
        """Keep a call for later; False when it has failed too often or waited too long (then dropped)."""
        with write_session(self.engine) as session:
            row = session.get(ChatReply, call.id)
            if row is None:
                return False
            attempts = row.attempts + (1 if counts else 0)
            created = row.created_at if row.created_at.tzinfo else row.created_at.replace(tzinfo=utcnow().tzinfo)
            if attempts >= MAX_ATTEMPTS or created < utcnow() - GIVE_UP_AFTER:
                session.delete(row)
                return False
            row.attempts, row.not_before = attempts, utcnow() + after
            return True

    def _seal(self, method: str, params: dict[str, Any]) -> bytes:
        return self.keys.encrypt(json.dumps({"method": method, "params": params}), context=self._context)

    @property
    def _context(self) -> str:
        return f"outbox.{self.channel}"

    def _open(self, row: ChatReply) -> PendingCall:
        call = json.loads(self.keys.decrypt(row.call, context=self._context))
        return PendingCall(row.id or 0, row.chat_key, call["method"], call["params"], row.attempts)
