"""Background work outlives a store outage: it waits, says so once, and carries on.

A web request that meets an unavailable store answers 503 (``web.errors``); the loops
that run without a person waiting (the scheduler's tick, the Telegram reply sender, a
broadcast) have nobody to answer. Before, a broadcast stopped at the first restart of
PostgreSQL, and the reply sender logged a warning every second of an outage. Now each
one waits with backoff and jitter until the store is back, logs the outage once when it
begins (``failures.store_unavailable``, counted for Prometheus) and once when it ends,
and then goes on with the same pool: pooled connections are pinged before use
(``models.db``), so the first call after a restart gets a fresh connection, never a
stale one. Errors that are not an outage (``policies.availability``) are raised as before.
"""

from __future__ import annotations

import logging
import random
import threading
import time
from collections.abc import Callable
from typing import TypeVar

from intake_api import failures
from intake_api.policies.availability import store_unavailable

log = logging.getLogger(__name__)
T = TypeVar("T")

FIRST_DELAY = 0.5  # seconds before the first try again; doubled after each failure
MAX_DELAY = 10.0  # seconds: a restart is noticed within this long of its end
_jitter = random.SystemRandom()


class StoreOutage:
    """One loop's view of an outage: when it began, how long to wait next, and its two log lines."""

    def __init__(
        self, where: str, *, first_delay: float = FIRST_DELAY, max_delay: float = MAX_DELAY
    ) -> None:
        self.where = where
        self.first_delay, self.max_delay = first_delay, max_delay
        self.failures = 0
        self.began: float | None = None
        self._lock = threading.Lock()  # one outage may be met by several threads of a loop

    @property
    def ongoing(self) -> bool:
        return self.began is not None

    def failed(self, error: BaseException, ident: str = "") -> float:
        """Note a failed try; returns the seconds to wait before the next. Logs only the first."""
        with self._lock:
            first = self.began is None
            if first:
                self.began = time.monotonic()
            self.failures += 1
            delay = min(self.max_delay, self.first_delay * 2 ** (self.failures - 1))
        if first:
            failures.store_unavailable(
                self.where, ident or "background", error, then="waiting to try again"
            )
        return delay * _jitter.uniform(0.5, 1.0)  # several loops do not all knock at once

    def recovered(self) -> None:
        with self._lock:
            began, self.began, self.failures = self.began, None, 0
        if began is not None:
            log.info(
                "store available again at %s after %.0f s; carrying on",
                self.where,
                time.monotonic() - began,
            )


def survive_store_outage(
    where: str,
    call: Callable[[], T],
    *,
    ident: str = "",
    give_up_after: float | None = None,
    stop: threading.Event | None = None,
    outage: StoreOutage | None = None,
) -> T:
    """``call()``, tried again while the store is unavailable.

    Raises the last error when ``give_up_after`` seconds have passed or ``stop`` is set,
    and at once any error that is not an outage. Calls that share ``outage`` (the
    threads of one loop) log it once between them.
    """
    outage = outage or StoreOutage(where)
    deadline = None if give_up_after is None else time.monotonic() + give_up_after
    while True:
        try:
            result = call()
        except Exception as error:
            if not store_unavailable(error):
                raise
            delay = outage.failed(error, ident)
            if deadline is not None and time.monotonic() + delay > deadline:
                raise
            if stop is not None:
                if stop.wait(delay):
                    raise
            else:
                time.sleep(delay)
            continue
        outage.recovered()
        return result
