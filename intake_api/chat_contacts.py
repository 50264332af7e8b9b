"""Consent to be written to in the chat about one review, and the encrypted chat it allows us to keep.

Telegram contributors are otherwise known only by a keyed pseudonym, which
cannot be turned back into a chat to write to. Only someone who answers yes
to "may we send you a message here about this regional review" has their
chat id kept, encrypted, in a ``ChatContact`` for that review. The latest
answer for a review is in force: a later "no" forgets the chat again.
Withdrawal, erasure and the retention purge delete it (see ``privacy`` and
``retention``).
"""

from __future__ import annotations

from sqlalchemy import Engine, delete
from sqlmodel import Session, col, select

from intake_api.crypto import KeyRing
from intake_api.questionnaire import CONSENT_NOTICE_VERSION
from models import crud
from models.base import utcnow
from models.broadcast import ChatContact
from models.consent import ConsentRecord
from models.db import write_session
from models.submission import Submission

CHAT_ID_CONTEXT = "chat_contact.chat_id"


def record_message_consent(
    engine: Engine, keys: KeyRing, *, receipt: str, chat_id: int, granted: bool, channel: str, locale: str
) -> bool:
    """Store the answer given with an input; on yes, keep the chat (encrypted) for its review.

    Idempotent for a redelivered update: the answer is recorded once per input.
    False when there is no such input or it has no chat contributor.
    """
    with write_session(engine) as session:
        record = crud.find_by_receipt(session, Submission, receipt=receipt)
        if record is None or record.contributor_id is None or record.id is None:
            return False
        answered = session.exec(select(ConsentRecord.id).where(
            col(ConsentRecord.kind) == "message", col(ConsentRecord.subject_type) == "input",
            col(ConsentRecord.subject_id) == record.id,
        )).first()  # fmt: skip
        if answered is not None:
            return True
        contact = _contact(session, record.contributor_id, record.review_slug)
        if granted:
            contact = contact or ChatContact(contributor_id=record.contributor_id, review_slug=record.review_slug,
                                             channel=channel, chat_id=b"", locale=locale)  # fmt: skip
            contact.chat_id = keys.encrypt(str(chat_id), context=CHAT_ID_CONTEXT)
            contact.locale, contact.submission_id, contact.granted_at = locale, record.id, utcnow()
            session.add(contact)
        elif contact is not None:
            session.delete(contact)
        session.add(ConsentRecord(
            contributor_id=record.contributor_id, subject_type="input", subject_id=record.id, kind="message",
            granted=granted, notice_version=CONSENT_NOTICE_VERSION, locale=locale, channel=channel,
        ))  # fmt: skip
        crud.write_audit(session, actor=f"channel:{channel}",
                         action="consent.message_granted" if granted else "consent.message_refused",
                         subject_type="input", subject_id=record.id)  # fmt: skip
        return True


def _contact(session: Session, contributor_id: int, review_slug: str) -> ChatContact | None:
    return session.exec(select(ChatContact).where(
        col(ChatContact.contributor_id) == contributor_id, col(ChatContact.review_slug) == review_slug,
    )).first()  # fmt: skip


def forget_chat_contacts(
    session: Session, *, contributor_id: int, channel: str, review_slug: str | None = None
) -> int:
    """Delete a contributor's kept chats (for one review, or all) and record the withdrawal of each."""
    query = select(ChatContact).where(col(ChatContact.contributor_id) == contributor_id)
    if review_slug is not None:
        query = query.where(col(ChatContact.review_slug) == review_slug)
    contacts = session.exec(query).all()
    for contact in contacts:
        session.add(ConsentRecord(
            contributor_id=contributor_id, subject_type="input", subject_id=contact.submission_id or 0,
            kind="message", granted=False, notice_version=CONSENT_NOTICE_VERSION, locale=contact.locale,
            channel=channel,
        ))  # fmt: skip
    if contacts:
        session.execute(delete(ChatContact).where(col(ChatContact.id).in_([c.id for c in contacts])))
    return len(contacts)


def message_reviews(session: Session, *, contributor_id: int) -> list[str]:
    """The reviews a contributor agreed to be written to about, for `/mydata` and `/consent`."""
    return list(session.exec(
        select(ChatContact.review_slug).where(col(ChatContact.contributor_id) == contributor_id)
        .order_by(col(ChatContact.review_slug))
    ).all())  # fmt: skip


def chat_id_of(keys: KeyRing, contact: ChatContact) -> int:
    """The chat to send to, decrypted only at the moment of sending."""
    return int(keys.decrypt(contact.chat_id, context=CHAT_ID_CONTEXT))
