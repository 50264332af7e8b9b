"""Pledges and practices in their review's moderation channel, with Publish and Unpublish.

Signed requests to /slack/events and the fake Slack Web API, as the other Slack tests:
what staff see in the channel, and what the store keeps.
"""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from sqlmodel import Session, select

from bots.slack.blocks import ITEM_KINDS, NOT_PUBLISHED, PUBLISHED
from bots.slack.client import web_client
from bots.slack.moderation_feed import post_new_items, remove_erased_inputs
from intake_api.i18n import gettext
from intake_api.policies.delivery import Kind
from intake_api.publishing import NO_CONSENT_TO_PUBLISH
from intake_api.review_names import review_acronym
from intake_api.runtime import Runtime, runtime_of
from intake_api.staff import add_staff
from models import AuditEntry
from models.delivery import OutboundFailure
from models.pledge import Pledge
from models.practice import Practice
from tests.bots.slack.conftest import Slack

PLEDGE_TITLE = "Fair recruitment for every worker"
PLEDGE_TEXT = (
    "We pledge to end recruitment fees for migrant workers by 2027; write to a@ngo.example."
)


def pledge_answers(**overrides: Any) -> dict[str, Any]:
    answers: dict[str, Any] = {
        "organisation": "Ministry of Labour",
        "stakeholder_group": "government",
        "country": "JO",
        "review": "escwa",
        "title": PLEDGE_TITLE,
        "text": PLEDGE_TEXT,
        "objectives": ["6", "22"],
        "consent_store": "on",
        "consent_publish": "on",
    }
    answers.update(overrides)
    return {k: v for k, v in answers.items() if v is not None}


def practice_answers(**overrides: Any) -> dict[str, Any]:
    answers: dict[str, Any] = {
        "title": "Legal clinic for domestic workers",
        "organisation": "Tamkeen",
        "review": "escwa",
        "description": "A legal clinic for domestic workers, open every day of the week in Amman.",
        "objectives": ["6"],
        "countries": ["JO", "LB"],
        "consent_store": "on",
        "consent_publish": "on",
    }
    answers.update(overrides)
    return {k: v for k, v in answers.items() if v is not None}


def runtime(slack: Slack) -> Runtime:
    return runtime_of(slack.client.application)


def post(slack: Slack, **kwargs: Any) -> int:
    return post_new_items(runtime(slack), web_client(runtime(slack)), **kwargs)


@pytest.fixture
def channel(slack: Slack) -> str:
    """ESCWA's moderation channel, its posts in French."""
    assert slack.command("channel escwa fr", user="UADMIN", channel="CMOD").status_code == 200
    return "CMOD"


def submit_pledge(slack: Slack, message_id: str = "pl-1", **overrides: Any) -> str:
    return (
        runtime(slack)
        .service.submit_pledge(
            pledge_answers(**overrides), channel="web", message_id=message_id, locale="en"
        )
        .code
    )


def pledge_row(engine: Any, receipt: str) -> Pledge:
    with Session(engine) as session:
        return session.exec(select(Pledge).where(Pledge.receipt == receipt)).one()


def buttons(blocks: list[dict[str, Any]]) -> list[str]:
    return [e["action_id"] for b in blocks if b["type"] == "actions" for e in b["elements"]]


def test_a_pledge_is_posted_once_in_the_channels_language(slack, slack_api, channel, engine):
    receipt = submit_pledge(slack)
    assert post(slack) == 1
    assert post(slack) == 0  # the next tick finds nothing new
    (posted,) = slack_api.sent("chat.postMessage")
    assert posted["channel"] == channel
    blocks = posted["blocks"]
    shown = json.dumps(blocks, ensure_ascii=False)
    assert blocks[0]["text"]["text"] == gettext("fr", ITEM_KINDS["pledge"])
    assert receipt in shown and PLEDGE_TITLE in shown and "Ministry of Labour" in shown
    assert review_acronym("fr", "escwa") in shown and "Jordanie" in shown
    assert "recruitment fees" in shown and "a@ngo.example" not in shown  # redacted
    assert gettext("fr", NOT_PUBLISHED) in shown
    assert buttons(blocks) == ["item_publish"]
    # The notification names the pledge, never its words.
    assert receipt in posted["text"] and PLEDGE_TITLE not in posted["text"]
    assert gettext("fr", "New pledge %(receipt)s for %(review)s").split(" ")[0] in posted["text"]
    stored = pledge_row(engine, receipt)  # the post is kept, to update and to remove
    assert stored.slack_channel == channel and stored.slack_ts not in (None, "posting")


def test_a_practice_is_posted_with_its_countries(slack, slack_api, channel):
    receipt = (
        runtime(slack)
        .service.submit_practice(practice_answers(), channel="web", message_id="pr-1", locale="en")
        .code
    )
    assert post(slack) == 1
    (posted,) = slack_api.sent("chat.postMessage")
    shown = json.dumps(posted["blocks"], ensure_ascii=False)
    assert posted["blocks"][0]["text"]["text"] == gettext("fr", ITEM_KINDS["practice"])
    assert receipt in shown and "Jordanie" in shown and "Liban" in shown and "Tamkeen" in shown
    assert buttons(posted["blocks"]) == ["item_publish"]


def test_no_publish_button_without_the_authors_consent(slack, slack_api, channel):
    submit_pledge(slack, consent_publish=None)
    assert post(slack) == 1
    (posted,) = slack_api.sent("chat.postMessage")
    assert buttons(posted["blocks"]) == []
    shown = json.dumps(posted["blocks"], ensure_ascii=False)
    assert gettext("fr", "Author agreed to publication") in shown


