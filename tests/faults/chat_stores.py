"""A store the chat tests can take away: `database_url` and `outage` for each kind of outage.

Each test gets its own database: a schema of the private PostgreSQL server (which the test
may stop or make read-only), or an SQLite file (whose write lock another connection holds,
with a busy timeout short enough to wait on; ``models.db`` reads it when an engine is built).
``outage()`` is the fault; when it ends the store is back, the engines' pools untouched.
A test module takes them in by name: ``outage = chat_stores.outage``, and the same for the others.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path

import pytest

from models import db
from tests.faults.outages import PrivatePostgres, sqlite_write_locked

OUTAGES = ("sqlite-locked", "postgresql-stopped", "postgresql-read-only")
SQLITE_TEST_BUSY_TIMEOUT_MS = 200  # a writer gives up after this long instead of 15 s

Outage = Callable[[], AbstractContextManager[None]]


@pytest.fixture(
    params=[
        pytest.param(kind, marks=[pytest.mark.postgres] if kind.startswith("postgresql") else [])
        for kind in OUTAGES
    ]
)
def outage_kind(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    kind = str(request.param)
    if kind.startswith("sqlite"):
        monkeypatch.setattr(db, "SQLITE_BUSY_TIMEOUT_MS", SQLITE_TEST_BUSY_TIMEOUT_MS)
    return kind


@pytest.fixture
def database_url(outage_kind: str, request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """Overrides tests.conftest's: the database of this test, on a server the test may stop."""
    if outage_kind.startswith("sqlite"):
        yield f"sqlite:///{tmp_path / 'store.db'}"
        return
    server: PrivatePostgres = request.getfixturevalue("private_postgres")
    schema = f"t_{uuid.uuid4().hex[:12]}"
    server.execute(f'CREATE SCHEMA "{schema}"')
    yield f"{server.url}?options=-csearch_path%3D{schema}"


@pytest.fixture
def outage(outage_kind: str, request: pytest.FixtureRequest, tmp_path: Path) -> Outage:
    """``with outage(): ...``: the store unavailable in this test's way, back afterwards."""

    @contextmanager
    def unavailable() -> Iterator[None]:
        if outage_kind == "sqlite-locked":
            with sqlite_write_locked(tmp_path / "store.db"):
                yield
            return
        server: PrivatePostgres = request.getfixturevalue("private_postgres")
        with server.stopped() if outage_kind == "postgresql-stopped" else server.read_only():
            yield

    return unavailable
