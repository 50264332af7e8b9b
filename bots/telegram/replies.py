"""Replies to chats: queued with the update they answer, sent at Telegram's pace by one sender.

The webhook used to hold its request until Telegram had both replies, and each
worker paced its own sends: a burst of updates waited on the flood limit, and
two workers together sent twice what Telegram allows. Now processing an update
writes its replies to the outbox (``intake_api.chat_outbox``) in the
transaction that settles it and the request ends; a ``ReplySender`` in every
process that runs the channel stands by, and the one holding the lease sends:
each chat's calls in order, one in flight per chat and one message a second in a
chat, the whole bot under ``INTAKE_TELEGRAM_REPLY_RATE`` through the broadcast
sender's ``SendSchedule``. A 429 pauses the sender in memory (only the lease
holder sends); the rows are not rewritten. While a broadcast is sending, the two
share the bot's budget: replies take ``REPLY_SHARE`` messages a second, the
broadcast leaves them that whenever replies are waiting.

Answers to button presses take no message slot: Telegram does not count them,
and the person's button spins until one comes. A reply is sent at least once:
when a call fails on the network (a 5xx, a timeout, a reset) it is tried again
after the reply policy's jittered delay (``intake_api.policies.delivery``), so one
whose answer was lost after Telegram had it may, rarely, arrive twice. One that
Telegram refuses (the person blocked the bot), or that still fails at the reply
deadline, is recorded as failed where staff see it (``gcm-intake failures``).
A restart of the store is waited out (``intake_api.store_outage``), logged once: a
reply Telegram took while the store was away is recorded as sent when it is back,
not sent again. A sender killed mid-call is replaced by a standby (another worker,
or the scheduler's) within ``LEASE_SECONDS``, at once when it was on the same host.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup
from telegram.constants import ParseMode
from telegram.error import BadRequest, NetworkError, RetryAfter

from bots.telegram.client import BotClient, split_message
from bots.telegram.keyboards import Reply
from bots.telegram.rate_limits import REPLY_SHARE, SendSchedule, TelegramLimits, shared
from intake_api.broadcasts import LEASE_NAME as BROADCAST_LEASE
from intake_api.chat_outbox import ChatOutbox, PendingCall
from intake_api.leases import Lease, LeaseHeld, held
from intake_api.policies.availability import store_unavailable
from intake_api.store_outage import StoreOutage, survive_store_outage

log = logging.getLogger(__name__)

Call = tuple[str, dict[str, Any]]
LEASE_NAME = "telegram-replies"
LEASE_SECONDS = 30
LEASE_RENEWAL = 10.0  # seconds
IDLE_POLL = 0.2  # seconds between looks at the outbox when nothing woke the sender
SHARE_CHECK_EVERY = 1.0  # seconds between looks at whether a broadcast is sending
MAX_IN_FLIGHT = 8
UNPACED = frozenset({"answerCallbackQuery"})
SETTLE_PATIENCE = (
    120.0  # seconds a reply's outcome waits for the store before it is left to be sent again
)


def reply_calls(
    chat_id: int,
    replies: list[Reply],
    *,
    message_id: int | None = None,
    callback_query_id: str | None = None,
) -> list[Call]:
    """The Bot API calls that show a conversation's replies, in the order they must arrive."""
    calls: list[Call] = []
    if callback_query_id:
        notice = next((r.notice for r in replies if r.notice), None)
        calls.append(
            ("answerCallbackQuery", {"callback_query_id": callback_query_id, "text": notice})
        )
    for reply in replies:
        if not reply.text:
            continue
        markup = _markup(reply)
        chunks = split_message(reply.text)
        for index, chunk in enumerate(chunks):
            params: dict[str, Any] = {
                "chat_id": chat_id,
                "text": chunk,
                "parse_mode": ParseMode.HTML.value,
                "reply_markup": markup if index == len(chunks) - 1 else None,
            }
            if reply.replace and message_id and len(chunks) == 1:
                calls.append(("editMessageText", {**params, "message_id": message_id}))
            else:
                calls.append(("sendMessage", params))
    return calls


def _markup(reply: Reply) -> list[list[dict[str, str]]] | None:
    if not reply.buttons:
        return None
    return [[{"text": b.label, "callback_data": b.data} for b in row] for row in reply.buttons]


