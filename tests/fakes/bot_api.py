"""A fake Telegram Bot API on loopback, speaking the real HTTP protocol.

The bot under test is pointed at it through ``INTAKE_TELEGRAM_API_URL``
(python-telegram-bot's ``base_url``). It answers the methods the bot uses,
records every call, queues updates for ``getUpdates``, and can be told to fail:
429 with ``retry_after``, 500, a connection reset (``RESET``) or an answer held past the
client's timeout (``TIMEOUT``); with ``delivered=True`` the message arrives (is recorded)
before the connection fails, as when Telegram had it and the answer was lost.

Given ``Limits``, it also enforces Telegram's flood limits on sent messages,
as sliding windows counted at arrival: at most 30 in any second for the
bot, one a second in a chat, 20 in any minute in a group (a negative chat
id). A message over a limit is answered 429 with ``retry_after`` and counted
in ``too_many_requests``; it is not delivered and takes no place in a window.
"""

from __future__ import annotations

import json
import math
import threading
import time
from collections import Counter, deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import parse_qs

from tests.fakes.loopback import (
    RESET,
    TIMEOUT,
    LoopbackServer,
    hold,
    maybe_json,
    reset_connection,
    send_json,
)

TOKEN = "123456:TEST-TOKEN"
BOT_USER = {"id": 123456, "is_bot": True, "first_name": "GCM Intake", "username": "gcm_intake_bot"}


# Methods that send a message and so count against the flood limits.
LIMITED_METHODS = frozenset(
    {"sendMessage", "sendPhoto", "sendDocument", "copyMessage", "forwardMessage"}
)


@dataclass(frozen=True)
class Limits:
    """Telegram's flood limits for one bot; tests shorten the windows."""

    overall: int = 30
    overall_window: float = 1.0
    chat_interval: float = 1.0
    group: int = 20
    group_window: float = 60.0

    def scaled(self, factor: float) -> Limits:
        return Limits(
            self.overall,
            self.overall_window * factor,
            self.chat_interval * factor,
            self.group,
            self.group_window * factor,
        )


class FloodControl:
    """The windows of accepted messages; says how long to wait when one more would exceed a limit."""

    def __init__(self, limits: Limits) -> None:
        self.limits = limits
        self._overall: deque[float] = deque()
        self._chat_last: dict[str, float] = {}
        self._groups: dict[str, deque[float]] = {}

    def admit(self, chat: str, now: float) -> float | None:
        """None when the message may go (and it is counted); else the seconds to wait."""
        limits = self.limits
        _drop_older(self._overall, now - limits.overall_window)
        waits = []
        if len(self._overall) >= limits.overall:
            waits.append(self._overall[0] + limits.overall_window - now)
        last = self._chat_last.get(chat)
        if last is not None and now - last < limits.chat_interval:
            waits.append(last + limits.chat_interval - now)
        group = self._groups.setdefault(chat, deque()) if _is_group(chat) else None
        if group is not None:
            _drop_older(group, now - limits.group_window)
            if len(group) >= limits.group:
                waits.append(group[0] + limits.group_window - now)
        if waits:
            return max(waits)
        self._overall.append(now)
        self._chat_last[chat] = now
        if group is not None:
            group.append(now)
        return None


def _drop_older(window: deque[float], limit: float) -> None:
    while window and window[0] <= limit:
        window.popleft()


def _is_group(chat: str) -> bool:
    return chat.startswith(("-", "@"))


@dataclass
class Call:
    method: str
    params: dict[str, Any]
    at: float = field(default_factory=time.monotonic)


