"""The public Migration Network Hub: the Pledging Dashboard, the practices repository, a page
per regional review, open data and feeds.

Every page reads published items only, through ``intake_api.hub`` (the publication
policy). None of them touches the session: they are the same for every reader, so each
answer is cached as one policy (this blueprint's ``before_request`` and ``after_request``):
an ``ETag`` from the public version (known before the page is built, so a matching
``If-None-Match`` gets its 304 after one small query) or else from the content,
``Cache-Control: public``, and never a cookie.
"""

from __future__ import annotations

import csv
import io
import json
from collections import Counter
from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    g,
    make_response,
    render_template,
    request,
    session,
    url_for,
)
from flask.typing import ResponseReturnValue
from markupsafe import Markup

from intake_api.hub import catalog, dashboard, reviews, validators
from intake_api.hub.catalog import Filters, PublicPledge, PublicPractice
from intake_api.i18n import LOCALES, collation_key, gettext, is_rtl
from intake_api.participation import EVERY, category_label
from intake_api.policies.disclosure import HIDDEN_SYMBOL, Reason, Shown, footnote
from intake_api.policies.encoding import spreadsheet_cell, xml_text
from intake_api.record_kinds import timestamp
from intake_api.reports.charts import bar_chart_svg
from intake_api.reports.render import Labels, render_html
from intake_api.reports.world_map import DISCLAIMER, MAP_TITLE, map_description, world_map_svg
from intake_api.review_names import review_title
from intake_api.runtime import runtime_of
from models.markers import NC_
from models.pledge import Pledge
from models.practice import Practice
from models.publishable import PublishableRecord
from models.reference import (
    COUNTRY_CODES,
    MEETING_FORMATS,
    N_,
    OBJECTIVE_NUMBERS,
    REVIEW_SLUGS,
    STAKEHOLDER_GROUPS,
)

bp = Blueprint("hub", __name__)

PUBLIC_MAX_AGE = 60  # seconds a browser or proxy may reuse a page before asking again
LICENCE = "CC-BY-4.0"
LICENCE_URL = "https://creativecommons.org/licenses/by/4.0/"
LICENCE_NAME = N_("Creative Commons Attribution 4.0 International (CC BY 4.0)")
FEED_SIZE = 50  # entries per feed: the newest published
REVIEW_LISTED = 10  # pledges and practices listed on a review's page (the rest one link away)
CHART_ROWS = 15  # bars in a chart; the table beside it has every row
LARGEST_ID = 2**31 - 1  # a larger id is no item's: 404, not an overflow in the store
# Before any item is published, a feed still says when it was last updated.
FEED_EPOCH = datetime(2026, 1, 1, tzinfo=UTC)

# Chart captions and table headers.
PLEDGES_BY_REVIEW = N_("Pledges by regional review")
PLEDGES_BY_GROUP = N_("Pledges by stakeholder group")
PLEDGES_BY_OBJECTIVE = N_("Pledges by GCM objective")
PLEDGES_BY_COUNTRY = N_("Pledges by country")
PRACTICES_BY_REVIEW = N_("Practices by regional review")
PRACTICES_BY_OBJECTIVE = N_("Practices by GCM objective")
PRACTICES_BY_COUNTRY = N_("Practices by country")
REGIONAL_REVIEW = N_("Regional review")
STAKEHOLDER_GROUP = N_("Stakeholder group")
GCM_OBJECTIVE = N_("GCM objective")
COUNTRY = N_("Country")
INPUTS_BY_GROUP = N_("Inputs by stakeholder group")

FEED_TITLE = N_("Newly published pledges and practices: %(review)s")
PUBLISHER = N_("UN Network on Migration")
# A pledge and a practice, named as one item of their kind (feeds, item pages).
ITEM_KINDS = (NC_("one item", "Pledge"), NC_("one item", "Practice"))

FILTERS_REFUSED = N_("Some filters in the address were not recognised and were left out.")


# --- caching: one policy for every route of this blueprint ------------------------------------

# Pages that read only pledges, practices and reviews: validated by the public version before
# they are built (``intake_api.hub.validators``). A review's own page and report also count
# inputs, so they are validated by their content.
VERSIONED = frozenset(
    {"hub.pledges", "hub.pledges_map", "hub.practices", "hub.pledge", "hub.practice",
     "hub.open_data", "hub.review_feed"}
)  # fmt: skip


