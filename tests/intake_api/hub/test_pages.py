"""What readers see on the Hub: the dashboard, the repository, items, review pages,
open data and feeds."""

from __future__ import annotations

import csv
import io
import json
import xml.etree.ElementTree as ET
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from babel.numbers import format_decimal
from markupsafe import escape

from intake_api.app import create_app
from intake_api.hub.catalog import PAGE_SIZE, filters_from, safe_link
from intake_api.i18n import LOCALES, gettext
from intake_api.reports.data import build_report
from models.db import write_session
from models.pledge import Pledge
from models.practice import Practice
from models.review import RegionalReview
from tests.factories import input_answers
from tests.intake_api.hub.conftest import _pledge, _practice, _set

ATOM = "{http://www.w3.org/2005/Atom}"
NOW = datetime.now(UTC).replace(microsecond=0)


def publish_pledge(runtime, marker: str, *, hours_ago: int = 0, **answers: Any) -> int:  # type: ignore[no-untyped-def]
    receipt = runtime.service.submit(
        "pledge", {**_pledge(marker), **answers}, channel="web", message_id=marker, locale="en"
    ).code
    return _set(runtime.engine, Pledge, receipt, published_at=NOW - timedelta(hours=hours_ago))


def publish_practice(runtime, marker: str, **answers: Any) -> int:  # type: ignore[no-untyped-def]
    receipt = runtime.service.submit(
        "practice", {**_practice(marker), **answers}, channel="web", message_id=marker, locale="en"
    ).code
    return _set(runtime.engine, Practice, receipt, published_at=NOW)


def _set_title(runtime, item_id: int, title: str) -> None:  # type: ignore[no-untyped-def]
    with write_session(runtime.engine) as session:
        item = session.get_one(Pledge, item_id)
        item.title = title
        session.add(item)


def text(response) -> str:  # type: ignore[no-untyped-def]
    assert response.status_code == 200, response.status_code
    return str(response.get_data(as_text=True))


# --- the Pledging Dashboard ------------------------------------------------------------------


def test_dashboard_counts_pledges_member_states_and_stakeholders(client, runtime):
    publish_pledge(runtime, "jordan", country="JO")
    publish_pledge(runtime, "jordanagain", country="JO")  # the same Member State again
    publish_pledge(runtime, "lebanon", country="LB")
    publish_pledge(runtime, "youthone", stakeholder_group="youth", organisation="Youth Network")
    publish_pledge(runtime, "youthtwo", stakeholder_group="youth", organisation="youth network")
    publish_pledge(runtime, "ngo", stakeholder_group="civil_society", organisation="Caritas")
    page = text(client.get("/en/pledges"))
    figures = page.split('class="figures"', 1)[1].split("</dl>", 1)[0]
    values = [v.split("<")[0] for v in figures.split('<bdi dir="ltr">')[1:]]
    assert values == ["6", "2", "2"]  # pledges, Member States (JO, LB), other organisations
    assert "Pledges by stakeholder group" in page and "Pledges by GCM objective" in page
    assert '<svg xmlns="http://www.w3.org/2000/svg" role="img"' in page
    assert '<th scope="row">Jordan</th>' in page  # the numbers as a table beside the chart


def test_listing_is_newest_first_and_paginated(client, runtime):
    for n in range(PAGE_SIZE + 3):
        publish_pledge(runtime, f"item{n:02d}x", hours_ago=n)
    first = text(client.get("/en/pledges"))
    assert first.index("item00x") < first.index("item01x")
    assert "item22x" not in first
    assert "Page 1 of 2" in first and 'rel="next"' in first
    second = text(client.get("/en/pledges?page=2"))
    assert "item22x" in second and "item00x" not in second
    assert "23 pledges match." in second
    # A page past the last shows the last one.
    assert "item22x" in text(client.get("/en/pledges?page=9"))


