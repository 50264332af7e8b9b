"""One caching policy for every public Hub route: ETag, public max-age, 304, no cookie."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from models.pledge import Pledge
from tests.intake_api.hub.conftest import Planted, _pledge, _set
from tests.intake_api.hub.routes import hub_urls


def public_values(planted: Planted):  # type: ignore[no-untyped-def]
    """Arguments that find something public: the published items, the review whose report
    is published."""

    def values(endpoint: str) -> dict:
        item = planted.public_practice if endpoint == "hub.practice" else planted.public_pledge
        return {"slug": "escwa", "item_id": item}

    return values


def test_every_public_route_is_cacheable_and_cookieless(app, planted):
    client = app.test_client()
    urls = list(hub_urls(app, public_values(planted)))
    assert len(urls) >= 7 * 7 + 4
    for _endpoint, url in urls:
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
        assert response.headers["Cache-Control"] == "public, max-age=60", url
        etag = response.headers.get("ETag")
        assert etag, url
        assert "Set-Cookie" not in response.headers, url
        again = client.get(url, headers={"If-None-Match": etag})
        assert again.status_code == 304, url
        assert again.get_data() == b""
        assert "Set-Cookie" not in again.headers, url
        assert client.head(url).status_code == 200, url
        assert client.get(url, headers={"If-None-Match": '"other"'}).status_code == 200


def test_no_public_route_answers_other_than_200_or_404(app, planted):
    """Unknown ids and slugs, ids of the other kind and of hidden items: 404, cacheable."""
    client = app.test_client()

    def values(endpoint: str) -> dict:
        return {
            "slug": ["nowhere", "ESCWA", "eca"],
            "item_id": [0, 999_999, 2**40, *planted.hidden_ids["pledge"]],
        }

    for _endpoint, url in hub_urls(app, values):
        response = client.get(url)
        assert response.status_code in (200, 404), (url, response.status_code)
        assert response.headers["Cache-Control"] == "public, max-age=60", url
        assert "ETag" in response.headers
        assert "Set-Cookie" not in response.headers, url


@pytest.mark.parametrize(
    "url",
    [
        "/en/pledges/999999",
        "/fr/practices/999999",
        "/ar/reviews/nowhere",
        "/en/reviews/nowhere/feed.atom",
        "/en/reviews/eca/report",
        "/en/pledges/99999999999999999999999",
    ],
)
def test_not_found_is_a_translated_404(client, planted, url):
    response = client.get(url)
    assert response.status_code == 404
    assert response.mimetype == "text/html"
    locale = url.split("/")[1]
    from intake_api.i18n import gettext

    assert gettext(locale, "Page not found") in response.get_data(as_text=True)


def test_a_newly_published_item_changes_the_etag(client, planted, runtime):
    first = client.get("/en/pledges").headers["ETag"]
    receipt = runtime.service.submit(
        "pledge", _pledge("anotherword"), channel="web", message_id="later", locale="en"
    ).code
    _set(runtime.engine, Pledge, receipt, published_at=datetime.now(UTC))
    second = client.get("/en/pledges", headers={"If-None-Match": first})
    assert second.status_code == 200
    assert second.headers["ETag"] != first
    assert "Pledge anotherword for migrants" in second.get_data(as_text=True)


@pytest.mark.parametrize("method", ["POST", "PUT", "DELETE"])
def test_public_pages_take_no_state_changing_method(client, planted, method):
    assert client.open("/en/pledges", method=method).status_code == 405
