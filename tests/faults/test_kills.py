"""Processes killed with SIGKILL mid-work: each part is back, or replaced, within a minute.

- A gunicorn worker killed while it stores a form: gunicorn starts another; the person's
  browser got no answer and sends the same form again (same submission key): stored once.
  Everything acknowledged before the kill is in the store.
- The scheduler killed while it hands a digest to SMTP: started again (systemd's
  ``Restart=always``) it takes over at once, or a standby takes over at its next tick,
  and that period is sent once.
- The web worker sending Telegram replies killed mid-call: the scheduler's reply sender,
  standing by, takes the lease over and sends what is queued; only the reply whose call was
  in flight may arrive twice (the documented at-least-once case).

Each runs on SQLite and on PostgreSQL. Already covered elsewhere, not repeated here: a
broadcast killed midway and resumed (tests/bots/telegram/test_broadcast_command.py), a
polling process killed mid-conversation (tests/bots/telegram/test_polling.py), a standby
scheduler (tests/deploy/test_scheduler_standby.py), a sender dying before it sends
(tests/bots/telegram/test_replies.py).
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import threading
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import Engine, text

from models.base import utcnow
from models.db import make_engine
from tests.bots.telegram.conftest import WEBHOOK_SECRET, TelegramUser
from tests.deploy.servers import Server, deployed, migrate
from tests.factories import input_answers
from tests.fakes.bot_api import TOKEN, FakeBotApi
from tests.faults.outages import sqlite_write_locked
from tests.processes import GCM_INTAKE, clean_env, free_port
from tests.web_helpers import hidden_fields

pytestmark = pytest.mark.slow

WITHIN = 60  # seconds: "back within a minute", as the README promises


def _env(database_url: str, **extra: str) -> dict[str, str]:
    return clean_env(
        INTAKE_DATABASE_URL=database_url,
        INTAKE_SECRET_KEY="one-key-for-every-process",
        INTAKE_RATELIMIT_ENABLED="false",
        **extra,
    )


def _workers(master: subprocess.Popen) -> list[int]:  # type: ignore[type-arg]
    children = Path(f"/proc/{master.pid}/task/{master.pid}/children").read_text().split()
    return [int(pid) for pid in children]


def _wait(condition: Any, what: str, timeout: float = WITHIN, server: Server | None = None) -> None:
    """Wait for the condition; failing, show what the server printed (its log says why)."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() >= deadline:
            raise AssertionError(what if server is None else f"{what}\n{server.output()}")
        time.sleep(0.05)


def _rows(engine: Engine, sql: str) -> list[Any]:
    with engine.connect() as connection:
        return list(connection.execute(text(sql)))


@contextmanager
def _store_held(database_url: str) -> Iterator[Any]:
    """Writers wait on the store: an SQLite file's write lock, or PostgreSQL's table lock."""
    if database_url.startswith("sqlite"):
        with sqlite_write_locked(Path(database_url.removeprefix("sqlite:///"))):
            yield None
        return
    engine = make_engine(database_url)
    try:
        with engine.connect() as connection:
            connection.execute(text("LOCK TABLE submission IN ACCESS EXCLUSIVE MODE"))
            yield connection
            connection.rollback()
    finally:
        engine.dispose()


def _waiting_on_the_lock(database_url: str) -> bool:
    if database_url.startswith("sqlite"):
        time.sleep(1.0)  # SQLite shows no waiter: give the request time to reach its write
        return True
    engine = make_engine(database_url)
    try:
        return bool(
            _rows(
                engine,
                "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'"
                " AND query ILIKE '%submission%'",
            )[0][0]
        )
    finally:
        engine.dispose()


def _send_form(server: Server, locale: str = "en") -> tuple[httpx.Client, dict[str, Any]]:
    browser = httpx.Client(base_url=server.url, timeout=60)
    page = browser.get(f"/{locale}/inputs/new")
    assert page.status_code == 200
    return browser, {**hidden_fields(page.text), **input_answers(locale)}


def _receipt(response: httpx.Response) -> str:
    assert response.status_code == 303, (response.status_code, response.text[:300])
    return response.headers["Location"].rsplit("/", 1)[-1]


