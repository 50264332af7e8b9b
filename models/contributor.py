"""Contributors: known only by a pseudonym, never by their platform id."""

from datetime import datetime

from sqlmodel import Field, SQLModel

from models.base import NEVER_REUSE_IDS, Timestamp, utcnow


class Contributor(SQLModel, table=True):
    """A person who writes in through a chat channel, with their optional profile.

    ``pseudonym`` is a keyed HMAC of channel and platform id, so the same
    Telegram or Slack user maps to the same row without the id being stored.
    """

    __table_args__ = NEVER_REUSE_IDS

    id: int | None = Field(default=None, primary_key=True)
    pseudonym: str = Field(max_length=64, unique=True)
    channel: str = Field(max_length=16)
    locale: str = Field(default="en", max_length=8)
    stakeholder_group: str | None = Field(default=None, max_length=32)
    age_group: str | None = Field(default=None, max_length=16)
    gender: str | None = Field(default=None, max_length=16)
    country: str | None = Field(default=None, max_length=2)
    created_at: datetime = Field(default_factory=utcnow, sa_type=Timestamp)
    last_seen_at: datetime = Field(default_factory=utcnow, sa_type=Timestamp)
