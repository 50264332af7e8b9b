"""One chat cannot flood the bot: past its inbound limit, updates are settled unread with one polite reply."""

from __future__ import annotations

import logging

import pytest
import redis
from sqlalchemy import text

from bots.telegram.app import build_telegram_app
from bots.telegram.inbound_limit import CHAT_LIMIT, SLOW_DOWN
from intake_api.i18n import gettext
from tests.bots.telegram.conftest import Answered, TelegramUser
from tests.conftest import REDIS_URL, require_redis

LIMIT = int(CHAT_LIMIT.split()[0])


def _statuses(engine) -> dict[str, int]:  # type: ignore[no-untyped-def]
    with engine.connect() as connection:
        return dict(
            connection.execute(
                text("SELECT status, count(*) FROM inbox_entry GROUP BY status")
            ).all()
        )


def test_a_flooding_chat_gets_one_polite_reply_and_the_rest_is_settled_unread(
    channel, bot_api, engine
):
    flooder, other = TelegramUser(70_101, "fr"), TelegramUser(70_102, "ar")
    channel.handle(flooder.text("/start"))
    channel.handle(flooder.tap("lang:fr"))
    answered_before = bot_api.messages_per_chat()[str(flooder.user_id)]
    for _ in range(LIMIT - 2):
        channel.handle(flooder.text("/help"))  # within the limit: each one read and answered
    read = bot_api.messages_per_chat()[str(flooder.user_id)]
    assert read == answered_before + LIMIT - 2
    for _ in range(3 * LIMIT):
        assert channel.handle(flooder.text("/help"))  # acknowledged all the same
    texts = [
        c["text"] for c in bot_api.sent("sendMessage") if str(c["chat_id"]) == str(flooder.user_id)
    ]
    assert len(texts) == read + 1  # one polite reply, in the person's language, and nothing else
    assert texts[-1] == gettext("fr", SLOW_DOWN)
    assert _statuses(engine) == {"done": LIMIT + 3 * LIMIT}  # nothing left pending or retried
    # Someone else's chat is read as usual.
    channel.handle(other.text("/start"))
    assert bot_api.messages_per_chat()[str(other.user_id)] == 1  # the greeting, with consent


def test_a_new_chat_over_the_limit_is_told_in_its_telegram_language(channel, bot_api):
    person = TelegramUser(70_103, "es")
    for _ in range(LIMIT + 5):
        channel.handle(person.text("hola"))
    assert bot_api.texts()[-1] == gettext("es", SLOW_DOWN)
    assert bot_api.texts().count(gettext("es", SLOW_DOWN)) == 1


def test_the_count_is_shared_by_every_worker_through_redis(
    telegram_settings, telegram_runtime, bot_api
):
    require_redis()
    redis.Redis.from_url(REDIS_URL).flushdb()
    shared = telegram_runtime.settings.model_copy(update={"ratelimit_storage_url": REDIS_URL})
    from intake_api.runtime import build_runtime

    runtimes = [build_runtime(shared) for _ in range(2)]
    workers = [Answered(build_telegram_app(r)) for r in runtimes]
    try:
        person = TelegramUser(70_104, "en")
        for n in range(LIMIT + 10):
            workers[n % 2].handle(person.text("/help"))
    finally:
        for worker, runtime in zip(workers, runtimes, strict=True):
            worker.channel.close()
            runtime.engine.dispose()
    texts = bot_api.texts()
    assert texts.count(gettext("en", SLOW_DOWN)) == 1
    assert len(texts) == LIMIT + 1  # each worker alone would have read all its 20
    assert redis.Redis.from_url(REDIS_URL).dbsize() > 0


def test_no_limit_when_rate_limits_are_off_for_load_tests(telegram_runtime, bot_api):
    from dataclasses import replace

    off = replace(
        telegram_runtime,
        settings=telegram_runtime.settings.model_copy(update={"ratelimit_enabled": False}),
    )
    channel = Answered(build_telegram_app(off))
    try:
        person = TelegramUser(70_105, "en")
        for _ in range(LIMIT + 5):
            channel.handle(person.text("/help"))
    finally:
        channel.channel.close()
    assert gettext("en", SLOW_DOWN) not in bot_api.texts() and len(bot_api.texts()) == LIMIT + 5


def test_people_are_read_while_the_counting_storage_is_down(telegram_runtime, bot_api, caplog):
    from dataclasses import replace

    caplog.set_level(logging.INFO)
    down = replace(
        telegram_runtime,
        settings=telegram_runtime.settings.model_copy(
            update={"ratelimit_storage_url": "redis://127.0.0.1:1/0"}
        ),
    )
    channel = Answered(build_telegram_app(down))
    try:
        for _ in range(3):
            channel.handle(TelegramUser(70_106, "en").text("/help"))
    finally:
        channel.channel.close()
    assert len(bot_api.texts()) == 3
    assert len([r for r in caplog.records if "inbound limit not counted" in r.getMessage()]) == 1


@pytest.mark.parametrize("kind", ["group", "edited"])
def test_updates_that_are_not_read_anyway_do_not_count(channel, bot_api, kind):
    person = TelegramUser(70_107, "en")
    for _ in range(LIMIT + 5):
        channel.handle(person.in_group("hi") if kind == "group" else person.edited("hi"))
    channel.handle(person.text("/start"))
    assert gettext("en", SLOW_DOWN) not in bot_api.texts()
