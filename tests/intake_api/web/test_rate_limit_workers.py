"""Rate limits hold across gunicorn workers when counters live in Redis."""

from __future__ import annotations

import subprocess
import sys

import httpx
import pytest
import redis

from tests.conftest import REDIS_URL, require_redis
from tests.intake_api.test_cli import GCM_INTAKE, _clean_env, _free_port, _wait_for

pytestmark = pytest.mark.slow


def test_limit_is_shared_by_two_workers(tmp_path):
    require_redis()
    redis.Redis.from_url(REDIS_URL).flushdb()
    env = _clean_env(
        INTAKE_DATABASE_URL=f"sqlite:///{tmp_path / 'store.db'}", INTAKE_SECRET_KEY="k",
        INTAKE_RATELIMIT_STORAGE_URL=REDIS_URL,
    )  # fmt: skip
    subprocess.run([*GCM_INTAKE, "db", "upgrade"], env=env, cwd=tmp_path, check=True, capture_output=True, timeout=120)
    port = _free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-w", "2", "-b", f"127.0.0.1:{port}", "intake_api:create_app()"],
        cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    try:
        _wait_for(f"http://127.0.0.1:{port}/healthz", process)
        codes = []
        for _ in range(30):  # new connections, so both workers take turns
            with httpx.Client() as client:
                codes.append(client.post(f"http://127.0.0.1:{port}/en/inputs/new", data={}).status_code)
        assert codes.count(429) == 10, codes  # 20 per minute per client, counted once across workers
    finally:
        process.terminate()
        process.communicate(timeout=30)
    assert redis.Redis.from_url(REDIS_URL).dbsize() > 0
