"""Consent as data: what was agreed, to which notice, when, and through which channel."""

from datetime import datetime

from sqlmodel import Field, SQLModel

from models.base import NEVER_REUSE_IDS, Timestamp, utcnow


class ConsentRecord(SQLModel, table=True):
    """One consent given or withdrawn; the latest record per subject and kind is in force."""

    __tablename__ = "consent_record"
    __table_args__ = NEVER_REUSE_IDS

    id: int | None = Field(default=None, primary_key=True)
    contributor_id: int | None = Field(
        default=None, foreign_key="contributor.id", index=True, ondelete="SET NULL"
    )
    subject_type: str = Field(max_length=16)
    subject_id: int = Field(index=True)
    # store, quote, contact or message (to be written to in the chat)
    kind: str = Field(max_length=16)
    granted: bool
    notice_version: str = Field(max_length=32)
    locale: str = Field(max_length=8)
    channel: str = Field(max_length=16)
    recorded_at: datetime = Field(default_factory=utcnow, sa_type=Timestamp)
