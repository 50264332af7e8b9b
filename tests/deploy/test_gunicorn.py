"""deploy/gunicorn.conf.py for real: PostgreSQL, workers, /healthz, the access log, SIGTERM."""

from __future__ import annotations

import runpy

import httpx
import pytest

from tests.deploy.servers import GUNICORN_CONF, deployed, migrate
from tests.processes import clean_env


def _config(monkeypatch, **env: str) -> dict:
    for name in ("WEB_CONCURRENCY", "INTAKE_PROXY_HOPS", "FORWARDED_ALLOW_IPS"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    # The configuration names a metrics folder in os.environ; set here, it is undone after the test.
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", "")
    return runpy.run_path(str(GUNICORN_CONF))


def test_without_proxy_hops_no_forwarded_header_is_trusted(monkeypatch):
    config = _config(monkeypatch)
    assert config["forwarded_allow_ips"] == ""
    assert config["secure_scheme_headers"] == {}  # gunicorn never reads X-Forwarded-Proto itself


def test_with_proxy_hops_only_the_proxies_are_trusted(monkeypatch):
    assert _config(monkeypatch, INTAKE_PROXY_HOPS="1")["forwarded_allow_ips"] == "127.0.0.1,::1"
    config = _config(monkeypatch, INTAKE_PROXY_HOPS="1", FORWARDED_ALLOW_IPS="10.0.0.2")
    assert config["forwarded_allow_ips"] == "10.0.0.2"
    assert config["secure_scheme_headers"] == {}  # the app's ProxyFix reads it, counting hops


def test_workers_timeouts_and_a_private_access_log(monkeypatch):
    config = _config(monkeypatch, WEB_CONCURRENCY="3")
    assert config["workers"] == 3 and config["worker_class"] == "gthread" and config["threads"] >= 2
    assert config["graceful_timeout"] < config["timeout"]
    assert config["keepalive"] > 60  # above the usual proxy idle timeout
    assert config["wsgi_app"] == "intake_api.app:create_app()"
    log_format = config["access_log_format"]
    for atom in ("%(h)s", "%(r)s", "%(q)s", "%(f)s", "%(a)s", "%(u)s", "}i)s"):
        assert atom not in log_format, atom  # no address, query string, referrer, agent or header


@pytest.mark.slow
@pytest.mark.postgres
def test_two_workers_on_postgresql_answer_healthz_and_stop_cleanly(postgres_url, tmp_path):
    env = clean_env(
        INTAKE_DATABASE_URL=postgres_url, INTAKE_SECRET_KEY="k", INTAKE_ENVIRONMENT="production"
    )
    migrate(env, tmp_path)
    with deployed(env, tmp_path, "-w", "2") as server:
        health = httpx.get(f"{server.url}/healthz?probe=1")
        assert health.status_code == 200
        assert health.json() == {"status": "ok", "database": "ok"}
        assert health.headers["Cache-Control"] == "no-store"
        assert (
            httpx.get(
                f"{server.url}/en/inputs/new?review=escwa&email=someone@mail.test"
            ).status_code
            == 200
        )
        assert httpx.get(f"{server.url}/en/inputs/IN-7K3M-9QXR").status_code == 404
        # Without trusted proxies a client cannot claim HTTPS (no HSTS on plain HTTP).
        claimed = httpx.get(f"{server.url}/healthz", headers={"X-Forwarded-Proto": "https"})
        assert "Strict-Transport-Security" not in claimed.headers
        # Counters of both workers, added up through prometheus_client's multiprocess folder.
        metrics = httpx.get(f"{server.url}/metrics")
        assert metrics.status_code == 200 and metrics.headers["Content-Type"].startswith(
            "text/plain"
        )
        assert server.stop() == 0
    output = server.output()
    assert output.count("Booting worker") == 2
    assert '"GET /healthz HTTP/1.1" status=200' in output
    assert '"GET /en/inputs/new HTTP/1.1" status=200' in output
    assert '"GET /en/inputs/[receipt] HTTP/1.1" status=404' in output
    for private in ("probe=1", "review=escwa", "mail.test", "7K3M", "127.0.0.1 -", "python-httpx"):
        assert private not in output, private
    assert "Shutting down: Master" in output and "Traceback" not in output


@pytest.mark.slow
@pytest.mark.postgres
def test_behind_one_proxy_the_forwarded_scheme_is_read_once(postgres_url, tmp_path):
    env = clean_env(
        INTAKE_DATABASE_URL=postgres_url,
        INTAKE_SECRET_KEY="k",
        INTAKE_ENVIRONMENT="production",
        INTAKE_PROXY_HOPS="1",
    )
    migrate(env, tmp_path)
    with deployed(env, tmp_path, "-w", "1") as server:
        https = httpx.get(f"{server.url}/healthz", headers={"X-Forwarded-Proto": "https"})
        plain = httpx.get(f"{server.url}/healthz")
    assert https.status_code == plain.status_code == 200
    assert "Strict-Transport-Security" in https.headers  # the app saw HTTPS, through the proxy
    assert "Strict-Transport-Security" not in plain.headers
