"""The store unavailable while a person sends a public form or acts on their input: nothing typed is lost.

Each outage is real and on its own backend: the private PostgreSQL server stopped or
made read-only, an SQLite file whose write lock another process holds past the busy
timeout. Under it, every public form sent with every field filled answers 503 with
Retry-After and the translated "nothing was stored yet", the form re-shown with every
value typed, one warning logged with the request id and the counts raised; nothing is
stored. Once the store is back, sending the re-shown form as it is stores it once.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from prometheus_client.parser import text_string_to_metric_families

from intake_api.i18n import gettext
from intake_api.policies.availability import NOT_STORED_FORM, RETRY_AFTER_SECONDS
from intake_api.policies.requests import REQUEST_ID_HEADER
from tests.faults.stores import (
    EMAIL,
    FORMS,
    OUTAGES,
    Form,
    OutageApp,
    outage_app,
    read_page,
    stored_rows,
)

pytestmark = pytest.mark.slow


@pytest.fixture(params=OUTAGES)
def store(
    request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[OutageApp]:
    server = (
        request.getfixturevalue("private_postgres")
        if request.param.startswith("postgresql")
        else None
    )
    with outage_app(request.param, tmp_path, monkeypatch, server) as built:
        yield built


def failure_counts(client: Any) -> dict[str, float]:
    """The two counters a 503 raises, summed over their labels, as /metrics shows them."""
    page = client.get("/metrics")
    assert page.status_code == 200
    totals = {"gcm_intake_store_unavailable_total": 0.0, "gcm_intake_http_server_errors_total": 0.0}
    for family in text_string_to_metric_families(page.get_data(as_text=True)):
        for sample in family.samples:
            if sample.name in totals:
                totals[sample.name] += sample.value
    return totals


def as_sent(typed: dict[str, Any]) -> dict[str, list[str]]:
    return {
        key: sorted(value) if isinstance(value, list) else [value] for key, value in typed.items()
    }


def sorted_values(form: Form) -> dict[str, list[str]]:
    return {key: sorted(values) for key, values in form.typed().items()}


def assert_one_trace(caplog: pytest.LogCaptureFixture, response: Any, secrets: list[str]) -> None:
    """One warning, from intake_api.failures, with the request id; nothing a person typed."""
    request_id = response.headers[REQUEST_ID_HEADER]
    loud = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert [(r.name, r.levelname) for r in loud] == [("intake_api.failures", "WARNING")], [
        r.getMessage() for r in loud
    ]
    assert request_id in loud[0].getMessage()
    every_line = "\n".join(r.getMessage() for r in caplog.records)
    for secret in secrets:
        assert secret not in every_line


def assert_unavailable(response: Any, locale: str) -> Any:
    assert response.status_code == 503, response.status_code
    assert response.headers["Retry-After"] == str(RETRY_AFTER_SECONDS)
    assert response.headers["Cache-Control"] == "no-store"
    page = read_page(response.get_data(as_text=True))
    assert gettext(locale, NOT_STORED_FORM) in page.text()
    return page


@pytest.mark.parametrize("locale", ["en", "ar"])
@pytest.mark.parametrize("kind", list(FORMS))
def test_a_form_sent_while_the_store_is_unavailable_comes_back_whole_and_is_stored_once_later(
    store: OutageApp, kind: str, locale: str, caplog: pytest.LogCaptureFixture
) -> None:
    case = FORMS[kind]
    client = store.app.test_client()
    url = f"/{locale}{case.path}"
    blank = read_page(client.get(url).get_data(as_text=True)).post_form()
    sent = {**dict(blank.values), **case.typed}
    before = failure_counts(client)

    with store.outage():
        caplog.clear()
        answer = client.post(url, data=sent)
        page = assert_unavailable(answer, locale)
        assert_one_trace(
            caplog, answer, [v for v in case.typed.values() if isinstance(v, str) and len(v) > 6]
        )
    assert stored_rows(store.engine, case.table) == 0

    shown = page.post_form()
    assert sorted_values(shown) == as_sent(
        case.typed | ({"review": "escwa"} if kind == "registration" else {})
    )
    assert shown.value("submission_key") == blank.value("submission_key")
    after = failure_counts(client)
    assert {name: after[name] - before[name] for name in after} == {name: 1.0 for name in after}

    again = client.post(url, data=shown.sent())  # the person presses Send again, nothing changed
    assert again.status_code == 303, again.status_code
    receipt_page = client.get(again.headers["Location"])
    assert receipt_page.status_code == 200
    assert stored_rows(store.engine, case.table) == 1

    twice = client.post(url, data=shown.sent())  # and once more, to be sure
    assert (twice.status_code, twice.headers["Location"]) == (303, again.headers["Location"])
    assert stored_rows(store.engine, case.table) == 1


# The actions of /my-input in the order a person could take them; the first two only read.
MY_INPUT_ACTIONS = ("open", "erase", "stop_quote", "forget_contact", "erase_confirmed")
READS_ONLY = ("open", "erase")


@pytest.mark.parametrize("locale", ["en", "ar"])
def test_my_input_actions_while_the_store_is_unavailable_keep_the_codes_and_change_nothing(
    store: OutageApp, locale: str, caplog: pytest.LogCaptureFixture
) -> None:
    from tests.factories import input_answers

    runtime = store.runtime
    receipt = runtime.service.submit_input(
        input_answers(contact_email=EMAIL), channel="web", message_id="my-input", locale=locale
    ).code
    code = runtime.keys.access_code(receipt)
    client = store.app.test_client()
    url = f"/{locale}/my-input"
    token = read_page(client.get(url).get_data(as_text=True)).post_form().value("csrf_token")
    reads_work = store.name != "postgresql-stopped"  # read-only and write-locked stores still read
    state = {"stop_quote": False, "forget_contact": False}

    for number, action in enumerate(MY_INPUT_ACTIONS):
        # Each action from an address of its own: /my-input allows ten tries a minute per address.
        client.environ_base["REMOTE_ADDR"] = f"192.0.2.{number + 1}"
        sent = {"csrf_token": token, "receipt": receipt, "access_code": code, "action": action}
        with store.outage():
            caplog.clear()
            answer = client.post(url, data=sent)
            if reads_work and action in READS_ONLY:
                assert answer.status_code == 200, (action, answer.status_code)
                assert receipt in answer.get_data(as_text=True)
                continue
            page = assert_unavailable(answer, locale)
            assert_one_trace(caplog, answer, [EMAIL, code])
        shown = page.post_form()
        assert shown.typed() == {"receipt": [receipt], "access_code": [code]}, action
        assert shown.buttons == [("action", "open")]
        assert_unchanged(store, receipt, **state)

        reopened = client.post(
            url, data=shown.sent(*shown.buttons)
        )  # store back: Open, then act again
        assert reopened.status_code == 200
        assert receipt in reopened.get_data(as_text=True)
        token = shown.value("csrf_token")
        done = client.post(url, data={**sent, "csrf_token": token})
        assert done.status_code == 200, (action, done.status_code)
        if action in state:
            state[action] = True
            assert_unchanged(store, receipt, **state)
    assert stored_rows(store.engine, "submission") == 0  # erased, once the store was back


def assert_unchanged(
    store: OutageApp, receipt: str, stop_quote: bool = False, forget_contact: bool = False
) -> None:
    from sqlmodel import Session, select

    from models import Submission

    with Session(store.engine) as session:
        record = session.exec(select(Submission).where(Submission.receipt == receipt)).one()
        assert record.consent_quote is not stop_quote
        assert (record.contact_email is None) is forget_contact


def test_retry_after_is_only_on_answers_that_mean_it(client: Any) -> None:
    """The rate limiter's window is no advice on a stored form or a refused answer: only a 429 carries it."""
    url = "/en/inputs/new"
    blank = read_page(client.get(url).get_data(as_text=True)).post_form()
    stored = client.post(url, data={**dict(blank.values), **FORMS["input"].typed})
    assert stored.status_code == 303 and "Retry-After" not in stored.headers
    statuses = []
    for _ in range(25):
        refused = client.post(url, data={**dict(blank.values), "text": "short"})
        statuses.append(refused.status_code)
        if refused.status_code == 429:
            assert int(refused.headers["Retry-After"]) > 0
            break
        assert refused.status_code == 422 and "Retry-After" not in refused.headers
    assert statuses[-1] == 429, statuses
