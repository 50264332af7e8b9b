"""Long polling for local use without a public URL (`gcm-intake telegram`)."""

from __future__ import annotations

import logging
import threading
from datetime import timedelta
from typing import Any

from telegram.error import TelegramError

from bots.telegram.app import ALLOWED_UPDATES, register_commands
from bots.telegram.channel import NotAnUpdate, TelegramChannel
from intake_api.policies.availability import store_unavailable
from intake_api.store_outage import StoreOutage

log = logging.getLogger(__name__)

FIRST_BACKOFF_S = 1.0
MAX_BACKOFF_S = (
    30.0  # policies.availability.RETRY_AFTER_SECONDS: a restart or failover takes seconds
)


def run_polling(channel: TelegramChannel, *, stop: threading.Event, timeout: int = 25) -> None:
    """Fetch, record, then process updates; the offset moves only past recorded ones.

    Updates are fetched as raw JSON and read by ``parse_update``, like the webhook's: a
    malformed one is skipped with a log line, instead of failing the library's parser
    for the whole batch and stopping the poller at the same update after every restart.

    While the store is unavailable the poller waits (1 s, doubling to 30 s) and asks for
    the same updates again: Telegram keeps what the offset has not confirmed. An update
    recorded whose processing met the outage stays pending; when the store is back, it
    is processed before anything new.
    """
    bot = channel.client.bot
    channel.client.call(bot.delete_webhook)
    register_commands(channel)
    offset: int | None = None
    outage = StoreOutage("telegram polling", first_delay=FIRST_BACKOFF_S, max_delay=MAX_BACKOFF_S)

    async def get_updates() -> Any:
        # The raw result: PTB's get_updates parses the whole batch with its own parser, which
        # does not validate and raises on one bad update; its do_api_request refuses known
        # methods. _post is the call both make, with PTB's error handling (429, 409, 5xx).
        options: dict[str, Any] = {
            "timeout": timeout,
            "allowed_updates": ALLOWED_UPDATES,
            "offset": offset,
        }
        return await bot._post("getUpdates", options, read_timeout=timeout + 15)

    def take(payload: Any) -> None:
        """Record one update, move the offset past it, then process it."""
        nonlocal offset
        try:
            parsed = channel.receive(payload)
        except NotAnUpdate as refused:
            log.warning("Telegram polling: skipped an update that is not one (%s)", refused)
            parsed = None
        update_id = payload.get("update_id") if isinstance(payload, dict) else None
        if isinstance(update_id, int) and not isinstance(update_id, bool):
            offset = max(
                offset or 0, update_id + 1
            )  # recorded (or refused): Telegram may forget it
        if parsed is not None:
            channel.process(payload, parsed=parsed, just_received=True)

    log.info("Telegram polling started")
    while not stop.is_set():
        try:
            if outage.ongoing:
                channel.retry_pending(
                    older_than=timedelta(0)
                )  # what the outage left pending; raises while it lasts
            else:
                channel.retry_pending_now_and_then()
            try:
                updates = channel.client.call(get_updates)
            except TelegramError as error:
                log.warning("getUpdates failed (%s); trying again", type(error).__name__)
                stop.wait(2)
                continue
            if not isinstance(updates, list):
                log.warning("getUpdates answered something other than a list; trying again")
                stop.wait(2)
                continue
            for payload in updates:
                take(payload)
        except Exception as error:
            if not store_unavailable(error):
                raise
            stop.wait(
                outage.failed(error, f"offset {offset}")
            )  # the offset stays before the update not recorded
            continue
        outage.recovered()
    log.info("Telegram polling stopped")
