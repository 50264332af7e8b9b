"""POST /telegram/webhook: authenticated, exactly once, resilient to Bot API faults."""

from __future__ import annotations

import json
import logging
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from datetime import timedelta

import pytest
from sqlalchemy import text
from sqlmodel import Session, select

from intake_api.policies.delivery import POLICIES, Kind
from models import InboxEntry, Submission
from tests.bots.telegram.conftest import WEBHOOK_SECRET, TelegramUser
from tests.bots.telegram.test_conversation import converse
from tests.conftest import count_rows
from tests.factories import text_for

HEADERS = {"X-Telegram-Bot-Api-Secret-Token": WEBHOOK_SECRET}


@pytest.fixture
def post(telegram_app):  # type: ignore[no-untyped-def]
    client = telegram_app.test_client()

    def post(update, headers=HEADERS):  # type: ignore[no-untyped-def]
        response = client.post("/telegram/webhook", json=update, headers=headers)
        if (channel := telegram_app.extensions["telegram"]._channel) is not None:
            channel.replies.drain()  # what the person sees a moment later
        return response

    return post


def _conversation_via_webhook(post, user: TelegramUser, locale: str = "en") -> None:
    class Poster:
        def handle(self, update):  # type: ignore[no-untyped-def]
            response = post(update)
            assert response.status_code == 200, response.status_code
            return True

    converse(Poster(), user, locale, text_for(locale))


@pytest.mark.parametrize("headers", [{}, {"X-Telegram-Bot-Api-Secret-Token": "wrong"}])
def test_wrong_or_missing_secret_is_403_and_stores_nothing(post, engine, headers):
    assert post(TelegramUser(1).text("/start"), headers=headers).status_code == 403
    assert count_rows(engine, "inbox_entry") == 0


MALFORMED = [
    "not json",
    "[]",
    '{"no": "update_id"}',
    '{"update_id": "x"}',
    '{"update_id": true}',
    '{"update_id": ' + "9" * 40 + "}",
    "[" * 50_000 + "]" * 50_000,  # JSON nested thousands deep
    '{"update_id": 5, "message": ' + '{"a": ' * 3000 + "1" + "}" * 3000 + "}",
    '{"update_id": 5, "message": {"message_id": 1, "date": 1764000000, "text": {"bold": "hi"},'
    ' "chat": {"id": 42, "type": "private"}, "from": {"id": 42, "is_bot": false, "first_name": "T"}}}',
    '{"update_id": 5, "message": {"message_id": 1, "date": 1e300, "text": "hi",'
    ' "chat": {"id": 42, "type": "private"}, "from": {"id": 42, "is_bot": false, "first_name": "T"}}}',
    '{"update_id": 5, "message": "hello"}',
    '{"update_id": 5, "callback_query": []}',
    '{"update_id": 5, "message": {"message_id": 1, "date": 1764000000, "text": "/",'
    ' "chat": {"id": "42", "type": "private"}, "from": {"id": 42, "is_bot": false, "first_name": "T"}}}',
]


@pytest.mark.parametrize("body", MALFORMED)
def test_malformed_bodies_are_acknowledged_logged_once_and_never_read(
    telegram_app, engine, bot_api, caplog, body
):
    """Telegram would resend a refused update for hours, holding back the ones behind it."""
    caplog.set_level(logging.INFO)
    response = telegram_app.test_client().post(
        "/telegram/webhook", data=body, headers={**HEADERS, "Content-Type": "application/json"}
    )
    assert response.status_code == 200 and response.get_json() == {"ok": True, "ignored": True}
    assert count_rows(engine, "inbox_entry") == 0 and count_rows(engine, "submission") == 0
    ignored = [r for r in caplog.records if "not an update" in r.getMessage()]
    assert len(ignored) == 1 and ignored[0].levelno == logging.WARNING
    assert not bot_api.sent("sendMessage")


def test_oversized_body_is_413(telegram_app):
    body = json.dumps({"update_id": 1, "message": {"text": "x" * 300_000}})
    response = telegram_app.test_client().post(
        "/telegram/webhook", data=body, headers={**HEADERS, "Content-Type": "application/json"}
    )
    assert response.status_code == 413


def test_webhook_is_404_when_telegram_is_off(client):
    assert (
        client.post("/telegram/webhook", json={"update_id": 1}, headers=HEADERS).status_code == 404
    )


def test_full_conversation_through_the_webhook(post, engine, bot_api):
    user = TelegramUser(80_001, "zh")
    _conversation_via_webhook(post, user, "zh")
    assert post(user.tap("send")).status_code == 200
    with Session(engine) as session:
        stored = session.exec(select(Submission)).one()
    assert stored.locale == "zh" and stored.text == text_for("zh")
    assert stored.receipt in bot_api.texts()[-3]  # then why the details, and the first of them


def test_the_same_update_twice_stores_once(post, engine, bot_api):
    user = TelegramUser(80_002)
    _conversation_via_webhook(post, user)
    send = user.tap("send")
    assert post(send).get_json() == {"ok": True, "duplicate": False}
    assert post(send).get_json() == {"ok": True, "duplicate": True}
    assert count_rows(engine, "submission") == 1
    assert sum("Thank you! Your input has been received." in t for t in bot_api.texts()) == 1


