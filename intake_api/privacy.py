"""What the store holds about a contributor, withdrawing a consent, and erasing on request.

Every channel calls these: the web (receipt plus access code), Telegram
(`/mydata`, `/consent`, `/delete`), Slack and the API (staff, by receipt). A
withdrawal or an erasure takes effect in the one store, so reports, digests and
exports built afterwards no longer show what was withdrawn.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import Engine, delete
from sqlmodel import Session, col, select

from intake_api.chat_contacts import forget_chat_contacts, message_reviews
from intake_api.crypto import KeyRing
from intake_api.policies.authorization import Action, audit_actor, authorize
from intake_api.questionnaire import CONSENT_NOTICE_VERSION
from intake_api.receipts import normalise_receipt
from intake_api.record_kinds import KINDS, kind_of_receipt
from models import crud
from models.broadcast import BroadcastDelivery, ChatContact
from models.consent import ConsentRecord
from models.contributor import Contributor
from models.conversation import ChatSession
from models.db import read_session, write_session
from models.intake_record import IntakeRecord
from models.outbox import ChatReply, SlackRemoval
from models.staff import StaffMember
from models.submission import Submission

WITHDRAWABLE = ("quote", "contact", "message")


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
            for model in (kind.model for kind in KINDS.values() if kind.model is not Submission)
        )
        return ContributorData(
            locale=contributor.locale, stakeholder_group=contributor.stakeholder_group,
            age_group=contributor.age_group, gender=contributor.gender,
            country=contributor.country, first_seen=contributor.created_at,
            inputs=[StoredInput(s.receipt, s.review_slug, s.created_at, s.status, s.consent_quote)
                    for s in inputs],
            other_records=others,
            message_reviews=message_reviews(session, contributor_id=contributor.id or 0),
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
        session.execute(  # replies still queued for this chat (a private chat's key is the person's)
            delete(ChatReply).where(col(ChatReply.channel) == channel, col(ChatReply.chat_key) == pseudonym)
        )
        contributor = session.exec(
            select(Contributor).where(Contributor.pseudonym == pseudonym)
        ).first()
        if contributor is None:
            return 0
        for kept in (ChatContact, BroadcastDelivery):  # the encrypted chat and what was sent to it
            session.execute(delete(kept).where(col(kept.contributor_id) == contributor.id))
        erased = 0
        for kind, model in ((k.name, k.model) for k in KINDS.values()):
            rows = session.exec(
                select(model).where(col(model.contributor_id) == contributor.id)
            ).all()
            for row in rows:
                _delete_record(session, kind, row)
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


def record_kind(receipt: str) -> str | None:
    """The kind of record a receipt code belongs to, from its prefix."""
    kind = kind_of_receipt(normalise_receipt(receipt))
    return kind.name if kind is not None else None


def open_record(engine: Engine, keys: KeyRing, *, receipt: str, access_code: str) -> RecordView | None:
    """The record, if the access code is the one given with this receipt; else None.

    Unknown receipts and wrong codes look the same to the caller, so trying
    codes tells nothing about which receipts exist.
    """
    receipt = normalise_receipt(receipt)
    kind = record_kind(receipt)
    if kind is None or not keys.access_code_matches(receipt, access_code):
        return None
    with read_session(engine) as session:
        record = crud.find_by_receipt(session, KINDS[kind].model, receipt=receipt)
        if record is None:
            return None
        return RecordView(
            kind=kind, receipt=record.receipt, review_slug=getattr(record, "review_slug", ""),
            created_at=record.created_at, text=_written_text(record, keys),
            may_quote=record.consent_quote if isinstance(record, Submission) else None,
            has_contact=record.contact_email is not None,
        )  # fmt: skip


def _written_text(record: IntakeRecord, keys: KeyRing) -> str | None:
    if isinstance(record, Submission):
        if record.text_original is not None:
            return keys.decrypt(record.text_original, context="input.text")
        return record.text
    return getattr(record, "title", None)


def withdraw_consent(
    engine: Engine, *, receipt: str, consent: str, channel: str, actor: str
) -> bool:
    """Withdraw consent to be quoted, contacted or messaged for one record; False if there is none.

    Idempotent. Quotes vanish from every report and digest built afterwards
    (they read ``consent_quote`` when they are built); a contact address, and
    the chat kept for messages about the record's review, are deleted
    outright, not merely hidden.
    """
    if consent not in WITHDRAWABLE:
        raise ValueError(f"consent must be one of {WITHDRAWABLE}")
    receipt = normalise_receipt(receipt)
    kind = record_kind(receipt)
    if kind is None:
        return False
    with write_session(engine) as session:
        record = crud.find_by_receipt(session, KINDS[kind].model, receipt=receipt)
        if record is None:
            return False
        _withdraw(session, kind, record, consent, channel)
        crud.write_audit(
            session, actor=actor, action=f"consent.{consent}_withdrawn",
            subject_type=kind, subject_id=record.id,
        )  # fmt: skip
        return True


def withdraw_contributor_consent(
    engine: Engine, keys: KeyRing, *, channel: str, platform_user_id: str | int, consent: str
) -> int:
    """Withdraw a consent for everything a chat contributor sent; returns the records changed."""
    if consent not in WITHDRAWABLE:
        raise ValueError(f"consent must be one of {WITHDRAWABLE}")
    pseudonym = keys.pseudonym(channel, platform_user_id)
    with write_session(engine) as session:
        contributor = session.exec(
            select(Contributor).where(Contributor.pseudonym == pseudonym)
        ).first()
        if contributor is None:
            return 0
        if consent == "message":
            changed = forget_chat_contacts(session, contributor_id=contributor.id or 0, channel=channel)
        else:
            changed = sum(
                _withdraw(session, kind, record, consent, channel)
                for kind, model in ((k.name, k.model) for k in KINDS.values())
                for record in session.exec(select(model).where(col(model.contributor_id) == contributor.id))
            )
        crud.write_audit(
            session, actor=f"channel:{channel}", action=f"consent.{consent}_withdrawn",
            subject_type="contributor", subject_id=None, detail={"records": changed},
        )  # fmt: skip
        return changed


def _withdraw(session: Session, kind: str, record: IntakeRecord, consent: str, channel: str) -> int:
    """Apply one withdrawal to one record and record it; 1 if anything changed."""
    if consent == "message":
        if not isinstance(record, Submission) or record.contributor_id is None:
            return 0
        return forget_chat_contacts(session, contributor_id=record.contributor_id, channel=channel,
                                    review_slug=record.review_slug)  # fmt: skip
    if consent == "quote":
        if not isinstance(record, Submission) or not record.consent_quote:
            return 0
        record.consent_quote = False
    else:
        if record.contact_email is None:
            return 0
        record.contact_email = None
    session.add(record)
    session.add(ConsentRecord(
        contributor_id=record.contributor_id, subject_type=kind, subject_id=record.id or 0,
        kind=consent, granted=False, notice_version=CONSENT_NOTICE_VERSION,
        locale=record.locale, channel=channel,
    ))  # fmt: skip
    return 1


def erase_record(engine: Engine, *, receipt: str, actor: str) -> bool:
    """Erase one record by its receipt, with its consents; False if there is none (idempotent).

    The audit log keeps that an erasure happened, by whom, never what was erased.
    Aggregate counts in reports already sent are not recalled.
    """
    receipt = normalise_receipt(receipt)
    kind = record_kind(receipt)
    if kind is None:
        return False
    with write_session(engine) as session:
        record = crud.find_by_receipt(session, KINDS[kind].model, receipt=receipt)
        if record is None:
            return False
        _delete_record(session, kind, record)
        crud.write_audit(session, actor=actor, action=f"{kind}.erased", subject_type=kind,
                         subject_id=record.id)  # fmt: skip
        return True


def _delete_record(session: Session, kind: str, record: IntakeRecord) -> None:
    """Delete a record, its consent records, its Slack moderation message and the chat kept with it."""
    if isinstance(record, Submission) and record.contributor_id is not None:
        session.execute(delete(ChatContact).where(
            col(ChatContact.contributor_id) == record.contributor_id,
            col(ChatContact.review_slug) == record.review_slug,
        ))  # fmt: skip
    session.execute(
        delete(ConsentRecord).where(
            col(ConsentRecord.subject_type) == kind, col(ConsentRecord.subject_id) == record.id
        )
    )
    if isinstance(record, Submission) and record.slack_channel and record.slack_ts:
        session.add(SlackRemoval(channel=record.slack_channel, ts=record.slack_ts))
    session.delete(record)


def review_of(engine: Engine, *, receipt: str) -> str | None:
    """The regional review a record belongs to, or None if there is no such record."""
    receipt = normalise_receipt(receipt)
    kind = record_kind(receipt)
    if kind is None:
        return None
    with read_session(engine) as session:
        record = crud.find_by_receipt(session, KINDS[kind].model, receipt=receipt)
        return getattr(record, "review_slug", None) if record is not None else None


def erase_for_staff(engine: Engine, *, receipt: str, staff: StaffMember) -> bool:
    """Erasure on someone's behalf: administrators only, audited under their staff id."""
    authorize(staff, Action.ERASE, None)
    return erase_record(engine, receipt=receipt, actor=audit_actor(staff))


