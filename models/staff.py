"""Network staff: who may moderate which regional reviews."""

from datetime import datetime

from sqlalchemy import JSON
from sqlmodel import Field, SQLModel

from models.base import NEVER_REUSE_IDS, Timestamp, utcnow

STAFF_ROLES = ("admin", "organiser")


class StaffMember(SQLModel, table=True):
    """An admin (every review) or an organiser (the reviews listed).

    Staff are matched to their Slack account by e-mail on first use; only the
    pseudonym of the Slack user id is kept.
    """

    __tablename__ = "staff_member"
    __table_args__ = NEVER_REUSE_IDS

    id: int | None = Field(default=None, primary_key=True)
    email: str = Field(max_length=254, unique=True)
    role: str = Field(max_length=16)
    reviews: list[str] = Field(default_factory=list, sa_type=JSON)
    slack_pseudonym: str | None = Field(default=None, max_length=64, unique=True)
    active: bool = True
    created_at: datetime = Field(default_factory=utcnow, sa_type=Timestamp)
