"""The delivery policy: full jitter under a growing ceiling, a platform's wait honoured, faults told apart."""

from __future__ import annotations

import random
import smtplib
from datetime import timedelta

import httpx
from slack_sdk.errors import SlackApiError
from slack_sdk.web import SlackResponse
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TimedOut

import bots.telegram  # noqa: F401 - as in production: Telegram's waits as timedelta (PTB_TIMEDELTA)
from intake_api.policies.delivery import POLICIES, Kind, Policy, classify


def test_delays_are_full_jitter_under_a_doubling_ceiling_up_to_the_cap():
    policy, rng = Policy(first=1, cap=8, deadline=timedelta(hours=1)), random.Random(15)
    for attempt, ceiling in [(1, 1), (2, 2), (3, 4), (4, 8), (9, 8)]:
        delays = [policy.delay(attempt, rng=rng) for _ in range(500)]
        assert 0 <= min(delays) < ceiling / 10 and ceiling * 0.9 < max(delays) <= ceiling
    assert (
        min(policy.delay(1, hint=30, rng=rng) for _ in range(50)) == 30
    )  # a Retry-After is waited at least


def test_every_kind_has_a_policy_whose_cap_fits_its_deadline():
    assert set(POLICIES) == set(Kind)
    assert all(policy.cap < policy.deadline.total_seconds() for policy in POLICIES.values())


def _slack(status: int, body: dict, headers: dict | None = None) -> SlackApiError:  # type: ignore[type-arg]
    response = SlackResponse(
        client=None,
        http_verb="POST",
        api_url="u",
        req_args={},
        data=body,
        headers=headers or {},
        status_code=status,
    )
    return SlackApiError("failed", response)


def test_faults_that_pass_with_time_are_retried_and_refusals_are_not():
    transient = [
        RetryAfter(3),
        TimedOut(),
        NetworkError("Bad Gateway"),
        ConnectionResetError(),
        TimeoutError(),
        _slack(500, {"ok": False, "error": "internal_error"}),
        _slack(429, {"ok": False}, {"Retry-After": "7"}),
        smtplib.SMTPResponseException(451, b"later"),
        smtplib.SMTPServerDisconnected(),
    ]
    refused = [
        Forbidden("blocked"),
        BadRequest("chat not found"),
        _slack(200, {"ok": False, "error": "channel_not_found"}),
        smtplib.SMTPResponseException(554, b"no"),
        ValueError(),
    ]
    assert [classify(error).transient for error in transient] == [True] * len(transient)
    assert [classify(error).transient for error in refused] == [False] * len(refused)
    assert classify(RetryAfter(3)).retry_after == 3 and classify(transient[6]).retry_after == 7
    try:
        raise NetworkError("reset") from httpx.ReadError("x")
    except NetworkError as error:
        assert classify(error).cause == "ReadError"  # the class, never the message
