"""The public Hub in Debian's Chromium: accessible, right to left in Arabic, usable
without JavaScript, against a real server on demo data with published items."""

from __future__ import annotations

import os
import re
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from intake_api.i18n import gettext
from tests.browser.conftest import LiveServer, axe_violations
from tests.processes import clean_env, free_port, wait_for

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = (
    ROOT / os.environ["INTAKE_SCREENSHOTS_DIR"]
    if os.environ.get("INTAKE_SCREENSHOTS_DIR")
    else None
)
# The pledging countries of the demo's pledges, by review (the demo's pledges name none).
COUNTRIES = {"eca": "KE", "eclac": "CO", "escap": "PH", "escwa": "JO", "unece": "DE"}
PAGES = {"dashboard": "/{}/pledges", "review": "/{}/reviews/escwa"}


def _publish_demo_items(database: Path) -> None:
    """Publish most of the demo's pledges and practices, as staff would in Slack."""
    now = datetime.now(UTC)
    with sqlite3.connect(database) as connection:
        for table in ("pledge", "practice"):
            ids = [row[0] for row in connection.execute(f"SELECT id FROM {table}")]  # noqa: S608
            for n, item_id in enumerate(ids):
                if n % 4 == 3:
                    continue  # a realistic share stays unpublished
                connection.execute(
                    f"UPDATE {table} SET consent_publish = 1, published_at = ? WHERE id = ?",  # noqa: S608
                    ((now - timedelta(hours=n)).isoformat(" "), item_id),
                )
        for slug, country in COUNTRIES.items():
            connection.execute(
                "UPDATE pledge SET country = ? WHERE review_slug = ?", (country, slug)
            )


@pytest.fixture(scope="module")
def hub_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    directory = tmp_path_factory.mktemp("hub")
    env = clean_env(INTAKE_SECRET_KEY="test-secret-key-not-for-production")
    result = subprocess.run(
        [sys.executable, "-m", "intake_api.cli", "demo", "--count", "120"],
        cwd=directory,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    server = LiveServer("", directory)
    _publish_demo_items(server.database)
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "intake_api.cli", "serve", "--port", str(port)],
        cwd=directory,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        wait_for(f"http://127.0.0.1:{port}/healthz", process)
        yield LiveServer(f"http://127.0.0.1:{port}", directory)
    finally:
        process.terminate()
        process.communicate(timeout=20)


@pytest.fixture
def no_script(chromium):  # type: ignore[no-untyped-def]
    context = chromium.new_context(
        viewport={"width": 1024, "height": 900}, java_script_enabled=False
    )
    page = context.new_page()
    yield page
    context.close()


@pytest.mark.parametrize("locale", ["en", "ar"])
@pytest.mark.parametrize("name", PAGES)
def test_no_serious_accessibility_violations(hub_server, page, locale, name):
    page.goto(hub_server.url + PAGES[name].format(locale))
    assert page.get_attribute("html", "dir") == ("rtl" if locale == "ar" else "ltr")
    assert axe_violations(page) == []


@pytest.mark.parametrize("locale", ["en", "ar"])
@pytest.mark.parametrize("name", PAGES)
def test_screenshot(hub_server, no_script, tmp_path, locale, name):
    """Without JavaScript, as every reader may see it: the figures are there."""
    no_script.goto(hub_server.url + PAGES[name].format(locale))
    assert no_script.locator("main table").count() >= 1  # the numbers, charted or not
    target = (SCREENSHOTS or tmp_path) / f"hub-{name}-{locale}.png"
    target.parent.mkdir(parents=True, exist_ok=True)
    no_script.screenshot(path=str(target), full_page=True)
    assert target.stat().st_size > 10_000


@pytest.mark.parametrize("locale", ["en", "ar"])
def test_filter_and_follow_a_pledge_without_javascript(hub_server, no_script, locale):
    no_script.goto(f"{hub_server.url}/{locale}/pledges")
    no_script.select_option("#filter-country", "JO")
    no_script.click("form.filters button[type=submit]")
    assert "country=JO" in no_script.url
    items = no_script.locator("ol.items li")
    assert items.count() >= 1
    items.first.locator("a").click()
    assert "/pledges/" in no_script.url
    assert no_script.locator("h1").count() == 1
    jordan = gettext(locale, "Jordan") if locale == "en" else "الأردن"
    assert jordan in no_script.locator("main").inner_text()


def test_arabic_chart_reads_right_to_left_and_counts_left_to_right(hub_server, page):
    page.goto(f"{hub_server.url}/ar/pledges")
    label = page.locator("svg text[direction=rtl]").first
    assert label.evaluate("e => getComputedStyle(e).direction") == "rtl"
    count = page.locator("td.n bdi").first
    assert count.evaluate("e => getComputedStyle(e).direction") == "ltr"


@pytest.mark.parametrize("locale", ["en", "ar"])
def test_the_dashboards_map_loads_as_an_image_of_the_pledging_countries(hub_server, page, locale):
    page.goto(f"{hub_server.url}/{locale}/pledges")
    image = page.locator(".world-map img")
    image.scroll_into_view_if_needed()
    page.wait_for_function("() => document.querySelector('.world-map img').complete")
    assert image.evaluate("e => e.naturalWidth") > 1000  # drawn, under the site's CSP
    assert gettext(locale, "Pledges by country") in (image.get_attribute("alt") or "")
    answer = page.request.get(hub_server.url + (image.get_attribute("src") or ""))
    assert answer.headers["content-type"].startswith("image/svg+xml")
    shaded = set(re.findall(r'data-country="([A-Z]{2})"', answer.text()))
    assert shaded and shaded <= set(COUNTRIES.values())
