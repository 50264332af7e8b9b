"""What changed for a regional review over a period: the content of every digest.

Built once from the store with aggregate queries, then rendered per channel
(Slack blocks, e-mail) and per locale. Digests travel by e-mail and sit in Slack
channels, so their words pass the publication policy here: quotes and campaign texts
only where the contributor may be quoted in a digest, and flagged or urgent inputs
named by receipt and category, never by their words. Its counts pass the disclosure
policy here, as one publication: the report's tables over the period's new inputs (so a
digest whose period holds every input hides what the report hides), of which it lists
the groups, age groups, channels, languages, themes and objectives, then campaigns, pledges,
practices and registrations; the renderers print ``Digest.counts[key]`` only.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import Engine, func
from sqlmodel import col, select

from intake_api.language.insights import campaigns, distinctive_phrases, one_per_group
from intake_api.participation import (
    AGE_TOTALS,
    CHANNEL_TOTALS,
    DIMENSIONS,
    Participation,
    consistent_read,
    count_inputs,
    declare_campaigns,
    declare_inputs,
)
from intake_api.policies.disclosure import (
    Disclosure,
    Publication,
    Shown,
    disclose,
    footnote,
)
from intake_api.policies.publication import Audience, Pointer, public_line, publishable
from intake_api.stats import latest_inputs
from models.pledge import Pledge
from models.practice import Practice
from models.reference import N_
from models.registration import Registration
from models.submission import Submission, SubmissionObjective

# Groups the Network commits to hear from ("including migrant and youth representatives").
EXPECTED_GROUPS = (
    "migrant",
    "youth",
    "diaspora",
    "civil_society",
    "trade_union",
    "local_authority",
)
QUOTES = 3
URGENT = 10  # urgent inputs of the period, and older ones nobody has reviewed yet


@dataclass(frozen=True)
class Gap:
    message: str  # msgid with %(group)s
    group: str


# The breakdowns of the period's new inputs a digest lists (each adds up to "New inputs"),
# by the keys of the report's tables (``participation.declare_inputs``); an answer not given
# is a category of its own ("Not given"), so each list adds up.
LISTS = {
    "group": "group",
    "age": AGE_TOTALS,
    "channel": CHANNEL_TOTALS,
    "language": "language",
    "theme": "theme",
    "objective": "objective",
}
LISTED = 8  # rows a breakdown lists, shown counts first
CAMPAIGNS_LISTED = 5


@dataclass(frozen=True)
class Digest:
    """What a digest says. Its counts only as readers may see them: ``counts`` is a Disclosure
    keyed ``"inputs"``, ``(dimension, code)``, ``("objective", n)``, ``("campaign", i)``,
    ``"pledges"``, ``"practices"``, ``"registrations"``, ``"travel"``."""

    review_slug: str
    since: datetime
    until: datetime
    counts: Disclosure
    categories: Mapping[str, tuple[Hashable, ...]]
    flagged: list[Pointer]
    # Protection risks disclosed, listed before anything else, by receipt and category only.
    urgent: list[Pointer]
    quotes: list[tuple[str, str]]  # receipt, words that may be published in a digest
    gaps: list[Gap] = field(default_factory=list)
    # Near-identical texts: a publishable member's opening words (None: none may be shown);
    # the number of inputs of campaign i is counts[("campaign", i)].
    campaigns: list[str | None] = field(default_factory=list)
    key_phrases: dict[str, list[str]] = field(default_factory=dict)  # written language -> phrases

    def listed(self, dimension: str) -> list[tuple[Hashable, Shown]]:
        """A breakdown's rows as (category, shown count): at most ``LISTED``, shown counts largest
        first and hidden ones after them (``Disclosure.ordered``), zeros left out."""
        codes = self._keys(dimension)
        return [
            (codes[key], shown)
            for key, shown in self.counts.ordered(codes, drop_zeros=True)[:LISTED]
        ]

    def all_small(self, dimension: str) -> bool:
        """Whether a breakdown is one line (``participation.EVERY``): every count of it is small,
        so the list would be "x" throughout, and naming a language would tell that someone wrote in it."""
        keys = self._keys(dimension)
        return bool(keys) and self.counts.all_small(keys)

    def _keys(self, dimension: str) -> dict[Hashable, Hashable]:
        return {(LISTS[dimension], code): code for code in self.categories[dimension]}

    def repeated(self) -> list[tuple[str | None, Shown]]:
        """The first campaigns as (words or None, shown count), in an order that ranks no hidden
        count. All of the report's are counted (the same publication when the period holds
        every input), fewer listed."""
        words: dict[Hashable, str | None] = {
            ("campaign", i): w for i, w in enumerate(self.campaigns)
        }
        return [(words[key], shown) for key, shown in self.counts.ordered(words)[:CAMPAIGNS_LISTED]]

    def footnotes(self, locale: str) -> list[str]:
        """What the symbols in this digest mean, in ``locale``."""
        return [footnote(locale, note) for note in self.counts.footnotes()]


def digest_counts(
    participation: Participation,
    *,
    objectives: Mapping[int, int],
    campaigns: Sequence[int],
    records: Mapping[str, int],
) -> tuple[Disclosure, dict[str, tuple[Hashable, ...]]]:
    """Every count of a digest as one publication, and what readers see of each: the report's
    tables over the period (the digest lists some of them), then the digest's own counts."""
    publication = Publication()
    categories = declare_inputs(publication, participation, objectives=objectives)
    declare_campaigns(publication, campaigns)
    for name, count in records.items():
        publication.add_count(name, count)
    publication.add_subset("travel", "registrations")
    return disclose(publication), categories


