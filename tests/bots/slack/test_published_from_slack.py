"""Issue 19's promise end to end: a pledge published in Slack is on the Hub and in its open
data, and leaves both when staff unpublish it or its author withdraws consent.

One app: the pledge sent with the public form, posted by the feed to the fake Slack Web
API, published with a signed button press, then read as the public reads it (dashboard,
item page, review page, feed, CSV and JSON), and withdrawn at ``/<locale>/my-input``.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from sqlmodel import Session, select

from bots.slack.client import web_client
from bots.slack.moderation_feed import post_new_items
from intake_api.runtime import runtime_of
from models.pledge import Pledge
from tests.bots.slack.conftest import Slack
from tests.web_helpers import hidden_fields, submit_form

TITLE = "Quartzite pledge for decent work"  # a word found nowhere else
ANSWERS = {
    "organisation": "Ministry of Labour",
    "stakeholder_group": "government",
    "country": "JO",
    "review": "escwa",
    "title": TITLE,
    "text": "We pledge to end recruitment fees for migrant workers by 2027, with the unions.",
    "objectives": ["6"],
    "consent_store": "on",
    "consent_publish": "on",
}
ACCESS = re.compile(r'class="access-code">([A-Z2-7-]+)<')
RECEIPT = re.compile(r"(PL-[0-9A-Z]{4}-[0-9A-Z]{4})")


@pytest.fixture
def channel(slack: Slack) -> str:
    assert slack.command("channel escwa", user="UADMIN", channel="CMOD").status_code == 200
    return "CMOD"


def public_views(slack: Slack, item_id: int) -> dict[str, tuple[int, str]]:
    """Every public place the pledge may be seen, as (status, body)."""
    places = {
        "dashboard": "/en/pledges",
        "search": "/en/pledges?q=quartzite",
        "item": f"/en/pledges/{item_id}",
        "review page": "/en/reviews/escwa",
        "feed": "/en/reviews/escwa/feed.atom",
        "csv": "/open-data/pledges.csv",
        "json": "/open-data/pledges.json",
        "json, French names": "/open-data/pledges.json?lang=fr&review=escwa",
    }
    seen = {}
    for name, url in places.items():
        answer = slack.client.get(url)
        seen[name] = (answer.status_code, answer.get_data(as_text=True))
    return seen


def assert_public(slack: Slack, item_id: int, public: bool) -> None:
    for name, (status, body) in public_views(slack, item_id).items():
        if name == "item":
            assert status == (200 if public else 404), name
        else:
            assert status == 200, name
        assert (TITLE in body) is public, f"{name}: {'missing' if public else 'still shown'}"


def stored(slack: Slack, receipt: str) -> Pledge:
    with Session(runtime_of(slack.client.application).engine) as session:
        return session.exec(select(Pledge).where(Pledge.receipt == receipt)).one()


def test_published_in_slack_then_unpublished_then_withdrawn_by_its_author(
    slack: Slack, slack_api: Any, channel: str
) -> None:
    sent = submit_form(slack.client, "/en/pledges/new", ANSWERS)
    assert sent.status_code == 303
    receipt_page = slack.client.get(sent.headers["Location"]).get_data(as_text=True)
    receipt = RECEIPT.search(receipt_page).group(1)  # type: ignore[union-attr]
    access_code = ACCESS.search(receipt_page).group(1)  # type: ignore[union-attr]
    item_id = stored(slack, receipt).id or 0
    runtime = runtime_of(slack.client.application)

    assert post_new_items(runtime, web_client(runtime)) == 1
    assert_public(slack, item_id, public=False)  # consent alone does not publish

    slack.block_action("item_publish", receipt, user="UORG")
    assert_public(slack, item_id, public=True)

    slack.block_action("item_unpublish", receipt, user="UORG")
    assert_public(slack, item_id, public=False)

    slack.block_action("item_publish", receipt, user="UORG")
    assert_public(slack, item_id, public=True)
    form = slack.client.get("/en/my-input").get_data(as_text=True)
    withdrawn = slack.client.post(
        "/en/my-input",
        data={
            **hidden_fields(form),
            "receipt": receipt,
            "access_code": access_code,
            "action": "stop_publish",
        },
    )
    assert withdrawn.status_code == 200
    assert_public(slack, item_id, public=False)

    slack.block_action("item_publish", receipt, user="UADMIN")  # a post from before: refused
    assert stored(slack, receipt).published_at is None
    assert_public(slack, item_id, public=False)
    assert [m["user"] for m in slack_api.sent("chat.postEphemeral")] == ["UADMIN"]
