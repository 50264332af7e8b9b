"""Fixtures: a fresh, migrated store per test on SQLite and on PostgreSQL.

PostgreSQL tests skip with a reason when no server answers, except under
``CI=true``, where a missing server fails the run instead.
"""

from __future__ import annotations

import logging
import os
import re
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg
import pytest
from sqlalchemy import Engine, text

from intake_api.app import create_app
from intake_api.runtime import Runtime, build_runtime
from intake_api.settings import Settings
from models.migrate import upgrade

PG_DSN = os.environ.get("INTAKE_TEST_POSTGRES", "postgresql://127.0.0.1:5432/test")
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


def _postgres_problem() -> str | None:
    try:
        with psycopg.connect(PG_DSN, connect_timeout=3):
            return None
    except psycopg.Error as exc:
        return f"PostgreSQL at {PG_DSN} does not answer ({exc.__class__.__name__})"


_PG_PROBLEM = _postgres_problem()
REDIS_URL = os.environ.get("INTAKE_TEST_REDIS", "redis://127.0.0.1:6379/15")


def _redis_problem() -> str | None:
    import redis

    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=3).ping()
        return None
    except redis.RedisError as exc:
        return f"Redis at {REDIS_URL} does not answer ({exc.__class__.__name__})"


def require_redis() -> None:
    problem = _redis_problem()
    if problem is None:
        return
    if IN_CI:
        pytest.fail(f"{problem}; Redis tests are mandatory under CI=true")
    pytest.skip(problem)


def require_postgres() -> None:
    if _PG_PROBLEM is None:
        return
    if IN_CI:
        pytest.fail(f"{_PG_PROBLEM}; PostgreSQL tests are mandatory under CI=true")
    pytest.skip(_PG_PROBLEM)


# Raw ids and contact details the tests use: none may ever reach a log line.
_FORBIDDEN_IN_LOGS = re.compile(
    r"[\w.+-]+@(?:example\.org|un\.example|example\.com)|\b(?:7000\d|8000\d|9000\d|5550123987)\b|\bU(?:ORG|ADMIN|OUT)\b"
)


@pytest.fixture(autouse=True)
def _no_personal_data_in_logs(caplog: pytest.LogCaptureFixture) -> Iterator[None]:
    """Every log record of every test is scanned for raw ids and e-mail addresses."""
    from intake_api import log_privacy

    caplog.set_level(logging.INFO)
    caplog.handler.addFilter(log_privacy.RedactingFilter())
    yield
    leaks = [r.getMessage() for r in caplog.records if _FORBIDDEN_IN_LOGS.search(r.getMessage())]
    assert not leaks, f"personal data in the logs: {leaks[:3]}"


@pytest.fixture(autouse=True)
def _isolated_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No INTAKE_* variable or .env of the developer's leaks into a test."""
    for name in list(os.environ):
        if name.startswith("INTAKE_") and name != "INTAKE_TEST_POSTGRES":
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)


@contextmanager
def fresh_postgres_schema() -> Iterator[str]:
    """The URL of an empty PostgreSQL schema, dropped afterwards."""
    require_postgres()
    schema = f"t_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(PG_DSN, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    try:
        yield f"{PG_DSN}?options=-csearch_path%3D{schema}"
    finally:
        with psycopg.connect(PG_DSN, autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA "{schema}" CASCADE')


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty database of each kind: a temporary SQLite file, or a fresh PostgreSQL schema."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'store.db'}"
        return
    with fresh_postgres_schema() as url:
        yield url


@pytest.fixture
def postgres_url() -> Iterator[str]:
    with fresh_postgres_schema() as url:
        yield url


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    return Settings(
        database_url=database_url,
        instance_path=tmp_path / "instance",
        secret_key="test-secret-key-not-for-production",
    )


@pytest.fixture
def runtime(settings: Settings) -> Iterator[Runtime]:
    runtime = build_runtime(settings)
    upgrade(runtime.engine)
    yield runtime
    runtime.engine.dispose()


@pytest.fixture
def engine(runtime: Runtime) -> Engine:
    return runtime.engine


@pytest.fixture
def service(runtime: Runtime):  # type: ignore[no-untyped-def]
    return runtime.service


@pytest.fixture
def app(runtime: Runtime):  # type: ignore[no-untyped-def]
    app = create_app(runtime=runtime)
    app.config.update(TESTING=True)
    return app


@pytest.fixture
def client(app):  # type: ignore[no-untyped-def]
    return app.test_client()


def count_rows(engine: Engine, table: str) -> int:
    with engine.connect() as connection:
        return int(connection.execute(text(f"SELECT count(*) FROM {table}")).scalar_one())  # noqa: S608