def test_a_worker_killed_mid_request_loses_nothing_and_stores_the_resent_form_once(
    database_url, tmp_path
):
    env = _env(database_url)
    migrate(env, tmp_path)
    with ExitStack() as stack:
        server = stack.enter_context(deployed(env, tmp_path, "-w", "2", name="gunicorn"))
        before = []
        for _ in range(3):
            browser, answers = stack.enter_context(_closing(*_send_form(server)))
            before.append(_receipt(browser.post("/en/inputs/new", data=answers)))

        browser, answers = stack.enter_context(_closing(*_send_form(server)))
        answered: list[Any] = []
        with _store_held(database_url):
            sending = threading.Thread(target=lambda: answered.append(_post(browser, answers)))
            sending.start()
            _wait(lambda: _waiting_on_the_lock(database_url), "the form never reached the store")
            old = _workers(server.process)
            for pid in old:  # the worker storing the form among them
                os.kill(pid, signal.SIGKILL)
            sending.join(timeout=60)
        assert isinstance(answered[0], httpx.TransportError), answered  # the browser got no answer

        _wait(
            lambda: len(set(_workers(server.process)) - set(old)) == 2,
            "gunicorn did not start new workers",
            server=server,
        )
        _wait(lambda: _healthy(server), "the new workers do not answer", server=server)
        again = _receipt(browser.post("/en/inputs/new", data=answers))  # the person sends it again
        assert (
            _receipt(browser.post("/en/inputs/new", data=answers)) == again
        )  # and once more: the same
        log = server.output()

    engine = make_engine(database_url)
    try:
        stored = [r.receipt for r in _rows(engine, "SELECT receipt FROM submission")]
    finally:
        engine.dispose()
    assert sorted(stored) == sorted(
        [*before, again]
    )  # nothing acknowledged lost, the resent form once
    assert "Traceback" not in log.replace("Perhaps out of memory?", "")


class _closing:
    def __init__(self, browser: httpx.Client, answers: dict[str, Any]) -> None:
        self.browser, self.answers = browser, answers

    def __enter__(self) -> tuple[httpx.Client, dict[str, Any]]:
        return self.browser, self.answers

    def __exit__(self, *exc: object) -> None:
        self.browser.close()


def _post(browser: httpx.Client, answers: dict[str, Any]) -> httpx.Response | Exception:
    try:
        return browser.post("/en/inputs/new", data=answers)
    except httpx.TransportError as error:
        return error


def _healthy(server: Server) -> bool:
    try:
        return httpx.get(f"{server.url}/healthz", timeout=5).status_code == 200
    except httpx.TransportError:
        return False


class _StallingSmtp:
    """A real SMTP server (aiosmtpd) that holds the first message at RCPT until released."""

    def __init__(self) -> None:
        self.stalled, self.release = threading.Event(), threading.Event()
        self.accepted: list[bytes] = []
        self.controller = Controller(self, hostname="127.0.0.1", port=free_port())

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.controller.port}?from=digests%40gcm.example"

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, options: Any
    ) -> str:  # noqa: N802
        if not self.stalled.is_set():
            self.stalled.set()
            while not self.release.is_set():  # the sender is killed meanwhile
                await asyncio.sleep(0.05)
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        self.accepted.append(envelope.content)
        return "250 Message accepted for delivery"


@contextmanager
def _scheduler(env: dict[str, str], cwd: Path, name: str) -> Iterator[subprocess.Popen]:  # type: ignore[type-arg]
    with (cwd / f"{name}.log").open("w") as sink:
        process = subprocess.Popen(
            [*GCM_INTAKE, "scheduler"], cwd=cwd, env=env, stdout=sink, stderr=subprocess.STDOUT
        )
    try:
        yield process
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            process.wait(timeout=60)


