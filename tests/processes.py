"""Real processes on real ports, as a person or a deployment would start them."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

GCM_INTAKE = [sys.executable, "-m", "intake_api.cli"]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def clean_env(**extra: str) -> dict[str, str]:
    """The environment without the developer's INTAKE_* settings, plus ``extra``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("INTAKE_")}
    env.update(extra)
    return env


def wait_for(url: str, process: subprocess.Popen, timeout: float = 60) -> httpx.Response:  # type: ignore[type-arg]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(
                f"the process exited early:\n{process.stdout.read() if process.stdout else ''}"
            )
        try:
            return httpx.get(url, timeout=2)
        except httpx.TransportError:
            time.sleep(0.2)
    raise AssertionError(f"{url} did not answer within {timeout}s")


@contextmanager
def gunicorn(env: dict[str, str], cwd: Path, *, workers: int = 2) -> Iterator[str]:
    """`gunicorn 'intake_api.app:create_app()'` on a migrated store; yields its base URL."""
    subprocess.run(
        [*GCM_INTAKE, "db", "upgrade"],
        env=env,
        cwd=cwd,
        check=True,
        capture_output=True,
        timeout=120,
    )
    port = free_port()
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "-w",
            str(workers),
            "-b",
            f"127.0.0.1:{port}",
            "intake_api.app:create_app()",
        ],
        cwd=cwd,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        wait_for(f"http://127.0.0.1:{port}/healthz", process)
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        process.communicate(timeout=30)
