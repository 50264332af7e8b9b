"""The five regional reviews and the 23 objectives, as rows other tables point to."""

from datetime import date, datetime

from sqlalchemy import JSON
from sqlmodel import Field, SQLModel

from models.base import Timestamp


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
    # The language each channel's posts are in (a code of intake_api.i18n.LOCALES), set with
    # the channel; None (a channel set before languages were) posts in English.
    slack_locale: str | None = Field(default=None, max_length=8)
    safeguarding_locale: str | None = Field(default=None, max_length=8)
    # Days after the consultation before contact details and sealed originals are purged;
    # None uses INTAKE_CONTACT_RETENTION_DAYS.
    contact_retention_days: int | None = None
    # Where to get help, by country code ("*" for anywhere), shown to those who disclose a risk.
    referrals: dict[str, str] = Field(default_factory=dict, sa_type=JSON)
    # When staff published the summary report on the review's public page (None: not public).
    report_published_at: datetime | None = Field(default=None, sa_type=Timestamp)


class Objective(SQLModel, table=True):
    """One of the 23 GCM objectives; labels come from the reference data."""

    __tablename__ = "objective"

    number: int = Field(primary_key=True)
    short: str = Field(max_length=80)
