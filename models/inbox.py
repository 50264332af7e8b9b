"""Deliveries from chat platforms, recorded before they are acknowledged."""

from datetime import datetime

from sqlalchemy import LargeBinary, UniqueConstraint
from sqlmodel import Field, SQLModel

from models.base import Timestamp, utcnow


class InboxEntry(SQLModel, table=True):
    """One Telegram update or Slack event: seen once, processed once, retried if it failed.

    The payload is kept (encrypted) only until it has been processed, so that a
    crash between acknowledging and processing loses nothing.
    """

    __tablename__ = "inbox_entry"
    __table_args__ = (UniqueConstraint("channel", "delivery_id"),)

    id: int | None = Field(default=None, primary_key=True)
    channel: str = Field(max_length=16)
    delivery_id: str = Field(max_length=128)
    status: str = Field(default="pending", max_length=16, index=True)  # pending, done or failed
    attempts: int = 0
    payload: bytes | None = Field(default=None, sa_type=LargeBinary)  # encrypted
    last_error: str | None = Field(default=None, max_length=120)  # an exception class, no data
    received_at: datetime = Field(default_factory=utcnow, sa_type=Timestamp)
    processed_at: datetime | None = Field(default=None, sa_type=Timestamp)
