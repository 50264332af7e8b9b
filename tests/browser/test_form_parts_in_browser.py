"""The input form on a phone: the core questions alone give a receipt; an official title opens with a tap."""

from __future__ import annotations

import re
import sqlite3

import pytest

from intake_api.i18n import gettext
from intake_api.questionnaire import THEME_CHOICES
from intake_api.web.forms import PROFILE_TITLE
from tests.factories import text_for

pytestmark = pytest.mark.slow


@pytest.mark.parametrize("locale", ["en", "ar"])
def test_only_the_core_fields_on_a_phone_give_a_receipt(live_server, phone, locale):
    phone.goto(f"{live_server.url}/{locale}/inputs/new")
    profile = phone.locator("section.profile")
    assert gettext(locale, PROFILE_TITLE) in profile.locator("h2").inner_text()
    # Everything the input needs is above the optional part: a person can stop scrolling there.
    consent = phone.locator("#field-consent_store").bounding_box()
    assert consent and consent["y"] < (profile.bounding_box() or {"y": 0})["y"]

    phone.fill("#field-text", text_for(locale))
    phone.tap("label[for='field-review-escwa']")
    phone.tap("label[for='field-consent_store']")
    phone.tap("button[type=submit]")

    phone.wait_for_url(re.compile(rf"/{locale}/inputs/IN-"))
    receipt = phone.url.rsplit("/", 1)[1]
    assert receipt in phone.inner_text(".receipt-code")
    with sqlite3.connect(live_server.database) as connection:
        stored = connection.execute(
            "SELECT review_slug, stakeholder_group, theme, age_group, text FROM submission"
            " WHERE receipt = ?",
            (receipt,),
        ).fetchone()
    assert stored == ("escwa", None, None, None, text_for(locale))


def test_an_official_title_opens_with_a_tap_and_ticks_nothing(live_server, phone):
    phone.goto(f"{live_server.url}/fr/inputs/new")
    choice = THEME_CHOICES[0]
    row = phone.locator(".choice", has=phone.locator("#field-theme"))
    official = row.locator("details.official")
    title = gettext("fr", choice.label)
    assert row.locator("label").inner_text().strip() == gettext("fr", choice.plain or "")
    assert not official.locator("p").is_visible()

    official.locator("summary").tap()
    assert official.get_attribute("open") is not None
    assert official.locator("p").is_visible() and official.locator("p").inner_text() == title
    assert not phone.is_checked("#field-theme")  # opening the title chooses nothing
    assert phone.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
