"""How many updates one Telegram chat may send: past the limit they are settled unread.

One person filling in the questionnaire sends about twenty updates in a few minutes;
a chat that sends hundreds (a script, a stuck client, a flood) would queue hundreds
of replies and hold the bot's sending budget for everyone else. Over ``CHAT_LIMIT``
the chat's updates are acknowledged and settled without being read, and the first of
them in each window gets one polite reply (``SLOW_DOWN``), never more.

Counted in the rate-limit storage (``INTAKE_RATELIMIT_STORAGE_URL``): with Redis every
worker and the poller share one count per chat. Chats are counted under a keyed
pseudonym, never their id. If the storage fails, chats are read (and that is logged
once): a person's message is not dropped because of our outage.
"""

from __future__ import annotations

import enum
import logging

from limits import parse
from limits.storage import storage_from_string
from limits.strategies import FixedWindowRateLimiter

from intake_api.crypto import KeyRing
from models.reference import N_

log = logging.getLogger(__name__)

CHAT_LIMIT = "30 per minute"
NOTICE_LIMIT = "1 per minute"  # the polite reply, once a window
SLOW_DOWN = N_(
    "You are sending messages faster than I can read them. Please wait a minute, then send your last message again."
)


class Verdict(enum.Enum):
    READ = "read"
    NOTICE = "notice"  # over the limit: settle unread, and tell the person once
    DROP = "drop"  # over the limit, already told: settle unread


class InboundLimit:
    def __init__(
        self, storage_url: str, keys: KeyRing, *, enabled: bool = True, limit: str = CHAT_LIMIT
    ) -> None:
        self.enabled = enabled
        self.keys = keys
        self._limiter = FixedWindowRateLimiter(storage_from_string(storage_url))
        self._limit = parse(limit)
        self._notice = parse(NOTICE_LIMIT)
        self._storage_failed = False

    def check(self, chat_id: int) -> Verdict:
        """Count one update of this chat and say whether to read it."""
        if not self.enabled:
            return Verdict.READ
        chat = self.keys.pseudonym("telegram-inbound-limit", chat_id)
        try:
            if self._limiter.hit(self._limit, "telegram-chat", chat):
                verdict = Verdict.READ
            elif self._limiter.hit(self._notice, "telegram-chat-notice", chat):
                verdict = Verdict.NOTICE
            else:
                verdict = Verdict.DROP
        except Exception as error:  # noqa: BLE001 - the storage's own errors (Redis down, ...)
            if not self._storage_failed:
                log.warning(
                    "Telegram inbound limit not counted (%s): chats are read meanwhile",
                    type(error).__name__,
                )
            self._storage_failed = True
            return Verdict.READ
        if self._storage_failed:
            log.info("Telegram inbound limit counted again")
            self._storage_failed = False
        return verdict
