"""The message shortcut "Add to GCM inputs": any Slack message into a prefilled capture."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient

from bots.slack.blocks import capture_modal
from bots.slack.context import SlackContext
from intake_api.i18n import gettext

SHORTCUT_CALLBACK = "add_to_gcm_inputs"


def register(app: App, context: SlackContext) -> None:
    @app.shortcut(SHORTCUT_CALLBACK)
    def add_to_inputs(ack: Ack, shortcut: dict[str, Any], client: WebClient) -> None:
        ack()
        user = shortcut["user"]["id"]
        locale = context.locale_of(client, user)
        channel = (shortcut.get("channel") or {}).get("id")
        if context.staff(client, user) is None:
            if channel:
                client.chat_postEphemeral(channel=channel, user=user, text=gettext(
                    locale, "Sorry, only Network staff registered with gcm-intake can do this. Please ask an administrator."))
            return
        text = (shortcut.get("message") or {}).get("text", "")
        client.views_open(trigger_id=shortcut["trigger_id"], view=capture_modal(
            locale, metadata={"channel_id": channel, "locale": locale}, prefill={"text": text}))

    @app.options("country")
    def countries(ack: Ack, body: dict[str, Any]) -> None:
        """Countries matching what was typed in the modal's country field, in any language."""
        import json

        from bots.slack.blocks import country_options
        from intake_api.countries import match_country

        metadata = json.loads((body.get("view") or {}).get("private_metadata") or "{}")
        ack(options=country_options(match_country(body.get("value", ""), limit=10), metadata.get("locale", "en")))
