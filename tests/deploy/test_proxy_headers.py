"""INTAKE_PROXY_HOPS under every server the project starts: `gcm-intake serve` and gunicorn.

Behind a TLS proxy each client has its own rate-limit bucket (one person cannot lock
everyone out of the forms or /my-input) and HSTS is sent; without trusted proxies
nothing forwarded is believed: a client can neither claim HTTPS nor another address.
"""

from __future__ import annotations

import httpx
import pytest

from tests.deploy.servers import SERVERS, migrate
from tests.processes import clean_env

pytestmark = pytest.mark.slow

FORM = "/en/inputs/new"
LIMIT = 20  # forms.POST_LIMIT, per minute


def _post(url: str, address: str | None = None, **headers: str) -> int:
    forwarded = {"X-Forwarded-For": address} if address else {}
    with httpx.Client() as client:  # a connection of its own, as separate people have
        return client.post(
            f"{url}{FORM}", data={"text": "x"}, headers={**forwarded, **headers}
        ).status_code


def _start(server: str, tmp_path, **env: str):  # type: ignore[no-untyped-def]
    environment = clean_env(
        INTAKE_DATABASE_URL=f"sqlite:///{tmp_path / 'store.db'}",
        INTAKE_SECRET_KEY="proxy-test-key",
        **env,
    )
    migrate(environment, tmp_path)
    return SERVERS[server](environment, tmp_path, *(("-w", "1") if server == "gunicorn" else ()))


@pytest.mark.parametrize("server", ["serve", "gunicorn"])
def test_behind_a_proxy_each_client_has_its_own_limit_and_https_is_seen(server, tmp_path):
    with _start(server, tmp_path, INTAKE_PROXY_HOPS="1") as running:
        first = [_post(running.url, "203.0.113.7") for _ in range(LIMIT + 1)]
        other = _post(running.url, "198.51.100.23")
        https = httpx.get(
            f"{running.url}/en/",
            headers={"X-Forwarded-Proto": "https", "X-Forwarded-For": "203.0.113.8"},
        )
        plain = httpx.get(f"{running.url}/en/", headers={"X-Forwarded-For": "203.0.113.8"})
    assert first == [400] * LIMIT + [429]  # refused without a CSRF token, then limited
    assert other == 400  # someone else behind the same proxy is not locked out
    assert https.headers["Strict-Transport-Security"].startswith("max-age=")
    assert "Strict-Transport-Security" not in plain.headers
    assert "Traceback" not in running.output()


@pytest.mark.parametrize("server", ["serve", "gunicorn"])
def test_without_trusted_proxies_forwarded_headers_are_not_believed(server, tmp_path):
    with _start(server, tmp_path) as running:
        first = [_post(running.url, "203.0.113.7") for _ in range(LIMIT + 1)]
        other = _post(running.url, "198.51.100.23")  # a claimed address is still this client
        claimed = httpx.get(f"{running.url}/en/", headers={"X-Forwarded-Proto": "https"})
    assert first[-1] == 429 and other == 429
    assert "Strict-Transport-Security" not in claimed.headers
