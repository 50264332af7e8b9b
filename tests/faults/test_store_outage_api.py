"""The staff API with the store unavailable: every operation answers as its OpenAPI document says.

Under each outage every operation of the document is called with a valid token: nothing
is a 500, each answer validates against the document (a 503 is declared on every
operation, with the Error body and Retry-After), and what the store cannot write is a
503 that changed nothing. Once the store is back, the same POST with the same
Idempotency-Key stores the input once.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from openapi_core import OpenAPI
from openapi_core.contrib.werkzeug import WerkzeugOpenAPIRequest, WerkzeugOpenAPIResponse

from intake_api.api.openapi import openapi_document
from intake_api.policies.availability import RETRY_AFTER_SECONDS
from intake_api.staff import add_staff, issue_token
from tests.factories import input_answers
from tests.faults.stores import OUTAGES, OutageApp, outage_app, stored_rows

pytestmark = pytest.mark.slow

SPEC = OpenAPI.from_dict(openapi_document())
NEW_INPUT = {key: value for key, value in input_answers().items() if value != ""} | {
    "consent_store": True,
    "consent_quote": True,
    "objectives": [3, 5],
}
NEW_PLEDGE = {
    "organisation": "Jordan national committee",
    "stakeholder_group": "government",
    "review": "escwa",
    "title": "Work permits for refugees",
    "text": "We pledge to issue 50,000 more work permits to refugees by 2027.",
    "objectives": [5, 6],
    "consent_store": True,
    "consent_publish": True,
}
NEW_PRACTICE = {
    "title": "Mobile birth registration",
    "description": "Mobile teams register births in border communities so that "
    "children get a legal identity.",
    "objectives": [4],
    "countries": ["NE", "TD"],
    "review": "escwa",
    "consent_store": True,
    "consent_publish": True,
}

# Every operation of the document, with what a partner system would send. The operation's
# path placeholders: {input} an input's receipt, {pledge} a pledge's, {practice} a practice's.
CALLS: dict[str, tuple[str, str, dict[str, Any] | None]] = {
    "listSubmissions": ("get", "/submissions?review=escwa", None),
    "createSubmission": ("post", "/submissions", NEW_INPUT),
    "getSubmission": ("get", "/submissions/{input}", None),
    "updateSubmission": (
        "patch",
        "/submissions/{input}",
        {"status": "reviewed", "objectives": [7]},
    ),
    "eraseRecord": ("delete", "/submissions/{pledge}", None),
    "withdrawConsent": (
        "post",
        "/submissions/{input}/consents",
        {"consent": "quote", "granted": False},
    ),
    "reviewStats": ("get", "/reviews/escwa/stats", None),
    "reviewReport": ("get", "/reviews/escwa/report?format=md", None),
    "exportSubmissions": ("get", "/exports/submissions?review=escwa", None),
    "listPledges": ("get", "/pledges", None),
    "createPledge": ("post", "/pledges", NEW_PLEDGE),
    "updatePledge": ("patch", "/pledges/{pledge}", {"published": True}),
    "listPractices": ("get", "/practices", None),
    "createPractice": ("post", "/practices", NEW_PRACTICE),
    "updatePractice": ("patch", "/practices/{practice}", {"published": True}),
    "listRegistrations": ("get", "/registrations", None),
}
WRITES = (
    "createSubmission",
    "updateSubmission",
    "eraseRecord",
    "withdrawConsent",
    "createPledge",
    "updatePledge",
    "createPractice",
    "updatePractice",
)
# Reads of personal data are audited: with no audit entry written, there is no read either.
AUDITED_READS = (
    "listSubmissions",
    "getSubmission",
    "reviewReport",
    "exportSubmissions",
    "listRegistrations",
)


class _Answered(WerkzeugOpenAPIRequest):
    """The request after the app has read its body: only the response is validated."""

    @property
    def body(self) -> bytes:
        return b""


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


def test_every_operation_of_the_document_is_called():
    documented = {
        op["operationId"] for path in openapi_document()["paths"].values() for op in path.values()
    }
    assert documented == set(CALLS)


def test_every_operation_declares_the_503_with_retry_after():
    document = openapi_document()
    for path in document["paths"].values():
        for operation in path.values():
            assert operation["responses"]["503"] == {
                "$ref": "#/components/responses/StoreUnavailable"
            }
    unavailable = document["components"]["responses"]["StoreUnavailable"]
    assert unavailable["headers"]["Retry-After"]["required"] is True


def test_the_api_with_the_store_unavailable_answers_as_documented_and_stores_once_when_back(
    store: OutageApp,
):
    engine, service = store.engine, store.runtime.service
    admin = add_staff(engine, email="admin@un.example", role="admin", reviews=[])
    headers = {"Authorization": f"Bearer {issue_token(engine, staff_id=admin.id)}"}
    receipts = {
        "input": service.submit_input(
            input_answers(), channel="web", message_id="i", locale="en"
        ).code,
        "pledge": service.submit_pledge(
            {
                "organisation": "Союз",
                "stakeholder_group": "trade_union",
                "title": "Ясные договоры",
                "text": "Контракты на родном языке каждого работника к 2027 году.",
                "objectives": ["6"],
                "consent_store": "on",
                "consent_publish": "on",
            },
            channel="web",
            message_id="p",
            locale="ru",
        ).code,
        "practice": service.submit_practice(
            {**NEW_PRACTICE, "objectives": ["4"], "consent_store": "on", "consent_publish": "on"},
            channel="web",
            message_id="pr",
            locale="en",
        ).code,
    }
    client = store.app.test_client()

    def call(operation: str, key: str = "partner-key-1") -> Any:
        method, path, body = CALLS[operation]
        response = getattr(client, method)(
            "/api/v1" + path.format(**receipts),
            json=body,
            headers={**headers, "Idempotency-Key": key} if method == "post" else headers,
        )
        SPEC.validate_response(_Answered(response.request), WerkzeugOpenAPIResponse(response))
        return response

    with store.outage():
        answers = {operation: call(operation) for operation in CALLS}
    for operation, response in answers.items():
        expected_503 = store.name == "postgresql-stopped" or operation in (*WRITES, *AUDITED_READS)
        if expected_503:
            assert response.status_code == 503, (operation, response.status_code)
            assert response.headers["Retry-After"] == str(RETRY_AFTER_SECONDS)
            assert response.get_json()["error"] == "store_unavailable"
        else:
            assert response.status_code == 200, (operation, response.status_code)
    assert stored_rows(engine, "submission") == 1
    assert stored_rows(engine, "pledge") == 1
    assert stored_rows(engine, "practice") == 1

    created = call("createSubmission")  # the partner system sends the same POST again
    assert created.status_code == 201
    again = call("createSubmission")
    assert (again.status_code, again.get_json()["receipt"]) == (200, created.get_json()["receipt"])
    assert stored_rows(engine, "submission") == 2
