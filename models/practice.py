"""Practices of GCM implementation, to showcase on the Migration Network Hub."""

from sqlalchemy import JSON, Text, UniqueConstraint
from sqlmodel import Field

from models.base import NEVER_REUSE_IDS
from models.publishable import PublishableRecord


class Practice(PublishableRecord, table=True):
    """A practice: what was done, where, with whom, toward which objectives."""

    __table_args__ = (UniqueConstraint("channel", "channel_message_id"), NEVER_REUSE_IDS)

    review_slug: str | None = Field(default=None, foreign_key="regional_review.slug", max_length=16)
    title: str = Field(max_length=200)
    description: str = Field(sa_type=Text)
    objectives: list[int] = Field(default_factory=list, sa_type=JSON)
    countries: list[str] = Field(default_factory=list, sa_type=JSON)
    organisation: str | None = Field(default=None, max_length=200)
    partners: str | None = Field(default=None, max_length=500)
    link: str | None = Field(default=None, max_length=500)
