"""Two app processes on two ports, one PostgreSQL store: nothing lost, nothing twice.

Both run `gunicorn -c deploy/gunicorn.conf.py` in production mode behind one (simulated)
proxy, as two hosts behind a load balancer would. Web forms are fetched from one
process and sent to the other; each Telegram conversation alternates between them;
the same form and the same update reach both at once. Replies go to the fake Bot API.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from typing import Any

import httpx
import pytest
from sqlalchemy import text

from models.db import make_engine
from tests.bots.telegram.conftest import WEBHOOK_SECRET, TelegramUser
from tests.bots.telegram.test_conversation import converse
from tests.deploy.servers import Server, deployed, migrate
from tests.factories import input_answers, text_for
from tests.fakes.bot_api import TOKEN, FakeBotApi
from tests.processes import clean_env
from tests.web_helpers import hidden_fields

pytestmark = [pytest.mark.slow, pytest.mark.postgres]

PUBLIC_HOST = "intake.example.org"  # the one name both processes are reached by
RECEIPT = re.compile(r"IN-[0-9A-Z]{4}-[0-9A-Z]{4}")
LOCALES = ["en", "fr", "ar", "es", "zh", "ru"]


@pytest.fixture
def bot_api() -> Iterator[FakeBotApi]:
    api = FakeBotApi().start()
    yield api
    api.stop()


@pytest.fixture
def two_processes(postgres_url, tmp_path, bot_api) -> Iterator[tuple[Server, Server]]:
    env = clean_env(
        INTAKE_DATABASE_URL=postgres_url,
        INTAKE_SECRET_KEY="one-key-for-every-process",
        INTAKE_ENVIRONMENT="production",
        INTAKE_PROXY_HOPS="1",
        INTAKE_TELEGRAM_TOKEN=TOKEN,
        INTAKE_TELEGRAM_API_URL=bot_api.base_url,
        INTAKE_TELEGRAM_WEBHOOK_SECRET=WEBHOOK_SECRET,
    )
    migrate(env, tmp_path)
    with ExitStack() as stack:
        first = stack.enter_context(deployed(env, tmp_path, "-w", "2", name="first"))
        second = stack.enter_context(deployed(env, tmp_path, "-w", "2", name="second"))
        yield first, second
    for server in (first, second):
        assert "Traceback" not in server.output(), server.output()


@dataclass
class Browser:
    """A person's browser behind the proxy: its own address, its session cookie over HTTPS."""

    address: str
    cookies: dict[str, str] = field(default_factory=dict)

    def _headers(self, **extra: str) -> dict[str, str]:
        headers = {
            "X-Forwarded-For": self.address,
            "X-Forwarded-Proto": "https",
            "X-Forwarded-Host": PUBLIC_HOST,
        }
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        return {**headers, **extra}

    def _keep(self, response: httpx.Response) -> httpx.Response:
        for header in response.headers.get_list("set-cookie"):
            self.cookies.update({k: m.value for k, m in SimpleCookie(header).items()})
        return response

    def get(self, server: Server, path: str) -> httpx.Response:
        return self._keep(httpx.get(f"{server.url}{path}", headers=self._headers()))

    def post(self, server: Server, path: str, data: dict[str, Any]) -> httpx.Response:
        referer = f"https://{PUBLIC_HOST}{path}"
        return self._keep(
            httpx.post(f"{server.url}{path}", data=data, headers=self._headers(Referer=referer))
        )


def _form(browser: Browser, server: Server, locale: str) -> dict[str, Any]:
    page = browser.get(server, f"/{locale}/inputs/new")
    assert page.status_code == 200, page.status_code
    return {**hidden_fields(page.text), **input_answers(locale)}


def _sent_receipt(response: httpx.Response, locale: str) -> str:
    assert response.status_code == 303, (response.status_code, response.text[:300])
    location = response.headers["Location"]
    assert location.startswith(f"/{locale}/inputs/"), location
    return location.rsplit("/", 1)[1]


class Alternating:
    """Delivers a person's updates to the two processes in turn, as a balancer might."""

    def __init__(self, servers: tuple[Server, Server]) -> None:
        self.servers = servers
        self.turn = 0
        self.acknowledged: list[int] = []

    def handle(self, update: dict[str, Any]) -> bool:
        server = self.servers[self.turn % 2]
        self.turn += 1
        response = httpx.post(
            f"{server.url}/telegram/webhook",
            json=update,
            timeout=30,
            headers={"X-Telegram-Bot-Api-Secret-Token": WEBHOOK_SECRET},
        )
        assert response.status_code == 200, (response.status_code, response.text[:300])
        assert response.json() == {"ok": True, "duplicate": False}
        self.acknowledged.append(update["update_id"])
        return True


def _wait_for_replies_sent(engine: Any, timeout: float = 90) -> None:
    """Replies are queued with the update and sent by whichever process holds the reply lease,
    a second apart in a chat (Telegram's limit): about 20 s for a conversation's replies."""
    deadline = time.monotonic() + timeout
    while True:
        with engine.connect() as connection:
            if connection.execute(text("SELECT count(*) FROM chat_reply")).scalar_one() == 0:
                return
        assert time.monotonic() < deadline, "replies still queued"
        time.sleep(0.05)