def withdraw_for_staff(
    engine: Engine, *, receipt: str, consent: str, staff: StaffMember, channel: str
) -> bool:
    """A withdrawal a contributor asked staff to make; only staff of the record's review."""
    review = review_of(engine, receipt=receipt)
    if review is None:
        return False
    authorize(staff, Action.WITHDRAW_CONSENT, review)
    return withdraw_consent(engine, receipt=receipt, consent=consent, channel=channel, actor=audit_actor(staff))


def reveal_original(
    engine: Engine, keys: KeyRing, *, receipt: str, reason: str, staff: StaffMember
) -> str | None:
    """The words of an input as written, for an administrator when the law requires it.

    The reason is kept in the audit log with who asked; None once retention has
    purged the sealed original (or when redaction had nothing to hide).
    """
    authorize(staff, Action.REVEAL_ORIGINAL, None)
    actor = audit_actor(staff)
    if len(reason.strip()) < 10:
        raise ValueError("give the legal reason, in a sentence")
    with write_session(engine) as session:
        record = crud.find_by_receipt(session, Submission, receipt=normalise_receipt(receipt))
        if record is None or record.text_original is None:
            return None
        crud.write_audit(session, actor=actor, action="input.original_revealed", subject_type="input",
                         subject_id=record.id, detail={"reason": reason.strip()[:500]})  # fmt: skip
        return keys.decrypt(record.text_original, context="input.text")
