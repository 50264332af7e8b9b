"""The servers the project starts, as systemd, compose or a newcomer start them: gunicorn with
deploy/gunicorn.conf.py, and `gcm-intake serve` (waitress)."""

from __future__ import annotations

import signal
import subprocess
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from tests.processes import GCM_INTAKE, free_port, wait_for

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"
GUNICORN_CONF = DEPLOY / "gunicorn.conf.py"
GUNICORN = [sys.executable, "-m", "gunicorn", "-c", str(GUNICORN_CONF)]


@dataclass
class Server:
    url: str
    process: subprocess.Popen  # type: ignore[type-arg]
    log: Path

    def output(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")

    def stop(self) -> int:
        """SIGTERM, as systemd and docker stop send it; returns the exit code."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        return self.process.wait(timeout=60)


def migrate(env: dict[str, str], cwd: Path) -> None:
    subprocess.run(
        [*GCM_INTAKE, "db", "upgrade"],
        env=env,
        cwd=cwd,
        check=True,
        capture_output=True,
        timeout=120,
    )


@contextmanager
def deployed(
    env: dict[str, str], cwd: Path, *args: str, name: str = "gunicorn"
) -> Iterator[Server]:
    """gunicorn -c deploy/gunicorn.conf.py on a free port."""
    with _running(
        lambda port: [*GUNICORN, "-b", f"127.0.0.1:{port}", *args], env, cwd, name
    ) as server:
        yield server


@contextmanager
def served(env: dict[str, str], cwd: Path, *args: str, name: str = "serve") -> Iterator[Server]:
    """`gcm-intake serve` (waitress) on a free port, as a newcomer or a small deployment runs it."""
    with _running(
        lambda port: [*GCM_INTAKE, "serve", "--port", str(port), *args], env, cwd, name
    ) as server:
        yield server


@contextmanager
def _running(
    command: Callable[[int], list[str]], env: dict[str, str], cwd: Path, name: str
) -> Iterator[Server]:
    """A server process on a free port until it answers /healthz; output goes to a file, not a
    pipe (a full pipe would block the server's logging, and with it the server)."""
    port = free_port()
    log = cwd / f"{name}.log"
    with log.open("w", encoding="utf-8") as sink:
        process = subprocess.Popen(
            command(port), cwd=cwd, env=env, stdout=sink, stderr=subprocess.STDOUT
        )
    server = Server(f"http://127.0.0.1:{port}", process, log)
    try:
        try:
            wait_for(f"{server.url}/healthz", process)
        except AssertionError as error:
            raise AssertionError(f"{error}\n{server.output()}") from None
        yield server
    finally:
        server.stop()


SERVERS = {"serve": served, "gunicorn": deployed}


def run_until_exit(env: dict[str, str], cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """gunicorn that is expected to refuse to start: its exit and everything it printed."""
    return subprocess.run(
        [*GUNICORN, "-b", f"127.0.0.1:{free_port()}", *args],
        cwd=cwd,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        timeout=120,
    )
