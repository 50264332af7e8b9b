"""The message shortcut "Add to GCM inputs": any Slack message into a prefilled capture."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient

from bots.slack.blocks import capture_modal, country_options
from bots.slack.context import SlackContext
from bots.slack.payloads import metadata_locale, view_metadata
from intake_api.countries import match_country
from intake_api.i18n import gettext
from intake_api.policies.authorization import Action, refusal, reviews_for

SHORTCUT_CALLBACK = "add_to_gcm_inputs"


def register(app: App, context: SlackContext) -> None:
    @app.shortcut(SHORTCUT_CALLBACK)
    def add_to_inputs(ack: Ack, shortcut: dict[str, Any], client: WebClient) -> None:
        """Open the capture modal with the message's text, for staff who may record inputs."""
        ack()
        user = shortcut["user"]["id"]
        locale = context.locale_of(client, user)
        channel = (shortcut.get("channel") or {}).get("id")
        staff = context.staff(client, user)
        reviews = reviews_for(staff, Action.CAPTURE)
        if not reviews:
            if channel:
                client.chat_postEphemeral(channel=channel, user=user, text=gettext(locale, refusal(staff, Action.CAPTURE)))
            return
        text = (shortcut.get("message") or {}).get("text", "")
        client.views_open(trigger_id=shortcut["trigger_id"], view=capture_modal(
            locale, metadata={"channel_id": channel, "locale": locale}, reviews=reviews, prefill={"text": text}))  # fmt: skip

    @app.options("country")
    def countries(ack: Ack, body: dict[str, Any]) -> None:
        """Countries matching what was typed in the modal's country field, in any language.

        Open to anyone in the workspace: country names are public reference data.
        """
        locale = metadata_locale(view_metadata(body.get("view")))
        ack(options=country_options(match_country(str(body.get("value") or ""), limit=10), locale))