class ReplySender:
    """Sends the outbox of one channel from a background thread, while this process holds the lease."""

    def __init__(
        self,
        outbox: ChatOutbox,
        client: BotClient,
        *,
        rate: float = 30.0,
        max_in_flight: int = MAX_IN_FLIGHT,
    ) -> None:
        self.outbox = outbox
        self.client = client
        self.lease = Lease(outbox.engine, LEASE_NAME, seconds=LEASE_SECONDS)
        self.max_in_flight = max_in_flight
        # Telegram's limits (30 a second, one a second in a chat); a faster rate (tests) shortens
        # every window alike, so a chat's second reply waits 1 s at the real rate, 30 ms at 1,000.
        self.limits = TelegramLimits().scaled(30.0 / rate)
        self.schedule = SendSchedule(self.limits)
        self._lock = threading.Lock()  # the schedule, the chats in flight and those cooling down
        self._busy: set[str] = set()
        self._cooling: dict[str, float] = {}  # chat -> when its next message may start
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._holding = False
        self._renewed = self._tried = self._share_checked = self._last_start = float("-inf")
        self._broadcasting = False
        self._pool = ThreadPoolExecutor(
            max_workers=max_in_flight, thread_name_prefix="telegram-reply"
        )
        self._thread: threading.Thread | None = None
        self._outage = StoreOutage("telegram reply sender")  # the loop's and the sends' alike

    def start(self) -> ReplySender:
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="telegram-replies", daemon=True)
            self._thread.start()
        return self

    def kick(self) -> None:
        """New replies were queued: look now rather than at the next poll."""
        self._wake.set()

    def drain(self, timeout: float = 10.0) -> None:
        """Wait until every queued reply has been sent or given up (here or by the lease holder)."""
        deadline = time.monotonic() + timeout
        self.kick()
        while time.monotonic() < deadline:
            with self._lock:
                busy = bool(self._busy)
            if not busy and not self.outbox.has_pending():
                return
            time.sleep(0.005)
        raise TimeoutError("replies still queued")

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout=10)
        self._pool.shutdown(wait=True)
        if self._holding:
            try:
                self.lease.release()
            except Exception as error:  # noqa: BLE001 - it expires on its own
                log.warning("reply lease not released: %s", type(error).__name__)

    def _run(self) -> None:
        outage = self._outage
        while not self._stop.is_set():
            try:
                started = self._hold_lease() and self._start_due()
            except Exception as error:  # noqa: BLE001 - the rows wait in the store; so does this loop
                if store_unavailable(error):
                    delay = outage.failed(error)  # said once per outage, then backoff
                else:
                    log.warning("reply sender: %s; trying again", type(error).__name__)
                    delay = 1.0
                started = False
                self._stop.wait(delay)
                continue
            outage.recovered()
            if not started:
                self._wake.wait(IDLE_POLL if self._holding else LEASE_RENEWAL / 2)
                self._wake.clear()

    def _hold_lease(self) -> bool:
        """Renewed every ``LEASE_RENEWAL``; a standby tries again no oftener than half that."""
        now = time.monotonic()
        if self._holding and now - self._renewed < LEASE_RENEWAL:
            return True
        if not self._holding and now - self._tried < LEASE_RENEWAL / 2:
            return False
        try:
            self.lease.acquire()
        except LeaseHeld:
            self._holding, self._tried = False, now
            return False
        self._holding, self._renewed, self._tried = True, now, now
        return True

    def _start_due(self) -> bool:
        """Start what the schedule allows now; False when there was nothing to start."""
        with self._lock:
            now = time.monotonic()
            self._cooling = {chat: at for chat, at in self._cooling.items() if at > now}
            busy, free = self._busy | set(self._cooling), self.max_in_flight - len(self._busy)
        self._share_with_broadcast()
        # Under a backlog every update kicks: look at the queue only when a call could start.
        if free <= 0 or not self._wait_for_slot():
            return False
        started = False
        calls = self.outbox.next_calls(busy=busy, limit=free)
        if calls:
            self._let_the_broadcast_make_room()
        for call in calls:
            paced = call.method not in UNPACED
            if paced and not self._wait_for_slot():
                break
            with self._lock:
                if paced:
                    self._last_start = time.monotonic()
                    self.schedule.started(self._last_start)
                self._busy.add(call.chat_key)
            try:
                self._pool.submit(self._send, call, paced)
            except RuntimeError:  # the interpreter is exiting: the row stays for the next sender
                self._stop.set()
                return False
            started = True
        return started

    def _share_with_broadcast(self) -> None:
        """While a broadcast is sending, take only ``REPLY_SHARE`` of the bot's budget (it leaves that)."""
        now = time.monotonic()
        if now - self._share_checked < SHARE_CHECK_EVERY:
            return
        self._share_checked = now
        self._broadcasting = held(self.outbox.engine, BROADCAST_LEASE)
        with self._lock:
            self.schedule.limits = (
                shared(self.limits, take=REPLY_SHARE) if self._broadcasting else self.limits
            )

    def _let_the_broadcast_make_room(self) -> None:
        """Replies after a quiet spell, during a broadcast: it leaves their share within a second
        of seeing them queued, and its last second of messages must leave the window first."""
        now = time.monotonic()
        if self._broadcasting and now - self._last_start > 2 * SHARE_CHECK_EVERY:
            with self._lock:
                self.schedule.pause_until(now + 2 * SHARE_CHECK_EVERY)

    def _wait_for_slot(self) -> bool:
        """Sleep until the overall limit allows one more message; False if that needs an answer first."""
        while not self._stop.is_set():
            now = time.monotonic()
            with self._lock:
                at = self.schedule.overall_ready_at(now)
            if at is None:
                return False
            if at <= now:
                return True
            time.sleep(at - now)
        return False

    def _send(self, call: PendingCall, paced: bool) -> None:
        error = self._call(call)
        with self._lock:
            answered = time.monotonic()
            if paced:
                self.schedule.answered(call.chat_key, group=False, at=answered)
                self._cooling[call.chat_key] = (
                    answered + self.limits.chat_interval + self.limits.margin
                )
            self.schedule.forget(call.chat_key)  # chats' windows are kept in ``_cooling``
        try:
            # A reply Telegram has must be recorded as sent, or it goes out again: wait out a
            # restart of the store (the chat's next reply waits meanwhile, in order).
            survive_store_outage(
                "telegram reply sender",
                lambda: self._settle(call, error),
                give_up_after=SETTLE_PATIENCE,
                stop=self._stop,
                outage=self._outage,
            )
        except Exception as failure:  # noqa: BLE001 - the row stays and is sent again
            log.warning("reply not settled: %s", type(failure).__name__)
        finally:
            with self._lock:
                self._busy.discard(call.chat_key)
            self._wake.set()

    def _call(self, call: PendingCall) -> BaseException | None:
        bot, params = self.client.bot, dict(call.params)
        if params.get("reply_markup") is not None:
            params["reply_markup"] = InlineKeyboardMarkup(
                [
                    [InlineKeyboardButton(b["text"], callback_data=b["callback_data"]) for b in row]
                    for row in params["reply_markup"]
                ]
            )
        methods: dict[str, Callable[..., Awaitable[Any]]] = {
            "sendMessage": bot.send_message,
            "editMessageText": bot.edit_message_text,
            "answerCallbackQuery": bot.answer_callback_query,
        }
        method = methods[call.method]
        try:
            self.client.run(method(**params), timeout=60)
        except Exception as error:  # noqa: BLE001 - every outcome is settled below
            return error
        return None

    def _settle(self, call: PendingCall, error: BaseException | None) -> None:
        if error is None:
            self.outbox.sent(call.id)
        elif isinstance(error, RetryAfter):
            seconds = (
                error.retry_after.total_seconds()
                if isinstance(error.retry_after, timedelta)
                else float(error.retry_after)
            )
            log.warning("Telegram asked to wait %.0f s (429)", seconds)
            with self._lock:  # only the lease holder sends, so the pause lives here
                self.schedule.pause_until(time.monotonic() + seconds)
            self.outbox.retry_later(
                call, error, counts=False
            )  # the row waits as long, up to its deadline
        elif call.method == "editMessageText" and isinstance(error, BadRequest):
            if "not modified" in error.message.lower():
                self.outbox.sent(call.id)  # it already shows this
            else:  # too old to edit, or gone: the same text as a new message
                params = {k: v for k, v in call.params.items() if k != "message_id"}
                self.outbox.replace(call.id, "sendMessage", params)
        elif call.method == "answerCallbackQuery" and isinstance(error, BadRequest):
            self.outbox.sent(
                call.id
            )  # the button press is too old to answer: nobody's button spins any more
        elif isinstance(error, TimeoutError) or (
            isinstance(error, NetworkError) and not isinstance(error, BadRequest)
        ):
            self.outbox.retry_later(call, error)  # or, past the deadline, recorded as failed
        else:  # Forbidden (blocked, left), BadRequest
            log.warning("Bot API %s refused: %s", call.method, type(error).__name__)
            self.outbox.refused(call, error)
