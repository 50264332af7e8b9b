"""The method policy, proved for every route of the app by walking its URL map.

Every rule, with every method (the declared ones, HEAD, OPTIONS and a few nobody
declares), gets a complete hostile body: every field of every form filled validly,
and ``action=erase_confirmed`` with a valid receipt and access code, with no CSRF
token, no secret, no signature and no bearer token. After each request every table of
the store (the audit log with them) must be exactly as before; HEAD answers carry no
body; undeclared methods get 405 with an ``Allow`` header; the state-changing methods of
the HTML forms refuse without a CSRF token and hit their rate limit; receipt pages are
rate-limited for GET and HEAD alike. A positive control then sends the same body with a
CSRF token, to prove it was complete.

A rule without an entry in ``EXPECTED`` fails the walk: a new route must say what it
promises before it can be merged.
"""

from __future__ import annotations

import itertools
from typing import Literal
from urllib.parse import urlencode

import pytest
from sqlalchemy import Engine, select
from sqlmodel import SQLModel

from intake_api.app import AUTHENTICATED_BLUEPRINTS, create_app
from intake_api.policies.methods import SAFE_METHODS, STATE_CHANGING_METHODS
from intake_api.runtime import build_runtime
from tests.factories import input_answers
from tests.fakes.bot_api import TOKEN, FakeBotApi
from tests.fakes.slack_api import BOT_TOKEN, FakeSlackApi
from tests.web_helpers import hidden_fields

Kind = Literal["page", "form", "receipt", "authenticated"]
UNDECLARED = ("TRACE", "PROPFIND", "CONNECT", "BREW")
EVERY_METHOD = ("GET", "HEAD", "OPTIONS", *sorted(STATE_CHANGING_METHODS), *UNDECLARED)


# What each route promises. A blueprint that authenticates every call (``blueprint.*``)
# promises it for all its routes; every other route is named on its own.
EXPECTED: dict[str, Kind] = {
    "static": "page",
    "health.healthz": "page",
    "health.metrics": "page",
    "pages.choose_language": "page",
    "pages.home": "page",
    "forms.new_input": "form",
    "forms.new_pledge": "form",
    "forms.new_practice": "form",
    "forms.register": "form",
    "my_input.my_input": "form",
    "forms.input_receipt": "receipt",
    "forms.pledge_receipt": "receipt",
    "forms.practice_receipt": "receipt",
    "forms.registration_receipt": "receipt",
    # The public Hub: read-only pages, files and feeds of published items.
    "hub.pledges": "page",
    "hub.pledge": "page",
    "hub.practices": "page",
    "hub.practice": "page",
    "hub.review": "page",
    "hub.review_report": "page",
    "hub.review_feed": "page",
    "hub.open_data": "page",
    "hub.pledges_map": "page",
    "telegram.*": "authenticated",
    "slack.*": "authenticated",
    "api.*": "authenticated",
}
# URL arguments by name (a planted record's receipt where one is named), per endpoint where they differ.
ARGUMENTS = {"locale": "en", "slug": "eca", "filename": "site.css", "receipt": "{input}"}
ARGUMENTS_OF = {
    "forms.pledge_receipt": {"receipt": "{pledge}"},
    "forms.practice_receipt": {"receipt": "{practice}"},
    "forms.registration_receipt": {"receipt": "{registration}"},
    "api.update_pledges": {"receipt": "{pledge}"},
    "api.update_practices": {"receipt": "{practice}"},
    "hub.pledge": {"item_id": "{pledge_id}"},
    "hub.practice": {"item_id": "{practice_id}"},
    "hub.open_data": {"kind": "pledges", "fmt": "csv"},
}


def kind_of(endpoint: str) -> Kind:
    kind = EXPECTED.get(endpoint) or EXPECTED.get(endpoint.split(".")[0] + ".*")
    assert kind is not None, (
        f"route {endpoint!r} has no expectation in EXPECTED: say what it promises"
    )
    return kind


PLEDGE = {
    "organisation": "Câmara Municipal",
    "stakeholder_group": "local_authority",
    "title": "Cidades acolhedoras",
    "text": "Comprometemo-nos a abrir centros de informação para migrantes até 2027.",
    "objectives": ["3", "16"],
    "consent_store": "on",
}
PRACTICE = {
    "title": "Mobile birth registration",
    "objectives": ["4"],
    "countries": ["NE", "TD"],
    "description": "Mobile teams register births in border communities so that children get a legal identity.",
    "partners": "UNICEF, local NGOs",
    "link": "https://example.org/practice",
    "consent_store": "on",
}
REGISTRATION = {
    "name": "Tendai Moyo",
    "stakeholder_group": "youth",
    "country": "MW",
    "contact_email": "tendai@example.org",
    "attendance_mode": "virtual",
    "consent_store": "on",
    "review": "eca",
}