class FakeBotApi:
    def __init__(self, limits: Limits | None = None) -> None:
        self.calls: list[Call] = []
        self.flood = FloodControl(limits) if limits is not None else None
        self.too_many_requests = 0  # 429s answered for exceeding a limit
        self.refused: Counter[str] = Counter()  # chat -> 429s, to see which limit was hit
        self.updates: deque[dict[str, Any]] = deque()
        self._faults: dict[str, deque[tuple[int | str, int | None, bool]]] = {}
        self.hold_seconds = 3.0  # how long a TIMEOUT fault keeps the client waiting
        self._lock = threading.Lock()
        self._next_message_id = 1000
        self._update_ready = threading.Condition(self._lock)
        self.loopback = LoopbackServer(_handler(self))

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.loopback.port}/bot"

    def start(self) -> FakeBotApi:
        self.loopback.start()
        return self

    def stop(self) -> None:
        self.loopback.stop()

    # What tests do ----------------------------------------------------------

    def fail_next(
        self,
        method: str,
        status: int | str = 500,
        *,
        retry_after: int | None = None,
        times: int = 1,
        delivered: bool = False,
    ) -> None:
        """The next ``times`` calls of ``method`` fail: an HTTP status, ``RESET`` or ``TIMEOUT``."""
        with self._lock:
            queue = self._faults.setdefault(method, deque())
            queue.extend([(status, retry_after, delivered)] * times)

    def heal(self) -> None:
        """Every fault still queued is forgotten: the platform is back."""
        with self._lock:
            self._faults.clear()

    def push_update(self, update: dict[str, Any]) -> None:
        with self._update_ready:
            self.updates.append(update)
            self._update_ready.notify_all()

    def sent(self, method: str = "sendMessage") -> list[dict[str, Any]]:
        with self._lock:
            return [c.params for c in self.calls if c.method == method]

    def messages_per_chat(self) -> Counter[str]:
        """How many messages each chat received (accepted sendMessage calls)."""
        with self._lock:
            return Counter(
                str(c.params.get("chat_id")) for c in self.calls if c.method == "sendMessage"
            )

    def texts(self) -> list[str]:
        """Every text the bot showed: new messages and edited ones, in order."""
        with self._lock:
            return [
                c.params.get("text", "")
                for c in self.calls
                if c.method in ("sendMessage", "editMessageText")
            ]

    def last_buttons(self) -> list[list[dict[str, Any]]]:
        with self._lock:
            for call in reversed(self.calls):
                markup = call.params.get("reply_markup")
                if call.method in ("sendMessage", "editMessageText") and markup:
                    return markup["inline_keyboard"]
        return []

    def clear(self) -> None:
        with self._lock:
            self.calls.clear()

    # The protocol -------------------------------------------------------------

    def answer(self, method: str, params: dict[str, Any]) -> tuple[int | str, dict[str, Any]]:
        with self._lock:
            faults = self._faults.get(method)
            if faults:
                status, retry_after, delivered = faults.popleft()
                if isinstance(status, str):  # RESET or TIMEOUT
                    if delivered:
                        self.calls.append(Call(method, params))
                    return status, {}
                if status == 429:
                    return 429, {
                        "ok": False,
                        "error_code": 429,
                        "description": "Too Many Requests: retry later",
                        "parameters": {"retry_after": retry_after or 1},
                    }
                return status, {
                    "ok": False,
                    "error_code": status,
                    "description": "Internal Server Error",
                }
            if self.flood is not None and method in LIMITED_METHODS:
                wait = self.flood.admit(str(params.get("chat_id")), time.monotonic())
                if wait is not None:
                    self.too_many_requests += 1
                    self.refused[str(params.get("chat_id"))] += 1
                    retry_after = max(1, math.ceil(wait))  # Telegram answers whole seconds
                    return 429, {
                        "ok": False,
                        "error_code": 429,
                        "parameters": {"retry_after": retry_after},
                        "description": f"Too Many Requests: retry after {retry_after}",
                    }
            self.calls.append(Call(method, params))
        if method == "getUpdates":
            return 200, {"ok": True, "result": self._get_updates(params)}
        return 200, {"ok": True, "result": self._result(method, params)}

    def _get_updates(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        offset = int(params.get("offset") or 0)
        timeout = min(float(params.get("timeout") or 0), 2.0)
        deadline = time.monotonic() + timeout
        with self._update_ready:
            while True:
                while self.updates and self.updates[0]["update_id"] < offset:
                    self.updates.popleft()  # confirmed by the offset, as Telegram forgets them
                if self.updates or time.monotonic() >= deadline:
                    return list(self.updates)
                self._update_ready.wait(deadline - time.monotonic())

    def _result(self, method: str, params: dict[str, Any]) -> Any:
        if method == "getMe":
            return BOT_USER
        if method in ("sendMessage", "editMessageText"):
            with self._lock:
                self._next_message_id += 1
                message_id = params.get("message_id") or self._next_message_id
            chat = str(params["chat_id"])
            chat_id = int(chat) if chat.lstrip("-").isdigit() else -1
            kind = "supergroup" if _is_group(chat) else "private"
            return {
                "message_id": int(message_id),
                "date": int(time.time()),
                "text": params.get("text", ""),
                "chat": {"id": chat_id, "type": kind},
                "from": BOT_USER,
            }
        return True


def _handler(api: FakeBotApi) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:
            pass

        def do_POST(self) -> None:  # noqa: N802
            self._serve()

        def do_GET(self) -> None:  # noqa: N802
            self._serve()

        def _serve(self) -> None:
            path = self.path.split("?", 1)[0]
            prefix = f"/bot{TOKEN}/"
            if not path.startswith(prefix):
                self._send(404, {"ok": False, "error_code": 404, "description": "Not Found"})
                return
            status, body = api.answer(path[len(prefix) :], self._params())
            if status == TIMEOUT:
                hold(api.hold_seconds)
            if status in (RESET, TIMEOUT):
                reset_connection(self)
                return
            self._send(int(status), body)

        def _params(self) -> dict[str, Any]:
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length else b""
            content_type = self.headers.get("Content-Type", "")
            if content_type.startswith("application/json"):
                return json.loads(raw or b"{}")
            # python-telegram-bot sends form-encoded fields, complex ones as JSON text.
            pairs = {k: v[0] for k, v in parse_qs(raw.decode()).items()}
            return {k: maybe_json(v) for k, v in pairs.items()}

        def _send(self, status: int, body: dict[str, Any]) -> None:
            send_json(self, status, body)

    return Handler
