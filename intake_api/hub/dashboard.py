"""The Pledging Dashboard's figures: how many published pledges, from whom, on what.

Counted over the same published pledges the listing shows for the same filters
(``catalog.conditions``). They count items that are public under an organisation's name,
already listed one by one on the page, so no count stands for a person: the disclosure
control of inputs (``policies.disclosure``) has nothing to hide here, and every count is
shown as it is.
"""

from __future__ import annotations

import json
import threading
from collections import Counter, OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy import Engine, Text, cast, func, select
from sqlalchemy.orm import Session
from sqlmodel import col

from intake_api.hub.catalog import MEMBER_STATE_GROUP, Filters, conditions
from intake_api.policies.publication import public_line
from models.db import read_session
from models.pledge import Pledge
from models.practice import Practice


@dataclass(frozen=True)
class PledgeFigures:
    """Published pledges counted, in total and by review, group, objective and country."""

    pledges: int
    member_states: int  # distinct countries of pledges made by a Member State
    stakeholders: int  # distinct other organisations pledging
    by_review: Counter[str]
    by_group: Counter[str]
    by_objective: Counter[int]
    by_country: Counter[str]


def _by_list(session: Session, column: Any, where: list[Any], *, as_int: bool) -> Counter[Any]:
    """Items counted by each value their JSON list ``column`` holds, an item once per value.

    The store groups the items by their list as written (a few thousand distinct lists at
    most: objectives are 1 to 3 of 23); each distinct list is read once here.
    """
    written = cast(column, Text)
    counts: Counter[Any] = Counter()
    for raw, n in session.execute(select(written, func.count()).where(*where).group_by(written)):
        values = json.loads(raw) if raw else []
        for value in set(values or ()):
            counts[int(value) if as_int else value] += n
    return counts


# Figures of this many filter choices are kept per worker (each a few counters).
FIGURES_KEPT = 512
_Figures = TypeVar("_Figures")


class _KeptFigures:
    """Figures kept for the public version they were counted at.

    A search for a common word counts a fifth of every pledge; counted once per version,
    the next reader of the same filters gets them at once. Never stale: any change to
    what the Hub shows moves the version (``models.public_version``), read before the
    figures, so a kept entry is only ever read for the version it was counted at (or
    found newer, never older).
    """

    def __init__(self, size: int) -> None:
        self._size = size
        self._kept: OrderedDict[tuple[Any, ...], Any] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: tuple[Any, ...], count: Callable[[], _Figures]) -> _Figures:
        with self._lock:
            if key in self._kept:
                self._kept.move_to_end(key)
                return self._kept[key]  # type: ignore[no-any-return]
        figures = count()
        with self._lock:
            self._kept[key] = figures
            while len(self._kept) > self._size:
                self._kept.popitem(last=False)
        return figures


_kept = _KeptFigures(FIGURES_KEPT)


def _at_version(
    engine: Engine, kind: str, filters: Filters, version: int | None, count: Callable[[], _Figures]
) -> _Figures:
    if version is None:
        return count()
    key = (str(engine.url), kind, version, filters.without_page())
    return _kept.get(key, count)


def pledge_figures(
    engine: Engine, filters: Filters, *, version: int | None = None
) -> PledgeFigures:
    """The dashboard's counts for the published pledges ``filters`` select (all pages); kept
    for ``version`` (the public version read before them), when given."""
    return _at_version(engine, "pledges", filters, version, lambda: _count_pledges(engine, filters))


def _count_pledges(engine: Engine, filters: Filters) -> PledgeFigures:
    """The dashboard's counts for the published pledges ``filters`` select (all pages).

    The store counts (GROUP BY): two aggregate queries, not a read of every published
    pledge. Organisations come back once per review, group and country, to be counted as
    the page shows them (redacted, case folded).
    """
    where = conditions(Pledge, filters, dialect=engine.dialect.name)
    by_review: Counter[str] = Counter()
    by_group: Counter[str] = Counter()
    by_country: Counter[str] = Counter()
    states: set[str] = set()
    organisations: set[str] = set()
    pledges = 0
    grouped = (
        col(Pledge.review_slug),
        col(Pledge.stakeholder_group),
        col(Pledge.country),
        col(Pledge.organisation),
    )
    with read_session(engine) as session:
        rows = session.execute(select(*grouped, func.count()).where(*where).group_by(*grouped))
        names: set[str] = set()
        for review, group, country, organisation, n in rows:
            pledges += n
            if review:
                by_review[review] += n
            if group:
                by_group[group] += n
            if country:
                by_country[country] += n
            if group == MEMBER_STATE_GROUP:
                if country:
                    states.add(country)
            else:
                names.add(organisation)
        for name in names:
            shown = public_line(name).casefold()
            if shown:
                organisations.add(shown)
        by_objective = _by_list(session, col(Pledge.objectives), where, as_int=True)
    return PledgeFigures(
        pledges=pledges,
        member_states=len(states),
        stakeholders=len(organisations),
        by_review=by_review,
        by_group=by_group,
        by_objective=by_objective,
        by_country=by_country,
    )


@dataclass(frozen=True)
class PracticeFigures:
    """Published practices counted, by review, objective and country."""

    practices: int
    by_review: Counter[str]
    by_objective: Counter[int]
    by_country: Counter[str]


def practice_figures(
    engine: Engine, filters: Filters, *, version: int | None = None
) -> PracticeFigures:
    """The repository's counts for the published practices ``filters`` select; kept for
    ``version``, when given."""
    return _at_version(
        engine, "practices", filters, version, lambda: _count_practices(engine, filters)
    )


def _count_practices(engine: Engine, filters: Filters) -> PracticeFigures:
    """The repository's counts for the published practices ``filters`` select (GROUP BY)."""
    where = conditions(Practice, filters, dialect=engine.dialect.name)
    review = col(Practice.review_slug)
    by_review: Counter[str] = Counter()
    practices = 0
    with read_session(engine) as session:
        for slug, n in session.execute(select(review, func.count()).where(*where).group_by(review)):
            practices += n
            if slug:
                by_review[slug] += n
        by_objective = _by_list(session, col(Practice.objectives), where, as_int=True)
        by_country = _by_list(session, col(Practice.countries), where, as_int=False)
    return PracticeFigures(practices, by_review, by_objective, by_country)
