"""Sending a broadcast: every pending delivery, as fast as Telegram's limits allow, and no faster.

The rules (who receives it, what is claimed and marked when) live in
``intake_api.broadcasts``; this module is the Telegram side: a loop on
asyncio that starts each message at the time ``SendSchedule`` allows,
keeps a few in flight (so the Bot API's latency does not add up), and turns
each answer into an outcome. Groups with many parts go first while they are
allowed, private chats fill every other slot, so the whole broadcast takes
about the least time the limits permit.

Failures follow the broadcast policy (``intake_api.policies.delivery``): a call that
certainly did not deliver (a 429, a 5xx the Bot API answered, a connection that never
opened) waits a jittered delay, or what Telegram asked, and is tried again until the
deadline counted from the delivery's first try in this run; then it is ``failed`` and
recorded where staff see it. A call that may have delivered (a timeout, a reset after
the request went out) is ``uncertain`` and not tried again: at most once.
"""

from __future__ import annotations

import asyncio
import heapq
import itertools
import logging
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, TypeVar

import httpx
from sqlalchemy import Engine
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
    TelegramError,
    TimedOut,
)
from telegram.ext import ExtBot

from bots.telegram.client import outbound_bot, split_message
from bots.telegram.rate_limits import REPLY_SHARE, SendSchedule, TelegramLimits, shared
from intake_api import broadcasts
from intake_api.chat_outbox import ChatOutbox
from intake_api.crypto import KeyRing
from intake_api.delivery_failures import retried
from intake_api.policies.delivery import POLICIES, Kind, Policy
from intake_api.store_outage import StoreOutage, survive_store_outage

log = logging.getLogger(__name__)
T = TypeVar("T")

MAX_IN_FLIGHT = 8
# A row is claimed up to this long before its slot, so the store's commit is not between
# the slot and the call: each window starts from an answer, and a delay there adds up.
# PostgreSQL commits now and then take 100-250 ms (measured over 3,000 claims: 29 over
# 30 ms); 50 ms of advance cost 1.7 s over B6, 0.2 s absorbs nearly all of them.
CLAIM_AHEAD = 0.2  # seconds
LEASE_RENEWAL = 10.0  # seconds
SHARE_CHECK_EVERY = 1.0  # seconds between looks at whether replies to people are waiting
STORE_PATIENCE = (
    300.0  # seconds a store call waits for the store to be back before the run stops (resumable)
)
# httpx errors raised before a request was written: Telegram cannot have delivered it.
_NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)


@dataclass
class Progress:
    """Counts so far, for the terminal and for the benchmark."""

    total: int = 0
    sent: int = 0
    failed: int = 0
    skipped: int = 0
    uncertain: int = 0
    messages: int = 0  # Bot API calls Telegram accepted
    too_many_requests: int = 0  # 429 answers
    first_call: float | None = None

    @property
    def done(self) -> int:
        return self.sent + self.failed + self.skipped + self.uncertain


@dataclass
class _Delivery:
    target: broadcasts.Target
    parts: list[str]
    sent: int  # parts acknowledged
    network_failures: int = 0
    first_try: float | None = None  # by the sender's clock, for the deadline
    order: int = field(default_factory=itertools.count().__next__)

    @property
    def left(self) -> int:
        return len(self.parts) - self.sent


