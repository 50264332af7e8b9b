"""A fifth record kind, declared in this test alone, is taken up by every channel and output.

The kind ("trial") has its own small questionnaire and its own table, made for the test
and dropped from the metadata afterwards (``tests/models/test_migrations.py`` compares the
metadata with the migrations). Nothing else is edited: the web form and its receipt page,
the API's listing, creation and OpenAPI entries, erasure and exports all come from the
declaration.
"""

from __future__ import annotations

import io
import json
import warnings
from collections.abc import Iterator
from typing import Any

import pytest
from openapi_core import OpenAPI
from openapi_core.contrib.werkzeug import WerkzeugOpenAPIRequest, WerkzeugOpenAPIResponse
from sqlalchemy import UniqueConstraint
from sqlalchemy.exc import SAWarning
from sqlmodel import Field, Session, SQLModel, select

from intake_api.api.openapi import openapi_document
from intake_api.app import create_app
from intake_api.crypto import KeyRing
from intake_api.exports import iter_records, write_jsonl
from intake_api.privacy import record_kind
from intake_api.questionnaire import PLEDGE, REVIEW_CHOICES, Kind, Question, Questionnaire
from intake_api.record_kinds import (
    KINDS,
    ApiCollection,
    FormPage,
    RecordKind,
    kind_of_receipt,
    masked,
    registered,
    timestamp,
)
from intake_api.staff import add_staff, issue_token
from models.intake_record import IntakeRecord
from tests.web_helpers import submit_form

TRIAL = Questionnaire(
    "trial",
    (
        Question("review", Kind.SINGLE, "Regional review", required=True, choices=REVIEW_CHOICES),
        Question(
            "title", Kind.LINE, "Name of the trial", required=True, max_length=200, redact=True
        ),
        PLEDGE["consent_store"],
    ),
)
TRIAL_OUT = {
    "type": "object",
    "additionalProperties": False,
    "required": ["receipt", "review", "title", "created_at"],
    "properties": {
        "receipt": {"type": "string"},
        "review": {"type": "string"},
        "title": {"type": "string"},
        "created_at": {"type": "string", "format": "date-time"},
    },
}
NEW_TRIAL = {
    "type": "object",
    "additionalProperties": False,
    "required": ["review", "title", "consent_store"],
    "properties": {
        "review": {"type": "string"},
        "title": {"type": "string"},
        "consent_store": {"type": "boolean", "const": True},
    },
}


def _trial_model() -> type[IntakeRecord]:
    """The kind's table, in SQLModel's metadata only while the test runs."""
    with warnings.catch_warnings():  # the class is declared again for each database
        warnings.simplefilter("ignore", SAWarning)

        class TrialRecord(IntakeRecord, table=True):
            __tablename__ = "test_trial_record"
            __table_args__ = (UniqueConstraint("channel", "channel_message_id"),)
            review_slug: str = Field(foreign_key="regional_review.slug", max_length=16)
            title: str = Field(max_length=200)

    return TrialRecord


def _trial_kind(model: type[IntakeRecord]) -> RecordKind:
    def fields(answers: dict[str, Any], _written: dict[str, Any], _keys: KeyRing) -> dict[str, Any]:
        return {"review_slug": answers["review"], "title": answers["title"]}

    def serialise(record: Any, _keys: KeyRing) -> dict[str, Any]:
        return {
            "receipt": record.receipt,
            "review": record.review_slug,
            "title": masked(record.title),
            "created_at": timestamp(record.created_at),
        }

    page = FormPage(
        "Report a trial",
        "A kind of record that exists only in this test.",
        "/<locale>/trials/new",
        "new_trial",
        "/<locale>/trials/<receipt>",
        "trial_receipt",
    )
    api = ApiCollection(
        "/trials",
        "trials",
        "listTrials",
        "Trials",
        "Trial",
        "Trials",
        item_schema=TRIAL_OUT,
        new_schema=NEW_TRIAL,
        create_operation_id="createTrial",
    )
    return RecordKind("trial", TRIAL, model, "TQ", fields, serialise, page=page, api=api)


@pytest.fixture
def trial(runtime) -> Iterator[RecordKind]:  # type: ignore[no-untyped-def]
    model = _trial_model()
    table = model.__table__  # type: ignore[attr-defined]
    try:
        table.create(runtime.engine)
        with registered(_trial_kind(model)) as kind:
            yield kind
    finally:
        SQLModel.metadata.remove(table)
    assert "trial" not in KINDS


@pytest.fixture
def trial_client(runtime, trial):  # type: ignore[no-untyped-def]
    """An app created while the trial kind is declared: its routes come from the registry."""
    app = create_app(runtime=runtime)
    app.config.update(TESTING=True)
    return app.test_client()


@pytest.fixture
def admin_token(engine) -> str:  # type: ignore[no-untyped-def]
    admin = add_staff(engine, email="admin@un.example", role="admin", reviews=[])
    assert admin.id is not None
    return issue_token(engine, staff_id=admin.id)


