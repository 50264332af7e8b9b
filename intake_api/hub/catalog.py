"""Published pledges and practices: filtered, searched, paginated listings and single items.

The pages, the open data and the feeds all read here, so they show the same rows. Rows are
selected by the publication policy (``public_items``) and the search interface
(``search.text_matches``); only the columns the Hub shows are read, and their text is
redacted on the way out (``public_text``, ``public_line``).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import ColumnElement, Engine, cast, exists, func, select, true
from sqlalchemy.dialects.postgresql import JSONB
from sqlmodel import col

from intake_api import search
from intake_api.i18n import LOCALES
from intake_api.policies.publication import public_items, public_line, public_text
from models.db import read_session
from models.pledge import Pledge
from models.practice import Practice
from models.publishable import PublishableRecord
from models.reference import COUNTRY_CODES, OBJECTIVE_NUMBERS, REVIEW_SLUGS, STAKEHOLDER_GROUPS

PAGE_SIZE = 20
MAX_QUERY_CHARS = 200  # longer searches are cut: nobody types more into a search box
# The one stakeholder group whose pledges count as a Member State's.
MEMBER_STATE_GROUP = "government"

KINDS: dict[str, type[PublishableRecord]] = {"pledges": Pledge, "practices": Practice}


@dataclass(frozen=True)
class Filters:
    """What a reader chose in the filters form (the query string): None is "any"."""

    review: str | None = None
    objective: int | None = None
    group: str | None = None
    country: str | None = None
    language: str | None = None
    q: str = ""
    page: int = 1
    # Query-string parameters that were given but not understood (left out of the filter).
    refused: tuple[str, ...] = field(default=(), compare=False)

    def query_args(self, *, page: int | None = None) -> dict[str, str]:
        """The filters as a query string's arguments (for links: pages, open data, feeds)."""
        args = {
            "review": self.review,
            "objective": str(self.objective) if self.objective is not None else None,
            "group": self.group,
            "country": self.country,
            "language": self.language,
            "q": self.q or None,
        }
        number = self.page if page is None else page
        if number > 1:
            args["page"] = str(number)
        return {k: v for k, v in args.items() if v}

    def without_page(self) -> Filters:
        return replace(self, page=1)

    @property
    def any(self) -> bool:
        return bool(self.query_args(page=1))


def filters_from(args: Mapping[str, str]) -> Filters:
    """The filters a query string asks for; a value that is not one of the choices is left out
    (and named in ``refused``), so a mistyped link shows the unfiltered list, never an error."""
    refused: list[str] = []

    def choice(name: str, allowed: Any, normalise: Any = str.strip) -> Any:
        raw = (args.get(name) or "").strip()
        if not raw:
            return None
        value = normalise(raw)
        if value in allowed:
            return value
        refused.append(name)
        return None

    def number(raw: str) -> int | None:
        return int(raw) if raw.isascii() and raw.isdigit() and len(raw) <= 4 else None

    page = number((args.get("page") or "1").strip())
    if page is None or page < 1:
        refused.append("page")
        page = 1
    query = " ".join((args.get("q") or "").split())[:MAX_QUERY_CHARS]
    return Filters(
        review=choice("review", REVIEW_SLUGS, str.lower),
        objective=choice("objective", OBJECTIVE_NUMBERS, number),
        group=choice("group", STAKEHOLDER_GROUPS),
        country=choice("country", COUNTRY_CODES, str.upper),
        language=choice("language", LOCALES, str.lower),
        q=query,
        page=min(page, 10_000),
        refused=tuple(refused),
    )


@dataclass(frozen=True)
class PublicPledge:
    """A published pledge as the Hub shows it."""

    id: int
    review: str | None
    organisation: str
    stakeholder_group: str | None
    country: str | None
    title: str
    text: str
    objectives: tuple[int, ...]
    language: str
    published_at: datetime


@dataclass(frozen=True)
class PublicPractice:
    """A published practice as the Hub shows it; ``link`` only when it is an http(s) address."""

    id: int
    review: str | None
    title: str
    description: str
    objectives: tuple[int, ...]
    countries: tuple[str, ...]
    organisation: str | None
    partners: str | None
    link: str | None
    language: str
    published_at: datetime


PublicItem = PublicPledge | PublicPractice


@dataclass(frozen=True)
class Page:
    """One page of a listing, and how many items match in all."""

    items: list[Any]
    total: int
    number: int
    size: int = PAGE_SIZE

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.size))


def safe_link(link: str | None) -> str | None:
    """A practice's link, only when it is an http or https address with a host."""
    if not link:
        return None
    link = link.strip()
    parts = urlsplit(link)
    if (
        parts.scheme.lower() not in ("http", "https")
        or not parts.netloc
        or any(ch.isspace() or ord(ch) < 32 for ch in link)
    ):
        return None
    return link


# The columns the Hub reads: never a receipt, a contact address or a Slack post.
_PLEDGE_COLUMNS = (
    Pledge.id,
    Pledge.review_slug,
    Pledge.organisation,
    Pledge.stakeholder_group,
    Pledge.country,
    Pledge.title,
    Pledge.text,
    Pledge.objectives,
    Pledge.locale,
    Pledge.published_at,
)
_PRACTICE_COLUMNS = (
    Practice.id,
    Practice.review_slug,
    Practice.title,
    Practice.description,
    Practice.objectives,
    Practice.countries,
    Practice.organisation,
    Practice.partners,
    Practice.link,
    Practice.locale,
    Practice.published_at,
)


