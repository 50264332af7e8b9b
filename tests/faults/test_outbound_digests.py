"""Digests while Slack or the SMTP server fails: each channel gets the period once, or it is recorded as failed.

Each channel of a period is marked once it has the digest, so a retry sends only what
is missing. The scheduler's clock is the ``now`` of each tick. A message whose answer was
lost after the server had it is sent again: at least once (twice in that case).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import Session, select

from intake_api.app import default_senders
from intake_api.policies.delivery import POLICIES, Kind
from intake_api.runtime import build_runtime
from intake_api.scheduler import send_due_digests
from intake_api.subscriptions import cadence_to_cron, subscribe
from models import DigestDelivery, DigestSubscription
from tests.fakes.loopback import TIMEOUT
from tests.fakes.slack_api import BOT_TOKEN, FakeSlackApi
from tests.fakes.smtp import DROP, HOLD, SmtpServer
from tests.faults import outbound
from tests.faults.outbound import (
    HTTP_FAULTS,
    failures,
    given_up,
    staff_see,
)

slack_api = outbound.slack_api  # the fixture, with answers held past the client's timeout

CREATED = datetime(2026, 11, 30, 12, tzinfo=UTC)
START = datetime(2026, 12, 1, 9, tzinfo=UTC)  # the first daily digest (08:00 UTC) is due
TICK = timedelta(
    minutes=31
)  # longer than the digest policies' cap: every retry is due at the next tick
POLICIES_1H = {
    kind: replace(POLICIES[kind], deadline=timedelta(hours=1)) for kind in (Kind.DIGEST, Kind.EMAIL)
}
# A loaded CI machine has taken over a second to greet: a client timeout of one second failed an
# attempt no fault had asked for. The held answers stay past the wider timeout.
CLIENT_TIMEOUT = 3.0
HELD_PAST_TIMEOUT = CLIENT_TIMEOUT + 1.5
SMTP_FAULTS = [
    pytest.param("451 4.3.0 Try again later", id="4xx"),
    pytest.param(HOLD, id="timeout"),
    pytest.param(DROP, id="dropped"),
]


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    with SmtpServer() as server:
        server.collector.hold_seconds = HELD_PAST_TIMEOUT
        yield server


@pytest.fixture
def digest_runtime(settings, runtime, slack_api, smtp):  # type: ignore[no-untyped-def]
    slack_api.hold_seconds = HELD_PAST_TIMEOUT
    configured = build_runtime(
        settings.model_copy(
            update={
                "slack_bot_token": BOT_TOKEN,
                "slack_signing_secret": "s",
                "slack_api_url": slack_api.base_url,
                "smtp_url": smtp.url,
            }
        )
    )
    subscription = subscribe(
        configured.engine,
        reviews=["escwa"],
        cron=cadence_to_cron("daily", "08:00"),
        timezone="UTC",
        locale="en",
        slack_channel="CDIGEST",
        emails=["organiser@un.example"],
        actor="test",
    )
    with Session(configured.engine) as session:
        row = session.get_one(DigestSubscription, subscription.id)
        row.created_at = CREATED
        session.add(row)
        session.commit()
    yield configured
    configured.engine.dispose()


def _ticks(runtime, count: int, *, first: int = 0) -> int:  # type: ignore[no-untyped-def]
    senders = default_senders(runtime, timeout=CLIENT_TIMEOUT)
    return sum(
        send_due_digests(runtime.engine, senders, now=START + n * TICK, policies=POLICIES_1H)
        for n in range(first, first + count)
    )


def _slack_digests(api: FakeSlackApi) -> int:
    return len([p for p in api.sent("chat.postMessage") if p.get("channel") == "CDIGEST"])


def _statuses(runtime) -> list[str]:  # type: ignore[no-untyped-def]
    with Session(runtime.engine) as session:
        return list(session.exec(select(DigestDelivery.status)))


@pytest.mark.parametrize("fault", HTTP_FAULTS)
def test_a_slack_digest_goes_once_when_slack_is_back_and_the_email_is_not_sent_again(
    digest_runtime,
    slack_api,
    smtp,
    fault,
):
    slack_api.fail_next("chat.postMessage", fault, retry_after=1, times=2)
    assert _ticks(digest_runtime, 4) == 1
    assert _slack_digests(slack_api) == 1 and len(smtp.messages) == 1
    assert _statuses(digest_runtime) == ["sent"] and failures(digest_runtime) == []


@pytest.mark.parametrize("fault", SMTP_FAULTS)
def test_an_email_digest_goes_once_when_the_smtp_server_is_back(
    digest_runtime, slack_api, smtp, fault
):
    smtp.fail_next(fault, times=2)
    assert _ticks(digest_runtime, 4) == 1
    assert len(smtp.messages) == 1 and _slack_digests(slack_api) == 1
    assert _statuses(digest_runtime) == ["sent"] and failures(digest_runtime) == []


@pytest.mark.parametrize("server", ["slack", "smtp"])
def test_a_digest_whose_answer_was_lost_arrives_at_most_twice(
    digest_runtime, slack_api, smtp, server
):
    if server == "slack":
        slack_api.fail_next("chat.postMessage", TIMEOUT, delivered=True)
    else:
        smtp.fail_next(HOLD, delivered=True)
    assert _ticks(digest_runtime, 3) == 1
    assert (_slack_digests(slack_api), len(smtp.messages)) == (
        (2, 1) if server == "slack" else (1, 2)
    )


@pytest.mark.parametrize("fault", HTTP_FAULTS)
def test_a_slack_digest_failing_past_its_deadline_is_recorded_for_staff_and_never_sent(
    digest_runtime,
    slack_api,
    smtp,
    fault,
    monkeypatch,
):
    slack_api.fail_next("chat.postMessage", fault, retry_after=1, times=1000)
    assert _ticks(digest_runtime, 4) == 0  # 93 minutes: past the hour
    slack_api.heal()
    (failure,) = given_up(digest_runtime)
    assert (
        failure.kind == "digest"
        and failure.ref.startswith("subscription:")
        and failure.attempts >= 2
    )
    assert failure.ref in staff_see(digest_runtime, monkeypatch)
    assert _statuses(digest_runtime) == ["failed"] and len(smtp.messages) == 1  # the e-mail went
    _ticks(digest_runtime, 3, first=4)
    assert _slack_digests(slack_api) == 0 and len(smtp.messages) == 1


@pytest.mark.parametrize(
    "fault", [*SMTP_FAULTS, pytest.param("554 5.7.1 Refused", id="5xx-refused")]
)
def test_an_email_digest_failing_past_its_deadline_is_recorded_for_staff_and_never_sent(
    digest_runtime,
    slack_api,
    smtp,
    fault,
    monkeypatch,
):
    smtp.fail_next(fault, times=1000)
    assert _ticks(digest_runtime, 4) == 0
    smtp.heal()
    (failure,) = given_up(digest_runtime)
    assert failure.kind == "email" and "organiser" not in failure.ref + failure.cause
    if fault.startswith("554"):  # refused for good: not tried again
        assert failure.attempts == 1 and failure.cause == "SMTP 554"
    assert failure.ref in staff_see(digest_runtime, monkeypatch)
    _ticks(digest_runtime, 3, first=4)
    assert len(smtp.messages) == 0 and _slack_digests(slack_api) == 1


def test_staff_have_a_refused_email_digest_sent_again_without_repeating_slack(
    digest_runtime, slack_api, smtp, monkeypatch
):
    from click.testing import CliRunner

    from intake_api.cli import main

    smtp.fail_next("550 5.1.1 Mailbox unavailable")
    assert _ticks(digest_runtime, 1) == 0
    (failure,) = given_up(digest_runtime)
    staff_see(digest_runtime, monkeypatch)  # sets the environment
    assert CliRunner().invoke(main, ["failures", "--retry", str(failure.id)]).exit_code == 0
    assert _ticks(digest_runtime, 1, first=1) == 1
    assert len(smtp.messages) == 1 and _slack_digests(slack_api) == 1
    assert _statuses(digest_runtime) == ["sent"] and failures(digest_runtime) == []
