"""What a summary report says, computed once for every format.

Every word in it that someone wrote passes the publication policy here, once, so no
format can show more than another: quotes and campaign texts only where the contributor
may be quoted in a report, pledges and practices redacted.

Every count in it passes the disclosure policy here, once, as one publication: the
participation tables are margins of one grouped query (``participation.declare_inputs``),
and what each format prints, tables, charts and totals alike, is ``ReportData.counts[key]``.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import Engine, func, true
from sqlmodel import col, select

from intake_api.language.insights import acceptance, campaigns, distinctive_phrases, one_per_group
from intake_api.participation import (
    CHANNEL_TOTALS,
    DIMENSIONS,
    TOTAL,
    Participation,
    consistent_read,
    count_inputs,
    declare_campaigns,
    declare_inputs,
)
from intake_api.policies.disclosure import Disclosure, Publication, Shown, disclose
from intake_api.policies.publication import (
    Audience,
    public_items,
    public_line,
    public_text,
    publishable,
)
from intake_api.questionnaire import ATTENDANCE_MODES
from intake_api.stats import latest_inputs
from models.base import utcnow
from models.pledge import Pledge
from models.practice import Practice
from models.registration import Registration
from models.review import RegionalReview
from models.submission import Submission, SubmissionObjective

MODES = tuple(ATTENDANCE_MODES)


@dataclass(frozen=True)
class ReportData:
    """A report's content. Counts only as readers may see them: ``counts`` is a Disclosure,
    keyed ``"inputs"``, ``("group", code)``, ``(crosstab, group, code)``, ``("by_channel", code)``,
    ``(dimension, code)``, ``("objective", n)``, ``("campaign", i)``, ``("registrations", mode)``,
    ``"travel"``, ``"suggestions_accepted"``, ``"suggestions_decided"``."""

    review: RegionalReview
    generated_at: datetime
    first_input: datetime | None
    last_input: datetime | None
    counts: Disclosure
    categories: Mapping[str, tuple[Hashable, ...]]  # dimension -> every category it lists
    quotes: dict[str, list[tuple[str, str]]]  # theme -> (receipt, text), publishable in a report
    pledges: list[tuple[str, str, list[int]]]
    practices: list[tuple[str, str, list[str]]]
    # Near-identical texts: a publishable member's opening words (None: none may be shown);
    # the number of inputs of campaign i is counts[("campaign", i)].
    campaigns: list[str | None] = field(default_factory=list)
    key_phrases: dict[str, list[str]] = field(default_factory=dict)  # written language -> phrases

    def listed(self, dimension: str, *, prefix: str | None = None) -> list[tuple[Hashable, Shown]]:
        """A one-way table's rows as (category, shown count): shown counts largest first, hidden
        ones after them, zeros left out (``Disclosure.ordered``)."""
        codes: dict[Hashable, Hashable] = {
            (prefix or dimension, code): code for code in self.categories[dimension]
        }
        return [(codes[key], shown) for key, shown in self.counts.ordered(codes, drop_zeros=True)]

    def all_small(self, dimension: str) -> bool:
        """Whether a breakdown of categories that exist only when counted is one line."""
        keys = [(dimension, code) for code in self.categories[dimension]]
        return bool(keys) and self.counts.all_small(keys)

    def repeated(self) -> list[tuple[str | None, Shown]]:
        """Campaigns as (words or None, shown count), in an order that ranks no hidden count."""
        words: dict[Hashable, str | None] = {
            ("campaign", i): w for i, w in enumerate(self.campaigns)
        }
        return [(words[key], shown) for key, shown in self.counts.ordered(words)]

    def cell(self, crosstab: str, row: Hashable, column: Hashable) -> Shown:
        return self.counts[(crosstab, row, column)]

    def group_rows(self) -> list[Hashable]:
        """The stakeholder groups the group tables list: those whose count is not shown as 0."""
        return [g for g in self.categories["group"] if self.counts[("group", g)].number != 0]


def report_counts(
    participation: Participation,
    *,
    objectives: Mapping[int, int],
    campaigns: Sequence[int],
    registrations: Mapping[str, int],
    travel: int,
    suggestions: tuple[int, int],
) -> tuple[Disclosure, dict[str, tuple[Hashable, ...]]]:
    """Every count of a report as one publication, and what readers see of each."""
    publication = Publication()
    categories = declare_inputs(publication, participation, objectives=objectives)
    declare_campaigns(publication, campaigns)
    for mode in MODES:
        publication.add_count(("registrations", mode), registrations.get(mode, 0))
    publication.add_count("travel", travel)
    publication.add_subset(
        "travel", ("registrations", "in_person")
    )  # travel support is for coming in person
    publication.add_count("suggestions_accepted", suggestions[0])
    publication.add_count("suggestions_decided", suggestions[1])
    categories["registrations"] = MODES
    return disclose(publication), categories


def build_report(
    engine: Engine, *, review_slug: str, consent_age: int | None = None, hub: bool = False
) -> ReportData:
    """The report's content; ``consent_age`` is the deployment's age of digital consent.

    Without it the strictest age the settings allow applies (``publication.STRICTEST_CONSENT_AGE``).
    ``hub``: the report as a public page on the Hub, which lists only the pledges and
    practices published there (``publication.public_items``).
    """
    quotable = publishable(audience=Audience.REPORT, consent_age=consent_age)
    of_review = col(Submission.review_slug) == review_slug
    with consistent_read(engine) as session:
        review = session.get_one(RegionalReview, review_slug)
        participation = Participation(DIMENSIONS, count_inputs(session, DIMENSIONS, [of_review]))
        first, last = session.exec(
            select(func.min(Submission.created_at), func.max(Submission.created_at)).where(
                of_review
            )
        ).one()
        objectives = session.exec(
            select(SubmissionObjective.objective_number, func.count())
            .join(Submission, col(Submission.id) == col(SubmissionObjective.submission_id))
            .where(of_review)
            .group_by(col(SubmissionObjective.objective_number))
        ).all()
        quotes: dict[str, list[tuple[str, str]]] = {}
        chosen = session.exec(
            select(
                Submission.receipt, Submission.theme, Submission.text, Submission.duplicate_group
            )
            .where(of_review, quotable)
            .order_by(col(Submission.created_at))
        ).all()
        for receipt, theme, text, _group in one_per_group(chosen, {r[0]: r[3] for r in chosen}):
            quotes.setdefault(theme or "unknown", []).append((receipt, public_text(text)))
        pledges = [
            (public_line(p.organisation), public_line(p.title), p.objectives)
            for p in session.exec(
                select(Pledge)
                .where(
                    col(Pledge.review_slug) == review_slug, public_items(Pledge) if hub else true()
                )
                .order_by(col(Pledge.id))
            )
        ]
        practices = [
            (public_line(p.title), public_line(p.organisation), p.countries)
            for p in session.exec(
                select(Practice)
                .where(
                    col(Practice.review_slug) == review_slug,
                    public_items(Practice) if hub else true(),
                )
                .order_by(col(Practice.id))
            )
        ]
        modes: dict[str, int] = {}
        travel = 0  # requests to come in person (the form asks it of them only)
        for mode, support, n in session.exec(
            select(Registration.attendance_mode, Registration.travel_support, func.count())
            .where(col(Registration.review_slug) == review_slug)
            .group_by(col(Registration.attendance_mode), col(Registration.travel_support))
        ):
            modes[mode] = modes.get(mode, 0) + n
            travel += n if support and mode == "in_person" else 0
        repeated = campaigns(
            session, [of_review], audience=Audience.REPORT, consent_age=consent_age
        )
        counts, categories = report_counts(
            participation,
            objectives={int(n): c for n, c in objectives},
            campaigns=[n for _w, n in repeated],
            registrations=modes,
            travel=travel,
            suggestions=acceptance(session, [of_review]),
        )
        return ReportData(
            review=review,
            generated_at=utcnow(),
            first_input=first,
            last_input=last,
            counts=counts,
            categories=categories,
            quotes=quotes,
            pledges=pledges,
            practices=practices,
            campaigns=[words for words, _n in repeated],
            key_phrases=distinctive_phrases(session, review_slug, [latest_inputs(session)]),
        )


__all__ = ["CHANNEL_TOTALS", "DIMENSIONS", "TOTAL", "ReportData", "build_report", "report_counts"]
