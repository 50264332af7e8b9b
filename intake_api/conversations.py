"""Conversation state of the chat channels, kept in the shared store.

Any worker can continue any conversation, and a restart resumes where the
person was. Saves are optimistic: two workers handling two messages of the same
person at once cannot overwrite each other silently.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Engine, update
from sqlalchemy import select as core_select
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col

from intake_api.crypto import KeyRing
from intake_api.i18n import DEFAULT_LOCALE
from models.base import utcnow
from models.conversation import ChatSession
from models.db import write_session


class ConcurrentUpdate(Exception):
    """Another worker saved this conversation first; process the message again."""


@dataclass
class ChatState:
    pseudonym: str
    locale: str = DEFAULT_LOCALE
    step: str = "start"
    data: dict[str, Any] = field(default_factory=dict)
    version: int = 0
    known: bool = False  # False until the first save


class ChatSessions:
    def __init__(self, engine: Engine, keys: KeyRing, channel: str) -> None:
        self.engine = engine
        self.keys = keys
        self.channel = channel

    def pseudonym(self, platform_user_id: str | int) -> str:
        return self.keys.pseudonym(self.channel, platform_user_id)

    def load(self, platform_user_id: str | int) -> ChatState:
        pseudonym = self.pseudonym(platform_user_id)
        columns = (
            col(ChatSession.locale),
            col(ChatSession.step),
            col(ChatSession.data),
            col(ChatSession.version),
        )
        with self.engine.connect() as connection:  # Core: one row, no ORM identity map to build
            row = connection.execute(
                core_select(*columns).where(
                    col(ChatSession.channel) == self.channel,
                    col(ChatSession.pseudonym) == pseudonym,
                )
            ).first()
        if row is None:
            return ChatState(pseudonym=pseudonym)
        return ChatState(pseudonym, row.locale, row.step, dict(row.data), row.version, known=True)

    def save(self, state: ChatState, *, session: Session | None = None) -> None:
        """Store the new state, or raise ``ConcurrentUpdate`` if it changed meanwhile.

        Given a ``session``, inside the caller's transaction (the update's settlement),
        so the state moves on if and only if the update counts as processed.
        """
        if session is not None:
            self._save(session, state)
            return
        with write_session(self.engine) as own:
            self._save(own, state)

    def _save(self, session: Session, state: ChatState) -> None:
        if not state.known:
            session.add(
                ChatSession(
                    channel=self.channel,
                    pseudonym=state.pseudonym,
                    locale=state.locale,
                    step=state.step,
                    data=state.data,
                    version=1,
                )
            )
            try:
                session.flush()
            except IntegrityError as exc:
                raise ConcurrentUpdate from exc
        else:
            result = session.execute(
                update(ChatSession)
                .where(
                    ChatSession.channel == self.channel,  # type: ignore[arg-type]
                    ChatSession.pseudonym == state.pseudonym,  # type: ignore[arg-type]
                    ChatSession.version == state.version,  # type: ignore[arg-type]
                )
                .values(
                    locale=state.locale,
                    step=state.step,
                    data=state.data,
                    version=state.version + 1,
                    updated_at=utcnow(),
                )
            )
            if result.rowcount != 1:  # type: ignore[attr-defined]
                raise ConcurrentUpdate
        state.version += 1
        state.known = True
