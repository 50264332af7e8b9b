"""From a Telegram update to stored state and replies, exactly once.

``receive`` records the update in the store (the inbox) before anything else,
so the webhook can acknowledge it and polling can move its offset past it;
``process`` runs the conversation and queues its replies in the transaction that
settles the update (``bots.telegram.replies`` sends them). A redelivered
update is recognised twice over: by its id in the inbox, and by the last
update id a conversation has taken in, saved atomically with its state.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlmodel import Session
from telegram import Update

from bots.telegram.client import BotClient
from bots.telegram.conversation import CHANNEL, Conversation, Incoming, Ports, Reply, Step
from bots.telegram.inbound_limit import SLOW_DOWN, InboundLimit, Verdict
from bots.telegram.replies import Call, ReplySender, reply_calls
from intake_api.chat_outbox import ChatOutbox
from intake_api.conversations import ChatSessions, ChatState, ConcurrentUpdate
from intake_api.i18n import gettext, negotiate
from intake_api.inbox import Inbox
from intake_api.policies.availability import store_unavailable
from intake_api.referrals import help_after
from intake_api.runtime import Runtime

log = logging.getLogger(__name__)

RETRY_AFTER = timedelta(seconds=30)
RETRY_CHECK_EVERY = 5.0  # seconds: how often incoming updates also look for failed ones


class NotAnUpdate(ValueError):
    """The body is not a Telegram Update."""


@dataclass(frozen=True)
class Parsed:
    update_id: int
    chat_id: int | None  # None: nothing to answer (a group, a channel post, an unknown kind)
    user_id: int | None
    event: Incoming | None
    message_id: int | None = None
    callback_query_id: str | None = None


def parse_update(payload: Any) -> Parsed:
    """Turn an update into the conversation's event; refuses (``NotAnUpdate``) what is not one.

    Whatever the body holds, this either returns or raises ``NotAnUpdate``: Telegram's
    own parser is not a validator (it raises anything, or keeps a ``text`` that is an
    object), so every field the conversation reads is checked for its type here.
    """
    if not isinstance(payload, dict) or not _is_id(payload.get("update_id")):
        raise NotAnUpdate("no update_id")
    try:
        update = Update.de_json(payload, bot=None)
        return _parsed(update)
    except NotAnUpdate:
        raise
    except Exception as error:  # noqa: BLE001 - any failure of the library's parser means "not an update"
        raise NotAnUpdate(type(error).__name__) from error


def _parsed(update: Update) -> Parsed:
    chat = update.effective_chat
    user = update.effective_user
    if chat is None or user is None or chat.type != "private":
        return Parsed(update.update_id, None, None, None)  # groups and channels are not read
    if not (_is_id(chat.id) and _is_id(user.id)):
        raise NotAnUpdate("chat or user without a numeric id")
    language = _optional_text(user.language_code, "language_code")
    if update.callback_query is not None:
        query = update.callback_query
        message_id = query.message.message_id if query.message else None
        if message_id is not None and not _is_id(message_id):
            raise NotAnUpdate("message_id")
        data = _optional_text(query.data, "callback data")
        event = Incoming("button", data or "", language)
        return Parsed(
            update.update_id, chat.id, user.id, event, message_id, _text(query.id, "callback id")
        )
    if update.edited_message is not None:
        return Parsed(update.update_id, None, None, None)  # edits are not read again
    message = update.message
    if message is None:
        return Parsed(update.update_id, None, None, None)
    text = _optional_text(message.text, "text")
    if text and text.startswith("/"):
        words = text[1:].split(maxsplit=1)
        command = words[0].split("@", 1)[0].lower() if words else ""
        return Parsed(update.update_id, chat.id, user.id, Incoming("command", command, language))
    if text:
        return Parsed(update.update_id, chat.id, user.id, Incoming("text", text, language))
    sent = _what_was_sent(message)
    return Parsed(update.update_id, chat.id, user.id, Incoming("unsupported", sent, language))


# What a message carries instead of text, the first that matches: the conversation
# answers each kind in its own words. Only the kind is passed on, never the content
# (a location's coordinates, a contact's number, a file).
UNSUPPORTED_KINDS = (
    "voice",
    "audio",
    "video_note",
    "photo",
    "video",
    "animation",
    "document",
    "sticker",
    "venue",
    "location",
    "contact",
    "poll",
    "dice",
)


def _what_was_sent(message: Any) -> str:
    for kind in UNSUPPORTED_KINDS:
        if getattr(message, kind, None):
            return kind
    return "other"


def _is_id(value: Any) -> bool:
    """Telegram's ids are integers that fit in 64 bits (a bool is not one)."""
    return isinstance(value, int) and not isinstance(value, bool) and -(2**63) < value < 2**63


def _optional_text(value: Any, what: str) -> str | None:
    if value is None or isinstance(value, str):
        return value
    raise NotAnUpdate(f"{what} is not text")


def _text(value: Any, what: str) -> str:
    if isinstance(value, str):
        return value
    raise NotAnUpdate(f"{what} is not text")


