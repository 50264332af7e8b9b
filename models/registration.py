"""Registrations for a regional multi-stakeholder consultation."""

from sqlalchemy import LargeBinary, Text, UniqueConstraint
from sqlmodel import Field

from models.base import NEVER_REUSE_IDS
from models.intake_record import IntakeRecord


class Registration(IntakeRecord, table=True):
    """A participant's registration; name and needs are personal, so encrypted."""

    __table_args__ = (UniqueConstraint("channel", "channel_message_id"), NEVER_REUSE_IDS)

    review_slug: str = Field(foreign_key="regional_review.slug", max_length=16, index=True)
    name: bytes = Field(sa_type=LargeBinary)  # encrypted
    organisation: str | None = Field(default=None, max_length=200)
    stakeholder_group: str | None = Field(default=None, max_length=32)
    country: str | None = Field(default=None, max_length=2)
    attendance_mode: str = Field(max_length=16)
    accessibility_needs: bytes | None = Field(default=None, sa_type=LargeBinary)  # encrypted
    travel_support: bool = False
    travel_reason: str | None = Field(default=None, sa_type=Text)
