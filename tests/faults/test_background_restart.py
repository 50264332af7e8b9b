"""PostgreSQL restarted under the work nobody waits for: the scheduler and a broadcast go on.

Neither process is restarted. The scheduler's tick (the function APScheduler calls every
minute, with the process's own leadership and senders) sends the next digest after a
restart, sits out an outage with one log line, and sends again when the server is back.
A broadcast run by `gcm-intake broadcast` waits through a restart midway and finishes:
everyone reached once, nothing left ``uncertain``. The web workers and their reply
sender are restarted under in test_store_restart.py.
"""

from __future__ import annotations

import logging
import subprocess
import time
from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlmodel import select

from intake_api import broadcasts
from intake_api.app import default_senders
from intake_api.runtime import Runtime, build_runtime
from intake_api.scheduler import Leadership, tick_through_outages
from intake_api.settings import Settings
from intake_api.store_outage import StoreOutage
from intake_api.subscriptions import subscribe
from models.db import read_session
from models.digest import DigestDelivery
from models.migrate import upgrade
from tests.bots.telegram.test_broadcast import _people
from tests.bots.telegram.test_broadcast_command import _message_files
from tests.fakes.bot_api import TOKEN, FakeBotApi, Limits
from tests.fakes.smtp import SmtpServer
from tests.faults.outages import PrivatePostgres, private_database
from tests.faults.restarts import wait_until_answers
from tests.processes import GCM_INTAKE, clean_env

pytestmark = [pytest.mark.slow, pytest.mark.postgres]


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    with SmtpServer() as server:
        yield server


@pytest.fixture
def store(private_postgres: PrivatePostgres) -> Iterator[str]:
    with private_database(private_postgres) as url:
        yield url


@pytest.fixture
def private_runtime(store: str, smtp: SmtpServer, tmp_path) -> Iterator[Runtime]:  # type: ignore[no-untyped-def]
    settings = Settings(
        database_url=store,
        secret_key="one-key-for-every-process",
        smtp_url=smtp.url,
        instance_path=tmp_path / "instance",
    )
    runtime = build_runtime(settings)
    upgrade(runtime.engine)
    yield runtime
    runtime.engine.dispose()


@pytest.mark.parametrize("mode", ["fast", "immediate"])
def test_the_scheduler_sends_the_next_digest_after_a_restart(
    mode, private_postgres, private_runtime, smtp, caplog
):
    runtime = private_runtime
    subscription = subscribe(
        runtime.engine,
        reviews=["escwa"],
        cron="* * * * *",
        timezone="UTC",
        locale="en",
        slack_channel=None,
        emails=["digests@example.org"],
        actor="test",
    )
    leadership, senders, outage = (
        Leadership(runtime.engine),
        default_senders(runtime),
        StoreOutage("scheduler tick"),
    )

    def minute(n: int) -> int:  # the tick as APScheduler runs it, n minutes after subscribing
        now = subscription.created_at + timedelta(minutes=n, seconds=1)
        return tick_through_outages(runtime, leadership, senders, outage=outage, now=now)

    assert minute(1) == 1
    private_postgres.restart(mode)  # the lock's connection and the pooled ones are stale now
    wait_until_answers(runtime.settings.database_url)
    assert minute(2) == 1  # at once, not a tick later

    private_postgres.stop(mode)
    caplog.clear()
    assert minute(3) == 0 and minute(3) == 0  # sat out, said once
    said = [r.getMessage() for r in caplog.records if "store unavailable" in r.getMessage()]
    assert len(said) == 1 and "scheduler tick" in said[0]
    private_postgres.start()
    wait_until_answers(runtime.settings.database_url)
    assert minute(4) == 1  # the period that ended during the outage, sent once it is back
    assert any("store available again at scheduler tick" in r.getMessage() for r in caplog.records)

    assert len(smtp.messages) == 3
    with read_session(runtime.engine) as session:
        statuses = [d.status for d in session.exec(select(DigestDelivery))]
    assert statuses == ["sent"] * 3
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


@pytest.fixture
def telegram_api() -> Iterator[FakeBotApi]:
    api = FakeBotApi(Limits()).start()  # Telegram's own limits: 150 people take five seconds
    yield api
    api.stop()


@pytest.mark.parametrize("mode", ["fast", "immediate"])
def test_a_broadcast_waits_through_a_restart_and_finishes(
    mode, private_postgres, private_runtime, telegram_api, tmp_path
):
    runtime = private_runtime
    people = _people(runtime.service, runtime, range(72_001, 72_151))
    env = clean_env(
        INTAKE_DATABASE_URL=runtime.settings.database_url,
        INTAKE_SECRET_KEY=runtime.settings.secret_key,
        INTAKE_TELEGRAM_TOKEN=TOKEN,
        INTAKE_TELEGRAM_API_URL=telegram_api.base_url,
    )
    log = tmp_path / "broadcast.log"
    with log.open("w") as sink:
        process = subprocess.Popen(
            [*GCM_INTAKE, "broadcast", *_message_files(tmp_path), "--yes"],
            cwd=tmp_path,
            env=env,
            stdout=sink,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + 60
        while sum(telegram_api.messages_per_chat().values()) < 15:
            assert process.poll() is None and time.monotonic() < deadline, log.read_text()
            time.sleep(0.01)
        private_postgres.restart(mode)
        assert process.wait(timeout=300) == 0, log.read_text()
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    wait_until_answers(runtime.settings.database_url)
    received = telegram_api.messages_per_chat()
    assert len(received) == len(people) and max(received.values()) == 1  # everyone, once
    assert broadcasts.summary(runtime.engine, 1) == {"sent": len(people)}
    output = log.read_text()
    assert "store unavailable at broadcast" in output and "Traceback" not in output
