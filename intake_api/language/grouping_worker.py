"""Who groups the inputs waiting for their near-duplicates, and when (``grouping.group_waiting``).

An intake stores its input and says so (``input_stored``); it never waits for grouping.
A serving process groups in a thread of its own, woken by each intake, so what staff see
is grouped within moments; a one-off command groups in the calling thread once the intake
is committed. The scheduler's tick also groups whatever a stopped process left waiting.
"""

from __future__ import annotations

import logging
import threading
from typing import Protocol

from sqlalchemy import Engine

from intake_api.language.grouping import group_waiting

log = logging.getLogger(__name__)

# How often a serving process looks for inputs left waiting when no intake woke it.
SWEEP_SECONDS = 30.0


class Grouping(Protocol):
    def input_stored(self) -> None:
        """A new input was committed, waiting for its group."""


class InlineGrouping:
    """Groups in the caller's thread, once its intake is committed: for commands and tests,
    where no serving process runs. Another grouper at work takes these inputs too."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def input_stored(self) -> None:
        try:
            group_waiting(self.engine)
        except Exception as error:  # noqa: BLE001 - stored and acknowledged: the tick groups it
            log.warning("grouping waiting inputs failed, left waiting: %s", type(error).__name__)


class BackgroundGrouping:
    """Groups in a thread of the serving process, woken by each intake.

    The thread starts with the first intake, in the process that serves it (a server that
    forks its workers after loading the app keeps no thread across the fork).
    """

    def __init__(self, engine: Engine, *, sweep_seconds: float = SWEEP_SECONDS) -> None:
        self.engine = engine
        self.sweep_seconds = sweep_seconds
        self._wake = threading.Event()
        self._idle = threading.Event()
        self._idle.set()
        self._lock = threading.Lock()
        self._stored = 0  # intakes that woke the thread, so far
        self._stopping = False
        self._thread: threading.Thread | None = None

    def input_stored(self) -> None:
        with self._lock:
            self._stored += 1
            self._idle.clear()
            if self._stopping:
                return
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name="grouping", daemon=True)
                self._thread.start()
        self._wake.set()

    def wait_idle(self, timeout: float) -> bool:
        """Whether everything woken for so far was grouped within ``timeout`` seconds."""
        return self._idle.wait(timeout)

    def stop(self) -> None:
        """End the thread once its round is done (what is still waiting stays in the store)."""
        with self._lock:
            self._stopping = True
            thread = self._thread
        self._wake.set()
        if thread is not None:
            thread.join()

    def _run(self) -> None:
        while True:
            self._wake.wait(self.sweep_seconds)
            self._wake.clear()
            if self._stopping:
                return
            with self._lock:
                stored = self._stored
            try:
                group_waiting(self.engine)
            except Exception as error:  # noqa: BLE001 - the inputs stay waiting: next wake or sweep
                log.warning("grouping waiting inputs failed, will retry: %s", type(error).__name__)
                continue
            with self._lock:
                if self._stored == stored:  # no intake since this round began
                    self._idle.set()
