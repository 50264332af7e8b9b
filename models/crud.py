"""Keyword-only persistence functions; the intake service composes them in one transaction.

Routes, bot handlers and jobs never touch a session themselves: they call the
service, which calls these.
"""

from __future__ import annotations

from typing import Any, TypeVar

from sqlalchemy import insert
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session, select

from models.audit import AuditEntry
from models.base import utcnow
from models.consent import ConsentRecord
from models.contributor import Contributor
from models.intake_record import IntakeRecord
from models.review import RegionalReview
from models.submission import ObjectiveSuggestion

Record = TypeVar("Record", bound=IntakeRecord)

_PROFILE_FIELDS = ("stakeholder_group", "age_group", "gender", "country")


def find_by_message(
    session: Session, model: type[Record], *, channel: str, message_id: str
) -> Record | None:
    """The record a channel already stored for this message or request, if any."""
    statement = select(model).where(
        model.channel == channel,
        model.channel_message_id == message_id,  # type: ignore[arg-type]
    )
    return session.exec(statement).first()


def find_by_receipt(session: Session, model: type[Record], *, receipt: str) -> Record | None:
    return session.exec(select(model).where(model.receipt == receipt)).first()  # type: ignore[arg-type]


def ensure_contributor(
    session: Session, *, pseudonym: str, channel: str, locale: str
) -> Contributor:
    """The contributor row for a pseudonym, created if new (safe under concurrent first contact)."""
    values = {
        "pseudonym": pseudonym, "channel": channel, "locale": locale,
        "created_at": utcnow(), "last_seen_at": utcnow(),
    }  # fmt: skip
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    session.execute(
        insert(Contributor).values(**values).on_conflict_do_nothing(index_elements=["pseudonym"])
    )
    contributor = session.exec(select(Contributor).where(Contributor.pseudonym == pseudonym)).one()
    contributor.locale = locale
    contributor.last_seen_at = utcnow()
    return contributor


def update_profile(contributor: Contributor, *, answers: dict[str, Any]) -> None:
    """Remember the profile answers given, so a returning contributor is not asked again."""
    for name in _PROFILE_FIELDS:
        if answers.get(name):
            setattr(contributor, name, answers[name])


def add_intake(
    session: Session, *, record: IntakeRecord, consents: list[ConsentRecord], actor: str, kind: str
) -> IntakeRecord:
    """Store a record with its consent records and an audit entry; returns it with its id."""
    session.add(record)
    session.flush()
    for consent in consents:
        consent.subject_id = record.id  # type: ignore[assignment]
        session.add(consent)
    write_audit(
        session, actor=actor, action=f"{kind}.created", subject_type=kind, subject_id=record.id
    )
    return record


_ADD_SUGGESTIONS = insert(ObjectiveSuggestion)


def add_suggestions(
    session: Session, *, submission_id: int | None, suggestions: list[tuple[int, float, list[str]]]
) -> None:
    """Store an input's objective suggestions (number, score, trigger words) in one statement.

    Core, not ORM objects: at intake, building and flushing three mapped objects costs
    more than the insert itself.
    """
    if suggestions:
        session.connection().execute(_ADD_SUGGESTIONS, [
            {"submission_id": submission_id, "objective_number": number, "score": score, "triggers": triggers}
            for number, score, triggers in suggestions])  # fmt: skip


def write_audit(
    session: Session,
    *,
    actor: str,
    action: str,
    subject_type: str,
    subject_id: int | None,
    detail: dict[str, Any] | None = None,
) -> AuditEntry:
    entry = AuditEntry(
        actor=actor, action=action, subject_type=subject_type, subject_id=subject_id,
        detail=detail or {},
    )  # fmt: skip
    session.add(entry)
    return entry


def list_reviews(session: Session) -> list[RegionalReview]:
    return list(session.exec(select(RegionalReview).order_by(RegionalReview.slug)))
