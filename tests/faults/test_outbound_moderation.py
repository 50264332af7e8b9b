"""Moderation posts while Slack fails: posted once at a later tick when it is back, or recorded as failed.

The scheduler's clock is the ``now`` each tick is given, so hours of retries take a few
ticks. A post whose answer was lost after Slack had it (a timeout) is posted again: at
least once, so that case shows twice in the channel.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from bots.slack.client import outbound_client
from bots.slack.moderation_feed import post_new_inputs
from intake_api.policies.authorization import OPERATOR
from intake_api.policies.delivery import POLICIES, Kind
from intake_api.runtime import build_runtime
from tests.factories import input_answers
from tests.fakes.loopback import TIMEOUT
from tests.fakes.slack_api import BOT_TOKEN, FakeSlackApi
from tests.faults import outbound
from tests.faults.outbound import (
    HTTP_FAULTS,
    failures,
    given_up,
    staff_see,
)

slack_api = outbound.slack_api  # the fixture, with answers held past the client's timeout

START = datetime(2026, 12, 1, 9, tzinfo=UTC)
TICK = timedelta(
    minutes=16
)  # longer than the moderation policy's cap: every retry is due at the next tick
POLICY = replace(POLICIES[Kind.MODERATION], deadline=timedelta(hours=1))


@pytest.fixture
def slack_runtime(settings, runtime, slack_api):  # type: ignore[no-untyped-def]
    configured = build_runtime(
        settings.model_copy(
            update={
                "slack_bot_token": BOT_TOKEN,
                "slack_signing_secret": "s",
                "slack_api_url": slack_api.base_url,
            }
        )
    )
    configured.moderation.set_review_channel(review_slug="escwa", channel_id="CMOD", actor=OPERATOR)
    yield configured
    configured.engine.dispose()


def _ticks(runtime, count: int) -> None:  # type: ignore[no-untyped-def]
    client = outbound_client(runtime, timeout=1)
    for n in range(count):
        post_new_inputs(runtime, client, now=START + n * TICK, policy=POLICY)


def _posts(api: FakeSlackApi, receipt: str) -> int:
    return sum(receipt in str(params.get("blocks")) for params in api.sent("chat.postMessage"))


def _input(runtime) -> str:  # type: ignore[no-untyped-def]
    return runtime.service.submit_input(
        input_answers(review="escwa"), channel="web", message_id="m1", locale="en"
    ).code


@pytest.mark.parametrize("fault", HTTP_FAULTS)
def test_an_input_is_posted_once_when_slack_is_back(slack_runtime, slack_api, fault):
    receipt = _input(slack_runtime)
    slack_api.fail_next("chat.postMessage", fault, retry_after=1, times=2)
    _ticks(slack_runtime, 5)
    assert _posts(slack_api, receipt) == 1
    assert failures(slack_runtime) == []  # nothing left retrying, nothing given up


def test_a_post_whose_answer_was_lost_shows_at_most_twice(slack_runtime, slack_api):
    receipt = _input(slack_runtime)
    slack_api.fail_next("chat.postMessage", TIMEOUT, delivered=True)
    _ticks(slack_runtime, 3)
    assert _posts(slack_api, receipt) == 2  # at least once, as documented
    assert failures(slack_runtime) == []


@pytest.mark.parametrize("fault", HTTP_FAULTS)
def test_a_post_failing_past_its_deadline_is_recorded_for_staff_and_never_posted(
    slack_runtime, slack_api, fault, monkeypatch
):
    receipt = _input(slack_runtime)
    slack_api.fail_next("chat.postMessage", fault, retry_after=1, times=1000)
    _ticks(slack_runtime, 6)  # 80 minutes of ticks: past the hour
    slack_api.heal()
    (failure,) = given_up(slack_runtime)
    assert (
        failure.kind == "moderation"
        and failure.ref.startswith("submission:")
        and failure.attempts >= 2
    )
    assert failure.ref in staff_see(slack_runtime, monkeypatch)
    _ticks(slack_runtime, 3)
    assert _posts(slack_api, receipt) == 0


def test_staff_have_a_failed_post_tried_again(slack_runtime, slack_api, monkeypatch):
    from click.testing import CliRunner

    from intake_api.cli import main

    receipt = _input(slack_runtime)
    slack_api.fail_next("chat.postMessage", 200, error="not_in_channel")  # a refusal: not retried
    _ticks(slack_runtime, 2)
    (failure,) = given_up(slack_runtime)
    assert failure.cause == "slack not_in_channel" and failure.attempts == 1
    staff_see(slack_runtime, monkeypatch)  # sets the environment
    assert CliRunner().invoke(main, ["failures", "--retry", str(failure.id)]).exit_code == 0
    _ticks(slack_runtime, 1)
    assert _posts(slack_api, receipt) == 1 and failures(slack_runtime) == []