@bp.before_request
def answer_unchanged() -> ResponseReturnValue | None:
    """A 304 before any query of the page's own, when the reader's copy is still current."""
    if request.endpoint not in VERSIONED:
        return None
    version = validators.current_version(_engine())
    if version is None:
        return None
    g.hub_version = version
    g.hub_etag = validators.page_etag(version, request.full_path)
    asked = request.if_none_match
    if not asked.star_tag and asked.contains_weak(g.hub_etag):
        return Response(status=304)
    return None


@bp.after_request
def public_cache(response: Response) -> Response:
    """The same answer for everyone: cacheable for a minute, revalidated by its ETag.

    A page that changed the session would be one reader's: it must not be cached, and
    none of these pages may do it (the test of every route checks there is no cookie).
    """
    if session.modified or response.status_code not in (200, 304, 404):
        response.headers["Cache-Control"] = "no-store"
        return response
    response.headers["Cache-Control"] = f"public, max-age={PUBLIC_MAX_AGE}"
    etag = g.get("hub_etag")
    if response.status_code == 304:
        response.set_etag(etag)
        return response
    if response.is_streamed:
        return response
    if etag is not None and response.status_code == 200:
        response.set_etag(etag)
    else:
        response.add_etag()
    if response.status_code == 200:
        response.make_conditional(request)
    return response


# --- labels and charts ------------------------------------------------------------------------


@bp.app_template_filter("xml")
def xml_filter(value: object) -> Markup:
    """Text for an XML template (the Atom feeds): escaped, characters XML cannot hold dropped."""
    return Markup(xml_text(value))  # noqa: S704 - escaped by the encoding policy


@dataclass(frozen=True)
class Chart:
    """A bar chart and the table beside it, with the same numbers."""

    caption: str
    header: str
    svg: Markup
    rows: list[tuple[str, str]]  # (label, count as text)


def _chart(
    caption: str, header: str, counts: Counter[Any], label: Callable[[Any], str]
) -> Chart | None:
    """Largest first, then in the reader's alphabetical order; None when nothing is counted."""
    if not counts:
        return None
    locale = g.locale
    key = collation_key(locale)
    ordered = sorted(counts.items(), key=lambda item: (-item[1], key(label(item[0]))))
    pairs = [(label(code), Shown(str(n), n, Reason.SHOWN)) for code, n in ordered]
    svg = bar_chart_svg(pairs[:CHART_ROWS], title=caption, rtl=is_rtl(locale))
    return Chart(caption, header, Markup(svg), [(name, shown.text) for name, shown in pairs])  # noqa: S704 - escaped by charts


def _labels() -> Labels:
    return Labels(g.locale)


def _options(codes: Iterable[Hashable], label: Callable[[Any], str]) -> list[tuple[str, str]]:
    """(value, label) for a filter's select, in the reader's alphabetical order."""
    key = collation_key(g.locale)
    return sorted(((str(c), label(c)) for c in codes), key=lambda option: key(option[1]))


def _filter_choices(kind: str) -> dict[str, list[tuple[str, str]]]:
    labels = _labels()
    choices = {
        "review": [(slug, review_title(g.locale, slug)) for slug in REVIEW_SLUGS],
        "objective": [(str(n), labels.objective(n)) for n in sorted(OBJECTIVE_NUMBERS)],
        "country": _options(COUNTRY_CODES, labels.country),
        "language": _options(LOCALES, labels.language),
    }
    if kind == "pledges":
        choices["group"] = _options(STAKEHOLDER_GROUPS, labels.group)
    return choices


def _common(kind: str, filters: Filters) -> dict[str, Any]:
    """What every listing page shows around its items: filters, open data links, labels."""
    data_args: dict[str, Any] = filters.query_args(page=1)
    return {
        "kind": kind,
        "filters": filters,
        "choices": _filter_choices(kind),
        "labels": _labels(),
        "filters_refused": FILTERS_REFUSED if filters.refused else None,
        "open_data_links": {
            fmt: url_for("hub.open_data", kind=kind, fmt=fmt, **data_args)
            for fmt in ("csv", "json")
        },
        "licence_name": LICENCE_NAME,
        "licence_url": LICENCE_URL,
    }