@pytest.mark.parametrize("back_by", ["restart", "standby"])
def test_a_scheduler_killed_mid_digest_sends_that_period_once(back_by, database_url, tmp_path):
    """``restart``: systemd's Restart=always starts it again. ``standby``: a second one
    (compose's two replicas) is waiting and takes over at its next tick."""
    smtp = _StallingSmtp()
    smtp.controller.start()
    env = _env(database_url, INTAKE_SMTP_URL=smtp.url)
    migrate(env, tmp_path)
    fired = utcnow() - timedelta(minutes=2)
    subscribed = subprocess.run(
        [
            *GCM_INTAKE,
            "digest",
            "subscribe",
            "--review",
            "escwa",
            "--cadence",
            # daily, at a minute just gone: one period is due and no other falls due however
            # long the test takes (a 5-minute cadence could cross a boundary and send twice)
            f"{fired.minute} {fired.hour} * * *",
            "--email",
            "digests@example.org",
        ],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert subscribed.returncode == 0, subscribed.stderr
    engine = make_engine(database_url)
    try:
        # subscribed a while ago: a period is due at the first tick
        with engine.begin() as connection:
            connection.execute(
                text("UPDATE digest_subscription SET created_at = :at"),
                {"at": utcnow() - timedelta(minutes=7)},
            )
        with ExitStack() as stack:
            first = stack.enter_context(_scheduler(env, tmp_path, "first"))
            _wait(smtp.stalled.is_set, "the scheduler never sent the digest")
            assert [r.status for r in _rows(engine, "SELECT status FROM digest_delivery")] == [
                "sending"
            ]
            if back_by == "standby":
                stack.enter_context(_scheduler(env, tmp_path, "second"))
                _wait(lambda: "stands by" in (tmp_path / "second.log").read_text(), "no standby")
            first.send_signal(signal.SIGKILL)  # mid-digest: the claim stays
            first.wait(timeout=10)
            smtp.release.set()
            killed = time.monotonic()
            if back_by == "restart":
                stack.enter_context(_scheduler(env, tmp_path, "second"))  # as systemd restarts it
            _wait(lambda: smtp.accepted, f"the digest was not sent within a minute by a {back_by}")
            _wait(
                lambda: (
                    [r.status for r in _rows(engine, "SELECT status FROM digest_delivery")]
                    == ["sent"]
                ),
                "the period is not marked sent",
            )
            assert (
                time.monotonic() - killed < WITHIN
            )  # a standby takes over at its next tick (TICK_SECONDS)
        log = (tmp_path / "second.log").read_text()
    finally:
        engine.dispose()
        smtp.controller.stop()
    assert len(smtp.accepted) == 1  # that period, once
    assert "left unsent by a stopped scheduler" in log and "Traceback" not in log


class _StallingBotApi(FakeBotApi):
    """The fake Bot API, holding one sendMessage call (to ``chat``) until released."""

    def __init__(self) -> None:
        super().__init__()
        self.chat: str | None = None
        self.stalled, self.release = threading.Event(), threading.Event()

    def answer(self, method: str, params: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        if (
            method == "sendMessage"
            and str(params.get("chat_id")) == self.chat
            and not self.stalled.is_set()
        ):
            self.stalled.set()
            self.release.wait(
                timeout=60
            )  # its sender is killed meanwhile; Telegram may still deliver it
        return super().answer(method, params)


def test_the_reply_sender_killed_mid_send_is_replaced_and_the_replies_go_out(
    database_url, tmp_path
):
    api = _StallingBotApi().start()
    env = _env(
        database_url,
        INTAKE_TELEGRAM_TOKEN=TOKEN,
        INTAKE_TELEGRAM_API_URL=api.base_url,
        INTAKE_TELEGRAM_WEBHOOK_SECRET=WEBHOOK_SECRET,
        INTAKE_TELEGRAM_REPLY_RATE="1000",
    )
    migrate(env, tmp_path)
    engine = make_engine(database_url)
    first, second = TelegramUser(7_200_001), TelegramUser(7_200_002)
    try:
        with ExitStack() as stack:
            server = stack.enter_context(deployed(env, tmp_path, "-w", "2", name="gunicorn"))
            _webhook(
                server, first.text("/start")
            )  # a worker builds the channel and takes the reply lease
            _wait(
                lambda: api.messages_per_chat()[str(first.user_id)] >= 1,
                "no reply to the first chat",
            )
            stack.enter_context(_scheduler(env, tmp_path, "scheduler"))  # its sender stands by
            holder = _rows(engine, "SELECT holder FROM lease WHERE name = 'telegram-replies'")[0][0]
            api.chat = str(second.user_id)
            _webhook(
                server, second.text("/start")
            )  # a reply queued: the greeting, with the privacy notice and consent
            _webhook(server, second.text("/help"))
            _wait(api.stalled.is_set, "the reply was never sent")
            os.kill(
                int(holder.split(":")[1]), signal.SIGKILL
            )  # the worker holding the lease, mid-call
            killed = time.monotonic()
            api.release.set()
            _wait(
                lambda: not _rows(engine, "SELECT id FROM chat_reply"),
                "queued replies were not sent within a minute",
            )
            assert time.monotonic() - killed < WITHIN
            new_holder = _rows(engine, "SELECT holder FROM lease WHERE name = 'telegram-replies'")[
                0
            ][0]
            assert new_holder != holder
    finally:
        engine.dispose()
        api.stop()
    texts = [p["text"] for p in api.sent() if str(p["chat_id"]) == str(second.user_id)]
    distinct = list(dict.fromkeys(texts))
    assert len(distinct) >= 2 and any(
        "/mydata" in t for t in distinct
    )  # every reply arrived, in order
    assert len(texts) - len(distinct) <= 1  # at most the one in flight twice


def _webhook(server: Server, update: dict[str, Any]) -> None:
    response = httpx.post(
        f"{server.url}/telegram/webhook",
        json=update,
        timeout=30,
        headers={"X-Telegram-Bot-Api-Secret-Token": WEBHOOK_SECRET},
    )
    assert response.status_code == 200, (response.status_code, response.text[:300])