@pytest.mark.parametrize(
    ("query", "shown", "hidden"),
    [
        ("?country=LB", ["lebanonp"], ["jordanp", "youthp"]),
        ("?group=youth", ["youthp"], ["jordanp", "lebanonp"]),
        ("?objective=7", ["lebanonp"], ["jordanp", "youthp"]),
        ("?review=eca", ["youthp"], ["jordanp", "lebanonp"]),
        ("?language=fr", ["jordanp"], ["lebanonp", "youthp"]),
        ("?q=lebanonp", ["lebanonp"], ["jordanp", "youthp"]),
        ("?q=lebanonp&country=JO", [], ["jordanp", "lebanonp", "youthp"]),
    ],
)
def test_filters_and_search(client, runtime, query, shown, hidden):
    receipt = runtime.service.submit(
        "pledge", _pledge("jordanp"), channel="web", message_id="fr", locale="fr"
    ).code
    _set(runtime.engine, Pledge, receipt, published_at=NOW)
    publish_pledge(runtime, "lebanonp", country="LB", objectives=["7"])
    publish_pledge(runtime, "youthp", stakeholder_group="youth", review="eca")
    page = text(client.get("/en/pledges" + query)).split('id="list"', 1)[1]
    for marker in shown:
        assert marker in page, (query, marker)
    for marker in hidden:
        assert f"Pledge {marker} for migrants" not in page, (query, marker)
    if not shown:
        assert "No published pledge matches these filters yet." in page


def test_filters_form_works_without_javascript(client, runtime):
    page = text(client.get("/en/pledges?country=LB&q=school"))
    form = page.split('<form method="get" action="/en/pledges"', 1)[1].split("</form>", 1)[0]
    assert '<option value="LB" selected>Lebanon</option>' in form
    assert 'name="q" value="school"' in form
    for name in ("review", "objective", "group", "country", "language"):
        assert f'name="{name}"' in form and f'for="filter-{name}"' in form


@pytest.mark.parametrize(
    "query", ["?country=ZZ", "?objective=99", "?page=-1", "?page=abc", "?review=%00", "?group=<b>"]
)
def test_unknown_filters_are_left_out_with_a_notice(client, runtime, query):
    publish_pledge(runtime, "anything")
    page = text(client.get("/fr/pledges" + query))
    assert (
        gettext("fr", "Some filters in the address were not recognised and were left out.") in page
    )
    assert "anythingp" not in page or "Pledge anything for migrants" in page


def test_filters_from_a_query_string():
    filters = filters_from({"country": "lb", "objective": "07", "q": "  two   words ", "page": "2"})
    assert (filters.country, filters.objective, filters.q, filters.page) == (
        "LB",
        7,
        "two words",
        2,
    )
    assert filters.query_args() == {
        "objective": "7",
        "country": "LB",
        "q": "two words",
        "page": "2",
    }
    assert filters_from({"q": "x" * 1000}).q == "x" * 200


@pytest.mark.parametrize("locale", LOCALES)
def test_dashboard_in_every_language(client, runtime, locale):
    publish_pledge(runtime, "everywhere")
    page = text(client.get(f"/{locale}/pledges"))
    assert f'<html lang="{locale}" dir="{"rtl" if locale == "ar" else "ltr"}">' in page
    assert gettext(locale, "Pledging Dashboard") in page
    assert str(escape(gettext(locale, "Member State government"))) in page
    assert format_decimal(1, locale=locale) in page


# --- single items ----------------------------------------------------------------------------


def test_a_published_pledge_has_a_permanent_page(client, runtime):
    item = publish_pledge(runtime, "permanent")
    page = text(client.get(f"/ar/pledges/{item}"))
    assert "Pledge permanent for migrants" in page
    assert f'href="http://localhost/ar/pledges/{item}"' in page  # rel=canonical
    assert gettext("ar", "Jordan") in page or "الأردن" in page
    assert "hidden.author" not in page


def test_a_practice_shows_its_fields_and_a_safe_link_only(client, runtime):
    safe = publish_practice(runtime, "safe", link="https://example.org/practice")
    page = text(client.get(f"/en/practices/{safe}"))
    for shown in ("Practice safe in border towns", "Association safe", "Partner safe"):
        assert shown in page
    assert 'rel="nofollow ugc noopener"' in page and 'href="https://example.org/practice"' in page
    assert "Lebanon" in page and "4. " in page


@pytest.mark.parametrize(
    "link",
    ["javascript:alert(1)", "data:text/html,x", "ftp://example.org/", "//example.org", "https://"],
)
def test_only_http_links_are_shown(link):
    assert safe_link(link) is None
    assert safe_link("http://example.org/a?b=c") == "http://example.org/a?b=c"


