"""Consents given and withdrawn: to be quoted, contacted, written to in the chat, published.

A withdrawal takes effect in the one store, so reports, digests and exports
built afterwards no longer show what was withdrawn. Every answer and every
withdrawal leaves a ``ConsentRecord`` and an audit entry. Telegram chats are
kept (encrypted, see ``chat_contacts``) only while a "yes, write to me" stands.
"""

from __future__ import annotations

from sqlalchemy import Engine, delete
from sqlmodel import Session, col, select

from intake_api.chat_contacts import CHAT_ID_CONTEXT
from intake_api.crypto import KeyRing
from intake_api.policies.authorization import Action, audit_actor, authorize
from intake_api.privacy import contributor_records, find_record
from intake_api.questionnaire import CONSENT_NOTICE_VERSION
from models import crud
from models.base import utcnow
from models.broadcast import ChatContact
from models.consent import ConsentRecord
from models.contributor import Contributor
from models.db import read_session, write_session
from models.intake_record import IntakeRecord
from models.publishable import PublishableRecord
from models.staff import StaffMember
from models.submission import Submission

WITHDRAWABLE = ("quote", "contact", "message", "publish")


class Consent:
    """Recording and withdrawing consents, bound to the store and its keys."""

    def __init__(self, engine: Engine, keys: KeyRing) -> None:
        self.engine = engine
        self.keys = keys

    def record_message(
        self, *, receipt: str, chat_id: int, granted: bool, channel: str, locale: str
    ) -> bool:
        """Store the answer given with an input; on yes, keep the chat (encrypted) for its review.

        Idempotent for a redelivered update: the answer is recorded once per input.
        The latest answer for a review is in force: a later "no" forgets the chat again.
        False when there is no such input or it has no chat contributor.
        """
        with write_session(self.engine) as session:
            record = crud.find_by_receipt(session, Submission, receipt=receipt)
            if record is None or record.contributor_id is None or record.id is None:
                return False
            if _message_answered(session, record.id):
                return True
            contact = _contact(session, record.contributor_id, record.review_slug)
            if granted:
                contact = contact or ChatContact(
                    contributor_id=record.contributor_id,
                    review_slug=record.review_slug,
                    channel=channel,
                    chat_id=b"",
                    locale=locale,
                )
                contact.chat_id = self.keys.encrypt(str(chat_id), context=CHAT_ID_CONTEXT)
                contact.locale = locale
                contact.submission_id, contact.granted_at = record.id, utcnow()
                session.add(contact)
            elif contact is not None:
                session.delete(contact)
            session.add(
                input_consent(
                    record.id,
                    record.contributor_id,
                    kind="message",
                    granted=granted,
                    locale=locale,
                    channel=channel,
                )
            )
            crud.write_audit(
                session,
                actor=f"channel:{channel}",
                action="consent.message_granted" if granted else "consent.message_refused",
                subject_type="input",
                subject_id=record.id,
            )
            return True

    def storage_agreed(self, *, channel: str, platform_user_id: str | int) -> bool:
        """Whether this chat contributor agreed to storage under the current privacy notice.

        True only while the contributor is kept (not erased) and their latest storage
        consent on this channel is a "yes" to ``CONSENT_NOTICE_VERSION``: a notice
        changed since is asked again.
        """
        pseudonym = self.keys.pseudonym(channel, platform_user_id)
        with read_session(self.engine) as session:
            contributor = crud.find_contributor(session, pseudonym=pseudonym)
            if contributor is None:
                return False
            latest = session.exec(
                select(ConsentRecord)
                .where(
                    ConsentRecord.contributor_id == contributor.id,
                    ConsentRecord.kind == "store",
                    ConsentRecord.channel == channel,
                )
                .order_by(col(ConsentRecord.recorded_at).desc(), col(ConsentRecord.id).desc())
            ).first()
            return bool(
                latest and latest.granted and latest.notice_version == CONSENT_NOTICE_VERSION
            )

    def withdraw(self, *, receipt: str, consent: str, channel: str, actor: str) -> bool:
        """Withdraw consent to be quoted, contacted or messaged for one record; False if there is none.

        Idempotent. Quotes vanish from every report and digest built afterwards
        (they read ``consent_quote`` when they are built); a contact address, and
        the chat kept for messages about the record's review, are deleted
        outright, not merely hidden.
        """
        _check(consent)
        with write_session(self.engine) as session:
            found = find_record(session, receipt)
            if found is None:
                return False
            _withdraw_audited(session, *found, consent, channel, actor)
            return True

    def withdraw_for_staff(
        self, *, receipt: str, consent: str, staff: StaffMember, channel: str
    ) -> bool:
        """A withdrawal a contributor asked staff to make; only staff of the record's review."""
        with write_session(self.engine) as session:
            found = find_record(session, receipt)
            review = getattr(found[1], "review_slug", None) if found is not None else None
            if found is None or review is None:
                return False
            authorize(staff, Action.WITHDRAW_CONSENT, review)
            _check(consent)
            _withdraw_audited(session, *found, consent, channel, audit_actor(staff))
            return True

    def withdraw_for_contributor(
        self, *, channel: str, platform_user_id: str | int, consent: str
    ) -> int:
        """Withdraw a consent for everything a chat contributor sent; returns the records changed."""
        _check(consent)
        pseudonym = self.keys.pseudonym(channel, platform_user_id)
        with write_session(self.engine) as session:
            contributor = session.exec(
                select(Contributor).where(Contributor.pseudonym == pseudonym)
            ).first()
            if contributor is None:
                return 0
            if consent == "message":
                changed = _forget_chat_contacts(
                    session, contributor_id=contributor.id or 0, channel=channel
                )
            else:
                changed = sum(
                    _withdraw(session, kind, record, consent, channel)
                    for kind, record in contributor_records(session, contributor.id)
                )
            crud.write_audit(
                session,
                actor=f"channel:{channel}",
                action=f"consent.{consent}_withdrawn",
                subject_type="contributor",
                subject_id=None,
                detail={"records": changed},
            )
            return changed