class TelegramChannel:
    def __init__(self, runtime: Runtime, client: BotClient) -> None:
        self.runtime = runtime
        self.client = client
        self.inbox = Inbox(runtime.engine, runtime.keys, CHANNEL)
        self.sessions = ChatSessions(runtime.engine, runtime.keys, CHANNEL)
        self.outbox = ChatOutbox(runtime.engine, runtime.keys, CHANNEL)
        self.replies = ReplySender(self.outbox, client, rate=runtime.settings.telegram_reply_rate)
        self.inbound_limit = InboundLimit(
            runtime.settings.ratelimit_storage_url,
            runtime.keys,
            enabled=runtime.settings.ratelimit_enabled,
        )
        self._next_retry_check = 0.0

    def receive(self, payload: dict[str, Any]) -> Parsed | None:
        """Record an update: read once, returned to be processed; None for a redelivery.

        Raises ``NotAnUpdate`` for garbage.
        """
        parsed = parse_update(payload)
        return parsed if self.inbox.receive(str(parsed.update_id), payload) else None

    def process(
        self,
        payload: dict[str, Any],
        *,
        parsed: Parsed | None = None,
        just_received: bool = False,
    ) -> None:
        """Run the conversation for a recorded update; settle it, its new state and its replies at once.

        ``parsed``: the update as ``receive`` read it (not read again). ``just_received``: this
        process recorded it a moment ago, so it is pending with no attempt; it counts against
        its chat's inbound limit (a retry was counted when it arrived).
        """
        if parsed is None:
            parsed = parse_update(payload)
        delivery = str(parsed.update_id)
        if not just_received and not self.inbox.claim(delivery):
            return
        try:
            if just_received and not self._within_chat_limit(parsed, delivery):
                return
            self._converse(parsed, delivery)
        except Exception as error:
            if store_unavailable(error):
                # Not this update's fault, and nothing can be written now: no attempt is counted
                # (an outage must not use up its tries); it stays pending, and the caller
                # answers for the outage (a 503 to Telegram, the poller's backoff).
                raise
            # Logged without content; the update stays pending and is tried again.
            log.exception("Telegram update %s failed (%s)", parsed.update_id, type(error).__name__)
            self.inbox.failed(delivery, error)

    def handle(self, payload: dict[str, Any]) -> bool:
        """Receive and process; False when it was a redelivery."""
        parsed = self.receive(payload)
        if parsed is None:
            return False
        self.process(payload, parsed=parsed, just_received=True)
        return True

    def retry_pending(self, older_than: timedelta = RETRY_AFTER) -> int:
        """Process updates a crash, a failure or an outage of the store left pending.

        Raises what ``process`` raises for a store that is unavailable: the rest wait for the next call.
        """
        due = self.inbox.due_for_retry(older_than=older_than)
        for delivery in due:
            self.process(delivery.payload)
        return len(due)

    def retry_pending_now_and_then(self) -> int:
        """``retry_pending``, at most every few seconds: each webhook call asks, most need not look."""
        now = time.monotonic()
        if now < self._next_retry_check:
            return 0
        self._next_retry_check = now + RETRY_CHECK_EVERY
        return self.retry_pending()

    def close(self) -> None:
        """Stop sending (what is queued stays for the next sender) and close the Bot API client."""
        try:
            self.replies.stop()
        finally:
            self.client.close()

    def _converse(self, parsed: Parsed, delivery: str) -> None:
        if parsed.event is None or parsed.user_id is None:
            self.inbox.done(delivery)
            return
        user_id, chat_id = parsed.user_id, parsed.chat_id or parsed.user_id
        ports = Ports(
            service=self.runtime.service,
            privacy=self.runtime.privacy,
            consent=self.runtime.consent,
            platform_user_id=user_id,
            chat_id=chat_id,
            help_after=self._help_after,
        )
        for _attempt in range(3):
            state = self.sessions.load(user_id)
            if state.data.get("last_update", -1) >= parsed.update_id:
                self.inbox.done(delivery)  # this conversation has taken this update in already
                return
            replies = Conversation(ports).handle(state, parsed.event)
            calls = reply_calls(
                chat_id,
                replies,
                message_id=parsed.message_id,
                callback_query_id=parsed.callback_query_id,
            )

            def settle(
                session: Session, state: ChatState = state, calls: list[Call] = calls
            ) -> None:
                # nothing of an erased person is kept, not even the conversation
                if state.step != Step.ERASED:
                    state.data["last_update"] = parsed.update_id
                    self.sessions.save(state, session=session)
                self.outbox.add(session, chat_id=chat_id, calls=calls)

            try:
                self.inbox.done(delivery, then=settle)
            except ConcurrentUpdate:
                continue  # another worker moved this conversation on: take the new state
            if calls:
                self.replies.kick()
            return
        raise ConcurrentUpdate

    def _within_chat_limit(self, parsed: Parsed, delivery: str) -> bool:
        """True when the chat may be read now; else the update is settled unread (see inbound_limit)."""
        if parsed.chat_id is None or parsed.user_id is None or parsed.event is None:
            return True
        verdict = self.inbound_limit.check(parsed.chat_id)
        if verdict is Verdict.READ:
            return True
        calls: list[Call] = []
        if verdict is Verdict.NOTICE:
            log.info(
                "A Telegram chat is over its inbound limit: its updates are settled unread for a while"
            )
            state = self.sessions.load(parsed.user_id)
            locale = state.locale if state.known else negotiate(parsed.event.language_code)
            calls = reply_calls(parsed.chat_id, [Reply(gettext(locale, SLOW_DOWN))])
        chat_id = parsed.chat_id

        def queue_notice(session: Session) -> None:
            self.outbox.add(session, chat_id=chat_id, calls=calls)

        self.inbox.done(delivery, then=queue_notice if calls else None)
        if calls:
            self.replies.kick()
        return False

    def _help_after(self, receipt: str, locale: str) -> list[str] | None:
        """Where to get help after an urgent input (staff were told by the service)."""
        return help_after(self.runtime.engine, receipt=receipt, locale=locale)
