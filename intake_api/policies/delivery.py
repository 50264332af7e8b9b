"""How long an outbound message is tried, how often, and which failures are worth another try.

One rule for every sender (Telegram replies and broadcasts, Slack moderation posts and
digests, e-mail): a failure that passes with time (a 5xx, a timeout, a reset connection,
a 429) is tried again after a delay with *full jitter* -- a random wait between zero and
``min(cap, first * 2**n)`` -- so senders that failed together do not come back together;
a platform's own "wait this long" (Telegram's ``retry_after``, Slack's ``Retry-After``)
is waited at least. A refusal (the person blocked the bot, a channel that does not exist,
a mailbox refused) is not tried again. Either way, a message that is not sent by its
kind's deadline is given up and recorded as failed (``intake_api.delivery_failures``),
where staff see it; it is never dropped silently.
"""

from __future__ import annotations

import http.client
import random
import smtplib
from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum

from slack_sdk.errors import SlackApiError
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Conflict,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
)


class Kind(StrEnum):
    """What is sent; the failure record and the metrics name it."""

    REPLY = "reply"  # a Telegram reply to a chat (intake_api.chat_outbox)
    BROADCAST = "broadcast"  # one recipient of a Telegram broadcast
    MODERATION = "moderation"  # an input's message in its review's Slack channel
    DIGEST = "digest"  # a digest period posted to Slack
    EMAIL = "email"  # a digest period sent by e-mail


@dataclass(frozen=True)
class Policy:
    """Delays in seconds; ``deadline`` counted from the message's first try (a reply: from when it was queued)."""

    first: float
    cap: float
    deadline: timedelta

    def delay(
        self, attempt: int, *, hint: float | None = None, rng: random.Random | None = None
    ) -> float:
        """The wait before try ``attempt + 1`` (``attempt`` failures so far, from 1): full jitter, at least ``hint``."""
        ceiling = min(self.cap, self.first * 2 ** max(0, attempt - 1))
        jittered = (rng or random).uniform(0, ceiling)
        return max(jittered, hint or 0.0)


# A person waits on a reply; a broadcast is one run of a CLI command; the scheduler ticks
# every 30 seconds, so its kinds start at a tick and may wait hours (a digest late is still read).
POLICIES: dict[Kind, Policy] = {
    Kind.REPLY: Policy(first=0.5, cap=60, deadline=timedelta(hours=1)),
    Kind.BROADCAST: Policy(first=0.5, cap=60, deadline=timedelta(minutes=30)),
    Kind.MODERATION: Policy(first=60, cap=15 * 60, deadline=timedelta(hours=6)),
    Kind.DIGEST: Policy(first=60, cap=30 * 60, deadline=timedelta(hours=12)),
    Kind.EMAIL: Policy(first=60, cap=30 * 60, deadline=timedelta(hours=12)),
}

# Slack's own errors (HTTP 200, ok: false) that pass with time.
_SLACK_TRANSIENT = frozenset(
    {"ratelimited", "internal_error", "fatal_error", "service_unavailable", "request_timeout"}
)


@dataclass(frozen=True)
class Verdict:
    transient: bool
    retry_after: float | None  # seconds the platform asked for, if it did
    cause: str  # an exception class or an HTTP/SMTP status: never what the error said


def classify(error: BaseException) -> Verdict:
    """Whether ``error`` is worth another try, the wait it asks for, and its cause for the record."""
    if isinstance(error, RetryAfter):
        wait = error.retry_after
        return Verdict(
            True, wait.total_seconds() if isinstance(wait, timedelta) else float(wait), "429"
        )
    if isinstance(error, Forbidden | BadRequest | InvalidToken | ChatMigrated | Conflict):
        return Verdict(False, None, type(error).__name__)
    if isinstance(error, NetworkError):  # TimedOut, a reset, or a 5xx answer
        return Verdict(True, None, type(error.__cause__ or error).__name__)
    if isinstance(error, SlackApiError):
        return _slack(error)
    if isinstance(error, smtplib.SMTPResponseException):
        return Verdict(400 <= error.smtp_code < 500, None, f"SMTP {error.smtp_code}")
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _ in error.recipients.values()]
        return Verdict(
            all(400 <= code < 500 for code in codes), None, f"SMTP {min(codes, default=550)}"
        )
    if isinstance(
        error, OSError | http.client.HTTPException
    ):  # refused, reset, timed out, disconnected
        return Verdict(True, None, type(error).__name__)
    return Verdict(False, None, type(error).__name__)


def _slack(error: SlackApiError) -> Verdict:
    response = error.response
    status = int(getattr(response, "status_code", 200) or 200)
    code = response.get("error") if hasattr(response, "get") else None
    headers = {k.lower(): v for k, v in (getattr(response, "headers", None) or {}).items()}
    raw = headers.get("retry-after")
    value = raw[0] if isinstance(raw, list) else raw
    retry_after = float(value) if value and str(value).replace(".", "", 1).isdigit() else None
    if status == 429 or code == "ratelimited":
        return Verdict(True, retry_after, "429")
    if status >= 500:
        return Verdict(True, retry_after, f"HTTP {status}")
    return Verdict(
        code in _SLACK_TRANSIENT, retry_after, f"slack {code}" if code else f"HTTP {status}"
    )
