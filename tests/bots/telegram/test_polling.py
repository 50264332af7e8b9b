"""`gcm-intake telegram` as a real process against the fake Bot API: polling, restarts."""

from __future__ import annotations

import signal
import subprocess
import sys
import time

import pytest
from sqlmodel import Session, select

from intake_api.i18n import gettext
from models import Submission
from models.migrate import upgrade
from tests.bots.telegram.conftest import TelegramUser
from tests.conftest import count_rows
from tests.fakes.bot_api import TOKEN
from tests.processes import clean_env as _clean_env

pytestmark = pytest.mark.slow


def _start(database_url: str, bot_api, tmp_path) -> subprocess.Popen:  # type: ignore[no-untyped-def]
    env = _clean_env(
        INTAKE_DATABASE_URL=database_url,
        INTAKE_SECRET_KEY="polling-key",
        INTAKE_TELEGRAM_TOKEN=TOKEN,
        INTAKE_TELEGRAM_API_URL=bot_api.base_url,
        INTAKE_TELEGRAM_REPLY_RATE="1000",
    )  # a chat's replies 30 ms apart, not 1 s
    return subprocess.Popen(
        [sys.executable, "-m", "intake_api.cli", "telegram"],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def _wait_for_replies(bot_api, count: int, timeout: float = 30) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while len(bot_api.texts()) < count:
        if time.monotonic() > deadline:
            raise AssertionError(
                f"only {len(bot_api.texts())} replies of {count}: {bot_api.texts()[-3:]}"
            )
        time.sleep(0.05)


def test_polling_carries_a_conversation_through_a_crash(
    database_url, runtime, bot_api, tmp_path, engine
):
    upgrade(engine)
    user = TelegramUser(90_001, "fr")
    first_half = [
        user.text("/start"),
        user.tap("lang:fr"),
        user.tap("consent:yes"),
        user.text("Les associations de la diaspora veulent être consultées."),
        user.tap("a:unece"),
    ]
    second_half = [
        user.tap("send"),
        user.tap("a:diaspora"),
        user.text("France"),
        user.tap("c:FR"),
        user.tap("skip"),
        user.tap("skip"),
    ]
    done = gettext(
        "fr", "Thank you! Your details are added to your input. Send /new to share another input."
    )

    process = _start(database_url, bot_api, tmp_path)
    try:
        for update in first_half:
            bot_api.push_update(update)
        _wait_for_replies(bot_api, len(first_half))  # one reply each
        assert bot_api.sent("setMyCommands") and bot_api.sent("deleteWebhook")
    finally:
        process.send_signal(signal.SIGKILL)  # a crash: nothing is flushed or said goodbye
        process.communicate(timeout=10)

    replies_before = len(bot_api.texts())
    process = _start(database_url, bot_api, tmp_path)
    try:
        # Telegram redelivers what the crashed poller had not confirmed; plus one true duplicate.
        for update in [*second_half, second_half[-1]]:
            bot_api.push_update(update)
        deadline = time.monotonic() + 30
        while done not in bot_api.texts() and time.monotonic() < deadline:
            time.sleep(0.1)  # the last reply is sent a moment after the last detail is stored
        time.sleep(0.5)  # and a duplicate, if any, would have been answered by now
    finally:
        process.send_signal(signal.SIGTERM)
        output, _ = process.communicate(timeout=20)
    assert "Traceback" not in output
    with Session(engine) as session:
        stored = session.exec(select(Submission)).one()
    assert (
        stored.review_slug,
        stored.stakeholder_group,
        stored.country,
        stored.theme,
        stored.locale,
    ) == ("unece", "diaspora", "FR", None, "fr")
    assert len(bot_api.texts()) > replies_before
    assert any(stored.receipt in t for t in bot_api.texts()[replies_before:])
    assert bot_api.texts().count(done) == 1


def test_set_webhook_registers_the_url_with_the_secret(bot_api, tmp_path, database_url, runtime):
    env = _clean_env(
        INTAKE_DATABASE_URL=database_url,
        INTAKE_SECRET_KEY="k",
        INTAKE_TELEGRAM_TOKEN=TOKEN,
        INTAKE_TELEGRAM_API_URL=bot_api.base_url,
        INTAKE_TELEGRAM_WEBHOOK_SECRET="s3cret",
    )
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "intake_api.cli",
            "telegram",
            "--set-webhook",
            "https://intake.example.org/telegram/webhook",
        ],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    (call,) = bot_api.sent("setWebhook")
    assert call["url"] == "https://intake.example.org/telegram/webhook"
    assert call["secret_token"] == "s3cret"
    assert len(bot_api.sent("setMyCommands")) == 7


def test_telegram_command_without_token_explains_itself(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "intake_api.cli", "telegram"],
        env=_clean_env(),
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0 and "INTAKE_TELEGRAM_TOKEN" in result.stderr


def test_polling_skips_malformed_updates_and_keeps_reading(channel, bot_api, engine, caplog):
    """A malformed update (the library's parser raised on it) is skipped with a log line; the
    poller reads the next ones and moves its offset past it, so a restart does not meet it again."""
    import logging
    import threading

    from bots.telegram.polling import run_polling

    caplog.set_level(logging.INFO)
    user = TelegramUser(90_011, "en")
    bad_text = user.text("hello")
    bad_text["message"]["text"] = {"bold": "hello"}
    for update in (
        {"update_id": 1, "message": "garbage"},
        {"update_id": 2, "callback_query": []},
        bad_text,
        user.text("/start"),
    ):
        bot_api.push_update(update)
    stop = threading.Event()
    poller = threading.Thread(
        target=run_polling, args=(channel.channel,), kwargs={"stop": stop, "timeout": 1}
    )
    poller.start()
    try:
        deadline = time.monotonic() + 20
        while not bot_api.texts() and time.monotonic() < deadline:
            channel.replies.drain()
            time.sleep(0.05)
    finally:
        stop.set()
        poller.join(timeout=20)
    assert not poller.is_alive()
    assert len(bot_api.texts()) >= 1  # /start was answered
    skipped = [r for r in caplog.records if "skipped an update" in r.getMessage()]
    assert len(skipped) == 3
    assert count_rows(engine, "inbox_entry") == 1  # only the real update was recorded
    last_offset = int(bot_api.sent("getUpdates")[-1]["offset"])
    assert last_offset > bad_text["update_id"]
