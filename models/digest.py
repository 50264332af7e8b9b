"""Digest subscriptions and the periods already sent."""

from datetime import datetime

from sqlalchemy import JSON, UniqueConstraint
from sqlmodel import Field, SQLModel

from models.base import NEVER_REUSE_IDS, Timestamp, utcnow


class DigestSubscription(SQLModel, table=True):
    """Who gets which reviews' digest, how often, in which language and where."""

    __tablename__ = "digest_subscription"
    __table_args__ = NEVER_REUSE_IDS

    id: int | None = Field(default=None, primary_key=True)
    reviews: list[str] = Field(default_factory=list, sa_type=JSON)
    cron: str = Field(max_length=64)  # crontab expression in `timezone`
    timezone: str = Field(default="UTC", max_length=64)
    locale: str = Field(default="en", max_length=8)
    slack_channel: str | None = Field(default=None, max_length=32)
    emails: list[str] = Field(default_factory=list, sa_type=JSON)
    active: bool = True
    created_at: datetime = Field(default_factory=utcnow, sa_type=Timestamp)


class DigestDelivery(SQLModel, table=True):
    """One period of one subscription; the unique key makes each period go out once."""

    __tablename__ = "digest_delivery"
    __table_args__ = (UniqueConstraint("subscription_id", "period_end"),)

    id: int | None = Field(default=None, primary_key=True)
    subscription_id: int = Field(
        foreign_key="digest_subscription.id", index=True, ondelete="CASCADE"
    )
    period_start: datetime = Field(sa_type=Timestamp)
    period_end: datetime = Field(sa_type=Timestamp)
    status: str = Field(default="sending", max_length=16)  # sending, retrying, sent, failed
    sent_at: datetime | None = Field(default=None, sa_type=Timestamp)
    # Which channels have it, so a retry after a failure sends only what is missing.
    slack_sent_at: datetime | None = Field(default=None, sa_type=Timestamp)
    email_sent_at: datetime | None = Field(default=None, sa_type=Timestamp)