@pytest.fixture
def walk_app(settings, runtime):  # type: ignore[no-untyped-def]
    """The app with every channel on (Telegram and Slack against their fakes), and one record of each kind."""
    bot_api, slack_api = FakeBotApi().start(), FakeSlackApi().start()
    configured = build_runtime(
        settings.model_copy(
            update={
                "telegram_token": TOKEN,
                "telegram_api_url": bot_api.base_url,
                "telegram_webhook_secret": "walk-webhook-secret",
                "slack_bot_token": BOT_TOKEN,
                "slack_signing_secret": "walk-signing-secret",
                "slack_api_url": slack_api.base_url,
            }
        )
    )
    app = create_app(runtime=configured)
    app.config.update(TESTING=True)
    service = configured.service
    planted = {
        kind: service.submit(
            kind, answers, channel="web", message_id=f"form:planted-{kind}", locale="en"
        ).code
        for kind, answers in (
            ("input", input_answers()),
            ("pledge", PLEDGE),
            ("practice", PRACTICE),
            ("registration", REGISTRATION),
        )
    }
    planted.update(_published(configured, planted))
    yield app, planted
    if (channel := app.extensions["telegram"]._channel) is not None:
        channel.close()
    configured.engine.dispose()
    bot_api.stop()
    slack_api.stop()


def _published(runtime, planted: dict[str, str]) -> dict[str, str]:  # type: ignore[no-untyped-def]
    """The planted pledge and practice published on the Hub, and the review's report: their
    public pages answer 200. Returns their public ids."""
    from datetime import UTC, datetime

    from models.db import write_session
    from models.pledge import Pledge
    from models.practice import Practice
    from models.review import RegionalReview

    ids = {}
    with write_session(runtime.engine) as session:
        for kind, model in (("pledge", Pledge), ("practice", Practice)):
            item = session.exec(select(model).where(model.receipt == planted[kind])).one()[0]  # type: ignore[attr-defined]
            item.consent_publish, item.published_at = True, datetime.now(UTC)
            session.add(item)
            ids[f"{kind}_id"] = str(item.id)
        review = session.get_one(RegionalReview, ARGUMENTS["slug"])
        review.report_published_at = datetime.now(UTC)
        session.add(review)
    return ids


def snapshot(engine: Engine) -> dict[str, list[str]]:
    """Every row of every table (the audit log included), as text, in a stable order."""
    with engine.connect() as connection:
        return {
            table.name: sorted(repr(tuple(row)) for row in connection.execute(select(table)))
            for table in SQLModel.metadata.sorted_tables
        }


def hostile_body(planted: dict[str, str], access_code: str) -> dict[str, object]:
    """Every field of every form, valid, plus an erasure of the planted input with its codes."""
    return {
        **PLEDGE,
        **PRACTICE,
        **REGISTRATION,
        **input_answers(contact_email="tendai@example.org"),
        "submission_key": "0" * 32,
        "receipt": planted["input"],
        "access_code": access_code,
        "action": "erase_confirmed",
        "update_id": 9,
        "payload": '{"type": "view_submission"}',
    }


def url_for_rule(rule, planted: dict[str, str]) -> str:  # type: ignore[no-untyped-def]
    values = {**ARGUMENTS, **ARGUMENTS_OF.get(rule.endpoint, {})}
    missing = set(rule.arguments) - set(values)
    assert not missing, f"{rule.rule}: ARGUMENTS gives no value for {missing}"
    return rule.build(
        {name: values[name].format_map(planted) for name in rule.arguments}, append_unknown=False
    )[1]


def test_every_rule_says_what_it_promises(walk_app):
    check_promises(walk_app[0])


def test_a_route_nobody_described_fails_the_walk(walk_app):
    app, _ = walk_app
    app.add_url_rule("/<locale>/rogue", "rogue", lambda locale: "stored", methods=["GET", "POST"])
    with pytest.raises(AssertionError, match="no expectation"):
        check_promises(app)


def check_promises(app) -> None:  # type: ignore[no-untyped-def]
    """Each rule has an expectation, and declares only the methods its kind allows."""
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}
    named = {key for key in EXPECTED if not key.endswith(".*")}
    assert not named - endpoints, (
        f"EXPECTED names routes that are gone: {sorted(named - endpoints)}"
    )
    for rule in app.url_map.iter_rules():
        kind, declared = kind_of(rule.endpoint), set(rule.methods or ())
        if kind in ("page", "receipt"):
            assert declared <= SAFE_METHODS, (
                f"{rule.rule} is a page but accepts {declared - SAFE_METHODS}"
            )
        if kind == "form":
            assert declared & STATE_CHANGING_METHODS, f"{rule.rule} is a form that takes nothing"
        if kind == "authenticated":
            assert rule.endpoint.split(".")[0] in AUTHENTICATED_BLUEPRINTS, rule.rule


