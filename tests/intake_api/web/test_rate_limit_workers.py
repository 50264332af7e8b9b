"""Rate limits hold across gunicorn workers when counters live in Redis."""

from __future__ import annotations

import httpx
import pytest
import redis

from tests.conftest import REDIS_URL, require_redis
from tests.processes import clean_env as _clean_env
from tests.processes import gunicorn

pytestmark = pytest.mark.slow


def test_limit_is_shared_by_two_workers(tmp_path):
    require_redis()
    redis.Redis.from_url(REDIS_URL).flushdb()
    env = _clean_env(
        INTAKE_DATABASE_URL=f"sqlite:///{tmp_path / 'store.db'}",
        INTAKE_SECRET_KEY="k",
        INTAKE_RATELIMIT_STORAGE_URL=REDIS_URL,
    )
    with gunicorn(env, tmp_path) as url:
        codes = []
        for _ in range(30):  # new connections, so both workers take turns
            with httpx.Client() as client:
                codes.append(client.post(f"{url}/en/inputs/new", data={}).status_code)
    assert codes.count(429) == 10, codes  # 20 per minute per client, counted once across workers
    assert redis.Redis.from_url(REDIS_URL).dbsize() > 0
