"""Erasure and consent withdrawal through the staff API, checked against the OpenAPI document."""

from __future__ import annotations

from sqlmodel import Session, select

from models import Submission
from tests.conftest import count_rows
from tests.factories import input_answers
from tests.intake_api.api.test_api import api, tokens  # noqa: F401 - fixtures


def test_admin_erases_by_receipt_once(api, service, engine):  # noqa: F811
    receipt = service.submit_input(input_answers(), channel="web", message_id="e", locale="en").code
    assert api("delete", f"/submissions/{receipt}", who="escwa").status_code == 403
    assert api("delete", f"/submissions/{receipt}").status_code == 204
    assert count_rows(engine, "submission") == 0
    assert api("delete", f"/submissions/{receipt}").status_code == 404


def test_consent_withdrawn_on_behalf(api, service, engine):  # noqa: F811
    receipt = service.submit_input(
        input_answers(contact_email="c@example.org"), channel="web", message_id="c", locale="en"
    ).code
    response = api(
        "post",
        f"/submissions/{receipt}/consents",
        who="escwa",
        json={"consent": "quote", "granted": False},
    )
    assert response.status_code == 200 and response.get_json() == {
        "receipt": receipt,
        "consent": "quote",
        "granted": False,
    }
    assert api("get", f"/submissions/{receipt}").get_json()["may_quote"] is False
    api("post", f"/submissions/{receipt}/consents", json={"consent": "contact", "granted": False})
    with Session(engine) as session:
        assert session.exec(select(Submission.contact_email)).one() is None
    assert (
        api(
            "post", f"/submissions/{receipt}/consents", json={"consent": "quote", "granted": True}
        ).status_code
        == 422
    )
    assert api("post", f"/submissions/{receipt}/consents", data="x").status_code == 415
    assert (
        api(
            "post", f"/submissions/{receipt}/consents", data="x", content_type="application/json"
        ).status_code
        == 400
    )
    other = service.submit_input(
        input_answers(review="unece"), channel="web", message_id="u", locale="en"
    ).code
    assert (
        api(
            "post",
            f"/submissions/{other}/consents",
            who="escwa",
            json={"consent": "quote", "granted": False},
        ).status_code
        == 404
    )


def test_urgent_inputs_are_marked(api, service):  # noqa: F811
    receipt = service.submit_input(
        input_answers(text="My employer took my passport and I cannot leave."),
        channel="web",
        message_id="u",
        locale="en",
    ).code
    assert api("get", f"/submissions/{receipt}").get_json()["urgent"] is not None


def test_consent_to_messages_withdrawn_on_behalf_forgets_the_chat(api, service, engine, runtime):  # noqa: F811
    receipt = service.submit_input(
        input_answers(), channel="telegram", message_id="m", locale="en", platform_user_id=70_990
    ).code
    runtime.consent.record_message(
        receipt=receipt, chat_id=70_990, granted=True, channel="telegram", locale="en"
    )
    response = api(
        "post",
        f"/submissions/{receipt}/consents",
        who="escwa",
        json={"consent": "message", "granted": False},
    )
    assert response.status_code == 200 and response.get_json()["consent"] == "message"
    assert count_rows(engine, "chat_contact") == 0