def test_items_of_no_review_or_of_a_review_without_a_channel_are_not_posted(
    slack, slack_api, channel
):
    submit_pledge(slack, "pl-none", review=None)
    submit_pledge(slack, "pl-unece", review="unece")
    assert post(slack) == 0
    assert slack_api.sent("chat.postMessage") == []


def test_publish_by_an_organiser_of_the_review_publishes_and_updates_the_post(
    slack, slack_api, channel, engine
):
    receipt = submit_pledge(slack)
    post(slack)
    (posted,) = slack_api.sent("chat.postMessage")
    ts = pledge_row(engine, receipt).slack_ts
    assert slack.block_action("item_publish", receipt, user="UORG", ts=ts).status_code == 200
    assert pledge_row(engine, receipt).published_at is not None
    with Session(engine) as session:
        audit = session.exec(select(AuditEntry).where(AuditEntry.action == "items.published")).one()
    assert audit.actor.startswith("staff:") and audit.detail == {"channel": "slack"}
    (update,) = slack_api.sent("chat.update")
    assert (update["channel"], update["ts"]) == (channel, ts)
    shown = json.dumps(update["blocks"], ensure_ascii=False)
    assert gettext("fr", PUBLISHED) in shown and "<@UORG>" in shown  # the channel's language
    assert buttons(update["blocks"]) == ["item_unpublish"]
    assert slack_api.sent("chat.postEphemeral") == []


def test_unpublish_takes_it_down(slack, slack_api, channel, engine):
    receipt = submit_pledge(slack)
    post(slack)
    slack.block_action("item_publish", receipt, user="UADMIN")
    assert pledge_row(engine, receipt).published_at is not None
    slack.block_action("item_unpublish", receipt, user="UORG")
    assert pledge_row(engine, receipt).published_at is None
    with Session(engine) as session:
        assert session.exec(
            select(AuditEntry).where(AuditEntry.action == "items.unpublished")
        ).one()
    last = slack_api.sent("chat.update")[-1]
    assert gettext("fr", NOT_PUBLISHED) in json.dumps(last["blocks"], ensure_ascii=False)
    assert buttons(last["blocks"]) == ["item_publish"]


def test_an_organiser_of_another_review_or_an_outsider_is_refused(
    slack, slack_api, channel, engine
):
    slack_api.add_user("UOTHER", email="other@un.example", locale="pt-BR")
    add_staff(engine, email="other@un.example", role="organiser", reviews=["unece"])
    receipt = submit_pledge(slack)
    post(slack)
    slack.block_action("item_publish", receipt, user="UOTHER")
    slack.block_action("item_publish", receipt, user="UOUT")
    refusals = [(m["user"], m["text"]) for m in slack_api.sent("chat.postEphemeral")]
    assert refusals == [
        ("UOTHER", gettext("pt", "Sorry, your role does not cover this regional review.")),
        (
            "UOUT",
            gettext(
                "fr",
                "Sorry, only Network staff registered with gcm-intake can do this. "
                "Please ask an administrator.",
            ),
        ),
    ]
    assert pledge_row(engine, receipt).published_at is None
    assert slack_api.sent("chat.update") == []


def test_publish_without_consent_is_refused_in_the_callers_language(
    slack, slack_api, channel, engine
):
    """A button pressed on a post from before the author withdrew (or a forged request)."""
    receipt = submit_pledge(slack, consent_publish=None)
    post(slack)
    slack.block_action("item_publish", receipt, user="UORG")
    (told,) = slack_api.sent("chat.postEphemeral")
    assert told["text"] == gettext("es", NO_CONSENT_TO_PUBLISH)
    assert pledge_row(engine, receipt).published_at is None
    assert slack_api.sent("chat.update") == []


def test_an_unknown_receipt_is_refused_like_another_reviews(slack, slack_api, channel):
    slack.block_action("item_publish", "PL-0000-0000", user="UORG")
    (told,) = slack_api.sent("chat.postEphemeral")
    assert told["text"] == gettext("es", "Sorry, your role does not cover this regional review.")


def test_erasing_a_pledge_removes_its_post(slack, slack_api, channel, engine):
    receipt = submit_pledge(slack)
    post(slack)
    ts = pledge_row(engine, receipt).slack_ts
    assert runtime(slack).privacy.erase_record(receipt=receipt, actor="test")
    assert remove_erased_inputs(runtime(slack), web_client(runtime(slack))) == 1
    (deleted,) = slack_api.sent("chat.delete")
    assert (deleted["channel"], deleted["ts"]) == (channel, ts)


def test_a_failed_post_is_tried_again_and_a_refused_one_left_to_staff(
    slack, slack_api, channel, engine
):
    from models.base import utcnow

    receipt = submit_pledge(slack)
    slack_api.fail_next("chat.postMessage", 500, times=5)  # the client's own retry fails too
    assert post(slack) == 0
    slack_api.heal()
    stored = pledge_row(engine, receipt)
    assert (stored.slack_ts, stored.slack_channel) == (None, None)  # released
    assert post(slack) == 0  # its next try is not due yet
    assert post(slack, now=utcnow() + timedelta(hours=1)) == 1
    assert pledge_row(engine, receipt).slack_ts

    other = runtime(slack).service.submit_practice(
        practice_answers(), channel="web", message_id="pr-2", locale="en"
    )
    slack_api.fail_next("chat.postMessage", 200, error="channel_not_found")
    assert post(slack) == 0
    with Session(engine) as session:
        failure = session.exec(select(OutboundFailure)).one()
        practice = session.exec(select(Practice)).one()
    assert failure.kind == Kind.MODERATION.value and failure.failed_at is not None
    assert failure.ref == f"practice:{practice.id}" and other.code not in failure.ref
    assert post(slack, now=utcnow() + timedelta(days=30)) == 0  # left to staff