def test_no_method_without_credentials_changes_the_store(walk_app, engine):
    app, planted = walk_app
    runtime = app.extensions["gcm_intake"]
    body = hostile_body(planted, runtime.keys.access_code(planted["input"]))
    query = urlencode(body, doseq=True)
    adapter = app.url_map.bind("localhost")
    before = snapshot(engine)
    client = app.test_client()
    checked = 0
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        kind = kind_of(rule.endpoint)
        path = url_for_rule(rule, planted)
        allowed = set(adapter.allowed_methods(path))
        for method in EVERY_METHOD:
            with client.open(f"{path}?{query}", method=method, data=body) as response:
                data = response.get_data()
            where = f"{method} {rule.rule}"
            assert response.status_code < 500, f"{where}: {response.status_code}"
            assert snapshot(engine) == before, f"{where} changed the store ({response.status_code})"
            assert response.headers.get("X-Request-Id"), where
            if method == "HEAD":
                assert data == b"", f"{where} answered with a body"
            if method not in allowed:
                assert response.status_code == 405, f"{where}: {response.status_code}, not 405"
                assert set(response.headers["Allow"].split(", ")) == allowed, where
                is_json = response.mimetype == "application/json"
                assert (
                    is_json == rule.rule.startswith(("/api/", "/telegram/", "/slack/"))
                    or method == "HEAD"
                ), where
            elif method in STATE_CHANGING_METHODS:
                # No token of any kind: a form refuses it (400), a channel does not know the caller.
                refused = {400} if kind == "form" else {401, 403, 404}
                assert response.status_code in refused, f"{where}: {response.status_code}"
            elif method in ("GET", "HEAD"):
                assert response.status_code in (200, 401), f"{where}: {response.status_code}"
            checked += 1
    assert checked == len(list(app.url_map.iter_rules())) * len(EVERY_METHOD)


_addresses = (f"10.0.{a}.{b}" for a, b in itertools.product(range(1, 250), range(1, 250)))


def new_client(app):  # type: ignore[no-untyped-def]
    """A browser from an address of its own: its own rate-limit counts."""
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = next(_addresses)
    return client


def assert_limited(codes: list[int], *, answered: int) -> int:
    """Answered until the limit, then 429 every time; returns how many were answered."""
    assert 429 in codes, f"never hit its rate limit: {codes}"
    first = codes.index(429)
    assert set(codes[:first]) == {answered} and set(codes[first:]) == {429}, codes
    return first


def test_state_changing_form_methods_refuse_without_csrf_and_hit_their_limit(walk_app, engine):
    app, planted = walk_app
    runtime = app.extensions["gcm_intake"]
    body = hostile_body(planted, runtime.keys.access_code(planted["input"]))
    before = snapshot(engine)
    for rule in app.url_map.iter_rules():
        if kind_of(rule.endpoint) != "form":
            continue
        path = url_for_rule(rule, planted)
        for method in sorted(STATE_CHANGING_METHODS & set(rule.methods or ())):
            client = new_client(app)  # a fresh limit
            codes = [client.open(path, method=method, data=body).status_code for _ in range(41)]
            assert codes[0] == 400, f"{method} {rule.rule} without a CSRF token: {codes[0]}"
            assert_limited(codes, answered=400)
    assert snapshot(engine) == before


def test_receipt_pages_are_rate_limited_for_get_and_head_together(walk_app):
    app, planted = walk_app
    client = new_client(app)
    receipt_rules = [r for r in app.url_map.iter_rules() if kind_of(r.endpoint) == "receipt"]
    paths = itertools.cycle([url_for_rule(r, planted) for r in receipt_rules])
    codes = [
        client.open(next(paths), method=method).status_code
        for method in itertools.islice(itertools.cycle(["GET", "HEAD"]), 60)
    ]
    assert codes[0] == 200
    assert assert_limited(codes, answered=200) <= 30  # all four kinds of receipt share one limit
    # Someone else is not locked out by it.
    other = new_client(app)
    assert other.head(next(paths)).status_code == 200


def test_the_hostile_body_was_complete(walk_app, engine):
    """Positive control: with a CSRF token the same body is stored by every form, and erases."""
    app, planted = walk_app
    runtime = app.extensions["gcm_intake"]
    body = hostile_body(planted, runtime.keys.access_code(planted["input"]))
    before = snapshot(engine)
    for rule in app.url_map.iter_rules():
        if kind_of(rule.endpoint) != "form" or rule.endpoint == "my_input.my_input":
            continue
        client = new_client(app)
        path = url_for_rule(rule, planted)
        token = hidden_fields(client.get(path).get_data(as_text=True))
        response = client.post(path, data={**body, **token})
        assert response.status_code == 303, f"{rule.rule}: {response.status_code}"
    client = new_client(app)
    token = hidden_fields(client.get("/en/my-input").get_data(as_text=True))
    erased = client.post("/en/my-input", data={**body, **token})
    assert erased.status_code == 200 and "erased" in erased.get_data(as_text=True)
    assert snapshot(engine) != before
