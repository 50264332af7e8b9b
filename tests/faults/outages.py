"""Real outages of the store, made by the test: a PostgreSQL server of its own that it stops,
starts, restarts and makes read-only, and an SQLite file whose write lock another process holds.

The shared PostgreSQL server (``tests.conftest.PG_DSN``) is never stopped: other tests use it.
A private server is started with the machine's own PostgreSQL binaries (``initdb``,
``pg_ctl``); as root they run as the ``postgres`` user. Where they are missing the test
skips with the reason, and fails under ``CI=true``.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg
import pytest

from tests.conftest import IN_CI
from tests.processes import free_port


def postgres_bin() -> Path | None:
    """The folder of the newest PostgreSQL server binaries on this machine, if any."""
    found = sorted(
        Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"), key=lambda p: int(p.parent.parent.name)
    )
    if found:
        return found[-1].parent
    on_path = shutil.which("pg_ctl")
    return Path(on_path).parent if on_path else None


def require_private_postgres() -> Path:
    binaries = postgres_bin()
    if binaries is not None and (os.geteuid() != 0 or shutil.which("runuser")):
        return binaries
    problem = "no PostgreSQL server binaries (initdb, pg_ctl) to start a private server that the test may stop"
    if IN_CI:
        pytest.fail(f"{problem}; the fault suite is mandatory under CI=true")
    pytest.skip(problem)


class PrivatePostgres:
    """A PostgreSQL server owned by one test module: stop it, start it, restart it at will."""

    def __init__(self, root: Path, binaries: Path) -> None:
        self.root, self.binaries = root, binaries
        self.data = root / "data"
        self.port = free_port()
        self.url = f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def _run(self, *command: str) -> None:
        as_postgres = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        done = subprocess.run([*as_postgres, *command], capture_output=True, text=True, timeout=60)
        if done.returncode != 0:
            raise RuntimeError(
                f"{Path(command[0]).name} failed: {done.stderr.strip() or done.stdout.strip()}"
            )

    def create(self) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        self.root.chmod(0o755)
        if os.geteuid() == 0:
            shutil.chown(self.root, "postgres")
        self._run(
            str(self.binaries / "initdb"),
            "-D",
            str(self.data),
            "-A",
            "trust",
            "-U",
            "postgres",
            "--no-sync",
            "-E",
            "UTF8",
        )
        self.start()

    def start(self) -> None:
        options = f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=60"
        self._run(
            str(self.binaries / "pg_ctl"),
            "-D",
            str(self.data),
            "-o",
            options,
            "-l",
            str(self.root / "server.log"),
            "-w",
            "start",
        )

    def stop(self, mode: str = "fast") -> None:
        """``fast`` ends sessions and shuts down cleanly; ``immediate`` is a crash."""
        self._run(str(self.binaries / "pg_ctl"), "-D", str(self.data), "-m", mode, "-w", "stop")

    def restart(self, mode: str = "fast") -> None:
        self.stop(mode)
        self.start()

    def execute(self, sql: str) -> None:
        with psycopg.connect(self.url, autocommit=True, connect_timeout=5) as connection:
            connection.execute(sql)  # type: ignore[arg-type]

    @contextmanager
    def read_only(self) -> Iterator[None]:
        """Every transaction read-only, as on a standby or a full disk's emergency setting."""
        self.execute("ALTER SYSTEM SET default_transaction_read_only = on")
        self._reload(read_only="on")
        try:
            yield
        finally:
            with psycopg.connect(self.url, autocommit=True, connect_timeout=5) as connection:
                connection.execute("SET default_transaction_read_only = off")
                connection.execute("ALTER SYSTEM RESET default_transaction_read_only")
            self._reload(read_only="off")

    def _reload(self, *, read_only: str) -> None:
        """Reload the configuration and wait until the server has taken it.

        ``pg_reload_conf()`` only signals the server. A new session shows the setting once the
        server has read it, and by then it has signalled the open sessions too, so the
        application's pooled connections see it at their next statement, not a moment later.
        """
        self.execute("SELECT pg_reload_conf()")
        deadline = time.monotonic() + 10
        while True:
            with psycopg.connect(self.url, autocommit=True, connect_timeout=5) as connection:
                row = connection.execute("SHOW default_transaction_read_only").fetchone()
            if row is not None and row[0] == read_only:
                return
            if time.monotonic() > deadline:
                raise RuntimeError(
                    f"the server did not take default_transaction_read_only={read_only}"
                )
            time.sleep(0.05)

    @contextmanager
    def stopped(self) -> Iterator[None]:
        self.stop()
        try:
            yield
        finally:
            self.start()

    def destroy(self) -> None:
        try:
            self.stop("immediate")
        except RuntimeError:
            pass  # already stopped
        shutil.rmtree(self.root, ignore_errors=True)


@pytest.fixture(scope="module")
def private_postgres() -> Iterator[PrivatePostgres]:
    binaries = require_private_postgres()
    # Not under pytest's temporary folder: its parents are closed to the postgres user.
    server = PrivatePostgres(Path(tempfile.mkdtemp(prefix="gcm-intake-pg-")), binaries)
    server.create()
    try:
        yield server
    finally:
        server.destroy()


@contextmanager
def private_database(server: PrivatePostgres) -> Iterator[str]:
    """The URL of a fresh database on the private server, dropped afterwards."""
    name = f"t_{uuid.uuid4().hex[:12]}"
    server.execute(f'CREATE DATABASE "{name}"')
    try:
        yield server.url.rsplit("/", 1)[0] + f"/{name}"
    finally:
        server.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@contextmanager
def sqlite_write_locked(path: Path) -> Iterator[None]:
    """Another process's write transaction holds the file: writers wait, then get "database is locked"."""
    holder = sqlite3.connect(path, isolation_level=None, timeout=30)
    holder.execute("BEGIN IMMEDIATE")
    try:
        yield
    finally:
        holder.execute("ROLLBACK")
        holder.close()
