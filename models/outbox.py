"""Work left for a channel after a change in the store, done by the next feed run."""

from datetime import datetime

from sqlalchemy import Index, LargeBinary
from sqlmodel import Field, SQLModel

from models.base import Timestamp, utcnow


class SlackRemoval(SQLModel, table=True):
    """A moderation message to delete from Slack because its input was erased.

    Written in the erasure's own transaction, so a Slack outage or a crash
    cannot leave the erased text showing in a channel.
    """

    __tablename__ = "slack_removal"

    id: int | None = Field(default=None, primary_key=True)
    channel: str = Field(max_length=32)
    ts: str = Field(max_length=32)
    created_at: datetime = Field(default_factory=utcnow, sa_type=Timestamp)


class ChatReply(SQLModel, table=True):
    """One Bot API call answering a chat (a message, an edit, a button's answer), still to be sent.

    Written in the transaction that settles the update it answers, so an acknowledged update's
    replies survive a crash; sent by the one reply sender of the deployment, at Telegram's pace,
    each chat's calls in order, and deleted once Telegram answered. The call, chat id included,
    is encrypted; ``chat_key`` is the chat's keyed pseudonym, so erasure finds its rows.
    """

    __tablename__ = "chat_reply"
    __table_args__ = (
        Index("ix_chat_reply_chat_key_id", "chat_key", "id"),
    )  # a chat's calls, in order

    id: int | None = Field(default=None, primary_key=True)
    channel: str = Field(max_length=16)
    chat_key: str = Field(max_length=64)
    call: bytes = Field(sa_type=LargeBinary)  # encrypted JSON: {"method": ..., "params": ...}
    attempts: int = 0
    not_before: datetime | None = Field(default=None, sa_type=Timestamp)
    created_at: datetime = Field(default_factory=utcnow, sa_type=Timestamp)
