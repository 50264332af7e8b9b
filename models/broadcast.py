"""Messages staff send out to contributors: who agreed to them, and what was delivered.

A contributor's Telegram chat is kept only when they agreed, for one review,
to be written to about it; it is encrypted like a contact address and goes
when they withdraw, are erased, or the review's contact retention ends.
"""

from datetime import datetime

from sqlalchemy import JSON, LargeBinary, UniqueConstraint
from sqlmodel import Field, SQLModel

from models.base import NEVER_REUSE_IDS, Timestamp, utcnow


class ChatContact(SQLModel, table=True):
    """A chat we may write to about one review, because its owner said yes to exactly that."""

    __tablename__ = "chat_contact"
    __table_args__ = (UniqueConstraint("contributor_id", "review_slug"),)

    id: int | None = Field(default=None, primary_key=True)
    contributor_id: int = Field(foreign_key="contributor.id", index=True, ondelete="CASCADE")
    review_slug: str = Field(foreign_key="regional_review.slug", max_length=16, index=True)
    channel: str = Field(default="telegram", max_length=16)
    chat_id: bytes = Field(sa_type=LargeBinary)  # encrypted
    locale: str = Field(max_length=8)
    # The input the consent was given with; erasing it forgets the chat too.
    submission_id: int | None = Field(default=None, foreign_key="submission.id", ondelete="CASCADE")
    granted_at: datetime = Field(default_factory=utcnow, sa_type=Timestamp)


class Broadcast(SQLModel, table=True):
    """One message staff send to a review's consenting contributors (and, if named, groups).

    ``key`` is a digest of the review, the texts and the groups: running the
    same command again resumes this broadcast instead of starting another.
    """

    __tablename__ = "broadcast"
    __table_args__ = NEVER_REUSE_IDS

    id: int | None = Field(default=None, primary_key=True)
    review_slug: str = Field(foreign_key="regional_review.slug", max_length=16, index=True)
    key: str = Field(max_length=64, unique=True)
    messages: dict[str, str] = Field(default_factory=dict, sa_type=JSON)  # locale or "*" -> text
    created_by: str = Field(max_length=64)
    created_at: datetime = Field(default_factory=utcnow, sa_type=Timestamp)
    finished_at: datetime | None = Field(default=None, sa_type=Timestamp)
    abandoned_at: datetime | None = Field(default=None, sa_type=Timestamp)


class BroadcastDelivery(SQLModel, table=True):
    """One recipient of one broadcast; the row a sender claims before it calls the Bot API.

    ``sending`` is written before each call and cleared after it, so a row a
    crash leaves in ``sending`` is known to be uncertain and is not sent again
    unless staff ask for it (at most once, see ``intake_api.broadcasts``).
    """

    __tablename__ = "broadcast_delivery"
    __table_args__ = (UniqueConstraint("broadcast_id", "recipient"),)

    id: int | None = Field(default=None, primary_key=True)
    broadcast_id: int = Field(foreign_key="broadcast.id", index=True, ondelete="CASCADE")
    recipient: str = Field(max_length=80)  # "contributor:<id>", or a keyed pseudonym of a group
    contributor_id: int | None = Field(
        default=None, foreign_key="contributor.id", index=True, ondelete="CASCADE"
    )
    group_chat: bytes | None = Field(default=None, sa_type=LargeBinary)  # encrypted
    locale: str = Field(max_length=8)
    # pending, sending, sent, uncertain, failed or skipped
    status: str = Field(default="pending", max_length=16, index=True)
    parts_sent: int = 0  # messages of this delivery Telegram has acknowledged
    attempts: int = 0
    error: str | None = Field(default=None, max_length=40)  # an error class, never message text
    claimed_at: datetime | None = Field(default=None, sa_type=Timestamp)
    sent_at: datetime | None = Field(default=None, sa_type=Timestamp)
