"""A real SMTP server on loopback (aiosmtpd) that keeps what it receives, and can fail on demand.

``fail_next(reply)`` answers the next messages' DATA with an SMTP reply such as
``"451 4.3.0 Try again later"`` (a temporary refusal) or ``"554 5.7.1 Refused"`` (a
permanent one); ``fail_next(DROP)`` drops the connection instead of answering, and
``fail_next(HOLD)`` answers only after ``hold_seconds`` (past the client's timeout).
With ``delivered=True`` the message is kept first (the server had it; the client cannot know).
"""

from __future__ import annotations

import asyncio
import email
import socket
import threading
from collections import deque
from email.message import Message
from typing import Any

from aiosmtpd.controller import Controller

DROP = "drop"
HOLD = "hold"


class _Collector:
    def __init__(self) -> None:
        self.messages: list[Message] = []
        self.faults: deque[tuple[str, bool]] = deque()
        self.lock = threading.Lock()
        self.hold_seconds = 3.0

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        with self.lock:
            fault = self.faults.popleft() if self.faults else None
        if fault is not None:
            reply, delivered = fault
            if delivered:
                self.messages.append(email.message_from_bytes(envelope.content))
            if reply == HOLD:
                await asyncio.sleep(self.hold_seconds)
                return "451 4.4.2 Timed out"  # the client has gone
            if reply == DROP:
                server.transport.abort()  # a reset, no answer to DATA
                return "421 4.4.2 Connection dropped"  # written nowhere
            return reply
        self.messages.append(email.message_from_bytes(envelope.content))
        return "250 Message accepted for delivery"


class SmtpServer:
    def __init__(self) -> None:
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            port = sock.getsockname()[1]
        self.collector = _Collector()
        self.controller = Controller(self.collector, hostname="127.0.0.1", port=port)

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.controller.port}?from=digests%40gcm.example"

    @property
    def messages(self) -> list[Message]:
        return self.collector.messages

    def fail_next(self, reply: str, *, times: int = 1, delivered: bool = False) -> None:
        """The next ``times`` messages are answered ``reply`` (an SMTP reply line) or dropped (``DROP``)."""
        with self.collector.lock:
            self.collector.faults.extend([(reply, delivered)] * times)

    def heal(self) -> None:
        with self.collector.lock:
            self.collector.faults.clear()

    def __enter__(self) -> SmtpServer:
        self.controller.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.controller.stop()
