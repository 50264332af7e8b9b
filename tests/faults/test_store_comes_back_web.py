"""The store restarting under the web app, and a store that never answers.

- PostgreSQL restarted (shut down cleanly, or crashed) while the app's pool holds
  connections to it and people keep sending forms: once it is back, no request fails for
  a stale pooled connection (``pool_pre_ping``), and every form answered 503 during the
  restart is stored once when sent again. No process is restarted.
- A server that accepts connections and never answers (a hung host, a black-holed
  network): the form is answered 503 with everything typed after the connect timeout,
  not held for minutes.
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from intake_api.i18n import gettext
from intake_api.policies.availability import NOT_STORED_FORM, RETRY_AFTER_SECONDS
from intake_api.runtime import build_runtime
from tests.faults.outages import PrivatePostgres
from tests.faults.stores import FORMS, SECRET, OutageApp, outage_app, read_page, stored_rows

pytestmark = pytest.mark.slow

SENDERS = 4


@pytest.fixture
def store(
    private_postgres: PrivatePostgres, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[OutageApp]:
    with outage_app("postgresql-stopped", tmp_path, monkeypatch, private_postgres) as built:
        yield built


class Person:
    """Someone sending the input form from a browser of their own; sends again after a 503."""

    def __init__(self, store: OutageApp, number: int) -> None:
        self.client = store.app.test_client()
        self.client.environ_base["REMOTE_ADDR"] = (
            f"192.0.2.{number + 1}"  # each their own rate limit
        )
        self.url = "/en/inputs/new"
        self.unsent: list[Any] = []  # forms answered 503, re-shown: to send again

    def send_new(self) -> int:
        form = read_page(self.client.get(self.url).get_data(as_text=True)).post_form()
        return self._send({**dict(form.values), **FORMS["input"].typed})

    def send_again(self) -> int:
        return self._send(self.unsent.pop())

    def _send(self, data: Any) -> int:
        answer = self.client.post(self.url, data=data)
        if answer.status_code == 503:
            self.unsent.append(read_page(answer.get_data(as_text=True)).post_form().sent())
        return answer.status_code


@pytest.mark.parametrize("mode", ["fast", "immediate"])
def test_a_restart_under_load_fails_no_request_after_it_and_every_form_is_stored_once(
    store: OutageApp, private_postgres: PrivatePostgres, mode: str
) -> None:
    people = [Person(store, n) for n in range(SENDERS)]
    with ThreadPoolExecutor(SENDERS) as pool:
        assert set(pool.map(lambda person: person.send_new(), people)) == {
            303
        }  # the pool now holds connections
        private_postgres.restart(mode)  # while nobody sends: every pooled connection is stale
        assert list(pool.map(lambda person: person.send_new(), people)) == [303] * SENDERS

        restarting = threading.Event()
        restarted = threading.Event()

        def keep_sending(person: Person) -> list[int]:
            during = []
            while not restarted.is_set():
                during.append(person.send_new())
                restarting.set()
            return during

        sending = [pool.submit(keep_sending, person) for person in people]
        restarting.wait(timeout=60)
        private_postgres.restart(mode)
        restarted.set()
        during = [status for future in sending for status in future.result()]
        assert set(during) <= {303, 503}, during  # never a 500, whatever the moment

        after = list(pool.map(lambda person: person.send_new(), people))
        assert after == [303] * SENDERS  # the first request after the restart: no stale connection
    for person in people:
        while person.unsent:
            assert person.send_again() == 303
    stored = 3 * SENDERS + during.count(303) + during.count(503)
    assert stored_rows(store.engine, "submission") == stored


@pytest.fixture
def black_hole() -> Iterator[int]:
    """A port that accepts connections and never says a word."""
    listener = socket.create_server(("127.0.0.1", 0))
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        listener.settimeout(0.2)
        while not stop.is_set():
            try:
                held.append(listener.accept()[0])
            except TimeoutError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield listener.getsockname()[1]
    finally:
        stop.set()
        thread.join()
        for connection in held:
            connection.close()
        listener.close()


def test_a_store_that_never_answers_is_a_503_with_the_form_after_the_connect_timeout(
    black_hole: int, tmp_path: Path
) -> None:
    from intake_api.app import create_app
    from intake_api.settings import Settings

    url = f"postgresql://postgres@127.0.0.1:{black_hole}/hung?connect_timeout=2"
    runtime = build_runtime(
        Settings(database_url=url, instance_path=tmp_path / "instance", secret_key=SECRET)
    )
    try:
        client = create_app(runtime=runtime).test_client()
        form = read_page(client.get("/ar/practices/new").get_data(as_text=True)).post_form()
        answer = client.post(
            "/ar/practices/new", data={**dict(form.values), **FORMS["practice"].typed}
        )
        assert answer.status_code == 503
        assert answer.headers["Retry-After"] == str(RETRY_AFTER_SECONDS)
        page = read_page(answer.get_data(as_text=True))
        assert gettext("ar", NOT_STORED_FORM) in page.text()
        shown = {key: sorted(values) for key, values in page.post_form().typed().items()}
        typed = FORMS["practice"].typed
        assert shown == {key: sorted(v) if isinstance(v, list) else [v] for key, v in typed.items()}
    finally:
        runtime.engine.dispose()
