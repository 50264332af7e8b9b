"""Counts per regional review for staff views (Slack App Home, the API).

Both show what ``stats_disclosure`` decides (the disclosure policy): small counts as
"<5", with complements among the groups so that the total gives none back. Flagged
inputs are listed by receipt and theme, never by their words: App Home is a screen
anyone near a staff member's laptop or phone can read.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Engine, case, func, text
from sqlmodel import Session, col, select

from intake_api.participation import GROUPS, UNKNOWN, consistent_read
from intake_api.policies.disclosure import Disclosure, Publication, Shown, disclose
from intake_api.policies.publication import Pointer
from intake_api.review_names import review_of
from models.base import utcnow
from models.input_tally import InputHourly, InputTally
from models.reference import AGE_GROUPS
from models.review import RegionalReview
from models.submission import FLAGGED, Submission

HOME_GROUPS = 6  # groups App Home lists, shown counts first
AGES: tuple[str, ...] = (*AGE_GROUPS, UNKNOWN)  # every age group, then one not given


@dataclass(frozen=True)
class ReviewStats:
    """A review's counts as staff views show them: ``counts`` is a Disclosure keyed ``"today"``,
    ``"week"``, ``"total"``, ``("group", code)`` and ``("age", code)`` (each adding up to
    ``"total"``, an answer not given counted as ``UNKNOWN``) and ``"flagged"``."""

    slug: str
    region: str
    commission: str
    consultation_on: date
    meeting_format: str
    venue: str  # the reference's msgid with its "city" context: translate it, never show it as is
    counts: Disclosure
    flagged: list[Pointer]  # the latest flagged inputs, without their words

    def by_group(self, limit: int | None = None) -> list[tuple[str, Shown]]:
        """Stakeholder groups as (code, shown count): shown counts largest first, hidden ones after
        them, zeros left out, cut after ``limit`` (leaving counts out never reveals one)."""
        return self._listed("group", GROUPS, limit)

    def by_age(self, limit: int | None = None) -> list[tuple[str, Shown]]:
        """Age groups as (code, shown count), ordered and cut as ``by_group``."""
        return self._listed("age", AGES, limit)

    def all_small(self, dimension: str = "group") -> bool:
        """Whether every count of a breakdown is small: the list is one line (``participation.EVERY``)."""
        codes = GROUPS if dimension == "group" else AGES
        return self.counts.all_small([(dimension, c) for c in codes])

    def _listed(
        self, dimension: str, codes: tuple[str, ...], limit: int | None
    ) -> list[tuple[str, Shown]]:
        pairs = self.counts.ordered([(dimension, c) for c in codes], drop_zeros=True)
        return [(str(key[1]), shown) for key, shown in pairs[:limit]]  # type: ignore[index]


def stats_disclosure(
    *,
    groups: Mapping[str, int],
    today: int,
    week: int,
    flagged: int,
    ages: Mapping[str, int] | None = None,
) -> Disclosure:
    """What App Home and the API show of a review's counts: one publication, so both show the
    same. The total is the sum of the groups, and of the age groups (inputs without an answer
    count as "unknown"; ``ages`` None: every input's age unknown); today's inputs are some of
    this week's, which are some of all, as flagged ones are."""
    publication = Publication()
    publication.add_breakdown("total", {("group", g): groups.get(g, 0) for g in GROUPS})
    total = sum(groups.get(g, 0) for g in GROUPS)
    ages = {UNKNOWN: total} if ages is None else ages
    publication.add_breakdown("total", {("age", a): ages.get(a, 0) for a in AGES})
    publication.add_count("today", today)
    publication.add_count("week", week)
    publication.add_count("flagged", flagged)
    publication.add_subset("today", "week")
    publication.add_subset("week", "total")
    publication.add_subset("flagged", "total")
    return disclose(publication)


def review_stats(engine: Engine, *, now: datetime | None = None) -> list[ReviewStats]:
    """Every review's counts, read from the tallies the store keeps as inputs come
    (``models.input_tally``) in one snapshot (so that today's never outnumber the week's, nor
    the week's all), and the latest flagged inputs."""
    now = now or utcnow()
    with consistent_read(engine) as session:
        reviews = session.exec(
            select(RegionalReview).order_by(col(RegionalReview.consultation_on))
        ).all()
        groups, ages, flagged_counts = _by_kind(session)
        today, week = _recent(session, now)
        flagged = _latest_flagged(session, [r.slug for r in reviews])
    result = []
    for r in reviews:
        counts = stats_disclosure(
            groups=groups.get(r.slug, {}),
            ages=ages.get(r.slug, {}),
            today=today.get(r.slug, 0),
            week=week.get(r.slug, 0),
            flagged=flagged_counts.get(r.slug, 0),
        )
        result.append(
            ReviewStats(
                r.slug,
                r.region,
                r.commission,
                r.consultation_on,
                r.meeting_format,
                _venue_msgid(r.slug, r.venue),
                counts,
                flagged.get(r.slug, []),
            )
        )
    return result


Counts = dict[str, dict[str, int]]


def _by_kind(session: Session) -> tuple[Counts, Counts, dict[str, int]]:
    """Per review: inputs by group and by age (a code outside the lists counted as
    ``UNKNOWN``), and how many are flagged."""
    groups: Counts = {}
    ages: Counts = {}
    flagged: dict[str, int] = {}
    for slug, group, age, is_flagged, n in session.exec(
        select(  # type: ignore[call-overload]  # rows, not objects: hundreds on every open
            InputTally.review_slug,
            InputTally.stakeholder_group,
            InputTally.age_group,
            InputTally.flagged,
            InputTally.n,
        ).where(col(InputTally.n) != 0)
    ):
        group = group if group in GROUPS else UNKNOWN
        age = age if age in AGES else UNKNOWN
        by_group, by_age = groups.setdefault(slug, {}), ages.setdefault(slug, {})
        by_group[group] = by_group.get(group, 0) + n
        by_age[age] = by_age.get(age, 0) + n
        if is_flagged:
            flagged[slug] = flagged.get(slug, 0) + n
    return groups, ages, flagged


def _recent(session: Session, now: datetime) -> tuple[dict[str, int], dict[str, int]]:
    """Per review: inputs since midnight (UTC) and in the last seven days. Whole hours come
    from the hourly tally; the week's first, partial hour from the inputs themselves (an
    index range of at most an hour's inputs)."""
    start_of_day = now.replace(hour=0, minute=0, second=0, microsecond=0)
    week_ago = now - timedelta(days=7)
    first_hour = week_ago.replace(minute=0, second=0, microsecond=0)
    if first_hour < week_ago:
        first_hour += timedelta(hours=1)
    hour = col(InputHourly.hour)
    today: dict[str, int] = {}
    week: dict[str, int] = {}
    for slug, since_midnight, whole_hours in session.exec(
        select(  # type: ignore[call-overload]
            InputHourly.review_slug,
            func.sum(case((hour >= start_of_day, col(InputHourly.n)), else_=0)),
            func.sum(InputHourly.n),
        )
        .where(hour >= first_hour)
        .group_by(col(InputHourly.review_slug))
    ):
        today[slug], week[slug] = int(since_midnight or 0), int(whole_hours or 0)
    created = col(Submission.created_at)
    for slug, n in session.exec(
        select(Submission.review_slug, func.count())
        .where(created >= week_ago, created < first_hour)
        .group_by(col(Submission.review_slug))
    ):
        week[slug] = week.get(slug, 0) + n
    return today, week


LATEST_FLAGGED = 5  # flagged inputs App Home lists per review


def _latest_flagged(session: Session, slugs: list[str]) -> dict[str, list[Pointer]]:
    """Per review, the inputs flagged last, without their words: a few entries of the index of
    flagged inputs (``ix_submission_flagged_latest``) for each."""
    return {
        slug: [Pointer(r, t, u) for r, t, u in session.exec(latest_flagged_of(slug))]
        for slug in slugs
    }


def latest_flagged_of(slug: str) -> Any:
    """A review's latest flagged inputs: receipt, theme, urgent category."""
    return (
        select(Submission.receipt, Submission.theme, Submission.urgent_category)
        .where(Submission.review_slug == slug, text(FLAGGED))
        .order_by(col(Submission.updated_at).desc())
        .limit(LATEST_FLAGGED)
    )


def _venue_msgid(slug: str, stored: str) -> str:
    """The venue as a msgid with its context: the store keeps English, which ``gettext`` without
    the "city" context would show untranslated in every language."""
    review = review_of(slug)
    return review.venue if review else stored


# Key phrases (TF-IDF, in Python) read at most this many of the latest inputs: their top
# terms settle long before that, and a report over a million inputs stays seconds, not minutes.
KEY_PHRASE_SAMPLE = 10_000


def latest_inputs(session: Session) -> ColumnElement[bool]:
    """A condition keeping the latest KEY_PHRASE_SAMPLE inputs by id (a primary-key range)."""
    newest = session.exec(select(func.max(Submission.id))).one() or 0
    return col(Submission.id) > newest - KEY_PHRASE_SAMPLE
