"""Nothing that is not public ever leaves through the Hub.

Items consented but unpublished, published then withdrawn, published without consent,
and an input that may not be quoted each carry a marker word; no page, search result,
CSV, JSON or Atom feed, in any language, may show one, nor an e-mail address or a
receipt code. The published item's marker must show, so the search is not blind.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from intake_api.i18n import LOCALES
from tests.intake_api.hub.conftest import CONTACT, Planted
from tests.intake_api.hub.routes import hub_urls

EMAIL = re.compile(r"[\w.+-]+@[\w-]+(\.[\w-]+)+")


def _values(planted: Planted):  # type: ignore[no-untyped-def]
    def values(endpoint: str) -> dict:
        return {
            "slug": ["escwa", "eca"],
            "item_id": [
                planted.public_pledge,
                planted.public_practice,
                *planted.hidden_ids["pledge"],
                *planted.hidden_ids["practice"],
            ],
        }

    return values


def _queries(planted: Planted) -> list[str]:
    """Searches and filters a reader might try, for each marker."""
    words = [*planted.secret_markers, *planted.public_markers]
    return [
        *(f"?q={word}" for word in words),
        *(f"?q={word}&language=en" for word in words),
        "?q=information+centres",
        "?q=Ministry",
        "?q=border+communities",
        "?q=Association",
        "?country=JO",
        "?country=LB&objective=4",
        "?group=government",
        "?review=escwa&language=en",
        "?objective=16&page=2",
    ]


def _everything(app, planted: Planted) -> Iterator[tuple[str, str]]:  # type: ignore[no-untyped-def]
    client = app.test_client()
    queries = ["", *_queries(planted)]
    for endpoint, url in hub_urls(app, _values(planted)):
        listing = endpoint in ("hub.pledges", "hub.practices", "hub.open_data", "hub.review_feed")
        for query in queries if listing else [""]:
            response = client.get(url + query)
            assert response.status_code in (200, 404), (url + query, response.status_code)
            yield url + query, _without_echo(response.get_data(as_text=True), query)


def _without_echo(body: str, query: str) -> str:
    """The page without the reader's own search given back (the search box, the links that
    keep the filters): what it shows of the store."""
    typed = re.search(r"q=([^&]*)", query)
    if not typed:
        return body
    word = typed.group(1)
    return re.sub(rf'(q=|value="){re.escape(word)}', r"\1", body)


def test_nothing_but_public_items_in_any_page_file_or_feed(app, planted):
    seen_public = set()
    count = 0
    for url, body in _everything(app, planted):
        count += 1
        lowered = body.lower()
        for marker in planted.secret_markers:
            assert marker not in lowered, (url, marker)
        for receipt in planted.receipts:
            assert receipt not in body, (url, receipt)
            assert receipt.replace("-", "") not in body, (url, receipt)
        assert CONTACT not in body, url
        assert not EMAIL.search(body), (url, EMAIL.search(body))
        seen_public |= {m for m in planted.public_markers if m in lowered}
    assert count > 7 * 8
    assert seen_public == set(planted.public_markers)


def test_a_withdrawal_takes_the_item_off_every_output(app, planted, runtime):
    client = app.test_client()
    pledge_url = f"/en/pledges/{planted.public_pledge}"
    assert client.get(pledge_url).status_code == 200
    receipt = planted.receipts[0]  # the public pledge, planted first
    assert runtime.consent.withdraw(receipt=receipt, consent="publish", channel="web", actor="t")
    assert client.get(pledge_url).status_code == 404
    for locale in LOCALES:
        for url in (
            f"/{locale}/pledges",
            f"/{locale}/reviews/escwa",
            f"/{locale}/reviews/escwa/feed.atom",
            f"/{locale}/reviews/escwa/report",
        ):
            assert "publicwordp" not in client.get(url).get_data(as_text=True).lower(), url
    for url in ("/open-data/pledges.csv", "/open-data/pledges.json"):
        assert "publicwordp" not in client.get(url).get_data(as_text=True).lower()
