"""Redis, which only counts rate limits, failing: forms and chats go on, limits count in memory.

A Redis server of the test's own is started and killed (the shared one at 6379 is never
touched). Flask-Limiter falls back to counting in each process
(``RATELIMIT_IN_MEMORY_FALLBACK_ENABLED``) and the Telegram inbound limit reads chats while
its storage fails, so a person sending a form sees their receipt, not an error page.
"""

from __future__ import annotations

import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis

from intake_api.app import create_app
from intake_api.runtime import build_runtime
from intake_api.settings import Settings
from models.migrate import upgrade
from tests.conftest import IN_CI, count_rows
from tests.factories import input_answers
from tests.processes import free_port
from tests.web_helpers import submit_form


@pytest.fixture
def private_redis(tmp_path: Path) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    server = shutil.which("redis-server")
    if server is None:
        if IN_CI:
            pytest.fail("redis-server is not installed; the fault suite is mandatory under CI=true")
        pytest.skip("redis-server is not installed: no private Redis to kill")
    port = free_port()
    process = subprocess.Popen(
        [
            server,
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            str(tmp_path),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"redis://127.0.0.1:{port}/0"
    for _ in range(100):
        try:
            redis.Redis.from_url(url, socket_connect_timeout=0.2).ping()
            break
        except redis.RedisError:
            time.sleep(0.05)
    try:
        yield url, process
    finally:
        process.kill()
        process.wait()


def test_forms_are_stored_while_redis_is_down(
    private_redis: tuple[str, subprocess.Popen[bytes]], database_url: str, tmp_path: Path
) -> None:
    url, process = private_redis
    settings = Settings(
        database_url=database_url,
        instance_path=tmp_path / "instance",
        secret_key="test-secret-key-not-for-production",
        ratelimit_storage_url=url,
    )
    runtime = build_runtime(settings)
    upgrade(runtime.engine)
    client = create_app(runtime=runtime).test_client()

    before = submit_form(
        client, "/en/inputs/new", input_answers(text="Sent while Redis counts the limits.")
    )
    assert before.status_code == 303

    process.kill()
    process.wait()
    during = submit_form(client, "/en/inputs/new", input_answers(text="Sent while Redis is down."))
    assert during.status_code == 303, "a person still gets a receipt"
    assert client.get(during.headers["Location"]).status_code == 200
    assert count_rows(runtime.engine, "submission") == 2
    runtime.engine.dispose()
