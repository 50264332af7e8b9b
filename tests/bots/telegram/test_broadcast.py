"""Broadcasts against the fake Bot API enforcing Telegram's flood limits: who, how often, after a crash."""

from __future__ import annotations

import socket
from collections import Counter
from datetime import timedelta

import httpx
import pytest
from sqlmodel import Session, select

from bots.telegram.broadcast import send_broadcast
from bots.telegram.rate_limits import TelegramLimits
from intake_api import broadcasts
from intake_api.i18n import gettext
from models import BroadcastDelivery, ChatContact, OutboundFailure
from models.base import utcnow
from models.lease import Lease as LeaseRow
from tests.conftest import count_rows
from tests.factories import input_answers
from tests.fakes.bot_api import TOKEN, FakeBotApi, Limits

# Telegram's limits with windows a tenth as long, on both sides: the same rules, faster tests.
FAST = 0.1
MESSAGE = "The regional consultation is on 12 March, online. Your input is in the summary report."


@pytest.fixture
def flood_api():  # type: ignore[no-untyped-def]
    api = FakeBotApi(Limits().scaled(FAST)).start()
    yield api
    api.stop()


def _people(
    service,
    runtime,
    ids: range,
    *,
    review: str = "escwa",
    agree: bool = True,  # type: ignore[no-untyped-def]
    locale: str = "en",
) -> list[int]:
    for user_id in ids:
        receipt = service.submit_input(
            input_answers(review=review),
            channel="telegram",
            message_id=f"b{user_id}",
            locale=locale,
            platform_user_id=user_id,
        ).code
        runtime.consent.record_message(
            receipt=receipt, chat_id=user_id, granted=agree, channel="telegram", locale=locale
        )
    return list(ids)


def _send(runtime, api: FakeBotApi, broadcast_id: int, **options):  # type: ignore[no-untyped-def]
    return send_broadcast(
        runtime.engine,
        runtime.keys,
        token=TOKEN,
        base_url=api.base_url,
        broadcast_id=broadcast_id,
        limits=TelegramLimits().scaled(FAST),
        **options,
    )


def _create(runtime, messages=None, groups=(), review="escwa"):  # type: ignore[no-untyped-def]
    return broadcasts.create_broadcast(
        runtime.engine,
        runtime.keys,
        review_slug=review,
        messages=messages or {"*": MESSAGE},
        groups=groups,
        actor="test",
    )


def test_the_fake_enforces_each_limit_with_429_and_retry_after():
    api = FakeBotApi(
        Limits(overall=5, overall_window=60, chat_interval=60, group=2, group_window=60)
    ).start()
    try:

        def send(chat: str) -> httpx.Response:
            return httpx.post(
                f"{api.base_url}{TOKEN}/sendMessage", json={"chat_id": chat, "text": "hi"}
            )

        assert [send(str(n)).status_code for n in range(5)] == [200] * 5
        refused = send("5")
        assert refused.status_code == 429 and refused.json()["parameters"]["retry_after"] >= 59
        assert api.too_many_requests == 1
    finally:
        api.stop()
    api = FakeBotApi(
        Limits(overall=100, overall_window=60, chat_interval=60, group=2, group_window=60)
    ).start()
    try:
        assert (
            send("7").status_code == 200 and send("7").status_code == 429
        )  # one a second per chat
        api.flood.limits = Limits(
            overall=100, overall_window=60, chat_interval=0, group=2, group_window=60
        )  # type: ignore[union-attr]
        assert [send("-1001").status_code for _ in range(3)] == [
            200,
            200,
            429,
        ]  # 20 a minute per group
        assert api.too_many_requests == 2 and api.messages_per_chat() == Counter(
            {"7": 1, "-1001": 2}
        )
    finally:
        api.stop()


