"""Modal submissions: a captured input, objectives tagged by staff."""

from __future__ import annotations

import json
import logging
from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bots.slack.blocks import CAPTURE_CALLBACK, TAG_CALLBACK, answers_from_view, moderation_message
from bots.slack.context import SlackContext
from bots.slack.moderation_feed import post_new_inputs
from intake_api.i18n import gettext
from intake_api.moderation import tag_objectives
from intake_api.policies.authorization import NotAllowed
from intake_api.service import InvalidAnswers

log = logging.getLogger(__name__)
REFUSED_REVIEW = "Sorry, your role does not cover this regional review."


def register(app: App, context: SlackContext) -> None:
    @app.view(CAPTURE_CALLBACK)
    def capture(ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient) -> None:
        """Store the input before acknowledging; refused answers are shown in the modal."""
        metadata = json.loads(view.get("private_metadata") or "{}")
        locale = metadata.get("locale", "en")
        staff = context.staff(client, body["user"]["id"])
        try:
            receipt = context.runtime.service.submit(
                "staff_input", answers_from_view(view), channel="slack", message_id=f"view:{view['id']}",
                locale=locale, staff=staff,
            )  # fmt: skip
        except InvalidAnswers as refused:
            ack(response_action="errors", errors=refused.by_field())
            return
        except NotAllowed:
            ack(response_action="errors", errors={"review": gettext(locale, REFUSED_REVIEW)})
            return
        ack()
        _confirm(client, metadata.get("channel_id"), body["user"]["id"],
                 gettext(locale, "Input saved. Receipt code: %(receipt)s", receipt=receipt.code))  # fmt: skip
        post_new_inputs(context.runtime, client)

    @app.view(TAG_CALLBACK)
    def tag(ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient) -> None:
        metadata = json.loads(view.get("private_metadata") or "{}")
        user = body["user"]["id"]
        staff = context.staff(client, user)
        state = view["state"]["values"]
        values = state["objectives"]["objectives"].get("selected_options") or []
        offered = [int(o["value"]) for block in view.get("blocks", []) if block.get("block_id") == "suggested"
                   for o in block["element"]["options"]]  # fmt: skip
        ticked = {int(o["value"]) for o in (state.get("suggested", {}).get("suggested", {}).get("selected_options") or [])}
        ack()
        if staff is None:
            return
        try:
            updated = tag_objectives(context.runtime.engine, receipt=metadata["receipt"],
                                     objectives=[int(o["value"]) for o in values], actor=staff,
                                     accepted=sorted(ticked), rejected=[n for n in offered if n not in ticked])  # fmt: skip
        except NotAllowed:
            return
        if metadata.get("channel") and metadata.get("ts"):
            client.chat_update(channel=metadata["channel"], ts=metadata["ts"], text=updated.receipt,
                               blocks=moderation_message(updated, "en", last_action=f"<@{user}>"))  # fmt: skip


def _confirm(client: WebClient, channel: str | None, user: str, text: str) -> None:
    if not channel:
        return
    try:
        client.chat_postEphemeral(channel=channel, user=user, text=text)
    except SlackApiError as error:  # the input is stored; a lost confirmation is only logged
        log.warning("chat.postEphemeral failed: %s", error.response.get("error"))
