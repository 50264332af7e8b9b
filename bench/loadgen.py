"""An open-loop load generator: requests sent at a fixed rate, latency from the intended send time.

wrk2 (the fixed-rate wrk) is not packaged in Debian, so this small asyncio generator does
that part. Request ``i`` is due at ``start + i / rate``; it is sent then on a connection of
its own (gunicorn's sync workers close every connection), whether or not earlier answers
came back, and its latency counts from the due time, so a stalled server cannot hide its
queue (no coordinated omission). The generator shares the two cores with the server: its
own cost is part of every figure, the baseline's too.
"""

from __future__ import annotations

import asyncio
import statistics
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from urllib.parse import urlsplit


@dataclass(frozen=True)
class OpenLoopResult:
    rate: float  # requests per second asked
    achieved: float  # answered per second
    p50_ms: float
    p99_ms: float
    sent: int
    errors: int  # connection errors, timeouts and answers outside 2xx/3xx
    late_sends_ms: float  # p99 of how late the generator itself sent (its own saturation)
    refused: int = 0  # of the errors, the answers outside 2xx/3xx (not an overload's timeouts)


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")  # nothing measured, said as such rather than a crash
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


TIMEOUT = 10.0  # seconds; an overloaded server's answers stop counting then


async def _exchange(host: str, port: int, request: bytes) -> int:
    reader, writer = await asyncio.open_connection(host, port)
    try:
        writer.write(request)
        await writer.drain()
        status_line = await reader.readline()
        await reader.read()  # to the end: the server closes (Connection: close)
        return int(status_line.split()[1])
    finally:
        writer.close()


async def _one(
    host: str,
    port: int,
    request: bytes,
    due: float,
    latencies: list[float],
    late: list[float],
    errors: list[int],
) -> None:
    now = time.perf_counter()
    if due > now:
        await asyncio.sleep(due - now)
    late.append(max(0.0, time.perf_counter() - due) * 1000)
    try:
        status = await asyncio.wait_for(_exchange(host, port, request), TIMEOUT)
        if not 200 <= status < 400:
            errors.append(status)
    except (OSError, IndexError, ValueError, TimeoutError):
        errors.append(0)  # counted at its latency so far: a timeout is at least TIMEOUT late
    latencies.append((time.perf_counter() - due) * 1000)


async def _run(
    url: str, rate: float, duration: float, build: Callable[[int], bytes]
) -> OpenLoopResult:
    parts = urlsplit(url)
    host, port = parts.hostname or "127.0.0.1", parts.port or 80
    count = int(rate * duration)
    requests = [build(i) for i in range(count)]  # built before the clock starts
    latencies: list[float] = []
    late: list[float] = []
    errors: list[int] = []
    start = time.perf_counter() + 0.2
    tasks = []
    for i, request in enumerate(requests):
        due = start + i / rate
        delay = due - time.perf_counter() - 0.05
        if delay > 0:
            await asyncio.sleep(delay)  # create tasks just ahead of time, not all at once
        tasks.append(asyncio.create_task(_one(host, port, request, due, latencies, late, errors)))
    await asyncio.gather(*tasks)
    elapsed = time.perf_counter() - start
    nothing = float("nan")  # no request answered (or none sent): no latency to report
    return OpenLoopResult(
        rate,
        len(latencies) / elapsed,
        statistics.median(latencies) if latencies else nothing,
        percentile(latencies, 0.99),
        count,
        len(errors),
        percentile(late, 0.99),
        sum(1 for status in errors if status),
    )


def open_loop(
    url: str, *, rate: float, duration: float, build: Callable[[int], bytes]
) -> OpenLoopResult:
    """Send ``rate * duration`` requests built by ``build(i)`` (raw HTTP/1.1 bytes) at ``rate`` per second.

    The event loop runs in a thread of its own, so a caller that has a loop running (a test
    session, a notebook) can call this too.
    """
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(lambda: asyncio.run(_run(url, rate, duration, build))).result()


def http_request(
    method: str, url: str, body: bytes = b"", headers: dict[str, str] | None = None
) -> bytes:
    """Raw HTTP/1.1 request bytes, with Connection: close."""
    parts = urlsplit(url)
    path = parts.path + (f"?{parts.query}" if parts.query else "")
    lines = [
        f"{method} {path or '/'} HTTP/1.1",
        f"Host: {parts.netloc}",
        "Connection: close",
        f"Content-Length: {len(body)}",
    ]
    lines += [f"{name}: {value}" for name, value in (headers or {}).items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body
