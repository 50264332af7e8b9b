"""Inputs to a regional review: the heart of the store."""

from datetime import datetime

from sqlalchemy import JSON, Index, LargeBinary, Text, UniqueConstraint, text
from sqlmodel import Field, Relationship, SQLModel

from models.base import NEVER_REUSE_IDS, Timestamp, utcnow
from models.intake_record import IntakeRecord

SUBMISSION_STATUSES = ("new", "reviewed", "flagged", "included")


class SubmissionObjective(SQLModel, table=True):
    """Which GCM objectives an input speaks to (many per input)."""

    __tablename__ = "submission_objective"

    submission_id: int | None = Field(
        default=None, foreign_key="submission.id", primary_key=True, ondelete="CASCADE"
    )
    objective_number: int = Field(foreign_key="objective.number", primary_key=True, index=True)


class ObjectiveSuggestion(SQLModel, table=True):
    """An objective the text analysis suggests for an input, and what staff made of it."""

    __tablename__ = "objective_suggestion"

    submission_id: int | None = Field(
        default=None, foreign_key="submission.id", primary_key=True, ondelete="CASCADE"
    )
    objective_number: int = Field(foreign_key="objective.number", primary_key=True)
    score: float
    triggers: list[str] = Field(default_factory=list, sa_type=JSON)
    decision: str | None = Field(default=None, max_length=16, index=True)  # accepted | rejected
    decided_at: datetime | None = Field(default=None, sa_type=Timestamp)


class TextBand(SQLModel, table=True):
    """One band of an input's MinHash signature: inputs sharing a band are compared."""

    __tablename__ = "text_band"

    band: str = Field(max_length=24, primary_key=True)
    submission_id: int = Field(
        foreign_key="submission.id", primary_key=True, ondelete="CASCADE", index=True
    )


class GroupingPending(SQLModel, table=True):
    """An input not yet joined to its near-duplicates: written in the input's own
    transaction, removed in the one that groups it, so grouping runs off the intake and an
    input acknowledged and then interrupted is grouped later, never skipped."""

    __tablename__ = "grouping_pending"

    submission_id: int = Field(foreign_key="submission.id", primary_key=True, ondelete="CASCADE")


# Flagged inputs, as a literal condition: a partial index is used only by a query whose
# condition is its own (a bound parameter in its place is a value the planner cannot see).
FLAGGED = "status = 'flagged'"


class Submission(IntakeRecord, table=True):
    """One input: who (profile snapshot), about what, what they said, and what they agreed to."""

    __table_args__ = (
        UniqueConstraint("channel", "channel_message_id"),
        # A review's inputs counted by group (its public page, every report) read this index
        # alone; it also finds a review's inputs, as an index of the review alone did.
        Index("ix_submission_review_slug_stakeholder_group", "review_slug", "stakeholder_group"),
        # Staff screens list a review's latest flagged inputs (App Home, on every open): a few
        # index entries, where the status index alone gave every flagged input to sort.
        Index(
            "ix_submission_flagged_latest",
            "review_slug",
            "updated_at",
            sqlite_where=text(FLAGGED),
            postgresql_where=text(FLAGGED),
        ),
        NEVER_REUSE_IDS,
    )

    review_slug: str = Field(foreign_key="regional_review.slug", max_length=16)
    stakeholder_group: str | None = Field(default=None, max_length=32, index=True)
    age_group: str | None = Field(default=None, max_length=16)
    gender: str | None = Field(default=None, max_length=16)
    country: str | None = Field(default=None, max_length=2)
    theme: str | None = Field(default=None, max_length=32)
    # What staff see: personal data masked. The words as written are kept only
    # sealed, for an administrator when the law requires, and only until retention ends.
    text: str = Field(sa_type=Text)
    text_original: bytes | None = Field(default=None, sa_type=LargeBinary)  # encrypted
    consent_quote: bool = False
    source: str | None = Field(default=None, max_length=32)  # how staff received it, for captures
    status: str = Field(default="new", max_length=16, index=True)
    # A protection risk disclosed in the text (trafficking, violence, ...): read first.
    urgent_category: str | None = Field(default=None, max_length=24, index=True)
    # What the text analysis found (intake_api.language): never replaces the contributor's answers.
    language: str | None = Field(default=None, max_length=8, index=True)  # as written, ISO 639-1
    language_confidence: float | None = None
    suggested_theme: str | None = Field(default=None, max_length=32)
    minhash: bytes | None = Field(default=None, sa_type=LargeBinary)
    duplicate_group: int | None = Field(
        default=None, index=True
    )  # smallest id of its near-duplicates
    updated_at: datetime = Field(default_factory=utcnow, sa_type=Timestamp)
    # The moderation message in Slack: "posting" while it is being sent, then its timestamp.
    slack_ts: str | None = Field(default=None, max_length=32, index=True)
    slack_channel: str | None = Field(default=None, max_length=32)

    suggestions: list["ObjectiveSuggestion"] = Relationship(
        sa_relationship_kwargs={"cascade": "all, delete-orphan", "lazy": "selectin"}
    )
    objective_links: list[SubmissionObjective] = Relationship(
        sa_relationship_kwargs={"cascade": "all, delete-orphan", "lazy": "selectin"}
    )

    @property
    def objectives(self) -> list[int]:
        return sorted(link.objective_number for link in self.objective_links)
