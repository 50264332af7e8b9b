"""Moderation buttons on inputs, and Publish / Unpublish on pledges and practices, posted to a
review's channel."""

from __future__ import annotations

import json
import re
from typing import Any

from slack_bolt import Ack, App, BoltContext
from slack_sdk import WebClient

from bots.slack.blocks import (
    MODERATION_BUTTONS,
    PUBLISH,
    THEME_CONFIRM,
    THEME_SELECT,
    UNPUBLISH,
    item_message,
    moderation_message,
    tag_modal,
)
from bots.slack.context import Refused, SlackContext, require_staff
from bots.slack.listeners.views import NOT_OBJECTIVES
from intake_api.i18n import gettext
from intake_api.moderation import InvalidTheme
from intake_api.policies.authorization import Action, NotAllowed, authorize
from intake_api.publishing import NO_CONSENT_TO_PUBLISH, NoConsentToPublish

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
    locale = slack.runtime.moderation.channel_locale(updated, channel)  # the message's language
    done = f"{gettext(locale, _LABELS[action['action_id']])} — <@{user}>"
    blocks = moderation_message(updated, locale, last_action=done)
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


def set_theme(
    ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient, context: BoltContext
) -> None:
    """Confirm the suggested theme (the button) or set the one chosen in the menu, for staff who
    may moderate the input's review; the message then shows the theme and who set it."""
    ack()
    slack = SlackContext.of(context)
    user, channel = body["user"]["id"], body["channel"]["id"]
    block = str(action.get("block_id") or "")
    receipt = str(action.get("value") or block.removeprefix("moderate:"))
    chosen = (action.get("selected_option") or {}).get("value")
    try:
        with require_staff(slack, client, user, Action.MODERATE) as staff:
            # The confirm button has no option: the service confirms the suggested theme.
            updated = slack.runtime.moderation.set_theme(
                receipt=receipt, theme=None if chosen is None else str(chosen), actor=staff
            )
    except Refused as refused:
        client.chat_postEphemeral(channel=channel, user=user, text=refused.text)
        return
    except InvalidTheme:
        text = gettext(slack.locale_of(client, user), NOT_OBJECTIVES)
        client.chat_postEphemeral(channel=channel, user=user, text=text)
        return
    locale = slack.runtime.moderation.channel_locale(updated, channel)
    done = f"{gettext(locale, 'Discussion theme')} — <@{user}>"
    blocks = moderation_message(updated, locale, last_action=done)
    client.chat_update(
        channel=channel, ts=body["message"]["ts"], text=updated.receipt, blocks=blocks
    )


def change_publication(
    ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient, context: BoltContext
) -> None:
    """Publish a pledge or practice on the Hub, or take it down (audited, for staff of its
    review), and show on its post where it stands and who changed it."""
    ack()
    slack = SlackContext.of(context)
    user, channel = body["user"]["id"], body["channel"]["id"]
    receipt, publish = str(action.get("value") or ""), action["action_id"] == PUBLISH[0]
    publishing = slack.runtime.publishing
    try:
        with require_staff(slack, client, user, Action.PUBLISH) as staff:
            change = publishing.publish if publish else publishing.unpublish
            change(receipt=receipt, actor=staff, channel="slack")
    except Refused as refused:
        client.chat_postEphemeral(channel=channel, user=user, text=refused.text)
        return
    except NoConsentToPublish:
        text = gettext(slack.locale_of(client, user), NO_CONSENT_TO_PUBLISH)
        client.chat_postEphemeral(channel=channel, user=user, text=text)
        return
    updated = slack.runtime.item_posts.find(receipt=receipt)
    if updated is None:  # erased meanwhile: its post is being removed
        return
    locale = slack.runtime.item_posts.channel_locale(updated, channel)  # the message's language
    done = f"{gettext(locale, (PUBLISH if publish else UNPUBLISH)[1])} — <@{user}>"
    client.chat_update(
        channel=channel,
        ts=body["message"]["ts"],
        text=updated.receipt,
        blocks=item_message(updated, locale, last_action=done),
    )


def register(app: App) -> None:
    app.action(STATUS_ACTION)(change_status)
    app.action(TAG_ACTION)(open_tagging)
    app.action(THEME_CONFIRM[0])(set_theme)
    app.action(THEME_SELECT[0])(set_theme)
    app.action(PUBLISH[0])(change_publication)
    app.action(UNPUBLISH[0])(change_publication)
