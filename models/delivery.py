"""Outbound messages given up on, and those still being tried where the sender keeps no row of its own."""

from datetime import datetime

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel

from models.base import Timestamp, utcnow


class OutboundFailure(SQLModel, table=True):
    """One message that failed: retrying (``failed_at`` empty) or given up on (``failed_at`` set).

    It holds nothing personal: ``ref`` names the message by ids (an outbox row, a broadcast
    delivery, a submission, a subscription and period), ``cause`` is an exception class or
    a status code, never what the error said. Staff see it (``gcm-intake failures``).
    """

    __tablename__ = "outbound_failure"
    __table_args__ = (UniqueConstraint("kind", "ref"),)

    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=16, index=True)  # intake_api.policies.delivery.Kind
    ref: str = Field(max_length=80)
    cause: str = Field(max_length=64)
    attempts: int = 0
    first_tried_at: datetime = Field(default_factory=utcnow, sa_type=Timestamp)
    next_try_at: datetime | None = Field(default=None, sa_type=Timestamp)  # while retrying
    failed_at: datetime | None = Field(default=None, sa_type=Timestamp, index=True)  # given up
