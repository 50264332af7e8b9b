"""What the store holds about a contributor, and erasing all of it on request."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Engine, delete
from sqlmodel import col, select

from intake_api.crypto import KeyRing
from models import crud
from models.consent import ConsentRecord
from models.contributor import Contributor
from models.conversation import ChatSession
from models.db import read_session, write_session
from models.pledge import Pledge
from models.practice import Practice
from models.registration import Registration
from models.submission import Submission

_RECORDS = (Submission, Pledge, Practice, Registration)


@dataclass(frozen=True)
class StoredInput:
    receipt: str
    review_slug: str
    created_at: datetime
    status: str
    quote_allowed: bool


@dataclass(frozen=True)
class ContributorData:
    locale: str
    stakeholder_group: str | None
    age_group: str | None
    gender: str | None
    country: str | None
    first_seen: datetime
    inputs: list[StoredInput]
    other_records: int  # pledges, practices, registrations


def describe_contributor(
    engine: Engine, keys: KeyRing, *, channel: str, platform_user_id: str | int
) -> ContributorData | None:
    """Everything stored about one chat contributor, for `/mydata`."""
    pseudonym = keys.pseudonym(channel, platform_user_id)
    with read_session(engine) as session:
        contributor = session.exec(
            select(Contributor).where(Contributor.pseudonym == pseudonym)
        ).first()
        if contributor is None:
            return None
        inputs = session.exec(
            select(Submission)
            .where(Submission.contributor_id == contributor.id)
            .order_by(col(Submission.created_at))
        ).all()
        others = sum(
            len(session.exec(select(model.id).where(model.contributor_id == contributor.id)).all())
            for model in (Pledge, Practice, Registration)
        )
        return ContributorData(
            locale=contributor.locale, stakeholder_group=contributor.stakeholder_group,
            age_group=contributor.age_group, gender=contributor.gender,
            country=contributor.country, first_seen=contributor.created_at,
            inputs=[StoredInput(s.receipt, s.review_slug, s.created_at, s.status, s.consent_quote)
                    for s in inputs],
            other_records=others,
        )  # fmt: skip


def erase_contributor(
    engine: Engine, keys: KeyRing, *, channel: str, platform_user_id: str | int
) -> int:
    """Delete the contributor, everything they sent, their consents and conversation.

    Idempotent: a second call finds nothing and returns 0. Returns the number
    of records (inputs, pledges, practices, registrations) erased.
    """
    pseudonym = keys.pseudonym(channel, platform_user_id)
    with write_session(engine) as session:
        session.execute(
            delete(ChatSession).where(
                col(ChatSession.channel) == channel, col(ChatSession.pseudonym) == pseudonym
            )
        )
        contributor = session.exec(
            select(Contributor).where(Contributor.pseudonym == pseudonym)
        ).first()
        if contributor is None:
            return 0
        erased = 0
        for model in _RECORDS:
            rows = session.exec(select(model).where(model.contributor_id == contributor.id)).all()
            for row in rows:
                session.delete(row)
            erased += len(rows)
        session.execute(
            delete(ConsentRecord).where(col(ConsentRecord.contributor_id) == contributor.id)
        )
        session.delete(contributor)
        crud.write_audit(
            session, actor=f"channel:{channel}", action="contributor.erased",
            subject_type="contributor", subject_id=None, detail={"records": erased},
        )  # fmt: skip
        return erased
