"""The audit log: who did what to which record, without personal data."""

from datetime import datetime
from typing import Any

from sqlalchemy import JSON
from sqlmodel import Field, SQLModel

from models.base import NEVER_REUSE_IDS, Timestamp, utcnow


class AuditEntry(SQLModel, table=True):
    """One action; ``actor`` is a role or pseudonym, never a name or platform id."""

    __tablename__ = "audit_entry"
    __table_args__ = NEVER_REUSE_IDS

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(default_factory=utcnow, sa_type=Timestamp, index=True)
    actor: str = Field(max_length=80)
    action: str = Field(max_length=40)
    subject_type: str = Field(max_length=16)
    subject_id: int | None = None
    detail: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)
