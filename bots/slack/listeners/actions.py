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
from intake_api.policies.authorization import Action, NotAllowed, may, refusal

_ACTIONS = {"mod_reviewed": "reviewed", "mod_flag": "flag", "mod_include": "include"}
_LABELS = {action: label for action, label, _style in MODERATION_BUTTONS}


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
            updated = context.runtime.moderation.moderate(
                receipt=action["value"], action=_ACTIONS[action["action_id"]], actor=staff
            )
        except NotAllowed:
            _refuse(context, client, channel, user, refusal(staff, Action.MODERATE))
            return
        done = f"{gettext('en', _LABELS[action['action_id']])} — <@{user}>"
        client.chat_update(channel=channel, ts=body["message"]["ts"], text=updated.receipt,
                           blocks=moderation_message(updated, "en", last_action=done))  # fmt: skip

    @app.action("mod_tag")
    def open_tagging(ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient) -> None:
        """The tag modal, for staff who may moderate the input's review (nobody else learns it exists)."""
        ack()
        user, channel = body["user"]["id"], body["channel"]["id"]
        staff = context.staff(client, user)
        found = context.runtime.moderation.find_input(receipt=action["value"]) if staff is not None else None
        if found is None or not may(staff, Action.MODERATE, found.review_slug):
            _refuse(context, client, channel, user, refusal(staff, Action.MODERATE))
            return
        view = tag_modal(found, context.locale_of(client, user))
        view["private_metadata"] = json.dumps({"receipt": found.receipt, "channel": channel, "ts": body["message"]["ts"]})
        client.views_open(trigger_id=body["trigger_id"], view=view)


def _refuse(context: SlackContext, client: WebClient, channel: str, user: str, message: str) -> None:
    client.chat_postEphemeral(channel=channel, user=user, text=gettext(context.locale_of(client, user), message))