def _engine() -> Any:
    return runtime_of(current_app).engine


# --- the Pledging Dashboard and the practices repository --------------------------------------


@bp.get("/<locale>/pledges")
def pledges() -> ResponseReturnValue:
    """The Pledging Dashboard: counts and charts of published pledges, filters, the list."""
    filters = catalog.filters_from(request.args)
    engine = _engine()
    figures = dashboard.pledge_figures(engine, filters, version=g.get("hub_version"))
    page = catalog.listing(engine, Pledge, filters, total=figures.pledges)
    labels = _labels()
    t = _t
    charts = [
        _chart(t(PLEDGES_BY_REVIEW), t(REGIONAL_REVIEW), figures.by_review,
               lambda slug: review_title(g.locale, slug)),
        _chart(t(PLEDGES_BY_GROUP), t(STAKEHOLDER_GROUP), figures.by_group,
               labels.group),
        _chart(t(PLEDGES_BY_OBJECTIVE), t(GCM_OBJECTIVE), figures.by_objective,
               labels.objective),
        _chart(t(PLEDGES_BY_COUNTRY), t(COUNTRY), figures.by_country, labels.country),
    ]  # fmt: skip
    world_map = None
    map_args: dict[str, Any] = filters.query_args(page=1)
    if figures.by_country:  # the map beside the table of pledges by country, same filters
        world_map = {
            "title": t(MAP_TITLE),
            "url": url_for("hub.pledges_map", **map_args),
            "alt": map_description(g.locale, t(PLEDGES_BY_COUNTRY)),
            "disclaimer": t(DISCLAIMER),
        }
    return render_template(
        "hub/pledges.html",
        figures=figures,
        page=page,
        charts=[c for c in charts if c],
        world_map=world_map,
        **_common("pledges", filters),
    )


@bp.get("/<locale>/pledges/map.svg")
def pledges_map() -> ResponseReturnValue:
    """The dashboard's map: countries shaded by their published pledges, for the same filters
    (an image of its own, so the page stays small and the map is cached on its own)."""
    filters = catalog.filters_from(request.args)
    figures = dashboard.pledge_figures(_engine(), filters, version=g.get("hub_version"))
    svg = world_map_svg(
        figures.by_country,
        locale=g.locale,
        name=_labels().country,
        table=_t(PLEDGES_BY_COUNTRY),
    )
    return Response(svg, mimetype="image/svg+xml")


@bp.get("/<locale>/practices")
def practices() -> ResponseReturnValue:
    """The practices repository: published practices, searchable and filterable."""
    filters = catalog.filters_from(request.args)
    engine = _engine()
    figures = dashboard.practice_figures(engine, filters, version=g.get("hub_version"))
    page = catalog.listing(engine, Practice, filters, total=figures.practices)
    labels = _labels()
    t = _t
    charts = [
        _chart(t(PRACTICES_BY_REVIEW), t(REGIONAL_REVIEW), figures.by_review,
               lambda slug: review_title(g.locale, slug)),
        _chart(t(PRACTICES_BY_OBJECTIVE), t(GCM_OBJECTIVE), figures.by_objective,
               labels.objective),
        _chart(t(PRACTICES_BY_COUNTRY), t(COUNTRY), figures.by_country, labels.country),
    ]  # fmt: skip
    return render_template(
        "hub/practices.html",
        figures=figures,
        page=page,
        charts=[c for c in charts if c],
        **_common("practices", filters),
    )


def _published(model: type[PublishableRecord], item_id: int) -> Any:
    if item_id > LARGEST_ID:
        abort(404)
    found = catalog.item(_engine(), model, item_id)
    if found is None:
        abort(404)
    return found


@bp.get("/<locale>/pledges/<int:item_id>")
def pledge(item_id: int) -> ResponseReturnValue:
    """One published pledge, at its permanent address."""
    return render_template("hub/pledge.html", item=_published(Pledge, item_id), labels=_labels())


@bp.get("/<locale>/practices/<int:item_id>")
def practice(item_id: int) -> ResponseReturnValue:
    """One published practice, at its permanent address."""
    return render_template(
        "hub/practice.html", item=_published(Practice, item_id), labels=_labels()
    )


# --- a page per regional review ---------------------------------------------------------------