def test_the_existing_pledge_routes_still_work(client, runtime):
    assert client.get("/en/pledges/new").status_code == 200
    receipt = runtime.service.submit(
        "pledge", _pledge("receipt"), channel="web", message_id="r", locale="en"
    ).code
    response = client.get(f"/en/pledges/{receipt}")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"  # the private receipt page


# --- review pages ----------------------------------------------------------------------------


def test_review_page_says_when_where_and_how_to_take_part(client, runtime):
    publish_pledge(runtime, "reviewed")
    publish_practice(runtime, "reviewed")
    page = text(client.get("/es/reviews/escwa"))
    assert gettext("es", "Arab region") in page
    assert gettext("es", "Virtual") in page
    assert 'href="/es/inputs/new?review=escwa"' in page
    assert 'href="/es/reviews/escwa/register"' in page
    assert "t.me" not in page  # no bot username configured
    assert "Pledge reviewed for migrants" in page and "Practice reviewed in border towns" in page
    assert (
        '<link rel="alternate" type="application/atom+xml" href="/es/reviews/escwa/feed.atom"'
        in page
    )
    assert "/es/reviews/escwa/report" not in page  # not published


def test_review_page_links_the_telegram_bot_when_configured(runtime):
    runtime.settings.telegram_bot_username = "gcm_reviews_bot"
    app = create_app(runtime=runtime)
    page = text(app.test_client().get("/en/reviews/eca"))
    assert 'href="https://t.me/gcm_reviews_bot"' in page


def _participation(client, locale: str = "en") -> str:  # type: ignore[no-untyped-def]
    page = text(client.get(f"/{locale}/reviews/escwa"))
    return page.split("Participation so far", 1)[1].split("</table>", 1)[0]


def _submit_groups(runtime, groups: list[str]) -> None:  # type: ignore[no-untyped-def]
    for n, group in enumerate(groups):
        answers = input_answers(
            stakeholder_group=group,
            age_group=("18_24", "25_34")[n % 2],
            theme=("priorities_gaps", "cooperation")[n % 3 == 0],
            country=("JO", "LB")[n % 5 == 0],
        )
        runtime.service.submit_input(answers, channel="web", message_id=f"p{n}", locale="en")


def test_participation_is_counted_under_disclosure_control(client, runtime):
    _submit_groups(runtime, ["youth"] * 40 + ["civil_society"] * 12 + ["migrant"] * 2)
    section = _participation(client)
    assert 'Migrant or migrant-led organisation</th><td class="n"><bdi dir="ltr">&lt;5' in section
    assert ">2<" not in section  # the small count, nor its bar
    # 54 in all, 40 and 12 beside "<5" would give the 2 away: one more count is hidden.
    shown = [n for n in ("54", "40", "12") if f">{n}<" in section]
    assert len(shown) <= 2, shown
    assert "<svg" in section


def test_with_the_report_published_the_page_shows_the_reports_counts(client, runtime):
    _submit_groups(runtime, ["youth"] * 40 + ["civil_society"] * 40 + ["migrant"] * 2)
    with write_session(runtime.engine) as session:
        review = session.get_one(RegionalReview, "escwa")
        review.report_published_at = NOW
        session.add(review)
    section = _participation(client)
    counts = build_report(runtime.engine, review_slug="escwa").counts  # one publication
    assert f'Inputs received: <bdi dir="ltr">{escape(counts["inputs"].text)}</bdi>' in section
    labels = {"youth": "Youth", "civil_society": "Civil society / NGO"}
    labels["migrant"] = "Migrant or migrant-led organisation"
    if all(counts[("group", group)].hidden for group in labels):
        # Nothing but symbols: one line for them all, no chart.
        assert "Each stakeholder group</th>" in section and "<svg" not in section
    else:
        for group, label in labels.items():
            shown = escape(counts[("group", group)].text)
            assert f'{label}</th><td class="n"><bdi dir="ltr">{shown}</bdi>' in section


def test_the_published_report_is_a_public_page(client, runtime):
    assert client.get("/en/reviews/escwa/report").status_code == 404
    with write_session(runtime.engine) as session:
        review = session.get_one(RegionalReview, "escwa")
        review.report_published_at = NOW
        session.add(review)
    publish_pledge(runtime, "inreport")
    page = text(client.get("/fr/reviews/escwa/report"))
    assert gettext("fr", "Summary report: %(region)s", region=gettext("fr", "Arab region")) in page
    assert "Ministry inreport" in page
    assert 'href="/fr/reviews/escwa/report"' in text(client.get("/fr/reviews/escwa"))


