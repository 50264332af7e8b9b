"""The five regional reviews and the 23 objectives, as rows other tables point to."""

from datetime import date

from sqlalchemy import JSON
from sqlmodel import Field, SQLModel


class RegionalReview(SQLModel, table=True):
    """A regional review: its window for inputs and its multi-stakeholder consultation."""

    __tablename__ = "regional_review"

    slug: str = Field(primary_key=True, max_length=16)
    commission: str = Field(max_length=120)
    region: str = Field(max_length=120)
    opens_on: date
    closes_on: date
    consultation_on: date
    meeting_format: str = Field(max_length=16)
    venue: str = Field(max_length=120)
    slack_channel: str | None = Field(default=None, max_length=32)  # where new inputs are moderated
    safeguarding_channel: str | None = Field(
        default=None, max_length=32
    )  # where urgent ones go at once
    # Days after the consultation before contact details and sealed originals are purged;
    # None uses INTAKE_CONTACT_RETENTION_DAYS.
    contact_retention_days: int | None = None
    # Where to get help, by country code ("*" for anywhere), shown to those who disclose a risk.
    referrals: dict[str, str] = Field(default_factory=dict, sa_type=JSON)


class Objective(SQLModel, table=True):
    """One of the 23 GCM objectives; labels come from the reference data."""

    __tablename__ = "objective"

    number: int = Field(primary_key=True)
    short: str = Field(max_length=80)
