"""What the store holds about a contributor, and erasing on request.

Every channel calls ``Privacy``: the web (receipt plus access code), Telegram
(`/mydata`, `/delete`), Slack and the API (staff, by receipt). An erasure takes
effect in the one store, so reports, digests and exports built afterwards no
longer show what was erased. Withdrawing a consent is ``intake_api.consent``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, delete
from sqlmodel import Session, col, select

from intake_api.chat_contacts import message_reviews
from intake_api.crypto import KeyRing
from intake_api.policies.authorization import Action, audit_actor, authorize
from intake_api.policies.publication import item_is_public
from intake_api.receipts import normalise_receipt
from intake_api.record_kinds import KINDS, kind_of_receipt
from models import crud
from models.broadcast import BroadcastDelivery, ChatContact
from models.consent import ConsentRecord
from models.contributor import Contributor
from models.conversation import ChatSession
from models.db import read_session, write_session
from models.intake_record import IntakeRecord
from models.outbox import ChatReply
from models.publishable import PublishableRecord
from models.staff import StaffMember
from models.submission import Submission


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
    message_reviews: list[str] = field(default_factory=list)  # reviews we may write to them about


@dataclass(frozen=True)
class RecordView:
    """One record as its own author sees it, with the receipt and access code."""

    kind: str
    receipt: str
    review_slug: str
    created_at: datetime
    text: str | None  # as written, for an input; the title for a pledge or practice
    may_quote: bool | None  # None where quoting was never asked (pledges, registrations)
    has_contact: bool
    # Consent to publish on the Hub: None where it is never asked (inputs, registrations).
    may_publish: bool | None = None
    published: bool = False  # on the Hub now (``item_is_public``)


def record_kind(receipt: str) -> str | None:
    """The kind of record a receipt code belongs to, from its prefix."""
    kind = kind_of_receipt(normalise_receipt(receipt))
    return kind.name if kind is not None else None


def find_record(session: Session, receipt: str) -> tuple[str, IntakeRecord] | None:
    """The record a receipt names, of whichever kind, with its kind; None if there is none."""
    receipt = normalise_receipt(receipt)
    kind = record_kind(receipt)
    if kind is None:
        return None
    record = crud.find_by_receipt(session, KINDS[kind].model, receipt=receipt)
    return (kind, record) if record is not None else None


def contributor_records(
    session: Session, contributor_id: int | None
) -> list[tuple[str, IntakeRecord]]:
    """Every record one contributor sent, of every kind, with its kind."""
    return [
        (kind, record)
        for kind, model in ((k.name, k.model) for k in KINDS.values())
        for record in session.exec(select(model).where(col(model.contributor_id) == contributor_id))
    ]


class Privacy:
    """Seeing and erasing what the store holds about a person, bound to the store and its keys."""

    def __init__(self, engine: Engine, keys: KeyRing) -> None:
        self.engine = engine
        self.keys = keys

    def describe_contributor(
        self, *, channel: str, platform_user_id: str | int
    ) -> ContributorData | None:
        """Everything stored about one chat contributor, for `/mydata`."""
        pseudonym = self.keys.pseudonym(channel, platform_user_id)
        with read_session(self.engine) as session:
            contributor = crud.find_contributor(session, pseudonym=pseudonym)
            if contributor is None:
                return None
            inputs = session.exec(
                select(Submission)
                .where(Submission.contributor_id == contributor.id)
                .order_by(col(Submission.created_at))
            ).all()
            others = sum(
                len(
                    session.exec(
                        select(model.id).where(model.contributor_id == contributor.id)
                    ).all()
                )
                for model in (kind.model for kind in KINDS.values() if kind.model is not Submission)
            )
            return ContributorData(
                locale=contributor.locale,
                stakeholder_group=contributor.stakeholder_group,
                age_group=contributor.age_group,
                gender=contributor.gender,
                country=contributor.country,
                first_seen=contributor.created_at,
                inputs=[
                    StoredInput(s.receipt, s.review_slug, s.created_at, s.status, s.consent_quote)
                    for s in inputs
                ],
                other_records=others,
                message_reviews=message_reviews(session, contributor_id=contributor.id or 0),
            )

    def erase_contributor(self, *, channel: str, platform_user_id: str | int) -> int:
        """Delete the contributor, everything they sent, their consents and conversation.

        Idempotent: a second call finds nothing and returns 0. Returns the number
        of records (inputs, pledges, practices, registrations) erased.
        """
        pseudonym = self.keys.pseudonym(channel, platform_user_id)
        with write_session(self.engine) as session:
            session.execute(
                delete(ChatSession).where(
                    col(ChatSession.channel) == channel, col(ChatSession.pseudonym) == pseudonym
                )
            )
            session.execute(  # replies still queued for this chat (a private chat's key is the person's)
                delete(ChatReply).where(
                    col(ChatReply.channel) == channel, col(ChatReply.chat_key) == pseudonym
                )
            )
            contributor = session.exec(
                select(Contributor).where(Contributor.pseudonym == pseudonym)
            ).first()
            if contributor is None:
                return 0
            for kept in (
                ChatContact,
                BroadcastDelivery,
            ):  # the encrypted chat and what was sent to it
                session.execute(delete(kept).where(col(kept.contributor_id) == contributor.id))
            records = contributor_records(session, contributor.id)
            for kind, record in records:
                _delete_record(session, kind, record)
            session.execute(
                delete(ConsentRecord).where(col(ConsentRecord.contributor_id) == contributor.id)
            )
            session.delete(contributor)
            crud.write_audit(
                session,
                actor=f"channel:{channel}",
                action="contributor.erased",
                subject_type="contributor",
                subject_id=None,
                detail={"records": len(records)},
            )
            return len(records)

    def open_record(self, *, receipt: str, access_code: str) -> RecordView | None:
        """The record, if the access code is the one given with this receipt; else None.

        Unknown receipts and wrong codes look the same to the caller, so trying
        codes tells nothing about which receipts exist.
        """
        receipt = normalise_receipt(receipt)
        if not self.keys.access_code_matches(receipt, access_code):
            return None
        with read_session(self.engine) as session:
            found = find_record(session, receipt)
            if found is None:
                return None
            kind, record = found
            return RecordView(
                kind=kind,
                receipt=record.receipt,
                review_slug=getattr(record, "review_slug", ""),
                created_at=record.created_at,
                text=_written_text(record, self.keys),
                may_quote=record.consent_quote if isinstance(record, Submission) else None,
                has_contact=record.contact_email is not None,
                may_publish=record.consent_publish
                if isinstance(record, PublishableRecord)
                else None,
                published=isinstance(record, PublishableRecord) and item_is_public(record),
            )

    def erase_record(self, *, receipt: str, actor: str) -> bool:
        """Erase one record by its receipt, with its consents; False if there is none (idempotent).

        The audit log keeps that an erasure happened, by whom, never what was erased.
        Aggregate counts in reports already sent are not recalled.
        """
        with write_session(self.engine) as session:
            found = find_record(session, receipt)
            if found is None:
                return False
            kind, record = found
            _delete_record(session, kind, record)
            crud.write_audit(
                session,
                actor=actor,
                action=f"{kind}.erased",
                subject_type=kind,
                subject_id=record.id,
            )
            return True

    def erase_for_staff(self, *, receipt: str, staff: StaffMember) -> bool:
        """Erasure on someone's behalf: administrators only, audited under their staff id."""
        authorize(staff, Action.ERASE, None)
        return self.erase_record(receipt=receipt, actor=audit_actor(staff))

    def review_of(self, *, receipt: str) -> str | None:
        """The regional review a record belongs to, or None if there is no such record."""
        with read_session(self.engine) as session:
            found = find_record(session, receipt)
            return getattr(found[1], "review_slug", None) if found is not None else None

    def record_access(
        self, *, actor: str, action: str, subject_type: str, detail: dict[str, Any]
    ) -> None:
        """Keep in the audit log that staff read or exported personal data: who, what, never the data."""
        with write_session(self.engine) as session:
            crud.write_audit(
                session,
                actor=actor,
                action=action,
                subject_type=subject_type,
                subject_id=None,
                detail=detail,
            )

    def reveal_original(self, *, receipt: str, reason: str, staff: StaffMember) -> str | None:
        """The words of an input as written, for an administrator when the law requires it.

        The reason is kept in the audit log with who asked; None once retention has
        purged the sealed original (or when redaction had nothing to hide).
        """
        authorize(staff, Action.REVEAL_ORIGINAL, None)
        actor = audit_actor(staff)
        if len(reason.strip()) < 10:
            raise ValueError("give the legal reason, in a sentence")
        with write_session(self.engine) as session:
            record = crud.find_by_receipt(session, Submission, receipt=normalise_receipt(receipt))
            if record is None or record.text_original is None:
                return None
            crud.write_audit(
                session,
                actor=actor,
                action="input.original_revealed",
                subject_type="input",
                subject_id=record.id,
                detail={"reason": reason.strip()[:500]},
            )
            return self.keys.decrypt(record.text_original, context="input.text")


def _written_text(record: IntakeRecord, keys: KeyRing) -> str | None:
    if isinstance(record, Submission):
        if record.text_original is not None:
            return keys.decrypt(record.text_original, context="input.text")
        return record.text
    return getattr(record, "title", None)


def _delete_record(session: Session, kind: str, record: IntakeRecord) -> None:
    """Delete a record, its consent records and whatever its kind says goes with it."""
    session.execute(
        delete(ConsentRecord).where(
            col(ConsentRecord.subject_type) == kind, col(ConsentRecord.subject_id) == record.id
        )
    )
    if (traces := KINDS[kind].traces) is not None:
        traces(session, record)
    session.delete(record)
