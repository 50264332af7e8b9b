"""Replies to Telegram chats while the Bot API fails: sent once when it is back, or recorded as failed.

A reply is at least once: when Telegram had it and its answer was lost (a timeout),
the retry sends it again, so that case arrives twice; every other fault arrives once.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from bots.telegram.client import BotClient
from bots.telegram.replies import ReplySender
from intake_api.chat_outbox import ChatOutbox
from intake_api.policies.delivery import Policy
from models.db import write_session
from tests.fakes.bot_api import TOKEN, FakeBotApi
from tests.fakes.loopback import TIMEOUT
from tests.faults import outbound
from tests.faults.outbound import (
    CLIENT_TIMEOUT,
    HTTP_FAULTS,
    QUICK,
    SHORT,
    given_up,
    staff_see,
)

bot_api = outbound.bot_api  # the fixture, with answers held past the client's timeout

CHAT = 930_001


@pytest.fixture
def sender(runtime, bot_api):  # type: ignore[no-untyped-def]
    started: list[tuple[ReplySender, BotClient]] = []

    def start(policy: Policy) -> ReplySender:
        client = BotClient(TOKEN, bot_api.base_url, read_timeout=CLIENT_TIMEOUT)
        replies = ReplySender(
            ChatOutbox(runtime.engine, runtime.keys, "telegram", policy=policy), client, rate=1000
        )
        started.append((replies.start(), client))
        return replies

    yield start
    for replies, client in started:
        replies.stop()
        client.close()


def _reply(replies: ReplySender, text: str) -> None:
    with write_session(replies.outbox.engine) as session:
        replies.outbox.add(
            session, chat_id=CHAT, calls=[("sendMessage", {"chat_id": CHAT, "text": text})]
        )
    replies.kick()


def _received(api: FakeBotApi) -> list[str]:
    return [params["text"] for params in api.sent() if str(params["chat_id"]) == str(CHAT)]


@pytest.mark.parametrize("fault", HTTP_FAULTS)
def test_a_reply_arrives_once_when_the_bot_api_is_back(runtime, bot_api, sender, fault):
    bot_api.fail_next("sendMessage", fault, retry_after=1, times=2)
    replies = sender(QUICK)
    _reply(replies, "Thank you, your input is saved.")
    replies.drain(timeout=30)
    assert _received(bot_api) == ["Thank you, your input is saved."]
    assert given_up(runtime) == []


def test_a_reply_whose_answer_was_lost_arrives_at_most_twice(runtime, bot_api, sender):
    bot_api.fail_next(
        "sendMessage", TIMEOUT, delivered=True
    )  # Telegram had it; its answer never came
    replies = sender(QUICK)
    _reply(replies, "Thank you, your input is saved.")
    replies.drain(timeout=30)
    assert (
        _received(bot_api) == ["Thank you, your input is saved."] * 2
    )  # at least once, as documented
    assert given_up(runtime) == []


@pytest.mark.parametrize("fault", HTTP_FAULTS)
def test_a_reply_failing_past_its_deadline_is_recorded_for_staff_and_never_sent(
    runtime, bot_api, sender, fault, monkeypatch
):
    bot_api.fail_next("sendMessage", fault, retry_after=1, times=1000)
    replies = sender(SHORT)
    _reply(replies, "Thank you, your input is saved.")
    replies.drain(timeout=30)  # returns once the reply was given up
    bot_api.heal()
    (failure,) = given_up(runtime)
    assert failure.kind == "reply" and failure.ref.startswith("chat_reply:")
    assert failure.attempts >= 1 and failure.failed_at is not None
    assert str(CHAT) not in failure.ref + failure.cause  # nothing personal
    shown = staff_see(runtime, monkeypatch)
    assert failure.ref in shown and "reply" in shown
    replies.kick()
    replies.drain(timeout=5)
    assert _received(bot_api) == []


def test_a_reply_the_person_refused_is_recorded_not_retried(runtime, bot_api, sender):
    bot_api.fail_next("sendMessage", 403)
    replies = sender(replace(QUICK, deadline=timedelta(hours=1)))
    _reply(replies, "Thank you, your input is saved.")
    replies.drain(timeout=10)
    (failure,) = given_up(runtime)
    assert failure.cause == "Forbidden" and failure.attempts == 1
    assert _received(bot_api) == []
