"""What the fake platform servers share: a threaded HTTP server on 127.0.0.1 and JSON helpers."""

from __future__ import annotations

import json
import socket
import struct
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


class _QuietServer(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128  # the default 5 resets connections when many clients start at once

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # a client that hung up mid-answer (a killed bot) is not the server's concern


class LoopbackServer:
    """Serves a handler class on a free loopback port, in a thread, until stopped."""

    def __init__(self, handler: type[BaseHTTPRequestHandler]) -> None:
        self.server = _QuietServer(("127.0.0.1", 0), handler)
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def port(self) -> int:
        return int(self.server.server_port)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def maybe_json(value: str) -> Any:
    """Form fields that carry JSON (reply markups, blocks) decoded; others as they are."""
    if value[:1] in ("{", "["):
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


def send_json(
    handler: BaseHTTPRequestHandler,
    status: int,
    body: dict[str, Any],
    headers: dict[str, str] | None = None,
) -> None:
    data = json.dumps(body).encode()
    handler.send_response(status)
    handler.send_header("Content-Type", "application/json")
    handler.send_header("Content-Length", str(len(data)))
    for name, value in (headers or {}).items():
        handler.send_header(name, value)
    handler.end_headers()
    handler.wfile.write(data)


def reset_connection(handler: BaseHTTPRequestHandler) -> None:
    """Drop the connection without an answer, with a TCP reset: what a crashed proxy does."""
    handler.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    handler.close_connection = True
    handler.connection.close()


def hold(seconds: float) -> None:
    """Keep the client waiting longer than its timeout (the answer then goes nowhere)."""
    time.sleep(seconds)


# Ways a fake server fails besides an HTTP status: the connection reset, or no answer in time.
RESET = "reset"
TIMEOUT = "timeout"
