"""What a summary report says, computed once with aggregate queries, for every format.

Every word in it that someone wrote passes the publication policy here, once, so no
format can show more than another: quotes and campaign texts only where the contributor
may be quoted in a report, pledges and practices redacted.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import Engine, func
from sqlmodel import col, select

from intake_api.language.insights import (
    acceptance,
    campaigns,
    distinctive_phrases,
    one_per_group,
    written_language,
)
from intake_api.policies.publication import Audience, public_line, public_text, publishable
from intake_api.stats import latest_inputs
from models.base import utcnow
from models.db import read_session
from models.pledge import Pledge
from models.practice import Practice
from models.registration import Registration
from models.review import RegionalReview
from models.submission import Submission, SubmissionObjective

SMALL_CELL = 5  # counts below this are shown as "<5" in participation tables, to protect anonymity

CrossTab = dict[str, dict[str, int]]


@dataclass(frozen=True)
class ReportData:
    review: RegionalReview
    generated_at: datetime
    first_input: datetime | None
    last_input: datetime | None
    total_inputs: int
    by_channel: list[tuple[str, int]]
    by_locale: list[tuple[str, int]]
    group_by_age: CrossTab
    group_by_gender: CrossTab
    group_by_channel: CrossTab
    by_country: list[tuple[str, int]]
    by_theme: list[tuple[str, int]]
    by_objective: list[tuple[int, int]]
    quotes: dict[str, list[tuple[str, str]]]  # theme -> (receipt, text), publishable in a report
    pledges: list[tuple[str, str, list[int]]]
    practices: list[tuple[str, str, list[str]]]
    registrations_by_mode: list[tuple[str, int]]
    travel_requests: int
    by_language: list[tuple[str, int]] = field(default_factory=list)  # as written, detected
    # Near-identical texts: a publishable member's opening words (None: none may be shown), count.
    campaigns: list[tuple[str | None, int]] = field(default_factory=list)
    key_phrases: dict[str, list[str]] = field(default_factory=dict)  # written language -> phrases
    suggestions_accepted: tuple[int, int] = (0, 0)  # accepted, decided


def suppressed(count: int) -> str:
    """A participation count as published: small cells hidden, zero shown as zero."""
    return f"<{SMALL_CELL}" if 0 < count < SMALL_CELL else str(count)


def build_report(engine: Engine, *, review_slug: str, consent_age: int | None = None) -> ReportData:
    """The report's content; ``consent_age`` is the deployment's age of digital consent.

    Without it the strictest age the settings allow applies (``publication.STRICTEST_CONSENT_AGE``).
    """
    quotable = publishable(audience=Audience.REPORT, consent_age=consent_age)
    of_review = col(Submission.review_slug) == review_slug
    with read_session(engine) as session:
        review = session.get_one(RegionalReview, review_slug)

        def counts(column):  # type: ignore[no-untyped-def]
            return [(value or "unknown", n) for value, n in session.exec(
                select(column, func.count()).where(of_review).group_by(column).order_by(func.count().desc(), column)
            )]  # fmt: skip

        def crosstab(column) -> CrossTab:  # type: ignore[no-untyped-def]
            table: CrossTab = defaultdict(dict)
            for group, value, n in session.exec(
                select(Submission.stakeholder_group, column, func.count()).where(of_review)
                .group_by(col(Submission.stakeholder_group), column)
            ):  # fmt: skip
                table[group or "unknown"][value or "unknown"] = n
            return dict(table)

        first, last, total = session.exec(
            select(func.min(Submission.created_at), func.max(Submission.created_at), func.count()).where(of_review)
        ).one()
        objectives = session.exec(
            select(SubmissionObjective.objective_number, func.count())
            .join(Submission, col(Submission.id) == col(SubmissionObjective.submission_id))
            .where(of_review).group_by(col(SubmissionObjective.objective_number))
            .order_by(col(SubmissionObjective.objective_number))
        ).all()  # fmt: skip
        quotes: dict[str, list[tuple[str, str]]] = defaultdict(list)
        chosen = session.exec(
            select(Submission.receipt, Submission.theme, Submission.text, Submission.duplicate_group)
            .where(of_review, quotable)
            .order_by(col(Submission.created_at))
        ).all()  # fmt: skip
        for receipt, theme, text, _group in one_per_group(chosen, {r[0]: r[3] for r in chosen}):
            quotes[theme or "unknown"].append((receipt, public_text(text)))
        pledges = [(public_line(p.organisation), public_line(p.title), p.objectives) for p in session.exec(
            select(Pledge).where(col(Pledge.review_slug) == review_slug).order_by(col(Pledge.id)))]  # fmt: skip
        practices = [(public_line(p.title), public_line(p.organisation), p.countries) for p in session.exec(
            select(Practice).where(col(Practice.review_slug) == review_slug).order_by(col(Practice.id)))]  # fmt: skip
        modes = [(m, n) for m, n in session.exec(
            select(Registration.attendance_mode, func.count()).where(col(Registration.review_slug) == review_slug)
            .group_by(col(Registration.attendance_mode)))]  # fmt: skip
        travel = session.exec(select(func.count()).select_from(Registration).where(
            col(Registration.review_slug) == review_slug, col(Registration.travel_support).is_(True))).one()  # fmt: skip
        return ReportData(
            review=review, generated_at=utcnow(), first_input=first, last_input=last, total_inputs=total,
            by_channel=counts(col(Submission.channel)), by_locale=counts(col(Submission.locale)),
            group_by_age=crosstab(col(Submission.age_group)), group_by_gender=crosstab(col(Submission.gender)),
            group_by_channel=crosstab(col(Submission.channel)), by_country=counts(col(Submission.country)),
            by_theme=counts(col(Submission.theme)), by_objective=[(int(n), c) for n, c in objectives],
            quotes=dict(quotes), pledges=pledges, practices=practices, registrations_by_mode=modes,
            travel_requests=travel, by_language=written_language(session, [of_review]),
            campaigns=campaigns(session, [of_review], audience=Audience.REPORT, consent_age=consent_age),
            key_phrases=distinctive_phrases(session, review_slug, [latest_inputs(session)]),
            suggestions_accepted=acceptance(session, [of_review]),
        )  # fmt: skip
