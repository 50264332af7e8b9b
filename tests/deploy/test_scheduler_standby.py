"""`gcm-intake scheduler` twice on one PostgreSQL store: one leads, the other stands by."""

from __future__ import annotations

import re
import signal
import subprocess
import time
from pathlib import Path

import pytest

from tests.deploy.servers import migrate
from tests.processes import GCM_INTAKE, clean_env

pytestmark = [pytest.mark.slow, pytest.mark.postgres]


def _start(env: dict[str, str], cwd: Path, name: str) -> tuple[subprocess.Popen, Path]:  # type: ignore[type-arg]
    log = cwd / f"{name}.log"
    with log.open("w") as sink:
        process = subprocess.Popen(
            [*GCM_INTAKE, "scheduler"], cwd=cwd, env=env, stdout=sink, stderr=subprocess.STDOUT
        )
    return process, log


def _wait_for_line(log: Path, process: subprocess.Popen, needle: str, timeout: float = 60) -> None:  # type: ignore[type-arg]
    deadline = time.monotonic() + timeout
    while needle not in log.read_text():
        assert process.poll() is None, log.read_text()
        assert time.monotonic() < deadline, f"no {needle!r} in:\n{log.read_text()}"
        time.sleep(0.1)


def test_second_scheduler_stands_by(postgres_url, tmp_path):
    env = clean_env(
        INTAKE_DATABASE_URL=postgres_url, INTAKE_SECRET_KEY="k", INTAKE_ENVIRONMENT="production"
    )
    migrate(env, tmp_path)
    first, first_log = _start(env, tmp_path, "first")
    try:
        _wait_for_line(first_log, first, " leads\n")
        second, second_log = _start(env, tmp_path, "second")
        try:
            _wait_for_line(second_log, second, "stands by: another scheduler leads")
        finally:
            second.send_signal(signal.SIGTERM)
            assert second.wait(timeout=60) == 0
    finally:
        first.send_signal(signal.SIGTERM)
        assert first.wait(timeout=60) == 0
    assert not re.search(r"scheduler \S+ leads$", second_log.read_text(), re.MULTILINE)
    assert "Traceback" not in first_log.read_text() + second_log.read_text()
