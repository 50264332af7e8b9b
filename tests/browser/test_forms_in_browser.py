"""A person's path through the forms, in Debian's Chromium, against a real server."""

from __future__ import annotations

import os
import re
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from intake_api.i18n import gettext
from tests.browser.conftest import axe_violations
from tests.factories import text_for
from tests.processes import clean_env as _clean_env

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
# Set INTAKE_SCREENSHOTS_DIR=docs/screenshots (relative to the repository) to refresh the README's pictures.
SCREENSHOTS = (
    ROOT / os.environ["INTAKE_SCREENSHOTS_DIR"]
    if os.environ.get("INTAKE_SCREENSHOTS_DIR")
    else None
)


def _stored(live_server, receipt: str) -> tuple:
    with sqlite3.connect(live_server.database) as connection:
        return connection.execute(
            "SELECT review_slug, stakeholder_group, theme, text, locale FROM submission WHERE receipt = ?",
            (receipt,),
        ).fetchone()


def _fill_input(page, locale: str, text: str) -> None:
    page.check("#field-review-escwa")
    page.select_option("#field-stakeholder_group", "youth")
    page.select_option("#field-country", "JO")
    page.check("#field-theme-cooperation")
    page.check("#field-objectives-5")
    page.fill("#field-text", text)
    page.check("#field-consent_store")


@pytest.mark.parametrize("locale", ["en", "ar"])
def test_submit_an_input_and_get_a_receipt(live_server, page, locale):
    page.goto(f"{live_server.url}/{locale}/inputs/new")
    assert page.get_attribute("html", "dir") == ("rtl" if locale == "ar" else "ltr")
    _fill_input(page, locale, text_for(locale))
    page.click("button[type=submit]")

    page.wait_for_url(re.compile(rf"/{locale}/inputs/IN-"))
    receipt = page.url.rsplit("/", 1)[1]
    assert page.get_attribute("html", "lang") == locale
    assert page.get_attribute("html", "dir") == ("rtl" if locale == "ar" else "ltr")
    assert gettext(locale, "Thank you") in page.inner_text("h1")
    assert receipt in page.inner_text(".receipt-code")
    assert _stored(live_server, receipt) == (
        "escwa",
        "youth",
        "cooperation",
        text_for(locale),
        locale,
    )


def test_errors_keep_what_was_typed(live_server, page):
    page.goto(f"{live_server.url}/en/inputs/new")
    page.check("#field-review-eclac")
    page.check("#field-objectives-7")
    page.fill("#field-text", "Too short")
    page.fill("#field-contact_email", "not an address")
    page.click("button[type=submit]")

    summary = page.locator(".error-summary")
    assert summary.is_visible()
    assert "Please write at least 10 characters" in summary.inner_text()
    assert page.input_value("#field-text") == "Too short"
    assert page.input_value("#field-contact_email") == "not an address"
    assert page.is_checked("#field-review-eclac") and page.is_checked("#field-objectives-7")
    page.click(".error-summary a[href='#field-text']")
    assert page.evaluate("document.activeElement.id") == "field-text"

    page.fill("#field-text", "Now a long enough input about labour migration.")
    page.fill("#field-contact_email", "")
    page.select_option("#field-stakeholder_group", "trade_union")
    page.check("#field-theme-governance")
    page.check("#field-consent_store")
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r"/en/inputs/IN-"))


def test_register_with_travel_support(live_server, page):
    page.goto(f"{live_server.url}/en/reviews/eca/register")
    page.fill("#field-name", "Amina Diallo")
    page.select_option("#field-stakeholder_group", "youth")
    page.select_option("#field-country", "SN")
    page.fill("#field-contact_email", "amina@example.org")
    page.check("#field-attendance_mode-in_person")
    page.check("#field-travel_support")
    page.fill("#field-travel_reason", "Our youth network in Senegal has no budget for travel.")
    page.check("#field-consent_store")
    page.click("button[type=submit]")

    page.wait_for_url(re.compile(r"/en/reviews/eca/registrations/RG-"))
    receipt = page.url.rsplit("/", 1)[1]
    with sqlite3.connect(live_server.database) as connection:
        row = connection.execute(
            "SELECT review_slug, travel_support, country FROM registration WHERE receipt = ?",
            (receipt,),
        ).fetchone()
    assert row == ("eca", 1, "SN")


def test_switch_language_mid_way(live_server, page):
    page.goto(f"{live_server.url}/en/inputs/new?review=unece")
    page.click("nav a[hreflang=fr]")
    page.wait_for_url(re.compile(r"/fr/inputs/new\?review=unece"))
    assert page.get_attribute("html", "lang") == "fr"
    assert page.is_checked("#field-review-unece")
    assert gettext("fr", "Share your input") in page.inner_text("h1")


def test_keyboard_only(live_server, page):
    """Tab reaches the first question after the skip link; focus is visible."""
    page.goto(f"{live_server.url}/en/inputs/new")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "skip-link"
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline != "none"


def test_phone_width_has_no_horizontal_scroll(live_server, phone):
    for path in ("/en/inputs/new", "/ar/inputs/new", "/en/reviews/eca/register"):
        phone.goto(live_server.url + path)
        assert phone.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1"), path


