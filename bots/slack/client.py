"""The Slack Web API clients: one for answering requests, one for posting outside them.

A module of its own so the moderation feed and the listeners can post without
importing the app that registers them.
"""

from __future__ import annotations

from slack_sdk import WebClient
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
    ServerErrorRetryHandler,
)

from intake_api.runtime import Runtime


def web_client(runtime: Runtime) -> WebClient:
    """The Web API client: waits out 429 Retry-After, retries 5xx and dropped connections."""
    settings = runtime.settings
    return WebClient(
        token=settings.slack_bot_token,
        base_url=settings.slack_api_url,
        timeout=15,
        retry_handlers=[
            RateLimitErrorRetryHandler(max_retry_count=3),
            ServerErrorRetryHandler(max_retry_count=2),
            ConnectionErrorRetryHandler(max_retry_count=2),
        ],
    )


def outbound_client(runtime: Runtime, *, timeout: int = 15) -> WebClient:
    """The client of messages sent outside a request (moderation posts, digests): no retries of its own.

    Their senders retry under the delivery policy (``intake_api.policies.delivery``),
    between ticks and up to a deadline, and record what they give up; a retry inside
    the call would hide the failure from them and hold the scheduler's tick.
    """
    settings = runtime.settings
    return WebClient(
        token=settings.slack_bot_token,
        base_url=settings.slack_api_url,
        timeout=timeout,
        retry_handlers=[],
    )
