"""Headers, limits and error pages: safe by default, translated, never a traceback."""

from __future__ import annotations

from dataclasses import replace

import pytest

from intake_api.app import create_app
from intake_api.i18n import gettext
from intake_api.settings import Settings
from tests.factories import input_answers
from tests.web_helpers import hidden_fields


def test_security_headers_on_every_page(client):
    response = client.get("/en/inputs/new")
    csp = response.headers["Content-Security-Policy"]
    assert "unsafe-inline" not in csp and "frame-ancestors 'none'" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert response.headers["Cache-Control"] == "no-store"
    assert "Strict-Transport-Security" not in response.headers


def test_hsts_over_https(client):
    response = client.get("/en/", base_url="https://intake.example.org")
    assert response.headers["Strict-Transport-Security"].startswith("max-age=")


def test_no_third_party_resources(client):
    page = client.get("/en/inputs/new").get_data(as_text=True)
    assert "http://" not in page.replace('href="http://localhost', "")
    assert "https://" not in page


@pytest.mark.parametrize("locale", ["en", "ar"])
def test_404_is_translated(client, locale):
    response = client.get(f"/{locale}/no/such/page")
    assert response.status_code == 404
    assert gettext(locale, "Page not found") in response.get_data(as_text=True)


def test_oversized_request_gets_a_translated_413(client):
    response = client.post("/fr/inputs/new", data={"text": "x" * 400_000})
    assert response.status_code == 413
    assert gettext("fr", "What you sent is too large") in response.get_data(as_text=True)


def test_405_page(client):
    assert client.delete("/en/inputs/new").status_code == 405


def test_rate_limit_gives_a_translated_429(client):
    codes = [client.post("/es/inputs/new", data={}).status_code for _ in range(25)]
    assert 429 in codes
    response = client.post("/es/inputs/new", data={})
    assert response.status_code == 429
    assert gettext("es", "Too many attempts") in response.get_data(as_text=True)


def test_unexpected_error_gives_a_polite_500_without_traceback(app, client):
    @app.get("/boom")
    def boom():
        raise RuntimeError("secret internals")

    response = client.get("/boom", headers={"Accept-Language": "ar"})
    page = response.get_data(as_text=True)
    assert response.status_code == 500
    assert "secret internals" not in page and "Traceback" not in page
    assert gettext("ar", "Something went wrong on our side") in page


def test_nothing_a_user_sends_gives_a_500(client):
    page = client.get("/en/inputs/new").get_data(as_text=True)
    hostile = [
        {"text": "\x00\x01", "objectives": ["-1", "1e9", "🙂"], "country": "<script>"},
        {"review": ["eca", "escwa"], "consent_store": ["on", "off"], "submission_key": "../../etc"},
        {"age_group": "x" * 10_000},
        {"contact_email": "a@" + "b" * 300 + ".org"},
    ]
    for data in hostile:
        response = client.post(
            "/en/inputs/new", data={**hidden_fields(page), **input_answers(), **data}
        )
        assert response.status_code < 500, data


def test_proxy_fix_uses_the_forwarded_client_address(tmp_path):
    app = create_app(
        Settings(
            instance_path=tmp_path,
            secret_key="k",
            proxy_hops=1,
            database_url=f"sqlite:///{tmp_path}/x.db",
        )
    )
    seen = []

    @app.get("/whoami")
    def whoami():
        from flask import request

        seen.append(request.remote_addr)
        return "ok"

    app.test_client().get("/whoami", headers={"X-Forwarded-For": "203.0.113.9"})
    assert seen == ["203.0.113.9"]


def test_rate_limit_can_be_switched_off_for_load_tests(runtime):
    off = runtime.settings.model_copy(update={"ratelimit_enabled": False})
    client = create_app(runtime=replace(runtime, settings=off)).test_client()
    assert 429 not in [client.post("/es/inputs/new", data={}).status_code for _ in range(25)]
    # The limiter is one per process: the next app built with limits on has them again.
    client = create_app(runtime=runtime).test_client()
    assert 429 in [client.post("/es/inputs/new", data={}).status_code for _ in range(25)]


def test_forms_still_work_and_are_limited_while_redis_is_down(runtime):
    """A Redis outage during a burst must not turn every form into a 500."""
    down = runtime.settings.model_copy(update={"ratelimit_storage_url": "redis://127.0.0.1:1/0"})
    client = create_app(runtime=replace(runtime, settings=down)).test_client()
    codes = [client.post("/fr/inputs/new", data={}).status_code for _ in range(22)]
    assert 500 not in codes
    assert codes.count(429) == 2  # counted in this process until Redis is back
