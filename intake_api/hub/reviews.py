"""A regional review's public page: its facts, who took part so far, its published report.

Participation is counted by stakeholder group under the disclosure control. Until staff
publish the summary report, that table is the only public output of the review's inputs,
and its own publication. Once the report is public, the page shows the report's counts,
so that the page and the report are one publication and hide the same counts.
"""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass, replace

from sqlalchemy import Engine
from sqlmodel import col

from intake_api.participation import TOTAL, Participation, consistent_read, count_inputs
from intake_api.policies.disclosure import Disclosure, Publication, Shown, disclose
from intake_api.reports.data import ReportData, build_report
from models.db import read_session
from models.review import RegionalReview
from models.submission import Submission


def review_named(engine: Engine, slug: str) -> RegionalReview | None:
    """The review of ``slug`` as the store holds it (dates, format), or None."""
    with read_session(engine) as session:
        return session.get(RegionalReview, slug)


@dataclass(frozen=True)
class GroupParticipation:
    """Inputs so far, in total and by stakeholder group, as readers may see them."""

    total: Shown
    groups: list[tuple[Hashable, Shown]]  # (group code, shown count), zeros left out
    counts: Disclosure
    # Every group's count that is not 0 is hidden: one line says so for them all
    # (``participation.EVERY``) instead of a list of symbols (hiding more never reveals).
    all_hidden: bool


def participation_by_group(
    engine: Engine, slug: str, report: ReportData | None = None
) -> GroupParticipation:
    """Inputs of the review by stakeholder group: the report's counts when it is public."""
    if report is not None:
        counts = report.counts
        groups = report.categories["group"]
    else:
        # The page is the only public output of these inputs until the report is published:
        # its one table is the publication.
        of_review = col(Submission.review_slug) == slug
        with consistent_read(engine) as session:
            counted = Participation(("group",), count_inputs(session, ("group",), [of_review]))
        publication = Publication()
        counted.declare_breakdown(publication, "group")
        counts = disclose(publication)
        groups = counted.categories("group")
    keys = [("group", g) for g in groups]
    rows = counts.ordered(keys, drop_zeros=True)
    return GroupParticipation(
        total=counts[TOTAL],
        groups=[(key[1], shown) for key, shown in rows],  # type: ignore[index]
        counts=counts,
        all_hidden=bool(rows) and all(shown.hidden for _key, shown in rows),
    )


def public_report(engine: Engine, review: RegionalReview, *, consent_age: int) -> ReportData | None:
    """The review's summary report as the public may read it, once staff published it."""
    if review.report_published_at is None:
        return None
    report = build_report(engine, review_slug=review.slug, consent_age=consent_age, hub=True)
    # Dated when it was published, so the page is the same until the store changes.
    return replace(report, generated_at=review.report_published_at)
