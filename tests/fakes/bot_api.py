"""A fake Telegram Bot API on loopback, speaking the real HTTP protocol.

The bot under test is pointed at it through ``INTAKE_TELEGRAM_API_URL``
(python-telegram-bot's ``base_url``). It answers the methods the bot uses,
records every call, queues updates for ``getUpdates``, and can be told to fail:
429 with ``retry_after``, 500, or a dropped connection.
"""

from __future__ import annotations

import json
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import parse_qs

from tests.fakes.loopback import LoopbackServer, maybe_json, send_json

TOKEN = "123456:TEST-TOKEN"
BOT_USER = {"id": 123456, "is_bot": True, "first_name": "GCM Intake", "username": "gcm_intake_bot"}


@dataclass
class Call:
    method: str
    params: dict[str, Any]
    at: float = field(default_factory=time.monotonic)


class FakeBotApi:
    def __init__(self) -> None:
        self.calls: list[Call] = []
        self.updates: deque[dict[str, Any]] = deque()
        self._faults: dict[str, deque[tuple[int, int | None]]] = {}
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

    def fail_next(self, method: str, status: int = 500, *, retry_after: int | None = None, times: int = 1) -> None:
        with self._lock:
            queue = self._faults.setdefault(method, deque())
            queue.extend([(status, retry_after)] * times)

    def push_update(self, update: dict[str, Any]) -> None:
        with self._update_ready:
            self.updates.append(update)
            self._update_ready.notify_all()

    def sent(self, method: str = "sendMessage") -> list[dict[str, Any]]:
        with self._lock:
            return [c.params for c in self.calls if c.method == method]

    def texts(self) -> list[str]:
        """Every text the bot showed: new messages and edited ones, in order."""
        with self._lock:
            return [c.params.get("text", "") for c in self.calls if c.method in ("sendMessage", "editMessageText")]

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

    def answer(self, method: str, params: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        with self._lock:
            faults = self._faults.get(method)
            if faults:
                status, retry_after = faults.popleft()
                if status == 429:
                    return 429, {"ok": False, "error_code": 429, "description": "Too Many Requests: retry later",
                                 "parameters": {"retry_after": retry_after or 1}}
                return status, {"ok": False, "error_code": status, "description": "Internal Server Error"}
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
            chat_id = int(params["chat_id"])
            return {"message_id": int(message_id), "date": int(time.time()), "text": params.get("text", ""),
                    "chat": {"id": chat_id, "type": "private"}, "from": BOT_USER}
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
            status, body = api.answer(path[len(prefix):], self._params())
            self._send(status, body)

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
