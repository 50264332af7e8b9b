"""Publishing pledges and practices on the Migration Network Hub, and taking them down.

Staff of the item's review publish from Slack, the API or the command line; an item of
no review is an administrator's (``authorization.may``). Nothing is published without
its author's consent to publish, which the author may withdraw at any time
(``Consent.withdraw``), taking the item down with it. A review's summary report is made
public the same way (``publish_report``). Every change is audited.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy import Engine
from sqlmodel import Session

from intake_api.policies.authorization import Action, NotAllowed, audit_actor, authorize
from intake_api.policies.publication import item_is_public
from intake_api.privacy import find_record
from models import crud
from models.base import utcnow
from models.db import write_session
from models.publishable import PublishableRecord
from models.reference import N_, REVIEW_SLUGS
from models.review import RegionalReview
from models.staff import StaffMember

# What staff are told when the author did not agree (a msgid: every channel translates it).
NO_CONSENT_TO_PUBLISH = N_(
    "This cannot be published: its author did not agree to publication, or withdrew it."
)


class NoConsentToPublish(ValueError):
    """The author did not agree to publication (or withdrew it); nothing was changed."""


@dataclass(frozen=True)
class Publication:
    """Where an item stands after a change: its receipt, kind and whether it is public."""

    kind: str
    receipt: str
    review_slug: str | None
    published_at: datetime | None
    # The record as it stands after the change, for an answer that shows it (the API's).
    item: PublishableRecord | None = field(default=None, compare=False, repr=False)

    @property
    def public(self) -> bool:
        return self.published_at is not None


class Publishing:
    """Publishing and unpublishing items, bound to the store."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def publish(self, *, receipt: str, actor: StaffMember, channel: str) -> Publication:
        """Show the item on the Hub; idempotent. ``NoConsentToPublish`` without its author's
        consent, ``NotAllowed`` outside the actor's reviews (or for an unknown receipt)."""
        return self._set(receipt=receipt, actor=actor, channel=channel, public=True)

    def unpublish(self, *, receipt: str, actor: StaffMember, channel: str) -> Publication:
        """Take the item off the Hub, its open data and feeds; idempotent."""
        return self._set(receipt=receipt, actor=actor, channel=channel, public=False)

    def _set(self, *, receipt: str, actor: StaffMember, channel: str, public: bool) -> Publication:
        with write_session(self.engine) as session:
            kind, item = _find(session, receipt, actor)
            if public and not item.consent_publish:
                raise NoConsentToPublish(receipt)
            if public != item_is_public(item):
                item.published_at = utcnow() if public else None
                session.add(item)
                crud.write_audit(
                    session,
                    actor=audit_actor(actor),
                    action="items.published" if public else "items.unpublished",
                    subject_type=kind,
                    subject_id=item.id,
                    detail={"channel": channel},
                )
            session.flush()
            return Publication(kind, item.receipt, _review(item), _aware(item.published_at), item)

    def set_published(
        self, *, receipt: str, actor: StaffMember, channel: str, published: bool
    ) -> Publication:
        """``publish`` or ``unpublish``, as a channel that is told the state wanted (API PATCH)."""
        return self._set(receipt=receipt, actor=actor, channel=channel, public=published)

    def publish_report(
        self, *, review_slug: str, actor: StaffMember, channel: str, published: bool = True
    ) -> datetime | None:
        """Show the review's summary report on its public page, or take it down; idempotent.

        Staff of the review decide (``Action.PUBLISH``); an unknown review is ``NotAllowed``.
        The report itself quotes only what the publication policy lets it quote. Returns when
        it was published (None: not public).
        """
        if review_slug not in REVIEW_SLUGS:
            raise NotAllowed(review_slug)
        authorize(actor, Action.PUBLISH, review_slug)
        with write_session(self.engine) as session:
            review = session.get_one(RegionalReview, review_slug)
            if published != (review.report_published_at is not None):
                review.report_published_at = utcnow() if published else None
                session.add(review)
                crud.write_audit(
                    session,
                    actor=audit_actor(actor),
                    action="report.published" if published else "report.unpublished",
                    subject_type="review",
                    subject_id=None,
                    detail={"review": review_slug, "channel": channel},
                )
            session.flush()
            return _aware(review.report_published_at)


def _aware(moment: datetime | None) -> datetime | None:
    """A stored time in UTC with its offset (SQLite hands back UTC wall times without one)."""
    return moment.replace(tzinfo=UTC) if moment and moment.tzinfo is None else moment


def _review(item: PublishableRecord) -> str | None:
    return getattr(item, "review_slug", None)


def _find(session: Session, receipt: str, actor: StaffMember) -> tuple[str, PublishableRecord]:
    """The pledge or practice, if ``actor`` may publish in its review; ``NotAllowed`` otherwise
    (also for a receipt of another kind or of nothing: nothing is said about what exists)."""
    found = find_record(session, receipt)
    if found is None:
        raise NotAllowed(receipt)
    kind, item = found
    if not isinstance(item, PublishableRecord):
        raise NotAllowed(receipt)
    authorize(actor, Action.PUBLISH, _review(item))
    return kind, item
