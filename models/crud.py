"""Keyword-only persistence functions, each on its caller's session, committing nothing.

The core of ``intake_api`` opens the sessions: the services on the runtime
(``IntakeService``, ``Privacy``, ``Consent``, ``Moderation``, ``Retention``), the
store-bound classes (``Inbox``, ``ChatSessions``, ``ChatOutbox``) and the other core
modules compose these in one transaction each. The scheduler's jobs and a few CLI
commands open their own. Channels (web pages, the JSON API, the Telegram and Slack
adapters) never open a session: they call the services.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any, TypeVar

from pydantic_core import PydanticUndefined
from sqlalchemy import insert
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session, SQLModel, select

from models.audit import AuditEntry
from models.base import utcnow
from models.consent import ConsentRecord
from models.contributor import Contributor
from models.full_text import with_search_document
from models.intake_record import IntakeRecord
from models.review import RegionalReview
from models.submission import ObjectiveSuggestion, SubmissionObjective

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
        "pseudonym": pseudonym,
        "channel": channel,
        "locale": locale,
        "created_at": utcnow(),
        "last_seen_at": utcnow(),
    }
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    session.execute(
        insert(Contributor).values(**values).on_conflict_do_nothing(index_elements=["pseudonym"])
    )
    contributor = session.exec(select(Contributor).where(Contributor.pseudonym == pseudonym)).one()
    contributor.locale = locale
    contributor.last_seen_at = utcnow()
    return contributor


def find_contributor(session: Session, *, pseudonym: str) -> Contributor | None:
    return session.exec(select(Contributor).where(Contributor.pseudonym == pseudonym)).first()


def update_profile(contributor: Contributor, *, answers: dict[str, Any]) -> None:
    """Remember the profile answers given, so a returning contributor is not asked again."""
    for name in _PROFILE_FIELDS:
        if answers.get(name):
            setattr(contributor, name, answers[name])


# Built once: intake runs them for every input.
_ADD_SUGGESTIONS = insert(ObjectiveSuggestion)
_ADD_OBJECTIVES = insert(SubmissionObjective)
_ADD_CONSENTS = insert(ConsentRecord)
_ADD_AUDIT = insert(AuditEntry)


def new_row(model: type[SQLModel], **values: Any) -> dict[str, Any]:
    """The column values of a new row of ``model``: those given, then the model's defaults.

    For Core inserts, which know nothing of the defaults declared on the model's fields.
    """
    row = dict(values)
    for name, info in model.model_fields.items():
        if name in row or name == "id":
            continue
        if info.default_factory is not None:
            row[name] = info.default_factory()  # type: ignore[call-arg]
        elif info.default is not PydanticUndefined:
            row[name] = info.default
    return row


def add_intake(
    session: Session,
    *,
    model: type[IntakeRecord],
    values: dict[str, Any],
    objectives: list[int] | None,
    consents: list[dict[str, Any]],
    actor: str,
    kind: str,
) -> int | None:
    """Store a record with its objectives, consent records and an audit entry; returns its id.

    None when the channel's message is stored already (a redelivery, a double click, or a
    concurrent delivery that committed first): the insert does nothing then. Core
    statements, not the ORM's unit of work: at intake the ORM's bookkeeping for six rows
    cost more than the database's work.
    """
    values = with_search_document(model, values)
    record_id = insert_new(session, model, values, unique=["channel", "channel_message_id"])
    if record_id is None:
        return None
    connection = session.connection()
    if objectives:
        connection.execute(
            _ADD_OBJECTIVES,
            [{"submission_id": record_id, "objective_number": n} for n in objectives],
        )
    connection.execute(
        _ADD_CONSENTS,
        [new_row(ConsentRecord, **consent, subject_id=record_id) for consent in consents],
    )
    connection.execute(
        _ADD_AUDIT,
        new_row(
            AuditEntry,
            actor=actor,
            action=f"{kind}.created",
            subject_type=kind,
            subject_id=record_id,
            detail={},
        ),
    )
    return int(record_id)


def insert_new(
    session: Session, model: type[SQLModel], values: dict[str, Any], *, unique: list[str]
) -> int | None:
    """Insert a row (model defaults filled in) unless one with the same ``unique`` columns exists.

    Its id, or None when the row was there: a redelivery costs no exception and, on
    PostgreSQL, does not abort the transaction.
    """
    statement = _insert_new(model, session.get_bind().dialect.name, tuple(unique))
    row_id = session.connection().execute(statement, new_row(model, **values)).scalar_one_or_none()
    return None if row_id is None else int(row_id)


@lru_cache(maxsize=32)
def _insert_new(model: type[SQLModel], dialect: str, unique: tuple[str, ...]) -> Any:
    """The statement of ``insert_new``, built once: building it took longer than running it
    (180 us for an input's, every intake); the row comes as its parameters."""
    table = model.__table__  # type: ignore[attr-defined]
    dialect_insert = pg_insert if dialect == "postgresql" else sqlite_insert
    return (
        dialect_insert(table)
        .on_conflict_do_nothing(index_elements=list(unique))
        .returning(table.c.id)
    )


def add_suggestions(
    session: Session, *, submission_id: int | None, suggestions: list[tuple[int, float, list[str]]]
) -> None:
    """Store an input's objective suggestions (number, score, trigger words) in one statement.

    Core, not ORM objects: at intake, building and flushing three mapped objects costs
    more than the insert itself.
    """
    if suggestions:
        session.connection().execute(
            _ADD_SUGGESTIONS,
            [
                {
                    "submission_id": submission_id,
                    "objective_number": number,
                    "score": score,
                    "triggers": triggers,
                }
                for number, score, triggers in suggestions
            ],
        )


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
        actor=actor,
        action=action,
        subject_type=subject_type,
        subject_id=subject_id,
        detail=detail or {},
    )
    session.add(entry)
    return entry


def list_reviews(session: Session) -> list[RegionalReview]:
    return list(session.exec(select(RegionalReview).order_by(RegionalReview.slug)))
