"""Fields every stored intake carries, whatever the form: input, pledge, practice, registration."""

from datetime import datetime

from sqlalchemy import LargeBinary
from sqlmodel import Field, SQLModel

from models.base import Timestamp, utcnow


class IntakeRecord(SQLModel):
    """Provenance, receipt and consent of one intake.

    ``(channel, channel_message_id)`` is unique per table: a redelivered
    Telegram update or a double-clicked form maps to the row stored first.
    """

    id: int | None = Field(default=None, primary_key=True)
    receipt: str = Field(max_length=16, unique=True)
    channel: str = Field(max_length=16)
    channel_message_id: str = Field(max_length=128)
    contributor_id: int | None = Field(
        default=None, foreign_key="contributor.id", index=True, ondelete="SET NULL"
    )
    locale: str = Field(max_length=8)
    consent_store: bool = False
    consent_version: str = Field(max_length=32)
    contact_email: bytes | None = Field(default=None, sa_type=LargeBinary)  # encrypted
    # A keyed digest of the clean answers: the same message id with other answers is refused,
    # not mistaken for a redelivery. None for records stored before it was kept.
    answers_fingerprint: str | None = Field(default=None, max_length=64)
    created_at: datetime = Field(default_factory=utcnow, sa_type=Timestamp, index=True)
