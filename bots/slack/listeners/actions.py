"""Moderation buttons on inputs posted to a review's channel."""

from __future__ import annotations

import json
import re
from typing import Any

from slack_bolt import Ack, App, BoltContext
from slack_sdk import WebClient

from bots.slack.blocks import MODERATION_BUTTONS, moderation_message, tag_modal
from bots.slack.context import Refused, SlackContext, require_staff
from intake_api.i18n import gettext
from intake_api.policies.authorization import Action, NotAllowed, authorize

STATUS_ACTION = re.compile(r"^mod_(reviewed|flag|include)$")
TAG_ACTION = "mod_tag"
_ACTIONS = {"mod_reviewed": "reviewed", "mod_flag": "flag", "mod_include": "include"}
_LABELS = {action: label for action, label, _style in MODERATION_BUTTONS}


def change_status(
    ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient, context: BoltContext
) -> None:
    """Set the status, write the audit log, and show who did what on the message."""
    ack()
    slack = SlackContext.of(context)
    user, channel = body["user"]["id"], body["channel"]["id"]
    try:
        with require_staff(slack, client, user, Action.MODERATE) as staff:
            updated = slack.runtime.moderation.moderate(
                receipt=action["value"],
                action=_ACTIONS[action["action_id"]],
                actor=staff,
            )
    except Refused as refused:
        client.chat_postEphemeral(channel=channel, user=user, text=refused.text)
        return
    done = f"{gettext('en', _LABELS[action['action_id']])} — <@{user}>"
    blocks = moderation_message(updated, "en", last_action=done)
    client.chat_update(
        channel=channel, ts=body["message"]["ts"], text=updated.receipt, blocks=blocks
    )


def open_tagging(
    ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient, context: BoltContext
) -> None:
    """The tag modal, for staff who may moderate the input's review (nobody else learns it exists)."""
    ack()
    slack = SlackContext.of(context)
    user, channel = body["user"]["id"], body["channel"]["id"]
    try:
        with require_staff(slack, client, user, Action.MODERATE) as staff:
            found = slack.runtime.moderation.find_input(receipt=action["value"])
            if found is None:
                raise NotAllowed(action["value"])
            authorize(staff, Action.MODERATE, found.review_slug)
    except Refused as refused:
        client.chat_postEphemeral(channel=channel, user=user, text=refused.text)
        return
    view = tag_modal(found, slack.locale_of(client, user))
    metadata = {"receipt": found.receipt, "channel": channel, "ts": body["message"]["ts"]}
    view["private_metadata"] = json.dumps(metadata)
    client.views_open(trigger_id=body["trigger_id"], view=view)


def register(app: App) -> None:
    app.action(STATUS_ACTION)(change_status)
    app.action(TAG_ACTION)(open_tagging)