class BroadcastSender:
    """Sends one broadcast's pending deliveries through ``bot``, under ``limits``."""

    def __init__(
        self,
        engine: Engine,
        keys: KeyRing,
        bot: ExtBot,
        *,
        limits: TelegramLimits | None = None,
        max_in_flight: int = MAX_IN_FLIGHT,
        on_progress: Callable[[Progress], None] | None = None,
        clock: Callable[[], float] = time.monotonic,
        policy: Policy | None = None,
    ) -> None:
        self.engine, self.keys, self.bot = engine, keys, bot
        self.policy = policy or POLICIES[Kind.BROADCAST]
        self.schedule = SendSchedule(limits or TelegramLimits())
        self.max_in_flight = max_in_flight
        self.on_progress = on_progress or (lambda _progress: None)
        self.clock = clock
        self.progress = Progress()
        self._ready: list[
            tuple[int, int, _Delivery]
        ] = []  # (-parts left, order): long chains first
        self._waiting: list[tuple[float, int, _Delivery]] = []  # (allowed at, order)
        self._tasks: set[asyncio.Task[None]] = set()
        self._changed = asyncio.Event()
        self._fatal: BaseException | None = None
        self._database = ThreadPoolExecutor(max_workers=4, thread_name_prefix="broadcast-db")
        self._outage = StoreOutage("broadcast")  # met by every store call in flight, logged once

    async def run(self, broadcast_id: int) -> Progress:
        """Send everything pending; returns the counts. Raises what stopped it (rows stay resumable)."""
        try:
            targets = await self._db(broadcasts.pending_targets, self.engine, broadcast_id)
            for target in targets:
                parts = [chunk for text in target.texts for chunk in split_message(text)]
                self._push_ready(_Delivery(target, parts, min(target.parts_sent, len(parts))))
            self.progress.total = len(targets)
            self.on_progress(self.progress)
            await self._loop()
        finally:
            if self._tasks:
                await asyncio.gather(*self._tasks, return_exceptions=True)
            self._database.shutdown(wait=True)
        if self._fatal is not None:
            raise self._fatal
        return self.progress

    async def _loop(self) -> None:
        while (self._ready or self._waiting or self._tasks) and self._fatal is None:
            self._changed.clear()
            now = self.clock()
            while self._waiting and self._waiting[0][0] <= now:
                self._push_ready(heapq.heappop(self._waiting)[2])
            if not self._ready:
                await self._wait(self._waiting[0][0] - now if self._waiting else None)
                continue
            if len(self._tasks) >= self.max_in_flight:
                await self._wait(None)
                continue
            at = self.schedule.overall_ready_at(now)
            if at is None or at - now > CLAIM_AHEAD:
                await self._wait(None if at is None else at - now - CLAIM_AHEAD)
                continue
            delivery = heapq.heappop(self._ready)[2]
            self.schedule.started(at)  # the slot is taken from now until the answer
            task = asyncio.create_task(self._send_part(delivery, at))
            self._tasks.add(task)
            task.add_done_callback(self._task_done)

    def _task_done(self, task: asyncio.Task[None]) -> None:
        self._tasks.discard(task)
        self._changed.set()

    async def _wait(self, timeout: float | None) -> None:
        try:
            await asyncio.wait_for(self._changed.wait(), timeout)
        except TimeoutError:
            pass

    def _push_ready(self, delivery: _Delivery) -> None:
        heapq.heappush(self._ready, (-delivery.left, delivery.order, delivery))

    def _push_waiting(self, delivery: _Delivery, at: float) -> None:
        heapq.heappush(self._waiting, (at, delivery.order, delivery))

    async def _send_part(self, delivery: _Delivery, at: float) -> None:
        """Claim, wait for the slot at ``at``, call, record: one message of one delivery."""
        target = delivery.target
        try:
            chat = await self._db(broadcasts.claim, self.engine, self.keys, target.delivery_id)
            if chat is None:
                self.schedule.abandoned()
                self.progress.skipped += 1
                return
            if at > self.clock():
                await asyncio.sleep(at - self.clock())
            if delivery.first_try is None:
                delivery.first_try = self.clock()
            outcome = await self._call(chat, delivery.parts[delivery.sent], target.group)
            await self._record(delivery, outcome)
        except Exception as error:  # noqa: BLE001 - the store is down, or a bug: stop, resumable
            log.error("broadcast stopped: %s", type(error).__name__)
            self._fatal = self._fatal or error
        finally:
            self.on_progress(self.progress)

    async def _call(self, chat: int | str, text: str, group: bool) -> tuple[str, Any]:
        """One sendMessage; the answer as an outcome, with the moment it came back."""
        if self.progress.first_call is None:
            self.progress.first_call = self.clock()
        try:
            await self.bot.send_message(chat_id=chat, text=text)
        except RetryAfter as error:
            return "retry_after", error.retry_after
        except (Forbidden, ChatMigrated) as error:  # blocked, left, or a group that moved
            return "refused", error
        except InvalidToken as error:
            return "stop", error
        except BadRequest as error:
            return "refused", error
        except NetworkError as error:  # includes TimedOut
            # Not sent: the connection never opened, or the Bot API answered an error (a 5xx
            # with its JSON body, so no cause). A timeout or a reset may have delivered.
            answered = error.__cause__ is None and not isinstance(error, TimedOut)
            return (
                "not_sent" if answered or isinstance(error.__cause__, _NOT_SENT) else "unknown"
            ), error
        except TelegramError as error:
            return "refused", error
        return "sent", None

    async def _record(self, delivery: _Delivery, outcome: tuple[str, Any]) -> None:
        kind, detail = outcome
        target, key, now = delivery.target, delivery.target.delivery_id, self.clock()
        if kind in ("not_sent", "stop"):
            self.schedule.abandoned()
        else:
            self.schedule.answered(key, group=target.group, at=now)
        if kind == "sent":
            delivery.sent += 1
            self.progress.messages += 1
            done = delivery.left == 0
            await self._db(
                broadcasts.acknowledged, self.engine, key, parts_sent=delivery.sent, done=done
            )
            if done:
                self.progress.sent += 1
                self.schedule.forget(key)
            else:
                self._push_waiting(delivery, self.schedule.chat_ready_at(key, group=target.group))
        elif kind in ("retry_after", "not_sent"):
            if kind == "retry_after":
                self.progress.too_many_requests += 1
                hint = detail.total_seconds() if hasattr(detail, "total_seconds") else float(detail)
                self.schedule.pause_until(now + hint)
                log.warning("Telegram asked to wait %.0f s (429)", hint)
                error: BaseException = RetryAfter(int(hint))
            else:
                delivery.network_failures += 1
                hint, error = None, detail
            wait = self.policy.delay(max(delivery.network_failures, 1), hint=hint)
            if now + wait > (delivery.first_try or now) + self.policy.deadline.total_seconds():
                self.progress.failed += 1
                await self._db(
                    broadcasts.settled,
                    self.engine,
                    key,
                    status="failed",
                    error=type(error).__name__,
                    give_up=error,
                )
                return
            retried(Kind.BROADCAST, error)
            await self._db(
                broadcasts.released,
                self.engine,
                key,
                error="429" if kind == "retry_after" else type(error).__name__,
            )
            self._push_waiting(delivery, now + wait)
        elif kind == "stop":  # the token is wrong: nothing can be sent, and nothing was
            await self._db(broadcasts.released, self.engine, key, error=type(detail).__name__)
            self._fatal = self._fatal or detail
        elif kind == "unknown":
            # The request may have reached Telegram: at most once, so it is not tried again.
            self.progress.uncertain += 1
            await self._db(
                broadcasts.settled,
                self.engine,
                key,
                status="uncertain",
                error=type(detail).__name__,
                give_up=detail,
            )
        else:
            self.progress.failed += 1
            forget = isinstance(detail, Forbidden) and not target.group
            await self._db(
                broadcasts.settled,
                self.engine,
                key,
                status="failed",
                error=type(detail).__name__,
                forget_chat=forget,
                give_up=detail,
            )

    async def _db(self, function: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """Store calls run in threads, so the loop keeps its timing while a commit waits.

        A restart of the store is waited out (``store_outage``) instead of stopping the run:
        a message Telegram has taken is then still recorded as sent, not left ``uncertain``.
        """
        loop = asyncio.get_running_loop()

        def call() -> T:
            return survive_store_outage(
                "broadcast",
                lambda: function(*args, **kwargs),
                give_up_after=STORE_PATIENCE,
                outage=self._outage,
            )

        return await loop.run_in_executor(self._database, call)


async def _send(
    engine: Engine,
    keys: KeyRing,
    token: str,
    base_url: str,
    broadcast_id: int,
    limits: TelegramLimits | None,
    on_progress: Callable[[Progress], None] | None,
    policy: Policy | None,
    read_timeout: float,
) -> Progress:
    lease = broadcasts.SenderLease(engine)
    loop = asyncio.get_running_loop()
    await loop.run_in_executor(None, lease.acquire)

    async def keep_lease() -> None:
        while True:
            await asyncio.sleep(LEASE_RENEWAL)
            try:
                await loop.run_in_executor(None, lease.renew)
            except Exception as error:  # noqa: BLE001 - the sends' own store calls will stop the run
                log.warning("broadcast lease not renewed: %s", type(error).__name__)

    async def share_with_replies(sender: BroadcastSender) -> None:
        """Leave replies to people their share of the bot's budget whenever some are waiting."""
        replies, full = ChatOutbox(engine, keys, "telegram"), sender.schedule.limits
        while True:
            try:
                waiting = await loop.run_in_executor(None, replies.has_pending)
            except Exception as error:  # noqa: BLE001 - keep the last share; the sends carry on
                log.warning("reply queue not read: %s", type(error).__name__)
            else:
                sender.schedule.limits = shared(full, leave=REPLY_SHARE) if waiting else full
            await asyncio.sleep(SHARE_CHECK_EVERY)

    renewing = asyncio.create_task(keep_lease())
    sharing: asyncio.Task[None] | None = None
    try:
        async with outbound_bot(
            token, base_url, connections=MAX_IN_FLIGHT + 2, read_timeout=read_timeout
        ) as bot:
            sender = BroadcastSender(
                engine, keys, bot, limits=limits, on_progress=on_progress, policy=policy
            )
            sharing = asyncio.create_task(share_with_replies(sender))
            return await sender.run(broadcast_id)
    finally:
        renewing.cancel()
        if sharing is not None:
            sharing.cancel()
        await loop.run_in_executor(None, lease.release)


def send_broadcast(
    engine: Engine,
    keys: KeyRing,
    *,
    token: str,
    base_url: str,
    broadcast_id: int,
    limits: TelegramLimits | None = None,
    retry_uncertain: bool = False,
    on_progress: Callable[[Progress], None] | None = None,
    policy: Policy | None = None,
    read_timeout: float = 15,
) -> tuple[Progress, dict[str, int]]:
    """Send (or resume) a broadcast to the end; returns this run's counts and the totals per status.

    Raises ``broadcasts.SenderBusy`` when another process is sending.
    """
    lease = broadcasts.SenderLease(engine)
    lease.acquire()  # before recovering: a live sender's rows in flight are not stale
    try:
        broadcasts.recover(engine, broadcast_id, retry_uncertain=retry_uncertain)
    except BaseException:
        lease.release()
        raise
    progress = asyncio.run(
        _send(
            engine, keys, token, base_url, broadcast_id, limits, on_progress, policy, read_timeout
        )
    )
    return progress, broadcasts.finish(engine, broadcast_id)