def test_unknown_review_is_404(client):
    assert client.get("/en/reviews/unknown").status_code == 404


# --- open data and feeds ---------------------------------------------------------------------


def test_open_data_csv_has_the_documented_columns_and_licence(client, runtime):
    publish_pledge(runtime, "=cmd|evil", organisation="=HYPERLINK(1)")
    response = client.get("/open-data/pledges.csv?lang=fr")
    assert response.mimetype == "text/csv"
    assert 'rel="license"' in response.headers["Link"]
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert list(rows[0]) == [
        "id", "url", "review", "review_name", "organisation", "stakeholder_group",
        "stakeholder_group_name", "country", "country_name", "title", "text", "objectives",
        "objective_names", "language", "published_at", "licence",
    ]  # fmt: skip
    row = rows[0]
    assert row["licence"] == "CC-BY-4.0"
    assert row["organisation"] == "'=HYPERLINK(1)"  # no spreadsheet runs it
    assert row["country"] == "JO" and row["country_name"] == "Jordanie"
    assert row["objectives"] == "3;16"
    assert row["url"].endswith(f"/fr/pledges/{row['id']}")


def test_open_data_json_is_the_pages_rows(client, runtime):
    publish_pledge(runtime, "one", country="LB")
    publish_pledge(runtime, "two", country="JO")
    document = json.loads(client.get("/open-data/pledges.json?country=LB").get_data())
    assert document["licence"] == "CC-BY-4.0"
    assert document["count"] == 1
    (item,) = document["items"]
    assert item["title"] == "Pledge one for migrants" and item["objectives"] == [3, 16]
    practices = json.loads(client.get("/open-data/practices.json").get_data())
    assert practices["count"] == 0 and practices["items"] == []
    page = text(client.get("/en/pledges?country=LB"))
    assert 'href="/open-data/pledges.csv?country=LB"' in page


def test_atom_feed_is_valid_xml_with_the_newest_items(client, runtime):
    publish_pledge(runtime, "old", hours_ago=5)
    new = publish_pledge(runtime, "new", hours_ago=1)
    _set_title(runtime, new, "Pledge new\x07bell")  # a control character XML cannot hold
    publish_practice(runtime, "practised")
    response = client.get("/ru/reviews/escwa/feed.atom")
    assert response.mimetype == "application/atom+xml"
    feed = ET.fromstring(response.get_data())
    entries = feed.findall(f"{ATOM}entry")
    titles = [e.findtext(f"{ATOM}title") for e in entries]
    assert titles[0] == "Practice practised in border towns"
    assert titles.index("Pledge newbell") < titles.index("Pledge old for migrants")
    assert feed.findtext(f"{ATOM}title").startswith("Недавно опубликованные")
    assert all(e.findtext(f"{ATOM}id").startswith("http://localhost/ru/") for e in entries)


@pytest.mark.parametrize(
    ("query", "shown", "hidden"),
    [
        ("?country=NE", ["sahel"], ["levant"]),
        ("?country=LB", ["levant"], ["sahel"]),
        ("?objective=9", ["sahel"], ["levant"]),
        ("?q=levant", ["levant"], ["sahel"]),
        ("?group=youth", [], ["levant", "sahel"]),  # practices have no stakeholder group
    ],
)
def test_practices_filters_read_their_lists(client, runtime, query, shown, hidden):
    publish_practice(runtime, "levant")
    publish_practice(runtime, "sahel", countries=["NE", "TD"], objectives=["9"])
    page = text(client.get("/en/practices" + query)).split('id="list"', 1)[1]
    for marker in shown:
        assert f"Practice {marker} in border towns" in page, (query, marker)
    for marker in hidden:
        assert f"Practice {marker} in border towns" not in page, (query, marker)


def test_participation_too_small_to_split_is_one_line(client, runtime):
    for n, group in enumerate(["youth", "youth", "migrant", "diaspora", "academia", "media"]):
        runtime.service.submit_input(
            input_answers(stakeholder_group=group), channel="web", message_id=f"s{n}", locale="en"
        )
    page = text(client.get("/en/reviews/escwa"))
    section = page.split("Participation so far", 1)[1].split("</table>", 1)[0]
    assert '<th scope="row">Each stakeholder group</th>' in section
    assert "Youth" not in section and "<svg" not in section