def _review_or_404(slug: str) -> Any:
    review = reviews.review_named(_engine(), slug) if slug in REVIEW_SLUGS else None
    if review is None:
        abort(404)
    return review


@bp.get("/<locale>/reviews/<slug>")
def review(slug: str) -> ResponseReturnValue:
    """A review's dates, place and format, how to take part, its published pledges and
    practices, who took part so far, and its summary report once published."""
    review = _review_or_404(slug)
    runtime = runtime_of(current_app)
    engine = runtime.engine
    of_review = Filters(review=slug)
    # The review's items are counted as the dashboard counts them: once per public version.
    version = validators.current_version(engine)
    pledges = dashboard.pledge_figures(engine, of_review, version=version).pledges
    practices = dashboard.practice_figures(engine, of_review, version=version).practices
    report = reviews.public_report(engine, review, consent_age=runtime.service.digital_consent_age)
    taking_part = reviews.participation_by_group(engine, slug, report)
    labels = _labels()
    shown_groups = [(labels.group(str(code)), shown) for code, shown in taking_part.groups]
    if taking_part.all_hidden:  # one line for them all, and no chart of nothing but symbols
        shown_groups = [(_t(EVERY["group"]), Shown(HIDDEN_SYMBOL, None, Reason.WITHHELD))]
    bot = runtime.settings.telegram_bot_username
    return render_template(
        "hub/review.html",
        review=review,
        meeting_formats=MEETING_FORMATS,
        pledges=catalog.listing(engine, Pledge, of_review, total=pledges),
        practices=catalog.listing(engine, Practice, of_review, total=practices),
        listed=REVIEW_LISTED,
        total=taking_part.total,
        groups=shown_groups,
        group_chart=None
        if taking_part.all_hidden
        else Markup(  # noqa: S704 - escaped by charts
            bar_chart_svg(shown_groups, title=_t(INPUTS_BY_GROUP), rtl=is_rtl(g.locale))
        ),
        footnotes=[footnote(g.locale, note) for note in taking_part.counts.footnotes()],
        report_published=report is not None,
        telegram_url=f"https://t.me/{bot}" if bot else None,
        labels=labels,
    )


@bp.get("/<locale>/reviews/<slug>/report")
def review_report(slug: str) -> ResponseReturnValue:
    """The review's summary report, once staff published it (its quotes under the publication
    policy, only the pledges and practices published on the Hub)."""
    review = _review_or_404(slug)
    runtime = runtime_of(current_app)
    report = reviews.public_report(
        runtime.engine, review, consent_age=runtime.service.digital_consent_age
    )
    if report is None:
        abort(404)
    document = render_html(report, g.locale).decode()
    body = document.split("<body>", 1)[1].rsplit("</body>", 1)[0]
    return render_template(
        "hub/review_report.html",
        review=review,
        report=Markup(body),  # noqa: S704 - rendered by the report's autoescaping template
    )


@bp.get("/<locale>/reviews/<slug>/feed.atom")
def review_feed(slug: str) -> ResponseReturnValue:
    """An Atom feed of the review's newly published pledges and practices."""
    review = _review_or_404(slug)
    engine = _engine()
    filters = catalog.filters_from(request.args)
    of_review = Filters(
        review=slug,
        objective=filters.objective,
        group=filters.group,
        country=filters.country,
        language=filters.language,
        q=filters.q,
    )
    entries: list[Any] = [
        *catalog.latest(engine, Pledge, of_review, limit=FEED_SIZE),
        *catalog.latest(engine, Practice, of_review, limit=FEED_SIZE),
    ]
    entries.sort(key=lambda item: (item.published_at, item.id), reverse=True)
    entries = entries[:FEED_SIZE]
    updated = max((_aware(e.published_at) for e in entries), default=FEED_EPOCH)
    body = render_template(
        "hub/feed.xml",
        review=review,
        entries=entries,
        updated=timestamp(updated),
        stamp=lambda moment: timestamp(_aware(moment)),
        labels=_labels(),
        is_pledge=lambda item: isinstance(item, PublicPledge),
        kind_label=lambda pledge: _t(ITEM_KINDS[0] if pledge else ITEM_KINDS[1]),
        feed_title=_t(FEED_TITLE, review=review_title(g.locale, slug)),
        rights=_t(LICENCE_NAME),
        publisher=_t(PUBLISHER),
    )
    return Response(body, mimetype="application/atom+xml")


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