def digest_for(
    engine: Engine,
    *,
    review_slug: str,
    since: datetime,
    until: datetime,
    consent_age: int | None = None,
) -> Digest:
    """Everything new for ``review_slug`` in [since, until), and who is still missing.

    ``consent_age``: the deployment's age of digital consent (the strictest allowed if None).
    """
    in_period = (
        col(Submission.review_slug) == review_slug,
        col(Submission.created_at) >= since,
        col(Submission.created_at) < until,
    )
    with consistent_read(engine) as session:
        participation = Participation(DIMENSIONS, count_inputs(session, DIMENSIONS, in_period))
        by_objective = session.exec(
            select(SubmissionObjective.objective_number, func.count())
            .join(Submission, col(Submission.id) == col(SubmissionObjective.submission_id))
            .where(*in_period)
            .group_by(col(SubmissionObjective.objective_number))
        ).all()
        flagged = session.exec(
            select(Submission.receipt, Submission.theme, Submission.urgent_category)
            .where(col(Submission.review_slug) == review_slug, col(Submission.status) == "flagged")
            .order_by(col(Submission.updated_at).desc())
            .limit(5)
        ).all()
        urgent = session.exec(
            select(Submission.receipt, Submission.theme, Submission.urgent_category)
            .where(
                col(Submission.review_slug) == review_slug,
                col(Submission.urgent_category).is_not(None),
                col(Submission.created_at) < until,
                (col(Submission.created_at) >= since) | (col(Submission.status) == "new"),
            )
            .order_by(col(Submission.created_at).desc())
            .limit(URGENT)
        ).all()
        candidates = session.exec(
            select(Submission.receipt, Submission.text, Submission.duplicate_group)
            .where(*in_period, publishable(audience=Audience.DIGEST, consent_age=consent_age))
            .order_by(col(Submission.created_at).desc())
            .limit(QUOTES * 10)
        ).all()
        quotes = [
            (r, t) for r, t, _g in one_per_group(candidates, {r: g for r, _t, g in candidates})
        ][:QUOTES]
        seen_groups = set(
            session.exec(
                select(Submission.stakeholder_group)
                .where(col(Submission.review_slug) == review_slug)
                .distinct()
            ).all()
        )

        def count(model):  # type: ignore[no-untyped-def]
            return session.exec(
                select(func.count())
                .select_from(model)
                .where(
                    col(model.review_slug) == review_slug,
                    col(model.created_at) >= since,
                    col(model.created_at) < until,
                )
            ).one()

        registrations = dict(
            session.exec(
                select(Registration.travel_support, func.count())
                .where(
                    col(Registration.review_slug) == review_slug,
                    col(Registration.created_at) >= since,
                    col(Registration.created_at) < until,
                )
                .group_by(col(Registration.travel_support))
            ).all()
        )

        repeated = campaigns(session, in_period, audience=Audience.DIGEST, consent_age=consent_age)
        counts, categories = digest_counts(
            participation,
            objectives={int(n): c for n, c in by_objective},
            campaigns=[n for _w, n in repeated],
            records={
                "pledges": count(Pledge),
                "practices": count(Practice),
                "registrations": sum(registrations.values()),
                "travel": registrations.get(True, 0),
            },
        )
        return Digest(
            review_slug=review_slug,
            since=since,
            until=until,
            counts=counts,
            categories=categories,
            flagged=[Pointer(*row) for row in flagged],
            urgent=[Pointer(*row) for row in urgent],
            quotes=[(r, public_line(t, 280)) for r, t in quotes],
            gaps=[
                Gap(N_("No inputs yet from this group: %(group)s"), g)
                for g in EXPECTED_GROUPS
                if g not in seen_groups
            ],
            campaigns=[words for words, _n in repeated],
            key_phrases=distinctive_phrases(
                session,
                review_slug,
                [
                    col(Submission.created_at) >= since,
                    col(Submission.created_at) < until,
                    latest_inputs(session),
                ],
                top=6,
            ),
        )