def test_concurrent_duplicate_deliveries_store_once(telegram_app, engine):
    user = TelegramUser(80_003)
    client = telegram_app.test_client()
    _conversation_via_webhook(
        lambda u: client.post("/telegram/webhook", json=u, headers=HEADERS), user
    )
    send = user.tap("send")

    def deliver(_):  # type: ignore[no-untyped-def]
        return (
            telegram_app.test_client()
            .post("/telegram/webhook", json=send, headers=HEADERS)
            .status_code
        )

    with ThreadPoolExecutor(max_workers=10) as pool:
        assert set(pool.map(deliver, range(10))) == {200}
    assert count_rows(engine, "submission") == 1
    with Session(engine) as session:
        entry = session.exec(
            select(InboxEntry).where(InboxEntry.delivery_id == str(send["update_id"]))
        ).one()
    assert entry.status == "done" and entry.payload is None


def test_bot_waits_out_a_429_and_succeeds(post, bot_api):
    bot_api.fail_next("sendMessage", 429, retry_after=1)
    started = time.monotonic()
    assert post(TelegramUser(80_004).text("/help")).status_code == 200
    assert time.monotonic() - started >= 1.0
    assert "/mydata" in bot_api.texts()[-1]


def test_bot_api_500s_do_not_lose_the_input(post, engine, bot_api, monkeypatch):
    monkeypatch.setitem(POLICIES, Kind.REPLY, replace(POLICIES[Kind.REPLY], first=0.01, cap=0.05))
    user = TelegramUser(80_005)
    _conversation_via_webhook(post, user)
    bot_api.fail_next("editMessageText", 500, times=10)
    bot_api.fail_next("sendMessage", 500, times=10)
    bot_api.fail_next("answerCallbackQuery", 500, times=10)
    assert post(user.tap("send")).status_code == 200
    assert count_rows(engine, "submission") == 1


def test_failed_processing_is_retried_not_dropped(telegram_app, post, engine, monkeypatch):
    from bots.telegram.conversation import Conversation

    user = TelegramUser(80_006)
    original = Conversation.handle
    monkeypatch.setattr(
        Conversation, "handle", lambda *a: (_ for _ in ()).throw(RuntimeError("db hiccup"))
    )
    assert post(user.text("/start")).status_code == 200  # stored, so acknowledged
    with Session(engine) as session:
        entry = session.exec(select(InboxEntry)).one()
    assert (entry.status, entry.attempts, entry.last_error) == ("pending", 1, "RuntimeError")
    assert entry.payload is not None and b"/start" not in entry.payload  # kept, encrypted

    monkeypatch.setattr(Conversation, "handle", original)
    from datetime import timedelta

    assert telegram_app.extensions["telegram"].get().retry_pending(older_than=timedelta(0)) == 1
    with Session(engine) as session:
        assert session.exec(select(InboxEntry.status)).one() == "done"


def test_the_scheduler_retries_a_failed_update_when_no_other_arrives(
    telegram_app, telegram_runtime, post, engine, bot_api, monkeypatch
):
    from bots.telegram.conversation import Conversation
    from intake_api.app import default_senders
    from intake_api.scheduler import Leadership, tick
    from models.base import utcnow

    user = TelegramUser(80_007)
    original = Conversation.handle
    monkeypatch.setattr(
        Conversation, "handle", lambda *a: (_ for _ in ()).throw(RuntimeError("db hiccup"))
    )
    assert post(user.text("/start")).status_code == 200
    monkeypatch.setattr(Conversation, "handle", original)
    with engine.begin() as connection:  # received long enough ago to be retried
        connection.execute(
            text("UPDATE inbox_entry SET received_at = :t"), {"t": utcnow() - timedelta(minutes=5)}
        )
    from bots.telegram.app import LazyTelegram

    lazy = LazyTelegram(telegram_runtime)
    try:
        tick(telegram_runtime, Leadership(engine), default_senders(telegram_runtime), telegram=lazy)
        lazy.get().replies.drain()  # type: ignore[union-attr]
        with Session(engine) as session:
            assert session.exec(select(InboxEntry.status)).one() == "done"
        assert {str(m["chat_id"]) for m in bot_api.sent()} == {
            str(user.user_id)
        }  # greeted after all
    finally:
        channel = lazy.get()
        assert channel is not None
        channel.close()


def test_no_handler_error_reaches_the_log(post, caplog):
    user = TelegramUser(80_007)
    with caplog.at_level(logging.WARNING):
        for update in (
            user.voice(),
            user.sticker(),
            user.in_group("hi"),
            user.edited("x"),
            user.tap("nonsense"),
            user.tap("t:99"),
            user.tap("p:x"),
            user.text("/unknown"),
            user.tap("lang:xx"),
            user.text("🙂" * 5000),
            {"update_id": 99_999_999},
        ):
            assert post(update).status_code == 200
    assert [r for r in caplog.records if r.levelno >= logging.ERROR] == []


def test_no_raw_telegram_id_is_stored(post, engine):
    from tests.intake_api.test_service import _all_text

    user = TelegramUser(5_550_123_987)
    _conversation_via_webhook(post, user)
    post(user.tap("send"))
    assert "5550123987" not in _all_text(engine)