def _deliver_to_both(
    servers: tuple[Server, Server], update: dict[str, Any]
) -> list[dict[str, Any]]:
    def post(server: Server) -> dict[str, Any]:
        response = httpx.post(
            f"{server.url}/telegram/webhook",
            json=update,
            timeout=30,
            headers={"X-Telegram-Bot-Api-Secret-Token": WEBHOOK_SECRET},
        )
        assert response.status_code == 200, response.status_code
        return dict(response.json())

    with ThreadPoolExecutor(max_workers=2) as pool:
        return list(pool.map(post, servers))


def test_inputs_through_two_processes_are_stored_once_each(two_processes, bot_api, postgres_url):
    first, second = two_processes
    servers = (first, second)

    # Web: each form is fetched from one process and sent to the other (CSRF and session
    # cookie signed by the shared key); the receipt page is read back from the first.
    web_receipts = []
    for number, locale in enumerate(LOCALES):
        browser = Browser(f"203.0.113.{number + 10}")
        shown_by, sent_to = servers[number % 2], servers[(number + 1) % 2]
        receipt = _sent_receipt(
            browser.post(sent_to, f"/{locale}/inputs/new", _form(browser, shown_by, locale)), locale
        )
        receipt_page = browser.get(shown_by, f"/{locale}/inputs/{receipt}")
        assert receipt_page.status_code == 200 and receipt in receipt_page.text
        web_receipts.append(receipt)

    # The same form sent to both processes at once (a double click through the balancer).
    browser = Browser("203.0.113.99")
    answers = _form(browser, first, "pt")
    with ThreadPoolExecutor(max_workers=2) as pool:
        both = list(
            pool.map(lambda server: browser.post(server, "/pt/inputs/new", answers), servers)
        )
    twice = {_sent_receipt(response, "pt") for response in both}
    assert len(twice) == 1, twice
    web_receipts.append(twice.pop())

    # Telegram: three people, each conversation alternating between the processes, side by side.
    users = [TelegramUser(90_000 + n, locale) for n, locale in enumerate(["en", "ar", "zh"])]
    posters = [Alternating(servers) for _ in users]
    with ThreadPoolExecutor(max_workers=len(users)) as pool:
        list(
            pool.map(
                lambda pair: converse(
                    pair[0], pair[1], pair[1].language_code, text_for(pair[1].language_code)
                ),
                zip(posters, users, strict=True),
            )
        )
    # Each "send" tap is delivered to both processes at once: stored once, acknowledged by both.
    for user in users:
        answers_seen = _deliver_to_both(servers, send := user.tap("send"))
        assert sorted(a["duplicate"] for a in answers_seen) == [False, True], answers_seen
        posters[0].acknowledged.append(send["update_id"])

    engine = make_engine(postgres_url)
    try:
        _wait_for_replies_sent(engine)
        with engine.connect() as connection:

            def rows(sql: str) -> list[Any]:
                return list(connection.execute(text(sql)))

            stored = {
                r.receipt: r
                for r in rows(
                    "SELECT receipt, channel, review_slug, country, theme, locale, text FROM submission"
                )
            }
            objectives = rows(
                "SELECT s.receipt, o.objective_number FROM submission_objective o JOIN submission s ON s.id = o.submission_id"
            )
            inbox = [
                r.delivery_id
                for r in rows("SELECT delivery_id FROM inbox_entry WHERE channel = 'telegram'")
            ]
            total = rows("SELECT count(*), count(DISTINCT receipt) FROM submission")[0]
    finally:
        engine.dispose()

    # No loss: every receipt a browser or a chat was given is in the store; no duplicate.
    assert total[0] == total[1] == len(web_receipts) + len(users)
    assert set(web_receipts) <= set(stored) and len(set(web_receipts)) == len(web_receipts)
    telegram = [r for r in stored.values() if r.channel == "telegram"]
    assert len(telegram) == len(users)
    for user in users:
        chat_texts = [c["text"] for c in bot_api.sent() if int(c["chat_id"]) == user.user_id] + [
            c["text"] for c in bot_api.sent("editMessageText") if int(c["chat_id"]) == user.user_id
        ]
        thanked = [t for t in chat_texts if "IN-" in t and RECEIPT.search(t)]
        assert len(thanked) == 1, (
            thanked
        )  # thanked once, though the last tap reached both processes
        receipt = RECEIPT.search(thanked[0]).group(0)  # type: ignore[union-attr]
        # The conversation went on across processes: answers given to each are all there
        # (the text to one process, the review to the other; details come after the receipt).
        row = stored[receipt]
        assert (row.channel, row.review_slug, row.country, row.theme) == (
            "telegram",
            "escwa",
            None,
            None,
        )
        assert row.locale == user.language_code and row.text == text_for(user.language_code)
        assert sorted(n for r, n in objectives if r == receipt) == []

    # Every acknowledged update was recorded once in the shared inbox.
    acknowledged = [str(u) for poster in posters for u in poster.acknowledged]
    assert sorted(inbox) == sorted(acknowledged)

    # Both processes really served forms and webhooks (their access logs say so).
    for server in servers:
        served = server.output()
        assert 'POST /telegram/webhook HTTP/1.1" status=200' in served
        assert re.search(r'"POST /\w+/inputs/new HTTP/1.1" status=303', served)
