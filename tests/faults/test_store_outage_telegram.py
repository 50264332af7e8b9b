"""The store unavailable while Telegram delivers: nothing is acknowledged that was not recorded,
and what was delivered is processed exactly once when the store is back.

Against the fake Bot API over HTTP, with real outages: the private PostgreSQL server stopped
or read-only, an SQLite file whose write lock another connection holds.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from sqlmodel import Session, select

from bots.telegram.app import build_telegram_app
from bots.telegram.polling import run_polling
from intake_api.policies.availability import RETRY_AFTER_SECONDS, store_unavailable
from models import InboxEntry, Submission
from tests.bots.telegram import conftest as telegram_fixtures
from tests.bots.telegram.conftest import WEBHOOK_SECRET, TelegramUser
from tests.bots.telegram.test_conversation import converse
from tests.conftest import count_rows
from tests.factories import text_for
from tests.faults import chat_stores

# The fixtures of the Telegram tests, on a store this module may take away.
bot_api, telegram_settings, telegram_runtime, telegram_app = (
    telegram_fixtures.bot_api,
    telegram_fixtures.telegram_settings,
    telegram_fixtures.telegram_runtime,
    telegram_fixtures.telegram_app,
)
database_url, outage_kind, outage = (
    chat_stores.database_url,
    chat_stores.outage_kind,
    chat_stores.outage,
)

HEADERS = {"X-Telegram-Bot-Api-Secret-Token": WEBHOOK_SECRET}
OUTAGE_LOG = "store unavailable at"


@pytest.fixture
def post(telegram_app):  # type: ignore[no-untyped-def]
    """POST an update to the webhook as Telegram does; ``drain``: wait for the replies it caused."""
    client = telegram_app.test_client()

    def post(update: dict[str, Any], *, drain: bool = True):  # type: ignore[no-untyped-def]
        response = client.post("/telegram/webhook", json=update, headers=HEADERS)
        if drain and (channel := telegram_app.extensions["telegram"]._channel) is not None:
            channel.replies.drain()
        return response

    return post


def _up_to_the_summary(post, user: TelegramUser) -> None:  # type: ignore[no-untyped-def]
    class Webhook:
        def handle(self, update):  # type: ignore[no-untyped-def]
            assert post(update).status_code == 200
            return True

    converse(Webhook(), user, "en", text_for("en"))


def _entry(engine, update: dict[str, Any]) -> InboxEntry | None:  # type: ignore[no-untyped-def]
    with Session(engine) as session:
        statement = select(InboxEntry).where(InboxEntry.delivery_id == str(update["update_id"]))
        return session.exec(statement).first()


def _receipt_messages(engine, bot_api) -> int:  # type: ignore[no-untyped-def]
    with Session(engine) as session:
        receipt = session.exec(select(Submission.receipt)).one()
    return sum(receipt in text for text in bot_api.texts())


def _outage_lines(caplog: pytest.LogCaptureFixture, where: str) -> list[str]:
    """The outage lines of one place (the reply sender, in the background, may log its own)."""
    return [
        r.getMessage() for r in caplog.records if r.getMessage().startswith(f"{OUTAGE_LOG} {where}")
    ]


def test_an_update_the_webhook_could_not_record_is_answered_503_and_its_redelivery_processed_once(
    post, outage, engine, bot_api, caplog
):  # type: ignore[no-untyped-def]
    user = TelegramUser(90_005)
    _up_to_the_summary(post, user)
    send = user.tap("send")
    with outage():
        answered = post(send, drain=False)
    assert answered.status_code == 503  # Telegram delivers it again
    assert answered.headers["Retry-After"] == str(RETRY_AFTER_SECONDS)
    assert answered.get_json()["error"] == "store_unavailable"
    assert _entry(engine, send) is None and count_rows(engine, "submission") == 0
    assert len(_outage_lines(caplog, "POST /telegram/webhook")) == 1

    redelivered = post(send)
    assert (redelivered.status_code, redelivered.get_json()["duplicate"]) == (200, False)
    again = post(send)  # Telegram may deliver twice; the second is recognised
    assert (again.status_code, again.get_json()["duplicate"]) == (200, True)
    assert count_rows(engine, "submission") == 1
    assert _receipt_messages(engine, bot_api) == 1
    assert _entry(engine, send).status == "done"  # type: ignore[union-attr]


def test_an_update_recorded_before_the_outage_uses_no_try_and_is_processed_once_after_it(
    telegram_app, post, outage, engine, bot_api, caplog
):  # type: ignore[no-untyped-def]
    user = TelegramUser(90_006)
    _up_to_the_summary(post, user)
    send = user.tap("send")
    channel = telegram_app.extensions["telegram"].get()
    assert channel.inbox.receive(
        str(send["update_id"]), send
    )  # recorded; its processing never ran (a crash)
    with outage():
        with pytest.raises(Exception) as met:  # noqa: B017, PT011 - whichever error the store gives
            channel.retry_pending(older_than=timedelta(0))  # the scheduler's retry, every minute
        assert store_unavailable(met.value)
        assert (
            post(send, drain=False).status_code == 503
        )  # a redelivery meanwhile cannot be looked up either
    entry = _entry(engine, send)
    assert entry is not None and (entry.status, entry.attempts) == (
        "pending",
        0,
    )  # the outage used no try

    assert post(send).get_json()["duplicate"] is True
    assert channel.retry_pending(older_than=timedelta(0)) == 1
    channel.replies.drain()
    assert channel.retry_pending(older_than=timedelta(0)) == 0
    assert count_rows(engine, "submission") == 1
    assert _receipt_messages(engine, bot_api) == 1
    assert _entry(engine, send).status == "done"  # type: ignore[union-attr]


def _wait_until(condition: Callable[[], bool], what: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"still waiting for {what}")
        time.sleep(0.05)


def _help_answers(bot_api) -> int:  # type: ignore[no-untyped-def]
    return sum("/mydata" in text for text in bot_api.texts())


def test_polling_keeps_its_offset_before_an_update_it_could_not_record_and_survives_the_outage(
    telegram_runtime, bot_api, outage, engine, caplog
):  # type: ignore[no-untyped-def]
    channel = build_telegram_app(telegram_runtime)
    stop = threading.Event()
    poller = threading.Thread(
        target=run_polling, args=(channel,), kwargs={"stop": stop, "timeout": 1}
    )
    poller.start()
    user = TelegramUser(90_007)
    try:
        bot_api.push_update(user.text("/help"))
        _wait_until(lambda: _help_answers(bot_api) == 1, "the first answer")
        second = user.text("/help")
        with outage():
            bot_api.push_update(second)
            _wait_until(
                lambda: bool(_outage_lines(caplog, "telegram polling")),
                "the poller to meet the outage",
            )
            time.sleep(4)  # a few tries while the store is away (1 s, then 2 s apart)
            offsets = [int(call.get("offset") or 0) for call in bot_api.sent("getUpdates")]
            assert max(offsets) <= second["update_id"]  # Telegram keeps what was not recorded
            assert poller.is_alive()
        _wait_until(lambda: _help_answers(bot_api) == 2, "the answer once the store is back")
        _wait_until(
            lambda: (
                (_entry(engine, second) or InboxEntry(channel="", delivery_id="")).status == "done"
            ),
            "the update settled",
        )
        _wait_until(
            lambda: any(
                int(call.get("offset") or 0) > second["update_id"]
                for call in bot_api.sent("getUpdates")
            ),
            "the offset past it",
        )
    finally:
        stop.set()
        poller.join(timeout=30)
        channel.close()
    assert not poller.is_alive()
    assert _help_answers(bot_api) == 2  # answered once, not once per try
    assert (
        len(_outage_lines(caplog, "telegram polling")) == 1
    )  # logged once per outage, not per try (the reply sender logs its own)
    (back,) = [
        r.getMessage()
        for r in caplog.records
        if "store available again at telegram polling" in r.getMessage()
    ]
    assert int(back.split("after ")[1].split()[0]) >= 2
