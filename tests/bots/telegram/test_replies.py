"""Replies queued in the store and sent by one sender at Telegram's pace."""

from __future__ import annotations

import time
from collections import defaultdict

import pytest
from sqlmodel import Session, select

from bots.telegram.app import build_telegram_app
from bots.telegram.channel import CHANNEL
from intake_api.runtime import build_runtime
from models import ChatReply
from tests.bots.telegram.conftest import TelegramUser
from tests.fakes.bot_api import FakeBotApi, Limits


def _numbered(channel, chats: range, per_chat: int) -> None:  # type: ignore[no-untyped-def]
    """Queue messages "chat/n" for each chat, as processed updates would."""
    from models.db import write_session

    with write_session(channel.runtime.engine) as session:
        for n in range(per_chat):
            for chat in chats:
                channel.outbox.add(
                    session,
                    chat_id=chat,
                    calls=[("sendMessage", {"chat_id": chat, "text": f"{chat}/{n}"})],
                )


def _by_chat(api: FakeBotApi) -> dict[str, list[str]]:
    seen: dict[str, list[str]] = defaultdict(list)
    for params in api.sent():
        seen[str(params["chat_id"])].append(params["text"])
    return seen


def test_each_chat_gets_its_replies_in_order(channel, bot_api):
    chats = range(900_001, 900_006)
    _numbered(channel, chats, per_chat=6)
    channel.replies.drain()
    assert _by_chat(bot_api) == {str(c): [f"{c}/{n}" for n in range(6)] for c in chats}
    assert channel.outbox.has_pending() is False


@pytest.fixture
def limited_api():  # type: ignore[no-untyped-def]
    api = FakeBotApi(Limits()).start()  # Telegram's real limits: 30 messages in any second
    yield api
    api.stop()


@pytest.fixture
def process(telegram_settings):  # type: ignore[no-untyped-def]
    """Start another process's channel (its own engine, client and sender) on the same store."""
    started = []

    def start(api: FakeBotApi, *, rate: float, sending: bool = True):  # type: ignore[no-untyped-def]
        settings = telegram_settings.model_copy(
            update={"telegram_api_url": api.base_url, "telegram_reply_rate": rate}
        )
        channel = build_telegram_app(build_runtime(settings))
        started.append(channel)
        if not sending:
            channel.replies.stop()  # it dies before its sender sends anything
        return channel

    yield start
    for channel in started:
        channel.close()
        channel.runtime.engine.dispose()


def test_two_processes_send_at_the_bots_pace_without_a_429(process, limited_api, runtime):
    # Two channels stand for two workers of one deployment: one holds the lease and sends.
    first, second = process(limited_api, rate=30), process(limited_api, rate=30)
    _numbered(first, range(910_000, 910_045), per_chat=1)
    _numbered(second, range(910_045, 910_090), per_chat=1)
    started = time.monotonic()
    first.replies.drain(timeout=20)
    second.replies.drain(timeout=20)
    elapsed = time.monotonic() - started
    assert limited_api.too_many_requests == 0
    assert sorted(limited_api.messages_per_chat().values()) == [1] * 90  # each once
    assert elapsed > 2.0  # 90 messages at 30 a second cannot take less than 2 windows


def test_a_chats_replies_are_a_second_apart_without_a_429(process, limited_api, runtime):
    sender = process(limited_api, rate=30)
    _numbered(
        sender, range(915_001, 915_003), per_chat=2
    )  # like a /start's two replies, two people
    sender.replies.drain(timeout=20)
    assert limited_api.too_many_requests == 0
    for chat in ("915001", "915002"):
        times = [
            c.at
            for c in limited_api.calls
            if c.method == "sendMessage" and str(c.params["chat_id"]) == chat
        ]
        assert len(times) == 2 and times[1] - times[0] >= 1.0  # Telegram's one a second in a chat