def _pledge(row: Any) -> PublicPledge:
    return PublicPledge(
        id=row.id,
        review=row.review_slug,
        organisation=public_line(row.organisation),
        stakeholder_group=row.stakeholder_group,
        country=row.country,
        title=public_line(row.title),
        text=public_text(row.text),
        objectives=tuple(sorted(int(n) for n in row.objectives or ())),
        language=row.locale,
        published_at=row.published_at,
    )


def _practice(row: Any) -> PublicPractice:
    return PublicPractice(
        id=row.id,
        review=row.review_slug,
        title=public_line(row.title),
        description=public_text(row.description),
        objectives=tuple(sorted(int(n) for n in row.objectives or ())),
        countries=tuple(row.countries or ()),
        organisation=public_line(row.organisation) or None,
        partners=public_line(row.partners) or None,
        link=safe_link(row.link),
        language=row.locale,
        published_at=row.published_at,
    )


def json_list_holds(column: Any, value: int | str, *, dialect: str) -> ColumnElement[bool]:
    """Whether a JSON list column holds ``value``, in the store's own JSON functions."""
    if dialect == "postgresql":
        return cast(column, JSONB).contains([value])
    elements = func.json_each(column).table_valued("value")
    return exists(select(1).select_from(elements).where(elements.c.value == value))


def conditions(
    model: type[PublishableRecord], filters: Filters, *, dialect: str, many: bool = False
) -> list[ColumnElement[bool]]:
    """The publication rule, the filters and the search, as SQL conditions on ``model``
    (``many``: the search is known to match many items, ``search.text_matches``)."""
    where: list[ColumnElement[bool]] = [public_items(model)]
    table: Any = model
    if filters.review:
        where.append(col(table.review_slug) == filters.review)
    if filters.objective is not None:
        where.append(json_list_holds(table.objectives, filters.objective, dialect=dialect))
    if filters.language:
        where.append(col(model.locale) == filters.language)
    if filters.country:
        if model is Pledge:
            where.append(col(Pledge.country) == filters.country)
        else:
            where.append(json_list_holds(Practice.countries, filters.country, dialect=dialect))
    if filters.group:
        # Practices carry no stakeholder group: filtering them by one finds none.
        where.append(col(Pledge.stakeholder_group) == filters.group if model is Pledge else ~true())
    if filters.q:
        where.append(search.text_matches(model, filters.q, dialect=dialect, many=many))
    return where


def _columns(model: type[PublishableRecord]) -> tuple[Any, ...]:
    return _PLEDGE_COLUMNS if model is Pledge else _PRACTICE_COLUMNS


def _shown(model: type[PublishableRecord], row: Any) -> Any:
    return _pledge(row) if model is Pledge else _practice(row)


def listing(
    engine: Engine, model: type[PublishableRecord], filters: Filters, *, total: int | None = None
) -> Page:
    """One page of published items matching ``filters``, newest published first.

    ``total``: how many items match, when the caller already counted them for the same
    filters (the dashboard's figures): the store is not asked twice.
    """
    dialect = engine.dialect.name
    with read_session(engine) as session:
        if total is None:
            total = session.execute(
                select(func.count())
                .select_from(model)
                .where(*conditions(model, filters, dialect=dialect))
            ).scalar_one()
        number = min(filters.page, max(1, -(-total // PAGE_SIZE)))
        many = search.many_matches(dialect, total)
        where = conditions(model, filters, dialect=dialect, many=many)
        newest: Any = col(model.published_at)
        if filters.q:
            newest = search.in_listing_order(newest, dialect=dialect, many=many)
        rows = session.execute(
            select(*_columns(model))
            .where(*where)
            .order_by(newest.desc(), col(model.id).desc())  # type: ignore[attr-defined]
            .limit(PAGE_SIZE)
            .offset((number - 1) * PAGE_SIZE)
        ).all()
    return Page([_shown(model, row) for row in rows], total, number)


def every_item(engine: Engine, model: type[PublishableRecord], filters: Filters) -> Iterator[Any]:
    """Every published item matching ``filters`` (all pages), newest published first."""
    where = conditions(model, filters, dialect=engine.dialect.name)
    with read_session(engine) as session:
        rows = session.execute(
            select(*_columns(model))
            .where(*where)
            .order_by(col(model.published_at).desc(), col(model.id).desc())  # type: ignore[attr-defined]
            .execution_options(yield_per=1000)
        )
        for row in rows:
            yield _shown(model, row)


def latest(
    engine: Engine, model: type[PublishableRecord], filters: Filters, *, limit: int
) -> list[Any]:
    """The ``limit`` newest published items matching ``filters``."""
    where = conditions(model, filters, dialect=engine.dialect.name)
    with read_session(engine) as session:
        rows = session.execute(
            select(*_columns(model))
            .where(*where)
            .order_by(col(model.published_at).desc(), col(model.id).desc())  # type: ignore[attr-defined]
            .limit(limit)
        ).all()
    return [_shown(model, row) for row in rows]


def item(engine: Engine, model: type[PublishableRecord], item_id: int) -> Any | None:
    """One published item by its public id; None when there is none or it is not public."""
    with read_session(engine) as session:
        row = session.execute(
            select(*_columns(model)).where(
                col(model.id) == item_id,  # type: ignore[attr-defined]
                public_items(model),
            )
        ).first()
    return _shown(model, row) if row is not None else None


def newest_published(engine: Engine, model: type[PublishableRecord]) -> datetime | None:
    """When the most recently published item of ``model`` was published (feeds' ``updated``)."""
    with read_session(engine) as session:
        return session.execute(
            select(func.max(col(model.published_at))).where(public_items(model))
        ).scalar_one()
