"""The Bot API client: python-telegram-bot's ExtBot on its own event loop thread.

Flask views and the polling loop are synchronous; the bot is asyncio. One
long-lived loop per process owns the bot (and its HTTP connection pool), and
synchronous code hands it coroutines. Replies to chats are paced by
``bots.telegram.replies`` and broadcasts by ``bots.telegram.broadcast``, each
against Telegram's limits for the whole bot, so the client has no rate limiter
of its own (PTB's ``AIORateLimiter`` is per process and hides 429s); network
errors of the few direct calls (commands, webhook, getUpdates) are retried here.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TimedOut
from telegram.ext import ExtBot
from telegram.request import HTTPXRequest

log = logging.getLogger(__name__)
T = TypeVar("T")

MESSAGE_LIMIT = 4096
NETWORK_RETRIES = 4
FIRST_RETRY_DELAY = 0.5  # seconds; doubled after each failure


class BotClient:
    def __init__(self, token: str, base_url: str, *, read_timeout: float = 15) -> None:
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(
            target=self._loop.run_forever, name="telegram-bot", daemon=True
        )
        self._thread.start()
        self.bot = ExtBot(
            token,
            base_url=base_url,
            request=HTTPXRequest(
                connection_pool_size=16, connect_timeout=10, read_timeout=read_timeout
            ),
            get_updates_request=HTTPXRequest(read_timeout=40),
        )
        self.run(self.bot.initialize())

    def run(self, coroutine: Awaitable[T], timeout: float = 120) -> T:
        """Run a coroutine on the bot's loop and wait for its result."""
        return asyncio.run_coroutine_threadsafe(coroutine, self._loop).result(timeout)  # type: ignore[arg-type]

    def call(self, method: Callable[..., Awaitable[T]], **kwargs: Any) -> T:
        """Call a Bot API method, retrying network errors with backoff."""
        delay = FIRST_RETRY_DELAY
        for attempt in range(NETWORK_RETRIES + 1):
            try:
                return self.run(method(**kwargs))
            except (TimedOut, NetworkError) as error:
                if (
                    isinstance(error, BadRequest | Forbidden | RetryAfter)
                    or attempt == NETWORK_RETRIES
                ):
                    raise
                log.warning(
                    "Bot API %s failed (%s); retrying in %.1fs",
                    getattr(method, "__name__", "call"),
                    type(error).__name__,
                    delay,
                )
                time.sleep(delay)
                delay *= 2
        raise AssertionError("unreachable")

    def close(self) -> None:
        try:
            self.run(self.bot.shutdown(), timeout=10)
        finally:
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(timeout=5)
            self._loop.close()


def outbound_bot(
    token: str, base_url: str, *, connections: int, read_timeout: float = 15
) -> ExtBot[None]:
    """A bot for sending in bulk, used as ``async with``: no rate limiter of its own.

    PTB's AIORateLimiter lets bursts of twice the limit through (leaky
    buckets) and waits out 429s where the caller cannot see them; the
    broadcast sender schedules against Telegram's limits itself
    (``bots.telegram.rate_limits``) and must see every 429 to honour it.
    """
    return ExtBot(
        token,
        base_url=base_url,
        request=HTTPXRequest(
            connection_pool_size=connections,
            connect_timeout=10,
            read_timeout=read_timeout,
            write_timeout=15,
            pool_timeout=10,
        ),
    )


def split_message(text: str, limit: int = MESSAGE_LIMIT) -> list[str]:
    """Cut a long text into messages Telegram accepts, at line or word boundaries."""
    chunks: list[str] = []
    while len(text) > limit:
        cut = text.rfind("\n", 0, limit)
        if cut <= limit // 2:
            cut = text.rfind(" ", 0, limit)
        if cut <= limit // 2:
            cut = limit
        chunks.append(text[:cut])
        text = text[cut:].lstrip("\n ")
    chunks.append(text)
    return chunks
