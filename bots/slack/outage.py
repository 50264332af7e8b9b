"""The store unavailable, answered to Slack: one policy for every listener, by what Slack sent.

``policies.availability`` decides what an outage is; this says what Slack is told, so the
person keeps what they typed and is asked to try again in their language, and Slack
delivers again what it can:

- a modal submitted: ``response_action: errors`` on its first input block, so the modal
  stays open with every value typed;
- a slash command: an ephemeral "try again" as the command's answer;
- a button or a shortcut (acknowledged before the work): an ephemeral "try again" in the
  channel; the listener's work is one transaction, so nothing was half done;
- options for a select: none;
- an event: a 503 with Retry-After, so Slack sends it again (``app._once_per_event``
  runs the retry).

Each is logged once (``failures.store_unavailable``) with the listener's name and the
request id, never a Slack user id or what was typed.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from typing import Any

from slack_bolt import BoltResponse
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bots.slack.context import SlackContext
from bots.slack.payloads import view_metadata
from intake_api import failures
from intake_api.i18n import DEFAULT_LOCALE, LOCALES, gettext
from intake_api.policies.availability import NOT_STORED_CHAT, retry_after_headers
from intake_api.policies.requests import request_id_or_none

log = logging.getLogger(__name__)
Headers = dict[str, str | Sequence[str]]
_JSON: Headers = {"content-type": "application/json;charset=utf-8"}


def answer_store_unavailable(
    error: BaseException, body: dict[str, Any], context: SlackContext, client: WebClient
) -> BoltResponse:
    """What Slack is answered when a listener (or the event middleware) met an unavailable store."""
    kind = _kind(body)
    then = (
        "answered 503 for Slack to retry"
        if kind == "event_callback"
        else "the user told to try again, nothing stored"
    )
    failures.store_unavailable(
        f"slack {kind}", f"{_listener(body)}, {_request()}", error, then=then
    )
    if kind == "event_callback":
        return BoltResponse(status=503, body="", headers=_retry_after())
    if kind == "block_suggestion":
        return BoltResponse(status=200, body=json.dumps({"options": []}), headers=_JSON)
    message = gettext(_locale(body, context, client), NOT_STORED_CHAT)
    if kind == "command":
        return _json({"response_type": "ephemeral", "text": message})
    if kind == "view_submission":
        block = _first_input_block(body.get("view") or {})
        if block is not None:
            return _json({"response_action": "errors", "errors": {block: message}})
        return BoltResponse(
            status=503, body="", headers=_retry_after()
        )  # Slack keeps the modal open
    _tell(client, body, message)  # buttons, shortcuts: Slack had nothing to show but our answer
    return BoltResponse(status=200, body="")


def _retry_after() -> Headers:
    return dict(retry_after_headers())


def _kind(body: dict[str, Any]) -> str:
    if "command" in body:
        return "command"
    kind = body.get("type")
    return kind if isinstance(kind, str) and kind.isidentifier() else "request"


def _listener(body: dict[str, Any]) -> str:
    """Which entry point: our own names (a command, a callback, an action, an event type), nothing a person typed."""
    view: dict[str, Any] = body["view"] if isinstance(body.get("view"), dict) else {}
    actions: list[Any] = body["actions"] if isinstance(body.get("actions"), list) else []
    event: dict[str, Any] = body["event"] if isinstance(body.get("event"), dict) else {}
    for name in (
        body.get("command"),
        body.get("callback_id"),
        view.get("callback_id"),
        actions[0].get("action_id") if actions and isinstance(actions[0], dict) else None,
        body.get("action_id"),
        event.get("type"),
    ):
        if isinstance(name, str) and name:
            return name[:60]
    return "unknown"


def _request() -> str:
    current = request_id_or_none()
    return f"request {current}" if current else "no request id"


def _locale(body: dict[str, Any], context: SlackContext, client: WebClient) -> str:
    """As the listeners resolve it: the modal's own locale, else the Slack user's language."""
    chosen = view_metadata(body.get("view")).get("locale")
    if isinstance(chosen, str) and chosen in LOCALES:
        return chosen
    try:
        return context.locale_of(client, _user(body))
    except Exception as error:  # noqa: BLE001 - Slack unreachable too: the answer must still be given
        log.warning("users.info failed: %s", type(error).__name__)
        return DEFAULT_LOCALE


def _user(body: dict[str, Any]) -> str:
    user = body.get("user")
    return str(user.get("id") if isinstance(user, dict) else body.get("user_id") or "")


def _first_input_block(view: dict[str, Any]) -> str | None:
    """The block an error can be shown on: the modal's first input (at its top, seen without scrolling)."""
    for block in view.get("blocks") or []:
        if (
            isinstance(block, dict)
            and block.get("type") == "input"
            and isinstance(block.get("block_id"), str)
        ):
            return str(block["block_id"])
    values = (view.get("state") or {}).get("values") or {}
    return next(iter(values), None)  # Slack keys the state by input block


def _tell(client: WebClient, body: dict[str, Any], message: str) -> None:
    channel: dict[str, Any] = body["channel"] if isinstance(body.get("channel"), dict) else {}
    container: dict[str, Any] = body["container"] if isinstance(body.get("container"), dict) else {}
    channel_id = channel.get("id") or container.get("channel_id")
    if not channel_id:
        return  # nowhere to say it: nothing was done, and the person can press again
    try:
        client.chat_postEphemeral(channel=channel_id, user=_user(body), text=message)
    except SlackApiError as failed:
        log.warning("chat.postEphemeral failed: %s", failed.response.get("error"))
    except Exception as error:  # noqa: BLE001 - Slack unreachable too: still no 500 for this request
        log.warning("chat.postEphemeral failed: %s", type(error).__name__)


def _json(answer: dict[str, Any]) -> BoltResponse:
    return BoltResponse(status=200, body=json.dumps(answer), headers=_JSON)