PUBLIC_PAGES = [
    "/",
    "/{}/",
    "/{}/inputs/new",
    "/{}/pledges/new",
    "/{}/practices/new",
    "/{}/reviews/eca/register",
    "/{}/my-input",
    "/{}/no-such-page",
]


@pytest.mark.parametrize("locale", ["en", "ar"])
@pytest.mark.parametrize("path", PUBLIC_PAGES)
def test_no_serious_accessibility_violations(live_server, page, locale, path):
    page.goto(live_server.url + path.format(locale))
    assert axe_violations(page) == []


@pytest.mark.parametrize("locale", ["en", "ar"])
def test_no_serious_accessibility_violations_with_errors_and_on_receipt(live_server, page, locale):
    page.goto(f"{live_server.url}/{locale}/inputs/new")
    page.click("button[type=submit]")
    page.wait_for_selector(".error-summary")
    assert axe_violations(page) == []
    _fill_input(page, locale, text_for(locale))
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r"/inputs/IN-"))
    assert axe_violations(page) == []


@pytest.mark.parametrize("locale", ["en", "ar"])
def test_see_stop_quotes_and_erase_with_the_access_code(live_server, page, locale):
    """The whole path a contributor takes: send, note both codes, come back, change their mind."""
    page.goto(f"{live_server.url}/{locale}/inputs/new")
    _fill_input(page, locale, "Call me on +962 7 9555 0147, the agency kept my contract.")
    page.check("#field-age_group-25_34")  # a quote is kept only with an adult's age group
    page.check("#field-consent_quote")
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r"/inputs/IN-"))
    receipt = page.url.rsplit("/", 1)[1]
    code = page.inner_text(".access-code")
    assert axe_violations(page) == []
    page.click(f"a[href$='/{locale}/my-input']")

    page.fill("#field-receipt", receipt.lower())
    page.fill("#field-access_code", code)
    page.click("button[value=open]")
    assert "+962 7 9555 0147" in page.inner_text(".my-text")  # the author sees their own words
    assert axe_violations(page) == []
    page.click("button[value=stop_quote]")
    assert gettext(
        locale, "Done. We will not quote this input in any report or digest."
    ) in page.inner_text("main")
    page.click("button[value=erase]")
    page.click("button[value=erase_confirmed]")
    assert gettext(locale, "Erase what you sent?") not in page.inner_text("main")
    with sqlite3.connect(live_server.database) as connection:
        assert connection.execute(
            "SELECT count(*) FROM submission WHERE receipt = ?", (receipt,)
        ).fetchone() == (0,)


FORMS = {
    "input": "/{}/inputs/new?review=escwa",
    "pledge": "/{}/pledges/new",
    "practice": "/{}/practices/new",
    "registration": "/{}/reviews/escwa/register",
}


def _screenshot(page, tmp_path: Path, name: str) -> Path:  # type: ignore[no-untyped-def]
    target = (SCREENSHOTS or tmp_path) / f"{name}.png"
    target.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(target), full_page=True)
    assert target.stat().st_size > 10_000
    return target


@pytest.mark.parametrize("locale", ["en", "ar", "zh"])
@pytest.mark.parametrize("form", FORMS)
def test_screenshot_of_each_form(live_server, page, tmp_path, locale, form):
    page.goto(live_server.url + FORMS[form].format(locale))
    _screenshot(page, tmp_path, f"{form}-{locale}")


@pytest.mark.parametrize("locale", ["ar", "zh"])
def test_screenshot_of_the_receipt(live_server, page, tmp_path, locale):
    """The receipt page: the codes read left to right, in their monospace font, inside a
    page that reads in the contributor's direction."""
    page.goto(f"{live_server.url}/{locale}/inputs/new")
    _fill_input(page, locale, text_for(locale))
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(rf"/{locale}/inputs/IN-"))
    code = page.locator(".receipt-code").first
    assert code.evaluate("e => getComputedStyle(e).direction") == "ltr"
    assert "monospace" in code.evaluate("e => getComputedStyle(e).fontFamily")
    _screenshot(page, tmp_path, f"receipt-{locale}")


@pytest.mark.parametrize("locale", ["ar", "zh"])
def test_screenshot_of_the_report(page, tmp_path, locale):
    """The HTML report on demo data, as a reader opens it: Arabic right to left, with the
    chart's labels starting on the right and counts such as "<5" read left to right."""
    env = _clean_env(INTAKE_SECRET_KEY="test-secret-key-not-for-production")
    target = tmp_path / f"report-{locale}.html"
    for command in (
        ["demo", "--count", "200"],
        ["report", "escwa", "--format", "html", "--locale", locale, "-o", str(target)],
    ):
        result = subprocess.run(
            [sys.executable, "-m", "intake_api.cli", *command],
            cwd=tmp_path,
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert result.returncode == 0, result.stderr
    page.goto(target.as_uri())
    assert page.get_attribute("html", "dir") == ("rtl" if locale == "ar" else "ltr")
    count = page.locator("td.n bdi").first  # "<5", not "5>"
    assert count.evaluate(
        "e => [getComputedStyle(e).unicodeBidi, getComputedStyle(e).direction]"
    ) == [
        "isolate",
        "ltr",
    ]
    if locale == "ar":
        label = page.locator("svg text[direction=rtl]").first
        assert label.evaluate("e => getComputedStyle(e).direction") == "rtl"
    _screenshot(page, tmp_path, f"report-{locale}")
