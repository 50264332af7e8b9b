"""When the next outbound message may start, under Telegram's limits, without a 429.

Telegram allows a bot about 30 messages a second overall, one a second in a
chat and 20 a minute in a group. python-telegram-bot's ``AIORateLimiter``
uses leaky buckets, which let a full bucket go at once and then drip: up to
twice the limit inside one second (or one minute, for a group), and nothing
for a private chat. A server that counts sliding windows answers that with
429s. This schedule counts windows the way such a server does, and counts
each message from its *answer*: a message whose answer came back at ``t``
certainly reached the server before ``t``, so starting the next one at
``t + window`` is safe whatever the network latency, and costs only that
latency once per window.

Pure logic with an injected clock: the sender asks, sleeps, starts, and
reports answers; tests drive it with numbers.
"""

from __future__ import annotations

import bisect
from collections import deque
from collections.abc import Hashable
from dataclasses import dataclass, replace


@dataclass(frozen=True)
class TelegramLimits:
    """Telegram's published broadcast limits; tests scale the windows down."""

    overall: int = 30  # messages per ``overall_window`` for the whole bot
    overall_window: float = 1.0
    chat_interval: float = 1.0  # seconds between two messages in one chat
    group: int = 20  # messages per ``group_window`` in one group or channel
    group_window: float = 60.0
    spread: bool = True  # start messages evenly (window / overall apart) instead of in bursts
    margin: float = 0.002  # seconds added to every window, against clock rounding

    def scaled(self, factor: float) -> TelegramLimits:
        """The same limits with every window ``factor`` times as long (tests use 0.1)."""
        return TelegramLimits(
            self.overall,
            self.overall_window * factor,
            self.chat_interval * factor,
            self.group,
            self.group_window * factor,
            self.spread,
            self.margin,
        )


# Of the bot's 30 messages a second, the part left to replies to people while a broadcast
# runs and replies are waiting: the broadcast takes the rest, so together they stay within it.
REPLY_SHARE = 5


def shared(limits: TelegramLimits, *, take: int | None = None, leave: int = 0) -> TelegramLimits:
    """The same limits with only part of the overall budget: ``take`` of it, or all but ``leave``."""
    overall = take if take is not None else limits.overall - leave
    return replace(limits, overall=max(1, min(limits.overall, overall)))


class SendSchedule:
    """Windows of the messages answered recently, the ones still in flight, and any pause."""

    def __init__(self, limits: TelegramLimits) -> None:
        self.limits = limits
        self._answered: list[float] = []  # answer times inside the overall window, sorted
        self._in_flight = 0
        self._last_start = float("-inf")
        self._paused_until = float("-inf")
        self._chat_answered: dict[Hashable, float] = {}
        self._group_answered: dict[Hashable, deque[float]] = {}

    @property
    def in_flight(self) -> int:
        return self._in_flight

    def overall_ready_at(self, now: float) -> float | None:
        """The earliest time a message to any chat may start; None: only once an answer comes back."""
        limits = self.limits
        window = limits.overall_window + limits.margin
        at = max(now, self._paused_until)
        if limits.spread:
            at = max(at, self._last_start + limits.overall_window / limits.overall)
        del self._answered[: bisect.bisect_right(self._answered, now - window)]
        if self._in_flight >= limits.overall:
            return None
        inside = len(self._answered) - bisect.bisect_right(self._answered, at - window)
        excess = self._in_flight + inside - limits.overall + 1
        if excess <= 0:
            return at
        # The oldest ``excess`` answers inside the window must leave it first.
        first_inside = len(self._answered) - inside
        return max(at, self._answered[first_inside + excess - 1] + window)

    def chat_ready_at(self, chat: Hashable, *, group: bool) -> float:
        """The earliest time the next message to this chat may start (it has none in flight)."""
        limits = self.limits
        last = self._chat_answered.get(chat)
        at = float("-inf") if last is None else last + limits.chat_interval + limits.margin
        if group:
            answered = self._group_answered.get(chat)
            if answered is not None and len(answered) >= limits.group:
                at = max(at, answered[0] + limits.group_window + limits.margin)
        return at

    def started(self, now: float) -> None:
        self._in_flight += 1
        self._last_start = now

    def answered(self, chat: Hashable, *, group: bool, at: float) -> None:
        """A message's answer came back at ``at`` (a 429 counts too: the server saw it)."""
        self._in_flight -= 1
        bisect.insort(self._answered, at)
        self._chat_answered[chat] = at
        if group:
            self._group_answered.setdefault(chat, deque(maxlen=self.limits.group)).append(at)

    def abandoned(self) -> None:
        """A message that never reached the server (no connection): it takes no slot."""
        self._in_flight -= 1

    def pause_until(self, at: float) -> None:
        """Telegram asked us to wait (429 ``retry_after``): nothing starts before ``at``."""
        self._paused_until = max(self._paused_until, at)

    def forget(self, chat: Hashable) -> None:
        """A chat with nothing more to send: its windows are no longer needed."""
        self._chat_answered.pop(chat, None)
        self._group_answered.pop(chat, None)


def minimum_seconds(
    messages_per_chat: list[int], groups: set[int], limits: TelegramLimits
) -> float:
    """The least time from the first message's start to the last one's, under the limits.

    A lower bound that a schedule reaches when messages are interleaved well:
    the larger of the overall bound (``overall`` messages per window, in
    bursts at 0, W, 2W, ...) and, for each chat, the bound of its own
    messages (one per ``chat_interval``; for a group, also ``group`` per
    ``group_window``). ``groups`` holds the indexes of the chats that are groups.
    """
    total = sum(messages_per_chat)
    if total == 0:
        return 0.0
    bound = ((total - 1) // limits.overall) * limits.overall_window
    for index, count in enumerate(messages_per_chat):
        if count == 0:
            continue
        if index in groups:
            last = count - 1  # the message's index: bursts of `group`, one per interval within each
            chat_bound = (last // limits.group) * max(
                limits.group_window, limits.group * limits.chat_interval
            )
            chat_bound += (last % limits.group) * limits.chat_interval
        else:
            chat_bound = (count - 1) * limits.chat_interval
        bound = max(bound, chat_bound)
    return bound
