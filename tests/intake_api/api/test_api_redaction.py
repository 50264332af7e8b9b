"""One redaction policy for the free text of every kind of record: planted contact details
appear nowhere in the store or in any answer of the API."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from intake_api.questionnaire import QUESTIONNAIRES, Kind
from tests.intake_api.api.test_api import api, tokens  # noqa: F401 - fixtures
from tests.intake_api.snapshots import snapshot

EMAIL, PHONE = "amina.k@example.org", "+962 79 123 4567"
PLANTED = f"Write to {EMAIL} or call {PHONE} about this, we will answer within the week."
# Free text that is not masked, and why: a registrant's name is what the badge needs; it is encrypted.
NOT_MASKED = {("registration", "name")}

BASE = {
    "input": {
        "review": "escwa",
        "stakeholder_group": "youth",
        "theme": "cooperation",
        "consent_store": "on",
    },
    "pledge": {
        "stakeholder_group": "government",
        "review": "escwa",
        "objectives": ["6"],
        "consent_store": "on",
    },
    "practice": {
        "objectives": ["7"],
        "countries": ["JO"],
        "review": "escwa",
        "consent_store": "on",
    },
    "registration": {
        "review": "escwa",
        "name": "Rana K.",
        "stakeholder_group": "youth",
        "country": "AF",
        "contact_email": "rana@example.org",
        "attendance_mode": "in_person",
        "travel_support": "on",
        "consent_store": "on",
    },
}


def test_every_free_text_question_is_masked_or_exempt_for_a_reason():
    for name, questionnaire in QUESTIONNAIRES.items():
        for question in questionnaire.questions:
            if question.kind in (Kind.LINE, Kind.TEXT):
                assert question.redact or (name, question.key) in NOT_MASKED, (
                    f"{name}.{question.key}"
                )


def _plant(service, kind: str) -> None:  # type: ignore[no-untyped-def]
    answers = dict(BASE[kind])
    for key in QUESTIONNAIRES[kind].redacted_keys:
        limit = QUESTIONNAIRES[kind][key].max_length or len(PLANTED)
        answers[key] = (PLANTED + " " + "More detail follows. " * 4)[: max(limit, 60)][:limit]
        assert EMAIL in answers[key] and PHONE in answers[key]
    submit = {
        "input": service.submit_input,
        "pledge": service.submit_pledge,
        "practice": service.submit_practice,
        "registration": service.register,
    }[kind]
    submit(answers, channel="web", message_id=f"plant-{kind}", locale="en")


@pytest.fixture
def planted(service):  # type: ignore[no-untyped-def]
    for kind in BASE:
        _plant(service, kind)


def test_planted_contact_details_are_nowhere_in_the_store(planted, engine):
    rows = repr(snapshot(engine))
    assert EMAIL not in rows and PHONE not in rows and "[email]" in rows and "[phone]" in rows


@pytest.mark.parametrize(
    "url",
    [
        "/submissions",
        "/pledges",
        "/practices",
        "/registrations",
        "/exports/submissions?format=csv",
        "/exports/submissions?format=jsonl",
        "/reviews/escwa/report?format=md",
        "/reviews/escwa/report?format=html",
        "/reviews/escwa/report?format=csv",
    ],
)
def test_planted_contact_details_are_in_no_api_answer(planted, api, url):  # noqa: F811
    body = api("get", url).get_data(as_text=True)
    assert EMAIL not in body and PHONE not in body


def test_rows_stored_before_are_masked_when_shown(api, service, engine):  # noqa: F811
    """A registrant's needs are encrypted (no migration can read them): masked on the way out."""
    _plant(service, "registration")
    with engine.begin() as connection:  # as an older version stored it: the reason unmasked
        connection.execute(text("UPDATE registration SET travel_reason = :t"), {"t": PLANTED})
    item = api("get", "/registrations").get_json()["items"][0]
    assert "[email]" in item["travel_reason"] and "[phone]" in item["accessibility_needs"]
    assert EMAIL not in str(item) and PHONE not in str(item)
