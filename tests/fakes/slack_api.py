"""A fake Slack Web API on loopback, reached through ``WebClient(base_url=...)``.

It answers the methods the app uses, records every call, knows a few users
(locale and e-mail, for users.info) and can fail on demand: 429 with a
Retry-After header, 500, Slack's own errors such as channel_not_found, a connection
reset (``RESET``) or an answer held past the client's timeout (``TIMEOUT``); with
``delivered=True`` the call takes effect before the connection fails.
"""

from __future__ import annotations

import itertools
import json
import threading
from collections import deque
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import parse_qs, urlsplit

from tests.fakes.loopback import (
    RESET,
    TIMEOUT,
    LoopbackServer,
    hold,
    maybe_json,
    reset_connection,
    send_json,
)

BOT_TOKEN = "xoxb-test-token"


class FakeSlackApi:
    def __init__(self) -> None:
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self.users: dict[str, dict[str, Any]] = {}
        self._faults: dict[str, deque[tuple[int | str, Any, bool]]] = {}
        self.hold_seconds = 3.0  # how long a TIMEOUT fault keeps the client waiting
        self._lock = threading.Lock()
        self._ts = itertools.count(1)
        self.loopback = LoopbackServer(_handler(self))

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.loopback.port}/api/"

    def start(self) -> FakeSlackApi:
        self.loopback.start()
        return self

    def stop(self) -> None:
        self.loopback.stop()

    def add_user(self, user_id: str, *, email: str, locale: str = "en-US") -> None:
        self.users[user_id] = {
            "id": user_id,
            "locale": locale,
            "tz": "Asia/Beirut",
            "profile": {"email": email},
        }

    def fail_next(
        self,
        method: str,
        status: int | str = 500,
        *,
        retry_after: int = 1,
        error: str | None = None,
        times: int = 1,
        delivered: bool = False,
    ) -> None:
        """The next ``times`` calls of ``method`` fail: an HTTP status, ``RESET`` or ``TIMEOUT``."""
        with self._lock:
            self._faults.setdefault(method, deque()).extend(
                [(status, error or retry_after, delivered)] * times
            )

    def heal(self) -> None:
        """Every fault still queued is forgotten: Slack is back."""
        with self._lock:
            self._faults.clear()

    def sent(self, method: str) -> list[dict[str, Any]]:
        with self._lock:
            return [params for name, params in self.calls if name == method]

    def answer(
        self, method: str, params: dict[str, Any]
    ) -> tuple[int | str, dict[str, Any], dict[str, str]]:
        with self._lock:
            faults = self._faults.get(method)
            if faults:
                status, detail, delivered = faults.popleft()
                if isinstance(status, str):  # RESET or TIMEOUT
                    if delivered:
                        self.calls.append((method, params))
                    return status, {}, {}
                if status == 429:
                    return 429, {"ok": False, "error": "ratelimited"}, {"Retry-After": str(detail)}
                if status == 200:
                    return 200, {"ok": False, "error": detail}, {}
                return status, {"ok": False, "error": "internal_error"}, {}
            self.calls.append((method, params))
        return 200, self._result(method, params), {}

    def _result(self, method: str, params: dict[str, Any]) -> dict[str, Any]:
        if method == "auth.test":
            return {"ok": True, "user_id": "UBOT", "team_id": "T1", "bot_id": "B1"}
        if method == "users.info":
            user = self.users.get(params.get("user", ""))
            return {"ok": True, "user": user} if user else {"ok": False, "error": "user_not_found"}
        if method.startswith("views."):
            return {"ok": True, "view": {"id": f"V{next(self._ts)}", **(params.get("view") or {})}}
        if method == "chat.postMessage":
            ts = f"1764000000.{next(self._ts):06d}"
            return {"ok": True, "channel": params.get("channel"), "ts": ts, "message": {"ts": ts}}
        return {"ok": True}


def _handler(api: FakeSlackApi) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:
            pass

        def do_GET(self) -> None:  # noqa: N802
            self._serve()

        def do_POST(self) -> None:  # noqa: N802
            self._serve()

        def _serve(self) -> None:
            url = urlsplit(self.path)
            if self.headers.get("Authorization") != f"Bearer {BOT_TOKEN}":
                self._send(200, {"ok": False, "error": "invalid_auth"}, {})
                return
            params = {k: v[0] for k, v in parse_qs(url.query).items()}
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length else b""
            if raw and self.headers.get("Content-Type", "").startswith("application/json"):
                params.update(json.loads(raw))
            elif raw:
                params.update({k: maybe_json(v[0]) for k, v in parse_qs(raw.decode()).items()})
            status, body, headers = api.answer(url.path.removeprefix("/api/"), params)
            if status == TIMEOUT:
                hold(api.hold_seconds)
            if status in (RESET, TIMEOUT):
                reset_connection(self)
                return
            self._send(int(status), body, headers)

        def _send(self, status: int, body: dict[str, Any], headers: dict[str, str]) -> None:
            send_json(self, status, body, headers)

    return Handler