def _rows(engine, model) -> list[Any]:  # type: ignore[no-untyped-def]
    with Session(engine) as session:
        return list(session.exec(select(model)).all())


def test_the_web_form_renders_and_stores_it_with_a_receipt(trial, trial_client, engine):
    page = trial_client.get("/fr/trials/new")
    assert page.status_code == 200
    assert "Report a trial" in page.get_data(as_text=True)
    response = submit_form(
        trial_client,
        "/fr/trials/new",
        {"review": "eca", "title": "Trial by fire", "consent_store": "on"},
    )
    assert response.status_code == 303, response.get_data(as_text=True)
    location = response.headers["Location"]
    assert "/fr/trials/TQ-" in location
    receipt = location.rsplit("/", 1)[1]
    assert trial_client.get(location).status_code == 200
    assert trial_client.get("/fr/trials/TQ-0000-0000").status_code == 404
    [stored] = _rows(engine, trial.model)
    assert (stored.receipt, stored.title, stored.channel) == (receipt, "Trial by fire", "web")
    assert kind_of_receipt(receipt) is trial and record_kind(receipt) == "trial"


def test_the_web_form_refuses_what_its_questionnaire_refuses(trial, trial_client, engine):
    response = submit_form(trial_client, "/en/trials/new", {"review": "eca", "title": "No consent"})
    assert response.status_code == 422
    assert _rows(engine, trial.model) == []


def test_the_api_creates_and_lists_it_as_its_openapi_entries_say(trial, trial_client, admin_token):
    document = openapi_document()
    assert document["paths"]["/trials"]["get"]["operationId"] == "listTrials"
    assert document["paths"]["/trials"]["post"]["operationId"] == "createTrial"
    spec = OpenAPI.from_dict(document)
    headers = {"Authorization": f"Bearer {admin_token}", "Idempotency-Key": "trial-1"}
    body = {"review": "unece", "title": "Trial by jury", "consent_store": True}

    def call(method: str, **kwargs: Any) -> Any:
        response = getattr(trial_client, method)("/api/v1/trials", headers=headers, **kwargs)
        spec.validate_response(_Answered(response.request), WerkzeugOpenAPIResponse(response))
        return response

    created = call("post", json=body)
    assert created.status_code == 201 and created.json["receipt"].startswith("TQ-")
    again = call("post", json=body)
    assert again.status_code == 200 and again.json == {**created.json, "duplicate": True}
    listed = call("get")
    assert [(item["receipt"], item["title"]) for item in listed.json["items"]] == [
        (created.json["receipt"], "Trial by jury")
    ]
    assert trial_client.get("/api/v1/trials").status_code == 401


def test_erasure_removes_it(trial, service, engine, runtime):
    receipt = service.submit(
        "trial",
        {"review": "eca", "title": "Trial to forget", "consent_store": True},
        channel="web",
        message_id="trial-erase",
        locale="en",
    ).code
    assert receipt.startswith("TQ-")
    assert runtime.privacy.erase_record(receipt=receipt, actor="test") is True
    assert _rows(engine, trial.model) == []
    assert runtime.privacy.erase_record(receipt=receipt, actor="test") is False


def test_the_api_erases_it_by_receipt(trial, trial_client, service, engine, admin_token):
    receipt = service.submit(
        "trial",
        {"review": "eca", "title": "Trial to forget", "consent_store": True},
        channel="web",
        message_id="trial-api-erase",
        locale="en",
    ).code
    spec = OpenAPI.from_dict(openapi_document())
    headers = {"Authorization": f"Bearer {admin_token}"}
    for expected in (204, 404):
        response = trial_client.delete(f"/api/v1/submissions/{receipt}", headers=headers)
        spec.validate_response(_Answered(response.request), WerkzeugOpenAPIResponse(response))
        assert response.status_code == expected
    assert _rows(engine, trial.model) == []


def test_an_export_includes_it(trial, runtime, service):
    for n, review in enumerate(("eca", "escap")):
        service.submit(
            "trial",
            {
                "review": review,
                "title": f"Trial {n} mail me at ana@example.org",
                "consent_store": True,
            },
            channel="web",
            message_id=f"trial-export-{n}",
            locale="en",
        )
    rows = iter_records(runtime.engine, runtime.keys, trial, reviews=["eca"])
    out = io.BytesIO()
    assert write_jsonl(rows, out, "en", lambda _n: None) == 1
    [row] = [json.loads(line) for line in out.getvalue().splitlines()]
    assert row["review"] == "eca" and row["receipt"].startswith("TQ-")
    assert "ana@example.org" not in row["title"]


def test_a_declared_kind_leaves_no_trace_once_the_test_is_over():
    assert "trial" not in KINDS
    assert "test_trial_record" not in SQLModel.metadata.tables
    assert "/trials" not in openapi_document()["paths"]


class _Answered(WerkzeugOpenAPIRequest):
    """The request after the app has read its body: only the response is validated."""

    @property
    def body(self) -> bytes:
        return b""
