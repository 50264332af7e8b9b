"""Build the Telegram channel from the settings; off when there is no token."""

from __future__ import annotations

import logging
import threading

from bots.telegram.channel import TelegramChannel
from bots.telegram.client import BotClient
from bots.telegram.conversation import COMMANDS
from intake_api.i18n import DEFAULT_LOCALE, LOCALES, gettext
from intake_api.runtime import Runtime

log = logging.getLogger(__name__)

ALLOWED_UPDATES = ["message", "edited_message", "callback_query"]


def build_telegram_app(runtime: Runtime) -> TelegramChannel | None:
    settings = runtime.settings
    if not settings.telegram_enabled:
        return None
    channel = TelegramChannel(
        runtime, BotClient(settings.telegram_token, settings.telegram_api_url)
    )
    channel.replies.start()  # stands by unless this process holds the deployment's reply lease
    return channel


class LazyTelegram:
    """The channel for the web process, connected on the first webhook call, not at start-up."""

    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime
        self._channel: TelegramChannel | None = None
        self._lock = threading.Lock()

    def get(self) -> TelegramChannel | None:
        with self._lock:
            if self._channel is None:
                self._channel = build_telegram_app(self.runtime)
            return self._channel


def register_commands(channel: TelegramChannel) -> None:
    """The command menu in each language, so people see it in their own."""
    from telegram import BotCommand

    bot = channel.client.bot
    for locale in LOCALES:
        commands = [BotCommand(c.name, gettext(locale, c.description)) for c in COMMANDS]
        language = None if locale == DEFAULT_LOCALE else locale
        channel.client.call(bot.set_my_commands, commands=commands, language_code=language)


def set_webhook(channel: TelegramChannel, url: str) -> None:
    secret = channel.runtime.settings.telegram_webhook_secret
    if not secret:
        raise ValueError("INTAKE_TELEGRAM_WEBHOOK_SECRET must be set before registering a webhook")
    channel.client.call(
        channel.client.bot.set_webhook,
        url=url,
        secret_token=secret,
        allowed_updates=ALLOWED_UPDATES,
    )
