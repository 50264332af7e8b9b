"""Consent to be written to in the chat about one review, and the encrypted chat it allows us to keep.

Telegram contributors are otherwise known only by a keyed pseudonym, which
cannot be turned back into a chat to write to. Only someone who answers yes
to "may we send you a message here about this regional review" has their
chat id kept, encrypted, in a ``ChatContact`` for that review. The latest
answer for a review is in force: a later "no" forgets the chat again.
Recording and withdrawing that answer is ``consent``; erasure and the
retention purge delete the chat too (see ``privacy`` and ``retention``).
"""

from __future__ import annotations

from sqlmodel import Session, col, select

from intake_api.crypto import KeyRing
from models.broadcast import ChatContact

CHAT_ID_CONTEXT = "chat_contact.chat_id"


def message_reviews(session: Session, *, contributor_id: int) -> list[str]:
    """The reviews a contributor agreed to be written to about, for `/mydata` and `/consent`."""
    return list(
        session.exec(
            select(ChatContact.review_slug)
            .where(col(ChatContact.contributor_id) == contributor_id)
            .order_by(col(ChatContact.review_slug))
        ).all()
    )


def chat_id_of(keys: KeyRing, contact: ChatContact) -> int:
    """The chat to send to, decrypted only at the moment of sending."""
    return int(keys.decrypt(contact.chat_id, context=CHAT_ID_CONTEXT))
