"""Long polling for local use without a public URL (`gcm-intake telegram`)."""

from __future__ import annotations

import logging
import threading
from typing import Any

from telegram.error import TelegramError

from bots.telegram.app import ALLOWED_UPDATES, register_commands
from bots.telegram.channel import NotAnUpdate, TelegramChannel

log = logging.getLogger(__name__)


def run_polling(channel: TelegramChannel, *, stop: threading.Event, timeout: int = 25) -> None:
    """Fetch, record, then process updates; the offset moves only past recorded ones.

    Updates are fetched as raw JSON and read by ``parse_update``, like the webhook's: a
    malformed one is skipped with a log line, instead of failing the library's parser
    for the whole batch and stopping the poller at the same update after every restart.
    """
    bot = channel.client.bot
    channel.client.call(bot.delete_webhook)
    register_commands(channel)
    offset: int | None = None

    async def get_updates() -> Any:
        # The raw result: PTB's get_updates parses the whole batch with its own parser, which
        # does not validate and raises on one bad update; its do_api_request refuses known
        # methods. _post is the call both make, with PTB's error handling (429, 409, 5xx).
        options: dict[str, Any] = {"timeout": timeout, "allowed_updates": ALLOWED_UPDATES, "offset": offset}
        return await bot._post("getUpdates", options, read_timeout=timeout + 15)

    log.info("Telegram polling started")
    while not stop.is_set():
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
            try:
                if channel.receive(payload):
                    channel.process(payload, just_received=True)
            except NotAnUpdate as refused:
                log.warning("Telegram polling: skipped an update that is not one (%s)", refused)
            update_id = payload.get("update_id") if isinstance(payload, dict) else None
            if isinstance(update_id, int) and not isinstance(update_id, bool):
                offset = max(offset or 0, update_id + 1)
    log.info("Telegram polling stopped")