def input_consent(
    record_id: int, contributor_id: int, *, kind: str, granted: bool, locale: str, channel: str
) -> ConsentRecord:
    """A consent given or refused for one input, under the current notice, after it was stored."""
    return ConsentRecord(
        contributor_id=contributor_id,
        subject_type="input",
        subject_id=record_id,
        kind=kind,
        granted=granted,
        notice_version=CONSENT_NOTICE_VERSION,
        locale=locale,
        channel=channel,
    )


def _check(consent: str) -> None:
    if consent not in WITHDRAWABLE:
        raise ValueError(f"consent must be one of {WITHDRAWABLE}")


def _withdraw_audited(
    session: Session, kind: str, record: IntakeRecord, consent: str, channel: str, actor: str
) -> None:
    _withdraw(session, kind, record, consent, channel)
    crud.write_audit(
        session,
        actor=actor,
        action=f"consent.{consent}_withdrawn",
        subject_type=kind,
        subject_id=record.id,
    )


def _withdraw(session: Session, kind: str, record: IntakeRecord, consent: str, channel: str) -> int:
    """Apply one withdrawal to one record and record it; 1 if anything changed."""
    if consent == "message":
        if not isinstance(record, Submission) or record.contributor_id is None:
            return 0
        return _forget_chat_contacts(
            session,
            contributor_id=record.contributor_id,
            channel=channel,
            review_slug=record.review_slug,
        )
    if consent == "quote":
        if not isinstance(record, Submission) or not record.consent_quote:
            return 0
        record.consent_quote = False
    elif consent == "publish":
        if not isinstance(record, PublishableRecord) or not record.consent_publish:
            return 0
        record.consent_publish = False
        record.published_at = None  # off the Hub, its open data and feeds at once
    else:
        if record.contact_email is None:
            return 0
        record.contact_email = None
    session.add(record)
    session.add(
        ConsentRecord(
            contributor_id=record.contributor_id,
            subject_type=kind,
            subject_id=record.id or 0,
            kind=consent,
            granted=False,
            notice_version=CONSENT_NOTICE_VERSION,
            locale=record.locale,
            channel=channel,
        )
    )
    return 1


def _message_answered(session: Session, submission_id: int) -> bool:
    return (
        session.exec(
            select(ConsentRecord.id).where(
                col(ConsentRecord.kind) == "message",
                col(ConsentRecord.subject_type) == "input",
                col(ConsentRecord.subject_id) == submission_id,
            )
        ).first()
        is not None
    )


def _contact(session: Session, contributor_id: int, review_slug: str) -> ChatContact | None:
    return session.exec(
        select(ChatContact).where(
            col(ChatContact.contributor_id) == contributor_id,
            col(ChatContact.review_slug) == review_slug,
        )
    ).first()


def _forget_chat_contacts(
    session: Session, *, contributor_id: int, channel: str, review_slug: str | None = None
) -> int:
    """Delete a contributor's kept chats (for one review, or all) and record the withdrawal of each."""
    query = select(ChatContact).where(col(ChatContact.contributor_id) == contributor_id)
    if review_slug is not None:
        query = query.where(col(ChatContact.review_slug) == review_slug)
    contacts = session.exec(query).all()
    for contact in contacts:
        session.add(
            ConsentRecord(
                contributor_id=contributor_id,
                subject_type="input",
                subject_id=contact.submission_id or 0,
                kind="message",
                granted=False,
                notice_version=CONSENT_NOTICE_VERSION,
                locale=contact.locale,
                channel=channel,
            )
        )
    if contacts:
        session.execute(
            delete(ChatContact).where(col(ChatContact.id).in_([c.id for c in contacts]))
        )
    return len(contacts)
