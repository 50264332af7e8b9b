"""Every route of the app, with the store stopped: never a 500, always the caller's format.

The rules are read from ``app.url_map``, so a route added later is enumerated too (and
fails here until it is given a request below). Each is called with every method it
allows but OPTIONS, with a request that would succeed were the store up (tokens,
signatures, forms filled). Pages that need no store answer 200; every other page is the
translated 503 page (a form re-shown with what was typed); the API and the chat
webhooks answer 503 JSON; every 503 carries Retry-After.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from intake_api.i18n import gettext
from intake_api.policies.availability import NOT_STORED_FORM, NOT_STORED_TITLE, RETRY_AFTER_SECONDS
from intake_api.policies.requests import answers_in_json
from intake_api.staff import add_staff, issue_token
from tests.bots.slack.conftest import SIGNING_SECRET, Slack
from tests.bots.telegram.conftest import WEBHOOK_SECRET, TelegramUser
from tests.factories import input_answers
from tests.fakes.bot_api import TOKEN, FakeBotApi
from tests.fakes.slack_api import BOT_TOKEN, FakeSlackApi
from tests.faults.outages import PrivatePostgres
from tests.faults.stores import FORMS, OutageApp, outage_app, read_page

pytestmark = pytest.mark.slow

# (endpoint, method) answered without the store: the language choice, blank forms, static
# files, the metrics, the API's document, and Slack's url_verification.
NEEDS_NO_STORE = {
    ("pages.choose_language", "GET"),
    ("forms.new_input", "GET"),
    ("forms.new_pledge", "GET"),
    ("forms.new_practice", "GET"),
    ("forms.register", "GET"),
    ("my_input.my_input", "GET"),
    ("static", "GET"),
    ("health.metrics", "GET"),
    ("api.openapi", "GET"),
    ("slack.slack_events", "POST"),
}
FORM_KINDS = {
    "forms.new_input": "input",
    "forms.new_pledge": "pledge",
    "forms.new_practice": "practice",
    "forms.register": "registration",
}


@pytest.fixture
def channels() -> Iterator[dict[str, Any]]:
    bot_api, slack_api = FakeBotApi().start(), FakeSlackApi().start()
    try:
        yield {
            "telegram_token": TOKEN,
            "telegram_api_url": bot_api.base_url,
            "telegram_webhook_secret": WEBHOOK_SECRET,
            "slack_bot_token": BOT_TOKEN,
            "slack_signing_secret": SIGNING_SECRET,
            "slack_api_url": slack_api.base_url,
        }
    finally:
        bot_api.stop()
        slack_api.stop()


@pytest.fixture
def store(
    private_postgres: PrivatePostgres,
    channels: dict[str, Any],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[OutageApp]:
    with outage_app(
        "postgresql-stopped", tmp_path, monkeypatch, private_postgres, **channels
    ) as built:
        try:
            yield built
        finally:
            telegram = built.app.extensions[
                "telegram"
            ]._channel  # built by the first webhook call, if any
            if telegram is not None:
                telegram.close()  # its reply sender would go on trying the store after the test


class Caller:
    """Builds, for a rule and a method, the request that would succeed with the store up."""

    def __init__(self, store: OutageApp) -> None:
        runtime = store.runtime
        admin = add_staff(runtime.engine, email="admin@un.example", role="admin", reviews=[])
        self.token = issue_token(runtime.engine, staff_id=admin.id)
        self.receipts = {
            kind: runtime.service.submit(
                kind, _answers(kind), channel="web", message_id=kind, locale="en"
            ).code
            for kind in FORMS
        }
        self.code = runtime.keys.access_code(self.receipts["input"])
        self.client = store.app.test_client()

    def url(self, rule: Any) -> str:
        receipt_kind = next(
            (kind for kind in FORMS if rule.endpoint.startswith(f"forms.{kind}")), "input"
        )
        values = {
            "locale": "ar",
            "slug": "escwa",
            "receipt": self.receipts[receipt_kind],
            "filename": "site.css",
            "item_id": 1,  # the Hub's pages, files and feeds
            "kind": "pledges",
            "fmt": "json",
        }
        return rule.build({name: values[name] for name in rule.arguments}, append_unknown=False)[1]

    def call(self, rule: Any, method: str) -> Any:
        url = self.url(rule)
        if rule.endpoint.startswith("api."):
            body = {
                "POST": input_answers() | {"consent_store": True, "objectives": [3]},
                "PATCH": {"status": "reviewed"},
            }
            if rule.endpoint == "api.withdraw_submission_consent":
                body["POST"] = {"consent": "quote", "granted": False}
            headers = {"Authorization": f"Bearer {self.token}", "Idempotency-Key": "k-1"}
            return self.client.open(url, method=method, json=body.get(method), headers=headers)
        if rule.endpoint == "telegram.webhook":
            update = TelegramUser(70001).text("I would like to send an input")
            return self.client.post(
                url, json=update, headers={"X-Telegram-Bot-Api-Secret-Token": WEBHOOK_SECRET}
            )
        if rule.endpoint == "slack.slack_events":
            return Slack(self.client).post(
                json.dumps({"type": "url_verification", "challenge": "c"}), "application/json"
            )
        if method == "POST" and rule.endpoint in FORM_KINDS:
            form = read_page(self.client.get(url).get_data(as_text=True)).post_form()
            return self.client.post(
                url, data={**dict(form.values), **FORMS[FORM_KINDS[rule.endpoint]].typed}
            )
        if method == "POST" and rule.endpoint == "my_input.my_input":
            form = read_page(self.client.get(url).get_data(as_text=True)).post_form()
            sent = {
                **dict(form.values),
                "receipt": self.receipts["input"],
                "access_code": self.code,
                "action": "open",
            }
            return self.client.post(url, data=sent)
        # A page without a locale in its address (the open data) speaks the browser's language.
        return self.client.open(url, method=method, headers={"Accept-Language": "ar"})


def _answers(kind: str) -> dict[str, Any]:
    typed = dict(FORMS[kind].typed)
    return typed | {"review": "escwa"} if kind == "registration" else typed


def test_every_route_with_the_store_stopped_answers_503_in_the_callers_format_never_500(
    store: OutageApp,
):
    caller = Caller(store)
    rules = [
        (rule, method)
        for rule in store.app.url_map.iter_rules()
        for method in sorted(rule.methods or ())
        if method != "OPTIONS"
    ]
    answers = {}
    with store.outage():
        for rule, method in rules:
            response = answers[(rule.endpoint, rule.rule, method)] = caller.call(rule, method)
            response.get_data()  # read, and the file of a static one closed
            response.close()

    wrong = []
    for (endpoint, path, method), response in answers.items():
        expected = (
            200 if (endpoint, "GET" if method == "HEAD" else method) in NEEDS_NO_STORE else 503
        )
        problem = _problem(endpoint, path, method, response, expected)
        if problem:
            wrong.append(f"{method} {path}: {problem}")
    assert not wrong, "\n".join(wrong)
    assert len(answers) >= 30  # every rule was called, not none


def _problem(endpoint: str, path: str, method: str, response: Any, expected: int) -> str | None:
    if response.status_code != expected:
        return f"{response.status_code}, not {expected}"
    if expected == 200:
        return None
    if method == "HEAD" and response.get_data():
        return "a body on HEAD"
    # the balancer's check: its own JSON, no retry advice to people
    if endpoint == "health.healthz":
        healthz = {"status": "unavailable", "database": "unavailable"}
        return None if method == "HEAD" or response.get_json() == healthz else "healthz body"
    if response.headers.get("Retry-After") != str(RETRY_AFTER_SECONDS):
        return f"Retry-After {response.headers.get('Retry-After')!r}"
    if method == "HEAD":
        return None
    if answers_in_json(path):
        body = response.get_json(silent=True) or {}
        return (
            None
            if body.get("error") == "store_unavailable" and body.get("request_id")
            else f"JSON {body}"
        )
    text = read_page(response.get_data(as_text=True)).text()
    message = NOT_STORED_FORM if method == "POST" else NOT_STORED_TITLE
    return None if gettext("ar", message) in text else "no translated message on the page"


@pytest.mark.parametrize("command", ["digest escwa", "new", "subscribe escwa daily 09:00"])
def test_a_slack_command_that_needs_the_store_is_no_500_with_it_stopped(
    store: OutageApp, command: str
) -> None:
    add_staff(store.engine, email="organiser@un.example", role="organiser", reviews=["escwa"])
    slack = Slack(store.app.test_client())
    with store.outage():
        answer = slack.command(command)
    assert answer.status_code < 500, answer.status_code
