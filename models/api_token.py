"""Bearer tokens of the staff API: only their hash is stored."""

from datetime import datetime

from sqlmodel import Field, SQLModel

from models.base import Timestamp, utcnow


class ApiToken(SQLModel, table=True):
    __tablename__ = "api_token"

    id: int | None = Field(default=None, primary_key=True)
    staff_id: int = Field(foreign_key="staff_member.id", index=True, ondelete="CASCADE")
    token_hash: str = Field(max_length=64, unique=True)  # SHA-256 of the token, hex
    created_at: datetime = Field(default_factory=utcnow, sa_type=Timestamp)
    revoked_at: datetime | None = Field(default=None, sa_type=Timestamp)
