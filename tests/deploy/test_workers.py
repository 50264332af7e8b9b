"""SQLite under several gunicorn workers: refused in production, a warning in development."""

from __future__ import annotations

import logging
import subprocess
import sys

import httpx
import pytest

from intake_api.deployment import UnsafeDeployment, check_workers, gunicorn_workers
from intake_api.settings import Settings
from tests.deploy.servers import deployed, run_until_exit
from tests.processes import clean_env, free_port

GUNICORN_MAIN = (
    "/venv/lib/python3.11/site-packages/gunicorn/__main__.py"  # argv[0] of `python -m gunicorn`
)
REFUSAL = "refusing to start 2 gunicorn workers on an SQLite store in production"


def _settings(tmp_path, url: str = "", environment: str = "production") -> Settings:
    return Settings(
        database_url=url or f"sqlite:///{tmp_path / 'x.db'}",
        instance_path=tmp_path,
        secret_key="k",
        environment=environment,
    )


@pytest.mark.parametrize(
    ("argv", "environ", "expected"),
    [
        (["/usr/bin/pytest", "-w", "4"], {}, None),
        (["/srv/venv/bin/gunicorn", "intake_api.app:create_app()"], {}, 1),
        (["/srv/venv/bin/gunicorn", "-w", "4", "intake_api.app:create_app()"], {}, 4),
        (["/srv/venv/bin/gunicorn", "-w4", "intake_api.app:create_app()"], {}, 4),
        ([GUNICORN_MAIN, "--workers=3", "-b", ":8000", "intake_api.app:create_app()"], {}, 3),
        (
            ["/srv/venv/bin/gunicorn", "intake_api.app:create_app()"],
            {"GUNICORN_CMD_ARGS": "--workers 5 --threads 2"},
            5,
        ),
        (["/srv/venv/bin/gunicorn", "intake_api.app:create_app()"], {"WEB_CONCURRENCY": "6"}, 6),
        (
            ["/srv/venv/bin/gunicorn", "-w", "2", "x:y"],
            {"GUNICORN_CMD_ARGS": "-w 5", "WEB_CONCURRENCY": "6"},
            2,
        ),
    ],
)
def test_worker_count_is_read_as_gunicorn_reads_it(argv, environ, expected):
    assert gunicorn_workers(argv, environ) == expected


def test_production_refuses_sqlite_under_several_workers(tmp_path):
    with pytest.raises(UnsafeDeployment, match="PostgreSQL"):
        check_workers(_settings(tmp_path), 2)
    check_workers(_settings(tmp_path), 1)
    check_workers(_settings(tmp_path, "postgresql://db.internal/intake"), 8)


def test_development_only_warns(tmp_path, caplog):
    with caplog.at_level(logging.WARNING):
        check_workers(_settings(tmp_path, environment="development"), 3)
    assert "3 gunicorn workers share an SQLite store" in caplog.text


def test_outside_gunicorn_the_app_is_not_checked(tmp_path):
    from intake_api.app import create_app

    assert create_app(_settings(tmp_path)).name == "intake_api"  # pytest's argv: not gunicorn


def _sqlite_env(tmp_path, environment: str) -> dict[str, str]:
    return clean_env(
        INTAKE_DATABASE_URL=f"sqlite:///{tmp_path / 'store.db'}",
        INTAKE_SECRET_KEY="k",
        INTAKE_ENVIRONMENT=environment,
    )


@pytest.mark.slow
def test_gunicorn_refuses_two_workers_on_sqlite_in_production(tmp_path):
    result = run_until_exit(_sqlite_env(tmp_path, "production"), tmp_path, "-w", "2")
    assert result.returncode != 0
    assert REFUSAL in result.stdout and "PostgreSQL" in result.stdout
    assert "Booting worker" not in result.stdout  # refused in the master, before any worker


@pytest.mark.slow
def test_workers_from_web_concurrency_are_refused_too(tmp_path):
    env = {**_sqlite_env(tmp_path, "production"), "WEB_CONCURRENCY": "2"}
    result = run_until_exit(env, tmp_path)
    assert result.returncode != 0 and REFUSAL in result.stdout


@pytest.mark.slow
def test_gunicorn_without_the_deploy_config_refuses_too(tmp_path):
    """The shape people type from memory: `gunicorn -w 2 'intake_api.app:create_app()'`."""
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "-w",
            "2",
            "-b",
            f"127.0.0.1:{free_port()}",
            "intake_api.app:create_app()",
        ],
        cwd=tmp_path,
        env=_sqlite_env(tmp_path, "production"),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode != 0
    assert (
        REFUSAL in result.stderr
    )  # each worker says it, then gunicorn stops ("App failed to load")


@pytest.mark.slow
def test_one_worker_on_sqlite_serves_in_production(tmp_path):
    env = _sqlite_env(tmp_path, "production")
    subprocess.run(
        [sys.executable, "-m", "intake_api.cli", "db", "upgrade"],
        env=env,
        cwd=tmp_path,
        check=True,
        capture_output=True,
        timeout=120,
    )
    with deployed(env, tmp_path, "-w", "1") as server:
        assert httpx.get(f"{server.url}/healthz").json() == {"status": "ok", "database": "ok"}
    assert "SQLite" not in server.output()


@pytest.mark.slow
def test_two_workers_on_sqlite_in_development_warn_and_serve(tmp_path):
    with deployed(_sqlite_env(tmp_path, "development"), tmp_path, "-w", "2") as server:
        assert httpx.get(f"{server.url}/healthz").status_code == 200
    output = server.output()
    assert output.count("2 gunicorn workers share an SQLite store") == 1  # said once, by the master
    assert output.count("Booting worker") == 2