def test_replies_during_a_broadcast_share_the_bots_limit(process, limited_api, runtime, service):
    import threading

    from bots.telegram.broadcast import send_broadcast
    from intake_api import broadcasts
    from tests.factories import input_answers
    from tests.fakes.bot_api import TOKEN

    recipients = range(950_001, 950_121)
    for user_id in recipients:
        receipt = service.submit_input(
            input_answers(review="escwa"),
            channel="telegram",
            message_id=f"s{user_id}",
            locale="en",
            platform_user_id=user_id,
        ).code
        runtime.consent.record_message(
            receipt=receipt, chat_id=user_id, granted=True, channel="telegram", locale="en"
        )
    created = broadcasts.create_broadcast(
        runtime.engine,
        runtime.keys,
        review_slug="escwa",
        messages={"*": "The consultation is on 12 March."},
        groups=(),
        actor="test",
    )
    sender = process(limited_api, rate=30)
    broadcast = threading.Thread(
        target=send_broadcast,
        args=(runtime.engine, runtime.keys),
        kwargs={
            "token": TOKEN,
            "base_url": limited_api.base_url,
            "broadcast_id": created.broadcast_id,
        },
    )
    broadcast.start()
    while len(limited_api.sent()) < 30:  # a second into the broadcast, people write in
        time.sleep(0.01)
    _numbered(sender, range(951_001, 951_011), per_chat=1)
    sender.replies.drain(timeout=30)
    broadcast.join(timeout=30)
    assert limited_api.too_many_requests == 0
    per_chat = limited_api.messages_per_chat()
    assert [per_chat[str(c)] for c in recipients] == [1] * 120
    assert [per_chat[str(c)] for c in range(951_001, 951_011)] == [1] * 10


def test_a_queued_reply_survives_a_crash_and_holds_nothing_in_clear(
    process, bot_api, runtime, engine
):
    user = TelegramUser(5_550_222_333)
    stopped = process(bot_api, rate=1000, sending=False)
    stopped.handle(user.text("/help"))
    with Session(engine) as session:
        rows = session.exec(select(ChatReply)).all()
    assert len(rows) == 1 and rows[0].channel == CHANNEL
    assert b"5550222333" not in rows[0].call and b"/mydata" not in rows[0].call
    assert bot_api.sent() == []

    process(bot_api, rate=1000).replies.drain()  # the restarted process
    assert "/mydata" in bot_api.texts()[-1]
    assert str(bot_api.sent()[-1]["chat_id"]) == "5550222333"


def test_erasure_drops_replies_still_queued(process, bot_api, runtime, engine):
    user = TelegramUser(920_001)
    stopped = process(bot_api, rate=1000, sending=False)
    stopped.handle(user.text("/help"))
    _numbered(stopped, range(920_002, 920_003), per_chat=1)  # someone else's
    stopped.runtime.privacy.erase_contributor(channel=CHANNEL, platform_user_id=user.user_id)
    with Session(engine) as session:
        keys = [row.chat_key for row in session.exec(select(ChatReply))]
    assert keys == [stopped.outbox.chat_key(920_002)]


def test_an_edit_that_cannot_be_made_arrives_as_a_new_message(channel, bot_api):
    user = TelegramUser(930_001)
    channel.handle(user.text("/start"))
    bot_api.fail_next("editMessageText", 400)
    channel.handle(user.tap("lang:fr"))
    assert bot_api.sent("editMessageText") == []
    assert bot_api.sent("answerCallbackQuery")  # the button stopped spinning
    assert len(bot_api.sent()) >= 2  # the greeting, then the edit as a message


def test_a_refused_reply_is_dropped_and_the_next_one_goes(channel, bot_api):
    bot_api.fail_next("sendMessage", 403)  # the person blocked the bot, then unblocked it
    _numbered(channel, range(940_001, 940_002), per_chat=2)
    channel.replies.drain()
    assert [p["text"] for p in bot_api.sent()] == ["940001/1"]
    assert channel.outbox.has_pending() is False
