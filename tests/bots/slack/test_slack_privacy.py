"""Privacy and safeguarding in Slack: erasure and withdrawal by receipt, the urgent channel."""

from __future__ import annotations

import json

from sqlmodel import Session, select

from bots.slack.client import web_client
from bots.slack.moderation_feed import post_new_inputs
from intake_api.i18n import gettext
from models import AuditEntry, Submission
from tests.bots.slack.test_slack import _posted_input, service_runtime
from tests.conftest import count_rows
from tests.factories import input_answers

URGENT = "My employer took my passport and I cannot leave the house."


def _feed(slack) -> int:  # type: ignore[no-untyped-def]
    runtime = service_runtime(slack)
    return post_new_inputs(runtime, web_client(runtime))


def test_admin_erases_by_receipt_and_the_moderation_message_goes(slack, slack_api, service, engine):
    receipt = _posted_input(slack, slack_api, service)
    (posted,) = slack_api.sent("chat.postMessage")
    reply = slack.command(f"erase {receipt.lower()}", user="UADMIN").get_data(as_text=True)
    assert f"{receipt} is erased" in reply
    assert count_rows(engine, "submission") == 0
    _feed(slack)
    (deleted,) = slack_api.sent("chat.delete")
    assert deleted["channel"] == "CMOD" and deleted["ts"]
    assert count_rows(engine, "slack_removal") == 0
    again = slack.command(f"erase {receipt}", user="UADMIN").get_data(as_text=True)
    assert f"Nothing is stored under {receipt}" in again
    with Session(engine) as session:
        assert "input.erased" in [a.action for a in session.exec(select(AuditEntry))]


def test_organisers_cannot_erase(slack, slack_api, service, engine):
    receipt = _posted_input(slack, slack_api, service)
    reply = slack.command(f"erase {receipt}", user="UORG").get_data(as_text=True)
    assert (
        gettext(
            "es",
            "Sorry, only administrators can erase inputs, and staff only act on their own reviews.",
        )
        in reply
    )
    assert count_rows(engine, "submission") == 1


def test_withdraw_on_behalf_of_a_contributor(slack, slack_api, service, engine):
    receipt = service.submit_input(
        input_answers(contact_email="c@example.org"), channel="web", message_id="w", locale="en"
    ).code
    slack.command(f"withdraw {receipt} quote", user="UORG")
    slack.command(f"withdraw {receipt} contact", user="UORG")
    with Session(engine) as session:
        stored = session.exec(select(Submission)).one()
    assert stored.consent_quote is False and stored.contact_email is None
    usage = slack.command(f"withdraw {receipt} everything", user="UORG").get_data(as_text=True)
    assert "/gcm withdraw RECEIPT quote|contact|message" in usage
    outside = service.submit_input(
        input_answers(review="unece"), channel="web", message_id="u", locale="en"
    ).code
    refused = slack.command(f"withdraw {outside} quote", user="UORG").get_data(as_text=True)
    assert gettext("es", "Sorry, your role does not cover this regional review.") in refused


def test_urgent_inputs_go_to_the_safeguarding_channel_first(slack, slack_api, service, engine):
    slack.command("channel escwa", user="UADMIN", channel="CMOD")
    slack.command("safeguarding escwa", user="UADMIN", channel="CSAFE")
    service.submit_input(input_answers(), channel="web", message_id="plain", locale="en")
    urgent = service.submit_input(
        input_answers(text=URGENT), channel="web", message_id="urgent", locale="en"
    )
    assert urgent.urgent is not None
    assert _feed(slack) == 2
    first, second = slack_api.sent("chat.postMessage")
    assert first["channel"] == "CSAFE" and second["channel"] == "CMOD"
    assert first["blocks"][0]["type"] == "header" and "Urgent" in first["blocks"][0]["text"]["text"]
    assert "URGENT" in first["text"] and urgent.code in json.dumps(first["blocks"])


def test_digest_lists_urgent_inputs_first(slack, slack_api, service):
    service.submit_input(input_answers(), channel="web", message_id="plain", locale="en")
    urgent = service.submit_input(
        input_answers(text=URGENT), channel="web", message_id="urgent", locale="en"
    )
    slack.command("digest escwa", user="UORG")
    (posted,) = slack_api.sent("chat.postMessage")
    sections = [json.dumps(b, ensure_ascii=False) for b in posted["blocks"]]
    first_urgent = next(i for i, s in enumerate(sections) if urgent.code in s)
    first_count = next(i for i, s in enumerate(sections) if gettext("es", "New inputs") in s)
    assert first_urgent < first_count
    assert (
        gettext("es", "Urgent: possible protection risks, please read first")
        in sections[first_urgent]
    )
