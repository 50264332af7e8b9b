"""Long polling for local use without a public URL (`gcm-intake telegram`)."""

from __future__ import annotations

import logging
import threading

from telegram.error import TelegramError

from bots.telegram.app import ALLOWED_UPDATES, register_commands
from bots.telegram.channel import NotAnUpdate, TelegramChannel

log = logging.getLogger(__name__)


def run_polling(channel: TelegramChannel, *, stop: threading.Event, timeout: int = 25) -> None:
    """Fetch, record, then process updates; the offset moves only past recorded ones."""
    bot = channel.client.bot
    channel.client.call(bot.delete_webhook)
    register_commands(channel)
    offset: int | None = None
    log.info("Telegram polling started")
    while not stop.is_set():
        channel.retry_pending_now_and_then()
        try:
            updates = channel.client.call(
                bot.get_updates, offset=offset, timeout=timeout, allowed_updates=ALLOWED_UPDATES
            )
        except TelegramError as error:
            log.warning("getUpdates failed (%s); trying again", type(error).__name__)
            stop.wait(2)
            continue
        for update in updates:
            payload = update.to_dict()
            try:
                if channel.receive(payload):
                    channel.process(payload, just_received=True)
            except NotAnUpdate:
                log.warning("skipped an update that could not be read")
            offset = update.update_id + 1
    log.info("Telegram polling stopped")
