"""Inputs counted by who sent them, how and about what, from one grouped query.

The report, the digests and the staff views show the same inputs split several ways
(by stakeholder group, age, gender, channel, language, theme, country), and readers add
those tables up. So each output counts them from one set of rows, read by a single
grouped query, and every breakdown is a margin of those rows: they add up to the same
total, as ``policies.disclosure`` requires before it decides what may be shown.

``declare_inputs`` declares the tables of the summary report (the group tables by age,
gender and channel, the one-way breakdowns, the GCM objectives). A digest declares the
same tables over its period, and shows some of them: when its period holds every input
of the review, the two are one publication, with the same counts hidden in both (a
reader who holds both learns nothing from comparing them).

Categories with a fixed list (groups, ages, genders, channels, interface languages,
themes) are declared whole, zeros included, with ``UNKNOWN`` for an answer not given
or not on the list: which categories a breakdown lists then says nothing about the
data. Countries and written languages exist only where counted.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Hashable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any

from sqlalchemy import ColumnElement, Engine, func
from sqlmodel import Session, col, select

from intake_api.i18n import LOCALES, gettext, language_label
from intake_api.policies.disclosure import Publication
from models.db import read_session
from models.reference import (
    AGE_GROUPS,
    CHANNELS,
    GENDERS,
    N_,
    OBJECTIVE_NUMBERS,
    STAKEHOLDER_GROUPS,
    THEMES,
    country_name,
)
from models.submission import Submission

UNKNOWN = "unknown"
# What every output shows for ``UNKNOWN``: an answer not given (a chat asks the profile after
# the receipt, and every profile question may be skipped), or one not on the list. One msgid,
# in every table, chart, digest, page and export.
NOT_GIVEN = N_("Not given")
# The one line a breakdown prints when all of its counts are small (``Disclosure.all_small``):
# where categories exist only when counted, listing a country would tell that someone there
# wrote in; elsewhere a list of "x" says no more than this line.
EVERY = {
    "group": N_("Each stakeholder group"),
    "age": N_("Each age group"),
    "channel": N_("Each channel"),
    "theme": N_("Each discussion theme"),
    "country": N_("Each country"),
    "language": N_("Each language"),
}
EVERY_COUNTRY, EVERY_LANGUAGE = EVERY["country"], EVERY["language"]
TOTAL = "inputs"  # the key of the number of inputs every breakdown adds up to

# The tables of inputs the report declares, and a digest with it: stakeholder groups by age,
# gender and channel (their row totals are the groups' counts, the channel table's column
# totals are "Inputs by channel"), one-way breakdowns of the inputs, and the GCM objectives.
DIMENSIONS = ("group", "age", "gender", "channel", "locale", "theme", "country", "language")
CROSSTABS = ("age", "gender", "channel")
CHANNEL_TOTALS = "by_channel"
AGE_TOTALS = "by_age"
# The crosstabs whose column totals are shown too ("Inputs by channel", "Inputs by age group").
COLUMN_TOTALS = {"age": AGE_TOTALS, "channel": CHANNEL_TOTALS}
ONE_WAY = ("locale", "theme", "country", "language")
OBJECTIVES = tuple(sorted(OBJECTIVE_NUMBERS))

# Every category a breakdown lists, whatever the data; None: the codes counted.
GROUPS: tuple[str, ...] = (*STAKEHOLDER_GROUPS, UNKNOWN)
CATEGORIES: dict[str, tuple[str, ...] | None] = {
    "group": GROUPS,
    "age": (*AGE_GROUPS, UNKNOWN),
    "gender": (*GENDERS, UNKNOWN),
    "channel": (*CHANNELS, UNKNOWN),
    "locale": (*LOCALES, UNKNOWN),
    "theme": (*THEMES, UNKNOWN),
    "country": None,
    "language": None,  # as written, detected; the interface language where not analysed
}


# The labels of the categories with a fixed list (msgids); the others are named in
# ``category_label``.
LABELS: dict[str, Mapping[str, str]] = {
    "group": STAKEHOLDER_GROUPS,
    "age": AGE_GROUPS,
    "gender": GENDERS,
    "channel": CHANNELS,
    "theme": THEMES,
}


def category_label(locale: str, dimension: str, code: Hashable | None) -> str:
    """A category of ``dimension`` in the reader's language, ``NOT_GIVEN`` for an answer not
    given (``UNKNOWN``, None, empty) or not on the list: the one place every output (report,
    digests, App Home, moderation messages, exports) names a category."""
    value = "" if code is None else str(code)
    if not value or value == UNKNOWN:
        return gettext(locale, NOT_GIVEN)
    if dimension in LABELS:
        table = LABELS[dimension]
        return gettext(locale, table[value]) if value in table else gettext(locale, NOT_GIVEN)
    if dimension == "country":
        return country_name(value, locale) if len(value) == 2 else gettext(locale, NOT_GIVEN)
    if dimension in ("locale", "language"):
        return language_label(value, locale)
    raise ValueError(f"no labels for {dimension!r}")


@contextmanager
def consistent_read(engine: Engine) -> Iterator[Session]:
    """A read session whose queries all see one state of the store, so that counts taken by
    different queries agree (an objective's inputs never outnumber all inputs): REPEATABLE
    READ on PostgreSQL, where each statement would otherwise see the latest commits; an
    SQLite transaction reads one snapshot already."""
    with read_session(engine) as session:
        if engine.dialect.name == "postgresql":
            session.connection(execution_options={"isolation_level": "REPEATABLE READ"})
        yield session


def _column(dimension: str) -> Any:
    if dimension == "language":
        return func.coalesce(col(Submission.language), col(Submission.locale))
    return col(
        {
            "group": Submission.stakeholder_group,
            "age": Submission.age_group,
            "gender": Submission.gender,
            "channel": Submission.channel,
            "locale": Submission.locale,
            "theme": Submission.theme,
            "country": Submission.country,
        }[dimension]
    )


def _code(dimension: str, value: str | None) -> str:
    """The category a stored value is counted under."""
    known = CATEGORIES[dimension]
    if value is None or value == "" or (known is not None and value not in known):
        return UNKNOWN
    return value


def count_inputs(
    session: Session, dimensions: Sequence[str], where: Iterable[ColumnElement[bool]]
) -> Counter[tuple[str, ...]]:
    """Inputs matching ``where``, counted per combination of the ``dimensions``' categories,
    in one query: every margin taken from these rows adds up to the same total."""
    columns = [_column(d) for d in dimensions]
    counted: Counter[tuple[str, ...]] = Counter()
    for *values, n in session.exec(select(*columns, func.count()).where(*where).group_by(*columns)):  # type: ignore[call-overload]
        counted[tuple(_code(d, v) for d, v in zip(dimensions, values, strict=True))] += n
    return counted


class Participation:
    """Counted inputs, and their breakdowns as a publication's tables."""

    def __init__(self, dimensions: Sequence[str], counted: Mapping[tuple[str, ...], int]) -> None:
        self.dimensions = tuple(dimensions)
        self.counted = dict(counted)

    def categories(self, dimension: str) -> tuple[str, ...]:
        """Every category of ``dimension`` a breakdown lists, in a fixed order."""
        known = CATEGORIES[dimension]
        if known is not None:
            return known
        return tuple(sorted(self.margin(dimension)))

    def margin(self, dimension: str) -> dict[str, int]:
        """Inputs per category of ``dimension`` (those counted)."""
        at = self.dimensions.index(dimension)
        margin: Counter[str] = Counter()
        for values, n in self.counted.items():
            margin[values[at]] += n
        return dict(margin)

    def crosstab(self, rows: str, columns: str) -> dict[Hashable, Mapping[Hashable, int]]:
        """Inputs per (row category, column category), as ``table[row][column]``."""
        r, c = self.dimensions.index(rows), self.dimensions.index(columns)
        table: dict[Hashable, Counter[Hashable]] = {}
        for values, n in self.counted.items():
            table.setdefault(values[r], Counter())[values[c]] += n
        return dict(table)

    def declare_breakdown(self, publication: Publication, dimension: str) -> None:
        """``(dimension, category)`` for every category, adding up to ``TOTAL``."""
        margin = self.margin(dimension)
        categories = self.categories(dimension)
        if not categories:  # none counted: no input at all
            publication.add_count(TOTAL, 0)
            return
        publication.add_breakdown(
            TOTAL, {(dimension, code): margin.get(code, 0) for code in categories}
        )

    def declare_crosstab(
        self, publication: Publication, rows: str, columns: str, *, column_totals: str | None
    ) -> None:
        """Cells ``(columns, row, column)``, row totals ``(rows, row)`` (shared by every crosstab
        of the same rows) and, if ``column_totals`` names them, ``(column_totals, column)``."""
        publication.add_crosstab(
            columns,
            self.crosstab(rows, columns),
            rows=self.categories(rows),
            columns=self.categories(columns),
            row_totals=rows,
            column_totals=column_totals,
            total=TOTAL,
        )


def declare_inputs(
    publication: Publication, participation: Participation, *, objectives: Mapping[int, int]
) -> dict[str, tuple[Hashable, ...]]:
    """Declares the tables of inputs (before any count of the output's own, so that the same
    inputs give the same tables, the same counts hidden); returns each dimension's categories.

    Keys: ``TOTAL``, ``("group", g)``, ``(crosstab, g, category)``, ``("by_channel", c)``,
    ``("by_age", a)``,
    ``(one-way dimension, category)``, ``("objective", n)``."""
    for dimension in CROSSTABS:
        participation.declare_crosstab(
            publication,
            "group",
            dimension,
            column_totals=COLUMN_TOTALS.get(dimension),
        )
    for dimension in ONE_WAY:
        participation.declare_breakdown(publication, dimension)
    for number in OBJECTIVES:  # an input names several objectives: these add up to nothing, each
        publication.add_count(
            ("objective", number), objectives.get(number, 0)
        )  # counts some of the inputs
        publication.add_subset(("objective", number), TOTAL)
    categories: dict[str, tuple[Hashable, ...]] = {
        d: participation.categories(d) for d in DIMENSIONS
    }
    return categories | {"objective": OBJECTIVES}


def declare_campaigns(publication: Publication, campaigns: Sequence[int]) -> None:
    """Groups of near-identical inputs, ``("campaign", i)``: each some of the inputs."""
    for index, count in enumerate(campaigns):
        publication.add_count(("campaign", index), count)
        publication.add_subset(("campaign", index), TOTAL)
