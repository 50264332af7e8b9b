"""Work left for a channel after a change in the store, done by the next feed run."""

from datetime import datetime

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
