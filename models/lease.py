"""Leases: which process does a piece of work that must not run twice at once."""

from datetime import datetime

from sqlmodel import Field, SQLModel

from models.base import Timestamp


class Lease(SQLModel, table=True):
    """The holder of one named piece of work (``intake_api.leases``) until it expires.

    Names in use: ``digests`` (the scheduler, on SQLite), ``telegram-replies`` (the reply
    sender) and the broadcast sender's.
    """

    __tablename__ = "lease"

    name: str = Field(primary_key=True, max_length=32)
    holder: str = Field(max_length=64)
    expires_at: datetime = Field(sa_type=Timestamp)
