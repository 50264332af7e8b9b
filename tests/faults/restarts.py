"""What the fault tests of restarts and kills share: a database of its own on the private
PostgreSQL server, a wait for that server to answer, and a steady load of people's requests."""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx
import psycopg

from tests.factories import input_answers
from tests.web_helpers import hidden_fields

OK = {200, 201, 303}


def wait_until_answers(url: str, timeout: float = 60) -> None:
    """pg_isready, as an operator checks: a real connection and a query."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            with psycopg.connect(
                url.replace("postgresql+psycopg", "postgresql"), connect_timeout=2
            ) as connection:
                connection.execute("SELECT 1")
            return
        except psycopg.Error:
            assert time.monotonic() < deadline, "PostgreSQL did not come back"
            time.sleep(0.1)


@dataclass
class Outcome:
    kind: str
    started: float
    ended: float
    status: int | str  # a transport error's class name when there was no answer
    resend: Callable[[], httpx.Response] | None = (
        None  # a 503's request, to send again as the person would
    )
    receipt: str | None = None


@dataclass
class Load:
    """People sending forms, a partner system posting to the API, a balancer probing /healthz."""

    base_url: str
    api_token: str
    outcomes: list[Outcome] = field(default_factory=list)
    _stop: threading.Event = field(default_factory=threading.Event)
    _threads: list[threading.Thread] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def start(self) -> Load:
        for kind, one in (("form", self._form), ("api", self._api), ("health", self._health)):
            thread = threading.Thread(target=self._loop, args=(kind, one), daemon=True)
            thread.start()
            self._threads.append(thread)
        return self

    def stop(self) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=60)

    def seen(self, *, since: float, status: int | None = None, ok: bool = False) -> dict[str, int]:
        """How many requests of each kind, started after ``since``, answered ``status`` (or any success)."""
        counts = {"form": 0, "api": 0, "health": 0}
        with self._lock:
            for outcome in self.outcomes:
                if outcome.started >= since and (
                    outcome.status in OK if ok else outcome.status == status
                ):
                    counts[outcome.kind] += 1
        return counts

    def wait_for(
        self,
        *,
        since: float,
        status: int | None = None,
        ok: bool = False,
        each: int = 1,
        timeout: float = 90,
    ) -> None:
        deadline = time.monotonic() + timeout
        while min(self.seen(since=since, status=status, ok=ok).values()) < each:
            assert time.monotonic() < deadline, (
                status,
                self.seen(since=since, status=status, ok=ok),
                self.statuses(),
            )
            time.sleep(0.05)

    def statuses(self) -> dict[Any, int]:
        with self._lock:
            counts: dict[Any, int] = {}
            for outcome in self.outcomes:
                counts[(outcome.kind, outcome.status)] = (
                    counts.get((outcome.kind, outcome.status), 0) + 1
                )
            return counts

    def _loop(
        self,
        kind: str,
        one: Callable[[], tuple[Any, Callable[[], httpx.Response] | None, str | None]],
    ) -> None:
        for _ in range(5_000):  # bounded: a few minutes at most
            if self._stop.is_set():
                return
            started = time.monotonic()
            try:
                status, resend, receipt = one()
            except httpx.TransportError as error:
                status, resend, receipt = type(error).__name__, None, None
            with self._lock:
                self.outcomes.append(
                    Outcome(kind, started, time.monotonic(), status, resend, receipt)
                )
            self._stop.wait(0.02)

    def _form(self) -> tuple[Any, Callable[[], httpx.Response] | None, str | None]:
        with httpx.Client(base_url=self.base_url, timeout=30) as browser:
            page = browser.get("/en/inputs/new")
            cookies = dict(browser.cookies)
        if page.status_code != 200:
            return page.status_code, None, None
        data = {**hidden_fields(page.text), **input_answers("en")}

        def send() -> httpx.Response:  # the same browser: its session cookie, the same form
            with httpx.Client(base_url=self.base_url, timeout=30, cookies=cookies) as browser:
                return browser.post("/en/inputs/new", data=data)

        sent = send()
        receipt = (
            sent.headers.get("Location", "").rsplit("/", 1)[-1] if sent.status_code == 303 else None
        )
        if sent.status_code == 503:
            assert sent.headers.get("Retry-After"), "a 503 without Retry-After"
            assert 'name="text"' in sent.text, "the form was not shown again"
        return sent.status_code, send if sent.status_code == 503 else None, receipt

    def _api(self) -> tuple[Any, Callable[[], httpx.Response] | None, str | None]:
        key = uuid.uuid4().hex
        body = {
            "review": "escwa",
            "stakeholder_group": "youth",
            "country": "JO",
            "age_group": "18_24",
            "gender": "woman",
            "theme": "priorities_gaps",
            "objectives": [3, 5],
            "text": input_answers()["text"],
            "consent_store": True,
            "consent_quote": True,
            "locale": "en",
        }
        headers = {"Authorization": f"Bearer {self.api_token}", "Idempotency-Key": key}

        def send() -> httpx.Response:
            return httpx.post(
                f"{self.base_url}/api/v1/submissions", json=body, headers=headers, timeout=30
            )

        sent = send()
        receipt = sent.json().get("receipt") if sent.status_code in (200, 201) else None
        if sent.status_code == 503:
            assert sent.headers.get("Retry-After") and sent.json()["error"] == "store_unavailable"
        return sent.status_code, send if sent.status_code == 503 else None, receipt

    def _health(self) -> tuple[Any, None, None]:
        return httpx.get(f"{self.base_url}/healthz", timeout=30).status_code, None, None