# --- open data --------------------------------------------------------------------------------

# The open data's columns, in order: docs/open-data.md describes each (a stable schema).
PLEDGE_FIELDS = (
    "id", "url", "review", "review_name", "organisation", "stakeholder_group",
    "stakeholder_group_name", "country", "country_name", "title", "text", "objectives",
    "objective_names", "language", "published_at", "licence",
)  # fmt: skip
PRACTICE_FIELDS = (
    "id", "url", "review", "review_name", "title", "description", "countries",
    "country_names", "objectives", "objective_names", "organisation", "partners", "link",
    "language", "published_at", "licence",
)  # fmt: skip
# The files' layout, named and versioned (docs/open-data.md): a change that breaks a reader
# gets a new version, never the same name.
OPEN_DATA_SCHEMA = "gcm-intake-open-data/1"
OPEN_DATA_LANGUAGE = "en"  # the names' language unless ?lang= asks for another


def _record(item: PublicPledge | PublicPractice, lang: str) -> dict[str, Any]:
    """One item as open data: codes, and their names in ``lang``."""
    labels = Labels(lang)
    common = {
        "id": item.id,
        "review": item.review,
        "review_name": review_title(lang, item.review) if item.review else None,
        "objectives": list(item.objectives),
        "objective_names": [labels.objective(n) for n in item.objectives],
        "language": item.language,
        "published_at": timestamp(item.published_at),
        "licence": LICENCE,
    }
    if isinstance(item, PublicPledge):
        return {
            **common,
            "url": url_for("hub.pledge", locale=lang, item_id=item.id, _external=True),
            "organisation": item.organisation,
            "stakeholder_group": item.stakeholder_group,
            "stakeholder_group_name": category_label(lang, "group", item.stakeholder_group)
            if item.stakeholder_group
            else None,
            "country": item.country,
            "country_name": labels.country(item.country) if item.country else None,
            "title": item.title,
            "text": item.text,
        }
    return {
        **common,
        "url": url_for("hub.practice", locale=lang, item_id=item.id, _external=True),
        "title": item.title,
        "description": item.description,
        "countries": list(item.countries),
        "country_names": [labels.country(c) for c in item.countries],
        "organisation": item.organisation,
        "partners": item.partners,
        "link": item.link,
    }


def _csv_cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, list):
        value = ";".join(str(v) for v in value)
    return spreadsheet_cell(value)


@bp.get("/open-data/<any(pledges, practices):kind>.<any(csv, json):fmt>")
def open_data(kind: str, fmt: str) -> ResponseReturnValue:
    """Published pledges or practices as CSV or JSON, for the same filters as the pages."""
    filters = catalog.filters_from(request.args)
    lang = request.args.get("lang", OPEN_DATA_LANGUAGE)
    if lang not in LOCALES:
        lang = OPEN_DATA_LANGUAGE
    model = catalog.KINDS[kind]
    fields = PLEDGE_FIELDS if kind == "pledges" else PRACTICE_FIELDS
    records = [_record(item, lang) for item in catalog.every_item(_engine(), model, filters)]
    if fmt == "json":
        document = {
            "licence": LICENCE,
            "licence_url": LICENCE_URL,
            "schema": OPEN_DATA_SCHEMA,
            "kind": kind,
            "language": lang,
            "count": len(records),
            "items": [{name: record[name] for name in fields} for record in records],
        }
        response = make_response(
            json.dumps(document, ensure_ascii=False, indent=1, sort_keys=False)
        )
        response.mimetype = "application/json"
    else:
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\r\n")
        writer.writerow(fields)
        for record in records:
            writer.writerow([_csv_cell(record[name]) for name in fields])
        response = make_response("\ufeff" + buffer.getvalue())  # a BOM: Excel reads UTF-8
        response.headers["Content-Type"] = "text/csv; charset=utf-8; header=present"
        response.headers["Content-Disposition"] = f'inline; filename="{kind}.csv"'
    response.headers["Link"] = f'<{LICENCE_URL}>; rel="license"'
    response.headers["Access-Control-Allow-Origin"] = "*"  # open data, for any site's scripts
    return response


def _t(message: str, **params: object) -> str:
    return gettext(g.locale, message, **params)
