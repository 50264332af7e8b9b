"""Broadcasts while the Bot API fails: each recipient reached once, or recorded where staff see it.

A broadcast is at most once. A call Telegram certainly did not act on (a 5xx it answered,
a 429) is tried again until the broadcast deadline; one that may have reached Telegram (a
timeout, a reset after the request went out) is ``uncertain``: not sent again, recorded
for staff, and sent again only with ``--retry-uncertain`` (then at least once).
"""

from __future__ import annotations

import pytest
from sqlmodel import Session, select

from bots.telegram.broadcast import send_broadcast
from bots.telegram.rate_limits import TelegramLimits
from intake_api.policies.delivery import Policy
from models import BroadcastDelivery
from tests.bots.telegram.test_broadcast import FAST, MESSAGE, _create, _people
from tests.fakes.bot_api import TOKEN, FakeBotApi
from tests.fakes.loopback import RESET, TIMEOUT
from tests.faults import outbound
from tests.faults.outbound import (
    CLIENT_TIMEOUT,
    QUICK,
    SHORT,
    failures,
    given_up,
    staff_see,
)

bot_api = outbound.bot_api  # the fixture, with answers held past the client's timeout

PERSON = 931_001
CERTAINLY_NOT_SENT = [pytest.param(500, id="5xx"), pytest.param(429, id="429")]
MAYBE_SENT = [pytest.param(TIMEOUT, id="timeout"), pytest.param(RESET, id="reset")]


def _send(runtime, api: FakeBotApi, broadcast_id: int, policy: Policy, **options):  # type: ignore[no-untyped-def]
    return send_broadcast(
        runtime.engine,
        runtime.keys,
        token=TOKEN,
        base_url=api.base_url,
        broadcast_id=broadcast_id,
        limits=TelegramLimits().scaled(FAST),
        policy=policy,
        read_timeout=CLIENT_TIMEOUT,
        **options,
    )


def _received(api: FakeBotApi) -> int:
    return sum(
        MESSAGE in params["text"] for params in api.sent() if str(params["chat_id"]) == str(PERSON)
    )


def _status(runtime) -> str:  # type: ignore[no-untyped-def]
    with Session(runtime.engine) as session:
        return session.exec(select(BroadcastDelivery.status)).one()


@pytest.mark.parametrize("fault", CERTAINLY_NOT_SENT)
def test_a_recipient_is_reached_once_when_the_bot_api_is_back(service, runtime, bot_api, fault):
    _people(service, runtime, range(PERSON, PERSON + 1))
    created = _create(runtime)
    bot_api.fail_next("sendMessage", fault, retry_after=1, times=2)
    _progress, totals = _send(runtime, bot_api, created.broadcast_id, QUICK)
    assert totals == {"sent": 1} and _received(bot_api) == 1
    assert failures(runtime) == []


@pytest.mark.parametrize("fault", CERTAINLY_NOT_SENT)
def test_a_recipient_failing_past_the_deadline_is_recorded_for_staff_and_never_sent(
    service, runtime, bot_api, fault, monkeypatch
):
    _people(service, runtime, range(PERSON, PERSON + 1))
    created = _create(runtime)
    bot_api.fail_next("sendMessage", fault, retry_after=1, times=1000)
    _progress, totals = _send(runtime, bot_api, created.broadcast_id, SHORT)
    assert totals == {"failed": 1}
    bot_api.heal()
    (failure,) = given_up(runtime)
    assert failure.kind == "broadcast" and failure.ref.startswith("broadcast_delivery:")
    assert str(PERSON) not in failure.ref + failure.cause
    assert failure.ref in staff_see(runtime, monkeypatch)
    _send(runtime, bot_api, created.broadcast_id, QUICK)  # run again: nothing is pending
    assert _received(bot_api) == 0


@pytest.mark.parametrize("delivered", [False, True], ids=["lost", "arrived"])
@pytest.mark.parametrize("fault", MAYBE_SENT)
def test_a_call_that_may_have_arrived_is_not_repeated_but_shown_to_staff(
    service, runtime, bot_api, fault, delivered, monkeypatch
):
    _people(service, runtime, range(PERSON, PERSON + 1))
    created = _create(runtime)
    bot_api.fail_next("sendMessage", fault, delivered=delivered)
    _progress, totals = _send(runtime, bot_api, created.broadcast_id, QUICK)
    assert totals == {"uncertain": 1} and _received(bot_api) == int(delivered)  # at most once
    (failure,) = given_up(runtime)
    assert failure.cause.startswith("uncertain ") and failure.ref in staff_see(runtime, monkeypatch)
    # Staff choose at least once for these: sent again, and no longer listed as given up.
    _progress, totals = _send(runtime, bot_api, created.broadcast_id, QUICK, retry_uncertain=True)
    assert totals == {"sent": 1} and _received(bot_api) == int(delivered) + 1
    assert failures(runtime) == []
