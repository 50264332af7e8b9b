"""Modal submissions: a captured input, pledge or practice, objectives tagged by staff."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from slack_bolt import Ack, App, BoltContext
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bots.slack.blocks import (
    INPUT_CAPTURE,
    PLEDGE_CAPTURE,
    PRACTICE_CAPTURE,
    TAG_CALLBACK,
    CaptureForm,
    answers_from_view,
    moderation_message,
)
from bots.slack.context import Refused, SlackContext, require_staff
from bots.slack.payloads import metadata_locale, selected_numbers, view_metadata
from intake_api.i18n import gettext
from intake_api.moderation import InvalidObjectives
from intake_api.policies.authorization import Action, NotAllowed, refusal
from intake_api.service import IdempotencyConflict, InvalidAnswers
from models.reference import N_

log = logging.getLogger(__name__)
NOT_OBJECTIVES = N_("Please choose one of the options offered.")
Listener = Callable[[Ack, dict[str, Any], dict[str, Any], WebClient, BoltContext], None]


def capturing(form: CaptureForm, name: str) -> Listener:
    """The listener, called ``name``, that stores what ``form``'s modal was filled in with."""

    def capture(
        ack: Ack,
        body: dict[str, Any],
        view: dict[str, Any],
        client: WebClient,
        context: BoltContext,
    ) -> None:
        """Store the record before acknowledging; refused answers are shown in the modal.

        Not ``require_staff``: the service checks the answers first, then whether the staff
        member may capture for the review they chose, and the modal shows either.
        """
        slack = SlackContext.of(context)
        metadata = view_metadata(view)
        locale = metadata_locale(metadata)
        staff = slack.staff(client, body["user"]["id"])
        try:
            receipt = slack.runtime.service.submit(
                form.kind,
                answers_from_view(view),
                channel="slack",
                message_id=f"view:{view['id']}",
                locale=locale,
                staff=staff,
            )
        except InvalidAnswers as refused:
            ack(response_action="errors", errors=refused.by_field())
            return
        except NotAllowed:
            ack(
                response_action="errors",
                errors={"review": gettext(locale, refusal(staff, Action.CAPTURE))},
            )
            return
        except IdempotencyConflict:  # this modal was saved before with other answers
            ack(
                response_action="errors",
                errors={form.first_text: gettext(locale, form.saved_before)},
            )
            return
        ack()
        saved = gettext(locale, form.saved, receipt=receipt.code)
        _confirm(client, metadata.get("channel_id"), body["user"]["id"], saved)

    capture.__name__ = capture.__qualname__ = name
    return capture


capture = capturing(INPUT_CAPTURE, "capture")
capture_pledge = capturing(PLEDGE_CAPTURE, "capture_pledge")
capture_practice = capturing(PRACTICE_CAPTURE, "capture_practice")


def tag(
    ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient, context: BoltContext
) -> None:
    """Add the ticked objectives to the input, for staff who may moderate its review."""
    slack = SlackContext.of(context)
    metadata = view_metadata(view)
    user = body["user"]["id"]
    chosen, offered, ticked = _tag_answers(view)
    try:
        with require_staff(slack, client, user, Action.MODERATE) as staff:
            if chosen is None or offered is None or ticked is None:
                raise NotAllowed(str(metadata.get("receipt")))
            updated = slack.runtime.moderation.tag_objectives(
                receipt=str(metadata.get("receipt")),
                objectives=chosen,
                actor=staff,
                accepted=sorted(set(ticked)),
                rejected=[n for n in offered if n not in ticked],
            )
    except Refused as refused:
        ack(response_action="errors", errors={"objectives": refused.text})
        return
    except InvalidObjectives:
        ack(
            response_action="errors",
            errors={"objectives": gettext(slack.locale_of(client, user), NOT_OBJECTIVES)},
        )
        return
    ack()
    if metadata.get("channel") and metadata.get("ts"):
        locale = slack.runtime.moderation.channel_locale(updated, metadata["channel"])
        blocks = moderation_message(updated, locale, last_action=f"<@{user}>")
        client.chat_update(
            channel=metadata["channel"], ts=metadata["ts"], text=updated.receipt, blocks=blocks
        )


def _tag_answers(
    view: dict[str, Any],
) -> tuple[list[int] | None, list[int] | None, list[int] | None]:
    """Objectives chosen, suggestions offered and suggestions ticked in the tag modal (None: not readable)."""
    state = (view.get("state") or {}).get("values") or {}
    chosen = ((state.get("objectives") or {}).get("objectives") or {}).get("selected_options")
    ticked = ((state.get("suggested") or {}).get("suggested") or {}).get("selected_options")
    offered = [
        option
        for block in view.get("blocks") or []
        if isinstance(block, dict) and block.get("block_id") == "suggested"
        for option in (block.get("element") or {}).get("options") or []
    ]
    return selected_numbers(chosen or []), selected_numbers(offered), selected_numbers(ticked or [])


def _confirm(client: WebClient, channel: str | None, user: str, text: str) -> None:
    if not channel:
        return
    try:
        client.chat_postEphemeral(channel=channel, user=user, text=text)
    except SlackApiError as error:  # the input is stored; a lost confirmation is only logged
        log.warning("chat.postEphemeral failed: %s", error.response.get("error"))


def register(app: App) -> None:
    for listener, form in (
        (capture, INPUT_CAPTURE),
        (capture_pledge, PLEDGE_CAPTURE),
        (capture_practice, PRACTICE_CAPTURE),
    ):
        app.view(form.callback_id)(listener)
    app.view(TAG_CALLBACK)(tag)
