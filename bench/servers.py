"""The servers and load generators the HTTP benchmarks share: gunicorn, wrk, fake platforms.

Every server runs under the same gunicorn configuration (``WORKERS`` sync workers on
loopback), the app under test and the bare baseline alike. ``wrk`` measures the most
requests per second a server gives (closed loop, fixed connections); ``bench.loadgen``
measures latency at a fixed rate (open loop).
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

from tests.processes import free_port

WORKERS = 2
WRK_THREADS = 2
SCRIPTS = Path(__file__).parent / "wrk"


@dataclass
class Server:
    url: str
    process: subprocess.Popen  # type: ignore[type-arg]

    def worker_pids(self) -> list[int]:
        """The gunicorn workers (children of the arbiter), e.g. for py-spy."""
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        return [int(pid) for pid in children.read_text().split()] if children.exists() else []


@contextmanager
def gunicorn(
    app: str,
    env: dict[str, str],
    *,
    workers: int = WORKERS,
    ready_path: str = "/healthz",
    extra: tuple[str, ...] = (),
) -> Iterator[Server]:
    """``gunicorn -w WORKERS APP`` on a free loopback port until the block ends."""
    port = free_port()
    command = [
        sys.executable,
        "-m",
        "gunicorn",
        "-w",
        str(workers),
        "-b",
        f"127.0.0.1:{port}",
        "--backlog",
        "2048",
        "--log-level",
        "warning",
        *extra,
        app,
    ]
    process = subprocess.Popen(
        command,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
        cwd=Path(__file__).parent.parent,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        _wait(url + ready_path, process)
        yield Server(url, process)
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.communicate()


def _wait(url: str, process: subprocess.Popen, timeout: float = 60) -> None:  # type: ignore[type-arg]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(
                f"the server exited early:\n{process.stderr.read() if process.stderr else ''}"
            )
        try:
            httpx.get(url, timeout=2)
            return
        except httpx.TransportError:
            time.sleep(0.2)
    raise RuntimeError(f"{url} did not answer within {timeout}s")


@dataclass(frozen=True)
class WrkResult:
    requests_per_s: float
    p50_ms: float
    p99_ms: float
    requests: int
    errors: int  # socket errors, timeouts and non-2xx/3xx answers
    output: str


_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}


def _ms(value: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", value).groups()  # type: ignore[union-attr]
    return float(number) * _UNITS[unit]


def wrk(
    url: str,
    *,
    script: str | None = None,
    args: tuple[str, ...] = (),
    connections: int = 40,
    duration: float = 10,
    threads: int = WRK_THREADS,
    env: dict[str, str] | None = None,
) -> WrkResult:
    """One closed-loop wrk run; requests/s and latency percentiles (--latency)."""
    command = [
        "wrk",
        "-t",
        str(threads),
        "-c",
        str(connections),
        "-d",
        f"{max(1, round(duration))}s",
        "--latency",
        "--timeout",
        "10s",
    ]
    if script:
        command += ["-s", str(SCRIPTS / script)]
    command.append(url)
    if args:
        command += ["--", *args]
    done = subprocess.run(
        command, capture_output=True, text=True, check=True, env=env, timeout=duration + 60
    )
    out = done.stdout
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    requests = int(re.search(r"(\d+) requests in", out).group(1))  # type: ignore[union-attr]
    p50 = _ms(re.search(r"\s50%\s+(\S+)", out).group(1))  # type: ignore[union-attr]
    p99 = _ms(re.search(r"\s99%\s+(\S+)", out).group(1))  # type: ignore[union-attr]
    errors = 0
    if found := re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out
    ):
        errors += sum(int(n) for n in found.groups())
    if found := re.search(r"Non-2xx or 3xx responses: (\d+)", out):
        errors += int(found.group(1))
    return WrkResult(rate, p50, p99, requests, errors, out + done.stderr)


@dataclass
class FakePlatform:
    url: str
    process: subprocess.Popen  # type: ignore[type-arg]

    def calls(self, method: str) -> int:
        """How many calls of ``method`` the fake answered."""
        assert self.process.stdin is not None and self.process.stdout is not None
        self.process.stdin.write(method + "\n")
        self.process.stdin.flush()
        return int(self.process.stdout.readline())


@contextmanager
def fake_platform(kind: str) -> Iterator[FakePlatform]:
    """The fake Bot API or Slack Web API of the tests, in a process of its own."""
    code = (
        "import sys, time\n"
        f"from tests.fakes.{'bot_api import FakeBotApi as Fake' if kind == 'telegram' else 'slack_api import FakeSlackApi as Fake'}\n"
        "api = Fake().start()\n"
        "setup = getattr(api, 'add_user', None)\n"
        "if setup:\n"
        "    for n in range(50): setup(f'UBENCH{n}', email=f'staff{n}@un.example', locale='en-GB')\n"
        "print(api.base_url, flush=True)\n"
        "for line in sys.stdin:\n"
        "    print(len(api.sent(line.strip())), flush=True)\n"
    )
    process = subprocess.Popen(
        [sys.executable, "-c", code],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        cwd=Path(__file__).parent.parent,
    )
    try:
        assert process.stdout is not None
        yield FakePlatform(process.stdout.readline().strip(), process)
    finally:
        if process.stdin:
            process.stdin.close()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        if process.stdout:
            process.stdout.close()
