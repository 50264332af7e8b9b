"""Whether a contributor's words may leave the staff views: one rule, in Python and in SQL.

Every output that shows what someone wrote outside the moderation screens (the summary
report in every format and the API that serves it, digests in Slack and by e-mail,
"Repeated texts and campaigns", key phrases, App Home, notification text) asks here.
Words may be shown only when all of these hold:

- the contributor agreed to be quoted (``consent_quote``; a withdrawal clears it);
- the contributor gave an age group, and it is not below the age of digital consent (an
  unknown age counts as a minor's: a chat asks the age only after the receipt);
- the text disclosed no protection risk (``urgent_category``): such words are for
  safeguarding staff only, whatever the consent;
- moderation allows it: never a flagged input, and in the summary report only inputs
  staff chose (``included``);
- the record still exists: erasure deletes it, so it is gone from every later output.

What is shown is redacted on the way out (``public_text``), also for rows stored
before intake redacted every field. Lists for staff that must point at an input
without quoting it (flagged or urgent inputs in digests and App Home, notifications)
carry a ``Pointer``: the receipt and the category, never the words.

Pledges and practices are public on the Migration Network Hub only while their author's
consent to publish stands and staff have published them (``item_is_public``); only
their redacted text is shown, never a contact address.

Text-derived summaries (key phrases) count a phrase only when at least
``MIN_CONTRIBUTORS`` different people used it.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy import ColumnElement, and_, or_
from sqlmodel import col

from intake_api.redaction import redact
from models.publishable import PublishableRecord
from models.reference import N_, minor_age_groups
from models.submission import Submission

# A phrase said by fewer people than this could point at one of them (the same threshold
# as the small counts the report suppresses).
MIN_CONTRIBUTORS = 5

# When a caller does not say which age of digital consent the deployment uses, the
# strictest one the settings allow (``INTAKE_DIGITAL_CONSENT_AGE`` is 13 to 18): a
# report then quotes too few people rather than one child too many.
STRICTEST_CONSENT_AGE = 18


class Audience(StrEnum):
    """Who reads the words; the summary report asks more of moderation than a digest."""

    REPORT = "report"  # the summary report (every format, the API): inputs staff included
    DIGEST = "digest"  # organisers' digests (Slack, e-mail): anything not flagged


@dataclass(frozen=True)
class Facts:
    """What the rule reads about one input (a ``Submission`` has the same attributes)."""

    consent_quote: bool
    age_group: str | None
    status: str
    urgent_category: str | None


@dataclass(frozen=True)
class Pointer:
    """An input named for staff without its words: its receipt and what it is about."""

    receipt: str
    theme: str | None = None
    urgent_category: str | None = None


def _minors(consent_age: int | None) -> frozenset[str]:
    return minor_age_groups(STRICTEST_CONSENT_AGE if consent_age is None else consent_age)


def may_publish(
    facts: Facts | Submission, *, audience: Audience, consent_age: int | None = None
) -> bool:
    """Whether the words of this input may be shown to ``audience``."""
    if not facts.consent_quote or facts.urgent_category is not None:
        return False
    if facts.age_group is None or facts.age_group in _minors(consent_age):
        return False  # an unknown age counts as a minor's until it is given
    if audience is Audience.REPORT:
        return facts.status == "included"
    return facts.status != "flagged"


def publishable(*, audience: Audience, consent_age: int | None = None) -> ColumnElement[bool]:
    """``may_publish`` as a SQL condition on ``Submission``, for queries that select quotes.

    Written out with explicit NULL handling: an input without an age group is never
    published (stated, not left to ``NOT IN``), and ``status != 'flagged'`` alone would
    drop every NULL status.
    """
    minors = sorted(_minors(consent_age))
    status = (
        col(Submission.status) == "included"
        if audience is Audience.REPORT
        else or_(col(Submission.status).is_(None), col(Submission.status) != "flagged")
    )
    return and_(
        col(Submission.consent_quote).is_(True),
        col(Submission.urgent_category).is_(None),
        col(Submission.age_group).is_not(None),
        col(Submission.age_group).not_in(minors),
        status,
    )


def public_text(text: str | None) -> str:
    """Free text as it may leave the store, line breaks kept: personal data masked.

    For every kind of record: input texts, pledge and practice titles, descriptions,
    organisations and partners.
    """
    return "\n".join(" ".join(line.split()) for line in redact(text or "").strip().splitlines())


def public_line(text: str | None, limit: int | None = None) -> str:
    """``public_text`` on one line, cut at a word after ``limit`` characters, for lists."""
    flat = " ".join(public_text(text).split())
    if limit is None or len(flat) <= limit:
        return flat
    return flat[:limit].rsplit(" ", 1)[0] + "…"


# Where a text-derived list would show words that may not be shown.
TEXT_NOT_SHOWN = N_("Text not shown: none of these inputs may be quoted.")


def feeds_summaries() -> ColumnElement[bool]:
    """Which inputs may feed text-derived summaries such as key phrases.

    Never a flagged input, nor the words of a protection risk; erased inputs are gone.
    Consent to be quoted is not needed: a phrase is only shown once ``MIN_CONTRIBUTORS``
    different people used it, so it no longer points at anyone.
    """
    return and_(col(Submission.status) != "flagged", col(Submission.urgent_category).is_(None))


def item_is_public(item: PublishableRecord) -> bool:
    """Whether a pledge or practice may be on the Hub: its author agreed, staff published it.

    The Hub's pages, open data and feeds select with ``public_items``; this is the same
    rule for one record in hand.
    """
    return item.consent_publish and item.published_at is not None


def public_items(model: type[PublishableRecord]) -> ColumnElement[bool]:
    """``item_is_public`` as a SQL condition on a pledge or practice table."""
    return and_(col(model.consent_publish).is_(True), col(model.published_at).is_not(None))


def author_key(contributor_id: int | None, input_id: int | None) -> str:
    """Who counts as one contributor: the pseudonymous contributor, or else the input itself."""
    return f"c{contributor_id}" if contributor_id is not None else f"i{input_id}"