def test_reaches_exactly_the_consenting_contributors_of_that_review(service, runtime, flood_api):
    yes = _people(service, runtime, range(70_401, 70_441))
    french = _people(service, runtime, range(70_441, 70_444), locale="fr")
    _people(service, runtime, range(70_450, 70_453), agree=False)  # said no
    _people(service, runtime, range(70_460, 70_463), review="eca")  # another review
    withdrew = _people(service, runtime, range(70_470, 70_471))
    runtime.consent.withdraw_for_contributor(
        channel="telegram", platform_user_id=withdrew[0], consent="message"
    )
    created = _create(runtime, {"*": MESSAGE, "fr": "La consultation régionale a lieu le 12 mars."})
    assert created.recipients == len(yes) + len(french) and not created.resumed

    progress, totals = _send(runtime, flood_api, created.broadcast_id)

    assert flood_api.messages_per_chat() == Counter({str(n): 1 for n in yes + french})
    assert flood_api.too_many_requests == 0 and progress.too_many_requests == 0
    assert totals == {"sent": len(yes) + len(french)} and progress.sent == len(yes) + len(french)
    texts = {str(c["chat_id"]): c["text"] for c in flood_api.sent()}
    assert texts[str(yes[0])] == f"{MESSAGE}\n\n{gettext('en', broadcasts.FOOTER)}"
    assert (
        texts[str(french[0])].startswith("La consultation régionale")
        and gettext("fr", broadcasts.FOOTER) in texts[str(french[0])]
    )
    assert "parse_mode" not in flood_api.sent()[0]  # sent as written: no HTML read into it

    again = _create(runtime, {"*": MESSAGE, "fr": "La consultation régionale a lieu le 12 mars."})
    assert (
        again.resumed and _send(runtime, flood_api, again.broadcast_id)[0].sent == 0
    )  # nothing twice


def test_groups_get_every_language_within_their_own_limits(service, runtime, flood_api):
    people = _people(service, runtime, range(70_501, 70_511))
    groups = [-1001, -1002]
    messages = {"*": MESSAGE, "fr": "En français.", "ar": "بالعربية.", "es": "En español."}
    created = _create(runtime, messages, groups=groups)
    flood_api.flood.limits = Limits(chat_interval=0.1, group=2, group_window=0.5)  # type: ignore[union-attr]

    # Groups tighter than the rest, so their 20-a-minute rule binds within the test.
    progress, _ = _send_with(
        runtime,
        flood_api,
        created.broadcast_id,
        TelegramLimits(chat_interval=0.1, group=2, group_window=0.5),
    )

    assert flood_api.too_many_requests == 0
    received = flood_api.messages_per_chat()
    assert all(received[str(g)] == 4 for g in groups) and all(received[str(p)] == 1 for p in people)
    in_group = [c["text"] for c in flood_api.sent() if c["chat_id"] == "-1001"]
    assert in_group == [
        MESSAGE,
        "En français.",
        "En español.",
        "بالعربية.",
    ]  # locales in their usual order
    assert progress.sent == len(people) + len(groups)


def _send_with(runtime, api: FakeBotApi, broadcast_id: int, limits: TelegramLimits):  # type: ignore[no-untyped-def]
    return send_broadcast(
        runtime.engine,
        runtime.keys,
        token=TOKEN,
        base_url=api.base_url,
        broadcast_id=broadcast_id,
        limits=limits,
    )


