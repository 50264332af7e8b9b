"""The Hub's pages, files and feeds keep hostile strings as text, each in its own format.

The same hostile strings as every other output (``policies/hostile.py``) are planted in
the free-text fields of a published pledge and practice; every Hub route from the URL map,
in every language, is read back with a real parser: html.parser for pages, the csv module
for CSV (no cell a spreadsheet would run), ``json`` for JSON, an XML parser for Atom.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from html.parser import HTMLParser

from intake_api.policies.publication import public_text
from models.pledge import Pledge
from models.practice import Practice
from tests.intake_api.hub.conftest import _set
from tests.intake_api.hub.routes import hub_urls
from tests.intake_api.hub.test_pages import publish_pledge, publish_practice
from tests.intake_api.policies.hostile import HOSTILE, check_csv, flat
from tests.intake_api.policies.hostile import _Html as ActiveParts

ATOM = "{http://www.w3.org/2005/Atom}"
# A page's own chrome: its style sheet, feed and licence links, the filter form (GET, here),
# and the dashboard's map (an image from the Hub's own address).
CHROME = {
    "link": ("rel", {"stylesheet", "alternate", "icon", "license", "canonical"}),
    "form": ("method", {"get"}),
}

OWN = ("/", "http://localhost/")  # the app's own paths (the test client's host)


class _Chrome(HTMLParser):
    """The page's links and forms that are not its own chrome (a planted tag would be one)."""

    def __init__(self) -> None:
        super().__init__()
        self.foreign: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "img":  # the dashboard's map, an image of the Hub's own
            if not (dict(attrs).get("src") or "").startswith(OWN):
                self.foreign.append(f"<img {dict(attrs)}>")
        if tag in CHROME:
            name, allowed = CHROME[tag]
            given = dict(attrs)
            where = given.get("href") or given.get("action") or ""
            if (given.get(name) or "").lower() not in allowed or not where.startswith(OWN):
                self.foreign.append(f"<{tag} {given}>")


def check_page(document: str) -> str:
    """No script, handler or javascript: URL, no link, form or image but the page's own; its text."""
    active, chrome = ActiveParts(), _Chrome()
    for parser in (active, chrome):
        parser.feed(document)
        parser.close()
    own = ("<link>", "<form>", "<img>")  # checked as the page's own by _Chrome
    assert [p for p in active.problems if p not in own] == [], active.problems[:5]
    assert chrome.foreign == [], chrome.foreign[:5]
    return flat(" ".join(active.text))


SVG = "{http://www.w3.org/2000/svg}"
SVG_PARTS = {
    f"{SVG}{name}" for name in ("svg", "title", "desc", "g", "path", "circle", "rect", "text")
}


def check_svg(document: str) -> None:
    """An image (the dashboard's map): well-formed, drawing elements only, no handler, no link."""
    image = ET.fromstring(document)
    for element in image.iter():
        assert element.tag in SVG_PARTS, element.tag
        assert not [a for a in element.attrib if a.lower().startswith("on") or "href" in a]


def _plant(runtime) -> tuple[int, int]:  # type: ignore[no-untyped-def]
    """A published pledge and practice carrying every hostile string in their free text."""
    pledge, practice = publish_pledge(runtime, "hostilep"), publish_practice(runtime, "hostiler")
    # NUL cannot be stored by PostgreSQL (intake drops it); every other character is kept.
    joined = "\n".join(HOSTILE).replace("\x00", "")
    with_pledge = dict(title=HOSTILE[7], organisation=HOSTILE[0], text=joined)
    with_practice = dict(title=HOSTILE[9], organisation=HOSTILE[10], partners=HOSTILE[1],
                         description=joined)  # fmt: skip
    for model, item_id, values in (
        (Pledge, pledge, with_pledge),
        (Practice, practice, with_practice),
    ):
        receipt = _receipt(runtime, model, item_id)
        _set(runtime.engine, model, receipt, **values)
    return pledge, practice


def _receipt(runtime, model, item_id: int) -> str:  # type: ignore[no-untyped-def]
    from sqlmodel import Session

    with Session(runtime.engine) as session:
        return session.get_one(model, item_id).receipt


def test_hostile_strings_stay_text_in_every_hub_page_file_and_feed(app, runtime):
    pledge, practice = _plant(runtime)
    client = app.test_client()
    seen_on_item_pages = ""
    values = {"slug": ["escwa"], "item_id": [pledge, practice]}
    for endpoint, url in hub_urls(app, lambda _endpoint: values):
        response = client.get(url)
        assert response.status_code in (200, 404), (url, response.status_code)
        body = response.get_data(as_text=True)
        if response.mimetype == "text/html":
            shown = check_page(body)
            if endpoint in ("hub.pledge", "hub.practice"):
                seen_on_item_pages += " " + shown
        elif response.mimetype == "text/csv":
            check_csv(body.lstrip("\ufeff"))
        elif response.mimetype == "application/json":
            json.loads(body)
        elif response.mimetype == "image/svg+xml":
            check_svg(body)
        else:
            assert response.mimetype == "application/atom+xml", (url, response.mimetype)
            feed = ET.fromstring(body)
            assert not [e for e in feed.iter() if not e.tag.startswith(ATOM)], url
    for text in HOSTILE:  # each shown as written (redaction aside), never run
        assert flat(public_text(text)) in seen_on_item_pages, text
