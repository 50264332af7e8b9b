"""What changed for a regional review over a period: the content of every digest.

Built once from the store with aggregate queries, then rendered per channel
(Slack blocks, e-mail) and per locale. Digests travel by e-mail and sit in Slack
channels, so their words pass the publication policy here: quotes and campaign texts
only where the contributor may be quoted in a digest, and flagged or urgent inputs
named by receipt and category, never by their words.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import Engine, func
from sqlmodel import col, select

from intake_api.language.insights import (
    campaigns,
    distinctive_phrases,
    one_per_group,
    written_language,
)
from intake_api.policies.publication import Audience, Pointer, public_line, publishable
from intake_api.stats import latest_inputs
from models.db import read_session
from models.pledge import Pledge
from models.practice import Practice
from models.reference import N_
from models.registration import Registration
from models.submission import Submission, SubmissionObjective

# Groups the Network commits to hear from ("including migrant and youth representatives").
EXPECTED_GROUPS = ("migrant", "youth", "diaspora", "civil_society", "trade_union", "local_authority")
QUOTES = 3
URGENT = 10  # urgent inputs of the period, and older ones nobody has reviewed yet


@dataclass(frozen=True)
class Gap:
    message: str  # msgid with %(group)s
    group: str


@dataclass(frozen=True)
class Digest:
    review_slug: str
    since: datetime
    until: datetime
    new_inputs: int
    by_group: list[tuple[str, int]]
    by_channel: list[tuple[str, int]]
    by_language: list[tuple[str, int]]
    by_theme: list[tuple[str, int]]
    by_objective: list[tuple[int, int]]
    flagged: list[Pointer]
    # Protection risks disclosed, listed before anything else, by receipt and category only.
    urgent: list[Pointer]
    quotes: list[tuple[str, str]]  # receipt, words that may be published in a digest
    pledges: int
    practices: int
    registrations: int
    travel_requests: int
    gaps: list[Gap] = field(default_factory=list)
    # Near-identical texts: a publishable member's opening words (None: none may be shown), count.
    campaigns: list[tuple[str | None, int]] = field(default_factory=list)
    key_phrases: dict[str, list[str]] = field(default_factory=dict)  # written language -> phrases


def digest_for(
    engine: Engine, *, review_slug: str, since: datetime, until: datetime, consent_age: int | None = None
) -> Digest:
    """Everything new for ``review_slug`` in [since, until), and who is still missing.

    ``consent_age``: the deployment's age of digital consent (the strictest allowed if None).
    """
    in_period = (
        col(Submission.review_slug) == review_slug,
        col(Submission.created_at) >= since,
        col(Submission.created_at) < until,
    )
    with read_session(engine) as session:

        def grouped(column):  # type: ignore[no-untyped-def]
            rows = session.exec(
                select(column, func.count()).where(*in_period).group_by(column).order_by(func.count().desc())
            ).all()
            return [(value or "other", count) for value, count in rows]

        by_objective = session.exec(
            select(SubmissionObjective.objective_number, func.count())
            .join(Submission, col(Submission.id) == col(SubmissionObjective.submission_id))
            .where(*in_period)
            .group_by(col(SubmissionObjective.objective_number))
            .order_by(func.count().desc())
        ).all()
        flagged = session.exec(
            select(Submission.receipt, Submission.theme, Submission.urgent_category)
            .where(col(Submission.review_slug) == review_slug, col(Submission.status) == "flagged")
            .order_by(col(Submission.updated_at).desc())
            .limit(5)
        ).all()
        urgent = session.exec(
            select(Submission.receipt, Submission.theme, Submission.urgent_category)
            .where(col(Submission.review_slug) == review_slug, col(Submission.urgent_category).is_not(None),
                   col(Submission.created_at) < until,
                   (col(Submission.created_at) >= since) | (col(Submission.status) == "new"))
            .order_by(col(Submission.created_at).desc())
            .limit(URGENT)
        ).all()
        candidates = session.exec(
            select(Submission.receipt, Submission.text, Submission.duplicate_group)
            .where(*in_period, publishable(audience=Audience.DIGEST, consent_age=consent_age))
            .order_by(col(Submission.created_at).desc())
            .limit(QUOTES * 10)
        ).all()
        quotes = [(r, t) for r, t, _g in one_per_group(candidates, {r: g for r, _t, g in candidates})][:QUOTES]
        seen_groups = set(session.exec(
            select(Submission.stakeholder_group).where(col(Submission.review_slug) == review_slug).distinct()
        ).all())  # fmt: skip

        def count(model, *conditions):  # type: ignore[no-untyped-def]
            return session.exec(
                select(func.count()).select_from(model).where(
                    col(model.review_slug) == review_slug, col(model.created_at) >= since,
                    col(model.created_at) < until, *conditions)
            ).one()  # fmt: skip

        by_channel = grouped(col(Submission.channel))
        return Digest(
            review_slug=review_slug, since=since, until=until,
            new_inputs=sum(n for _, n in by_channel),  # every input has a channel: one query, not two
            by_group=grouped(col(Submission.stakeholder_group)),
            by_channel=by_channel,
            by_language=written_language(session, in_period),
            by_theme=grouped(col(Submission.theme)),
            by_objective=[(int(n), c) for n, c in by_objective],
            flagged=[Pointer(*row) for row in flagged],
            urgent=[Pointer(*row) for row in urgent],
            quotes=[(r, public_line(t, 280)) for r, t in quotes],
            pledges=count(Pledge), practices=count(Practice), registrations=count(Registration),
            travel_requests=count(Registration, col(Registration.travel_support).is_(True)),
            gaps=[Gap(N_("No inputs yet from this group: %(group)s"), g) for g in EXPECTED_GROUPS
                  if g not in seen_groups],
            campaigns=campaigns(session, in_period, audience=Audience.DIGEST, consent_age=consent_age, limit=5),
            key_phrases=distinctive_phrases(session, review_slug, [col(Submission.created_at) >= since,
                                                                   col(Submission.created_at) < until,
                                                                   latest_inputs(session)], top=6),
        )  # fmt: skip