def test_a_crash_between_send_and_mark_sends_nothing_twice(
    service, runtime, flood_api, monkeypatch
):
    people = _people(service, runtime, range(70_601, 70_631))
    created = _create(runtime)
    acknowledged = broadcasts.acknowledged
    calls = Counter[str]()

    def crash_on_the_tenth(*args, **kwargs):  # type: ignore[no-untyped-def]
        calls["ack"] += 1
        if calls["ack"] == 10:
            raise RuntimeError("power cut")  # Telegram has it; the store never hears
        return acknowledged(*args, **kwargs)

    monkeypatch.setattr(broadcasts, "acknowledged", crash_on_the_tenth)
    with pytest.raises(RuntimeError):
        _send(runtime, flood_api, created.broadcast_id)
    monkeypatch.setattr(broadcasts, "acknowledged", acknowledged)
    reached_before = sum(flood_api.messages_per_chat().values())
    assert 10 <= reached_before < len(people)

    progress, totals = _send(runtime, flood_api, created.broadcast_id)

    received = flood_api.messages_per_chat()
    assert received == Counter({str(n): 1 for n in people})  # everyone once, nobody twice
    assert (
        totals == {"sent": len(people) - 1, "uncertain": 1}
        and progress.sent == len(people) - reached_before
    )
    assert flood_api.too_many_requests == 0
    with Session(runtime.engine) as session:
        uncertain = session.exec(
            select(BroadcastDelivery).where(BroadcastDelivery.status == "uncertain")
        ).one()
    assert uncertain.error == "crashed"
    with Session(
        runtime.engine
    ) as session:  # and staff see it (gcm-intake failures), by delivery id
        (failure,) = session.exec(select(OutboundFailure)).all()
    assert (failure.kind, failure.ref, failure.cause) == (
        "broadcast",
        f"broadcast_delivery:{uncertain.id}",
        "uncertain crashed",
    )

    # Staff may prefer at least once: the uncertain one is sent again, and that person has it twice.
    _, totals = _send(runtime, flood_api, created.broadcast_id, retry_uncertain=True)
    assert (
        totals == {"sent": len(people)} and sorted(flood_api.messages_per_chat().values())[-1] == 2
    )
    assert count_rows(runtime.engine, "outbound_failure") == 0


def test_someone_who_withdraws_midway_is_skipped(service, runtime, flood_api):
    people = _people(service, runtime, range(70_701, 70_706))
    created = _create(runtime)
    runtime.consent.withdraw_for_contributor(
        channel="telegram", platform_user_id=people[2], consent="message"
    )
    progress, totals = _send(runtime, flood_api, created.broadcast_id)
    assert str(people[2]) not in flood_api.messages_per_chat() and progress.skipped == 1
    assert totals == {"sent": 4, "skipped": 1}


def test_429_is_waited_out_and_a_blocked_chat_is_forgotten(service, runtime, flood_api):
    people = _people(service, runtime, range(70_801, 70_806))
    created = _create(runtime)
    flood_api.fail_next("sendMessage", 429, retry_after=1)
    flood_api.fail_next("sendMessage", 403)  # "Forbidden: bot was blocked by the user"
    progress, totals = _send(runtime, flood_api, created.broadcast_id)
    assert progress.too_many_requests == 1 and totals == {"sent": 4, "failed": 1}
    assert sum(flood_api.messages_per_chat().values()) == 4
    with Session(runtime.engine) as session:
        assert (
            len(session.exec(select(ChatContact)).all()) == len(people) - 1
        )  # the blocked chat is not kept


def test_another_text_while_one_is_unfinished_is_refused(service, runtime):
    _people(service, runtime, range(70_901, 70_903))
    first = _create(runtime)
    with pytest.raises(broadcasts.BroadcastInProgress) as refused:
        _create(runtime, {"*": "A different text."})
    assert refused.value.broadcast_id == first.broadcast_id and refused.value.left == 2
    replaced = broadcasts.create_broadcast(
        runtime.engine,
        runtime.keys,
        review_slug="escwa",
        messages={"*": "A different text."},
        actor="test",
        abandon_unfinished=True,
    )
    assert replaced.recipients == 2 and broadcasts.summary(runtime.engine, first.broadcast_id) == {
        "skipped": 2
    }


def test_one_sender_at_a_time_and_a_dead_one_is_replaced(runtime):
    def held_by(holder: str, *, for_seconds: int) -> None:
        with Session(runtime.engine) as session:
            session.merge(
                LeaseRow(
                    name=broadcasts.LEASE_NAME,
                    holder=holder,
                    expires_at=utcnow() + timedelta(seconds=for_seconds),
                )
            )
            session.commit()

    lease = broadcasts.SenderLease(runtime.engine)
    held_by("another-host:4242", for_seconds=30)
    with pytest.raises(broadcasts.SenderBusy):
        lease.acquire()
    held_by("another-host:4242", for_seconds=-1)  # expired: it stopped renewing
    lease.acquire()
    held_by(
        f"{socket.gethostname()}:999999999", for_seconds=30
    )  # a process of this host that is gone
    lease.acquire()
    lease.release()
