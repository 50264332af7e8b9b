"""Pledges toward GCM implementation (the Network's Pledging Dashboard)."""

from sqlalchemy import JSON, Text, UniqueConstraint
from sqlmodel import Field

from models.base import NEVER_REUSE_IDS
from models.publishable import PublishableRecord


class Pledge(PublishableRecord, table=True):
    """A commitment by a Member State or stakeholder ahead of the 2026 IMRF."""

    __table_args__ = (UniqueConstraint("channel", "channel_message_id"), NEVER_REUSE_IDS)

    review_slug: str | None = Field(default=None, foreign_key="regional_review.slug", max_length=16)
    organisation: str = Field(max_length=200)
    stakeholder_group: str | None = Field(default=None, max_length=32)
    country: str | None = Field(default=None, max_length=2)
    title: str = Field(max_length=200)
    text: str = Field(sa_type=Text)
    objectives: list[int] = Field(default_factory=list, sa_type=JSON)
