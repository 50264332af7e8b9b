"""PostgreSQL restarted under load: every process recovers by itself, no request after fails.

The app runs under real gunicorn (deploy/gunicorn.conf.py, two workers) on the private
PostgreSQL server, with a steady load of forms, API posts and health probes. The server is
restarted outright (its pooled connections all go stale at once), then stopped for long
enough that every kind of request meets the outage, then started, in ``fast`` (sessions
ended cleanly) and ``immediate`` (a crash) modes. Requests during an outage get 503, never
500; every request that starts after the server answers again succeeds; what got a 503 is
stored once when sent again. Replies to Telegram queued after the restart are sent by the
worker's reply sender, which was never restarted. The scheduler and a broadcast, which run
outside the web workers, are restarted under in the tests further down.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import ExitStack

import httpx
import pytest
from sqlalchemy import text

from intake_api.staff import add_staff, issue_token
from models.db import make_engine
from tests.bots.telegram import conftest as telegram_fixtures
from tests.bots.telegram.conftest import WEBHOOK_SECRET, TelegramUser
from tests.deploy.servers import Server, deployed, migrate
from tests.fakes.bot_api import TOKEN, FakeBotApi
from tests.faults.outages import PrivatePostgres, private_database
from tests.faults.restarts import OK, Load, wait_until_answers
from tests.processes import clean_env

pytestmark = [pytest.mark.slow, pytest.mark.postgres]
bot_api = telegram_fixtures.bot_api  # the fake Bot API the Telegram tests use


@pytest.fixture
def store(private_postgres: PrivatePostgres) -> Iterator[str]:
    with private_database(private_postgres) as url:
        yield url


def _served(stack: ExitStack, store: str, bot_api: FakeBotApi, cwd) -> tuple[Server, str]:  # type: ignore[no-untyped-def]
    env = clean_env(
        INTAKE_DATABASE_URL=store,
        INTAKE_SECRET_KEY="one-key-for-every-process",
        INTAKE_RATELIMIT_ENABLED="false",
        INTAKE_TELEGRAM_TOKEN=TOKEN,
        INTAKE_TELEGRAM_API_URL=bot_api.base_url,
        INTAKE_TELEGRAM_WEBHOOK_SECRET=WEBHOOK_SECRET,
        INTAKE_TELEGRAM_REPLY_RATE="1000",
    )
    migrate(env, cwd)
    engine = make_engine(store)
    try:
        staff = add_staff(engine, email="partner@example.org", role="admin", reviews=[])
        token = issue_token(engine, staff_id=staff.id or 0)
    finally:
        engine.dispose()
    return stack.enter_context(deployed(env, cwd, "-w", "2", name="gunicorn")), token


def _chat_replied(
    server: Server, bot_api: FakeBotApi, user: TelegramUser, timeout: float = 60
) -> None:
    """An update through the webhook, then its reply at the Bot API, from whichever worker sends."""
    response = httpx.post(
        f"{server.url}/telegram/webhook",
        json=user.text("/help"),
        timeout=30,
        headers={"X-Telegram-Bot-Api-Secret-Token": WEBHOOK_SECRET},
    )
    assert response.status_code == 200, (response.status_code, response.text[:300])
    deadline = time.monotonic() + timeout
    while str(user.user_id) not in bot_api.messages_per_chat():
        assert time.monotonic() < deadline, (
            f"no reply to a chat after the restart\n{server.output()[-3000:]}"
        )
        time.sleep(0.05)


@pytest.mark.parametrize("mode", ["fast", "immediate"])
def test_requests_recover_after_a_restart_without_restarting_the_app(
    mode, private_postgres, store, bot_api, tmp_path
):
    with ExitStack() as stack:
        server, token = _served(stack, store, bot_api, tmp_path)
        _chat_replied(server, bot_api, TelegramUser(7_100_001))  # the reply sender holds its lease
        load = stack.enter_context(_running(Load(server.url, token)))
        load.wait_for(since=0, ok=True, each=3)  # every worker's pool holds connections now

        # 1. A restart between two requests: every pooled connection is stale afterwards.
        private_postgres.restart(mode)
        wait_until_answers(store)
        back = time.monotonic()
        load.wait_for(since=back, ok=True, each=5)
        _chat_replied(server, bot_api, TelegramUser(7_100_002))

        # 2. An outage that every kind of request meets, then the server back.
        stopping = time.monotonic()
        private_postgres.stop(mode)
        load.wait_for(since=time.monotonic(), status=503, each=2)
        private_postgres.start()
        wait_until_answers(store)
        back_again = time.monotonic()
        load.wait_for(since=back_again, ok=True, each=5)
        _chat_replied(server, bot_api, TelegramUser(7_100_003))
        load.stop()

        outcomes = load.outcomes
        unexpected = {
            (o.kind, o.status) for o in outcomes if o.status not in OK and o.status != 503
        }
        assert not unexpected, f"answers other than success or 503: {unexpected}\n{load.statuses()}"
        # After each restart: every request that started once the server answered, except
        # those in flight when the second outage began (they may get its 503).
        after = [
            o
            for o in outcomes
            if o.started >= back_again or back <= o.started and o.ended < stopping
        ]
        failed = [
            (o.kind, o.status, round(o.started - back, 2), round(o.started - back_again, 2))
            for o in after
            if o.status not in OK
        ]
        assert after and not failed, failed

        # What got a 503 is sent again by the person or the partner system: stored once each.
        acknowledged = [o.receipt for o in outcomes if o.receipt]
        for outcome in outcomes:
            if outcome.resend is not None:
                again = outcome.resend()
                assert again.status_code in (201, 303), again.status_code
                acknowledged.append(
                    again.headers.get("Location", "").rsplit("/", 1)[-1]
                    if again.status_code == 303
                    else again.json()["receipt"]
                )
        server_log = server.output()

    engine = make_engine(store)
    try:
        with engine.connect() as connection:
            stored = [r.receipt for r in connection.execute(text("SELECT receipt FROM submission"))]
            queued = connection.execute(text("SELECT count(*) FROM chat_reply")).scalar_one()
    finally:
        engine.dispose()
    assert sorted(stored) == sorted(set(acknowledged)), (
        "a receipt given out is missing, or an input is stored twice"
    )
    assert len(acknowledged) == len(set(acknowledged)) and queued == 0
    assert "Traceback" not in server_log, server_log[-5000:]
    assert (
        server_log.count("store unavailable at telegram reply sender") <= 2 * 2
    )  # once per outage, per worker


class _running:
    """The load as a context manager, stopped however the test ends."""

    def __init__(self, load: Load) -> None:
        self.load = load

    def __enter__(self) -> Load:
        return self.load.start()

    def __exit__(self, *exc: object) -> None:
        self.load.stop()
