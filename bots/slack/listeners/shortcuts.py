"""The message shortcut "Add to GCM inputs": any Slack message into a prefilled capture."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App, BoltContext
from slack_sdk import WebClient

from bots.slack.blocks import capture_modal, country_options
from bots.slack.context import Refused, SlackContext, require_staff
from bots.slack.payloads import metadata_locale, view_metadata
from intake_api.countries import match_country
from intake_api.policies.authorization import Action, NotAllowed, reviews_for

SHORTCUT_CALLBACK = "add_to_gcm_inputs"
# The modals' country questions: an input's or a pledge's country, a practice's countries.
COUNTRY_FIELDS = ("country", "countries")


def add_to_inputs(
    ack: Ack, shortcut: dict[str, Any], client: WebClient, context: BoltContext
) -> None:
    """Open the capture modal with the message's text, for staff who may record inputs."""
    ack()
    slack = SlackContext.of(context)
    user = shortcut["user"]["id"]
    locale = slack.locale_of(client, user)
    channel = (shortcut.get("channel") or {}).get("id")
    try:
        with require_staff(slack, client, user, Action.CAPTURE, locale=locale) as staff:
            reviews = reviews_for(staff, Action.CAPTURE)
            if not reviews:
                raise NotAllowed(Action.CAPTURE.value)
    except Refused as refused:
        if channel:
            client.chat_postEphemeral(channel=channel, user=user, text=refused.text)
        return
    text = (shortcut.get("message") or {}).get("text", "")
    metadata = {"channel_id": channel, "locale": locale}
    view = capture_modal(locale, metadata=metadata, reviews=reviews, prefill={"text": text})
    client.views_open(trigger_id=shortcut["trigger_id"], view=view)


def countries(ack: Ack, body: dict[str, Any]) -> None:
    """Countries matching what was typed in a modal's country field, in any language.

    Open to anyone in the workspace: country names are public reference data.
    """
    locale = metadata_locale(view_metadata(body.get("view")))
    ack(options=country_options(match_country(str(body.get("value") or ""), limit=10), locale))


def register(app: App) -> None:
    app.shortcut(SHORTCUT_CALLBACK)(add_to_inputs)
    for field in COUNTRY_FIELDS:
        app.options(field)(countries)
