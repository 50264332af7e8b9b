"""Pledges and practices shown to staff in their review's moderation channel, each once.

Staff publish an item on the Migration Network Hub from its post (``Publishing``), so
every pledge and practice of a review with a moderation channel is posted there, with the
same at-least-once delivery as inputs (``Moderation.claim_unposted``): a claim keeps two
workers from posting one item, a failed post waits for its next try under the moderation
policy (``delivery_failures``), and one given up on is left to staff. An item of no review
is not posted: administrators publish it from the API or the command line.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Engine, String, cast, exists, literal, update
from sqlmodel import col, select

from intake_api.i18n import DEFAULT_LOCALE
from intake_api.policies.delivery import Kind
from intake_api.policies.publication import item_is_public, public_text
from intake_api.privacy import find_record
from models.base import utcnow
from models.db import read_session, write_session
from models.delivery import OutboundFailure
from models.outbox import SlackRemoval
from models.pledge import Pledge
from models.practice import Practice
from models.publishable import PublishableRecord
from models.review import RegionalReview

# The kinds that are published from a post, by the name their records go by.
MODELS: dict[str, type[Pledge] | type[Practice]] = {"pledge": Pledge, "practice": Practice}
_POSTING = "posting"  # the claim, as for inputs


@dataclass(frozen=True)
class ItemView:
    """A pledge or practice as moderators see it: free text as it may be shown (redacted)."""

    id: int
    kind: str  # "pledge" or "practice"
    receipt: str
    review_slug: str | None
    title: str
    organisation: str | None
    stakeholder_group: str | None
    countries: tuple[str, ...]
    objectives: tuple[int, ...]
    text: str
    consent_publish: bool  # the author agreed to publication (and has not withdrawn it)
    public: bool  # on the Hub now (``item_is_public``)
    slack_channel: str | None
    slack_ts: str | None


def item_view(kind: str, item: PublishableRecord) -> ItemView:
    """The item as its moderation post shows it."""
    if isinstance(item, Pledge):
        countries: Sequence[str] = [item.country] if item.country else []
        text, group = item.text, item.stakeholder_group
    elif isinstance(item, Practice):
        countries, text, group = item.countries, item.description, None
    else:
        raise TypeError(f"not a publishable kind: {type(item).__name__}")
    organisation = public_text(item.organisation) if item.organisation else None
    return ItemView(
        item.id or 0,
        kind,
        item.receipt,
        item.review_slug,
        public_text(item.title),
        organisation,
        group,
        tuple(countries),
        tuple(item.objectives),
        public_text(text),
        item.consent_publish,
        item_is_public(item),
        item.slack_channel,
        item.slack_ts,
    )


def post_ref(kind: str, item_id: int) -> str:
    """How the failure record names an item's moderation post: by kind and id, nothing it says."""
    return f"{kind}:{item_id}"


class ItemPosts:
    """The Slack feed's claims on pledges and practices, bound to the store."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def claim_unposted(self, *, limit: int = 50, now: datetime | None = None) -> list[ItemView]:
        """Items of reviews with a moderation channel not yet shown there, claimed by this process.

        Oldest first, pledges then practices (up to ``limit`` of each). An item whose post
        failed waits for its next try; one given up on is left to staff (``gcm-intake failures``).
        """
        now = now or utcnow()
        claimed: list[ItemView] = []
        for kind, model in MODELS.items():
            waiting = exists().where(
                col(OutboundFailure.kind) == Kind.MODERATION.value,
                col(OutboundFailure.ref) == literal(f"{kind}:").concat(cast(col(model.id), String)),
                col(OutboundFailure.failed_at).is_not(None)
                | (col(OutboundFailure.next_try_at) > now),
            )
            with read_session(self.engine) as session:
                rows = session.exec(
                    select(model.id, RegionalReview.slack_channel)
                    .join(RegionalReview, col(RegionalReview.slug) == col(model.review_slug))
                    .where(
                        col(model.slack_ts).is_(None),
                        col(RegionalReview.slack_channel).is_not(None),
                        ~waiting,
                    )
                    .order_by(col(model.id))
                    .limit(limit)
                ).all()
            for item_id, channel_id in rows:
                with write_session(self.engine) as session:
                    result = session.execute(
                        update(model)
                        .where(col(model.id) == item_id, col(model.slack_ts).is_(None))
                        .values(slack_ts=_POSTING, slack_channel=channel_id)
                    )
                    if result.rowcount == 1:  # type: ignore[attr-defined]
                        claimed.append(item_view(kind, session.get_one(model, item_id)))
        return claimed

    def mark_posted(self, *, kind: str, item_id: int, channel_id: str, ts: str | None) -> None:
        """Record the post, or release the claim (``ts=None``) to try again later.

        An item erased while its post was being sent has its post removed too.
        """
        with write_session(self.engine) as session:
            item = session.get(MODELS[kind], item_id)
            if item is None:
                if ts:
                    session.add(SlackRemoval(channel=channel_id, ts=ts))
                return
            item.slack_ts, item.slack_channel = ts, channel_id if ts else None
            session.add(item)

    def find(self, *, receipt: str) -> ItemView | None:
        """The pledge or practice with this receipt, for staff already authorized to act on it."""
        with read_session(self.engine) as session:
            found = find_record(session, receipt)
            if found is None:
                return None
            kind, item = found
            return item_view(kind, item) if isinstance(item, PublishableRecord) else None

    def channel_locale(self, view: ItemView, channel_id: str) -> str:
        """The language of an item's post: the one set for its review's moderation channel.

        The post and its updates after Publish or Unpublish read it, so a message keeps
        one language; elsewhere (a channel changed since), English.
        """
        with read_session(self.engine) as session:
            review = session.get(RegionalReview, view.review_slug) if view.review_slug else None
            if review is not None and channel_id == review.slack_channel:
                return review.slack_locale or DEFAULT_LOCALE
        return DEFAULT_LOCALE
