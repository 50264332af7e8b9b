"""Where each chat conversation stands, in the shared store so any worker can continue it."""

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, UniqueConstraint
from sqlmodel import Field, SQLModel

from models.base import Timestamp, utcnow


class ChatSession(SQLModel, table=True):
    """The state of one person's conversation with a bot, keyed by their pseudonym."""

    __tablename__ = "chat_session"
    __table_args__ = (UniqueConstraint("channel", "pseudonym"),)

    id: int | None = Field(default=None, primary_key=True)
    channel: str = Field(max_length=16)
    pseudonym: str = Field(max_length=64)
    locale: str = Field(default="en", max_length=8)
    step: str = Field(default="start", max_length=40)
    data: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)
    version: int = 0  # bumped on every save, to detect two workers writing at once
    updated_at: datetime = Field(default_factory=utcnow, sa_type=Timestamp)
