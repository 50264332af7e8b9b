"""Moderation buttons on inputs posted to a review's channel."""

from __future__ import annotations

import json
import re
from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient

from bots.slack.blocks import MODERATION_BUTTONS, moderation_message, tag_modal
from bots.slack.context import SlackContext
from intake_api.i18n import gettext
from intake_api.moderation import find_input, moderate
from intake_api.policies.authorization import NotAllowed

_ACTIONS = {"mod_reviewed": "reviewed", "mod_flag": "flag", "mod_include": "include"}
_LABELS = {action: label for action, label, _style in MODERATION_BUTTONS}
REFUSAL = "Sorry, your role does not cover this regional review."


def register(app: App, context: SlackContext) -> None:
    @app.action(re.compile(r"^mod_(reviewed|flag|include)$"))
    def change_status(ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient) -> None:
        """Set the status, write the audit log, and show who did what on the message."""
        ack()
        user, channel = body["user"]["id"], body["channel"]["id"]
        staff = context.staff(client, user)
        try:
            if staff is None:
                raise NotAllowed(action["value"])
            updated = moderate(context.runtime.engine, receipt=action["value"],
                               action=_ACTIONS[action["action_id"]], actor=staff)  # fmt: skip
        except NotAllowed:
            locale = context.locale_of(client, user)
            client.chat_postEphemeral(channel=channel, user=user, text=gettext(locale, REFUSAL))
            return
        done = f"{gettext('en', _LABELS[action['action_id']])} — <@{user}>"
        client.chat_update(channel=channel, ts=body["message"]["ts"], text=updated.receipt,
                           blocks=moderation_message(updated, "en", last_action=done))  # fmt: skip

    @app.action("mod_tag")
    def open_tagging(ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient) -> None:
        ack()
        user, channel = body["user"]["id"], body["channel"]["id"]
        staff = context.staff(client, user)
        found = find_input(context.runtime.engine, receipt=action["value"])
        locale = context.locale_of(client, user)
        if staff is None or found is None or not staff.covers(found.review_slug):
            client.chat_postEphemeral(channel=channel, user=user, text=gettext(locale, REFUSAL))
            return
        view = tag_modal(found, locale)
        view["private_metadata"] = json.dumps({"receipt": found.receipt, "channel": channel, "ts": body["message"]["ts"]})
        client.views_open(trigger_id=body["trigger_id"], view=view)
