"""What Slack sends to /slack/events, told apart from what it never sends.

A body is a JSON object, a form, or a form whose ``payload`` is a JSON object, read
exactly as bolt reads it; its envelope (the fields bolt's dispatcher and matchers and
our listeners read before anything else) has the types Slack sends. Anything else is
``NotASlackRequest``, which the webhook answers 400.
"""

from __future__ import annotations

import re
from typing import Any

from slack_bolt.request.internals import parse_body

from intake_api.policies.requests import MAX_JSON_DEPTH, loads_bounded, nested_deeper_than

# Slack's ids of users, channels, teams and apps: U024BE7LH, C012AB3CD, T0001, A1, ...
_SLACK_ID = re.compile(r"[A-Z0-9]{0,40}")
_ID_FIELDS = ("user_id", "channel_id", "team_id", "api_app_id", "enterprise_id", "user_team")


class NotASlackRequest(ValueError):
    """The body is not something Slack sends."""


def read_body(raw: bytes, content_type: str | None) -> dict[str, Any]:
    """The body as bolt will read it, when Slack could have sent it; else ``NotASlackRequest``."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise NotASlackRequest("not UTF-8") from None
    try:
        body = parse_body(text, (content_type or "").split(";")[0] or None)  # bolt's own reading
    except (ValueError, RecursionError) as error:
        raise NotASlackRequest(f"unreadable body ({type(error).__name__})") from None
    if not isinstance(body, dict):
        raise NotASlackRequest("the body or its payload is not a JSON object")
    if nested_deeper_than(body, MAX_JSON_DEPTH):
        raise NotASlackRequest("nested too deep")
    problem = _envelope_problem(body)
    if problem:
        raise NotASlackRequest(problem)
    return body


# Fields of an envelope (the body, its event, an authorization) and the types Slack sends them in.
_ID = (str,)
_ENVELOPE: dict[str, tuple[type, ...]] = {
    "type": _ID,
    "token": _ID,
    "team_id": _ID,
    "api_app_id": _ID,
    "event_id": _ID,
    "trigger_id": _ID,
    "response_url": _ID,
    "command": _ID,
    "text": _ID,
    "user_id": _ID,
    "channel_id": _ID,
    "callback_id": _ID,
    "action_id": _ID,
    "block_id": _ID,
    "value": _ID,
    "challenge": _ID,
    "thread_ts": _ID,
    "ts": _ID,
    "tab": _ID,
    "subtype": _ID,
    "user_team": _ID,
    "channel_type": _ID,
    "bot_id": _ID,
    "function_execution_id": _ID,
    "enterprise_id": (str, type(None)),
    "bot_access_token": _ID,
    "team": (dict, str, type(None)),
    "user": (dict, str),
    "channel": (dict, str),
    "enterprise": (dict, str, type(None)),
    "event": (dict,),
    "view": (dict,),
    "message": (dict,),
    "previous_message": (dict,),
    "item": (dict,),
    "container": (dict,),
    "assistant_thread": (dict,),
    "function_data": (dict,),
    "workflow_step": (dict,),
    "actions": (list,),
    "authorizations": (list,),
    "response_urls": (list,),
}
_REQUIRED_BY_TYPE = {
    "event_callback": ("event", "event_id"),
    "view_submission": ("view", "user"),
    "view_closed": ("view", "user"),
    "block_actions": ("actions", "user"),
    "interactive_message": ("actions", "user"),
    "block_suggestion": ("action_id", "user"),
    "shortcut": ("callback_id", "user"),
    "message_action": ("callback_id", "user"),
    "url_verification": ("challenge",),
}
_ELEMENT: dict[str, tuple[type, ...]] = {
    "type": _ID,
    "value": (str, type(None)),
    "selected_option": (dict, type(None)),
    "selected_options": (list,),
}


def _envelope_problem(body: dict[str, Any]) -> str | None:
    problem = _fields_problem(body, "body")
    if problem:
        return problem
    for name in _REQUIRED_BY_TYPE.get(body.get("type") or "", ()):
        if name not in body:
            return f"{body['type']} without {name}"
    if body.get("type") in ("block_actions", "interactive_message") and not body["actions"]:
        return "no actions"
    if "user" in _REQUIRED_BY_TYPE.get(body.get("type") or "", ()) and not _is_user(body["user"]):
        return "an interaction without its user"
    if "command" in body and not body.get("user_id"):
        return "a command without its user"
    if (
        "event" in body
        and body["event"].get("type") == "app_home_opened"
        and not (isinstance(body["event"].get("user"), str) and body["event"]["user"])
    ):
        return "app_home_opened without its user"
    for name in ("event", "message", "previous_message", "item", "assistant_thread"):
        if isinstance(body.get(name), dict):
            problem = _fields_problem(body[name], name)
            if problem:
                return problem
    if "event" in body and not isinstance(body["event"].get("type"), str):
        return "event without type"
    for name in ("authorizations", "response_urls", "actions"):
        for item in body.get(name, ()):
            problem = (
                _fields_problem(item, name)
                if isinstance(item, dict)
                else f"{name} holds a non-object"
            )
            if problem:
                return problem
    if any(not isinstance(action.get("action_id"), str) for action in body.get("actions", ())):
        return "action without action_id"
    if "view" not in body:
        return None
    if body.get("type") in ("view_submission", "view_closed") and not isinstance(
        body["view"].get("type"), str
    ):
        return "view without type"  # bolt's matchers read it
    return _view_problem(body["view"])


def _is_user(user: Any) -> bool:
    return isinstance(user, dict) and isinstance(user.get("id"), str) and bool(user["id"])


def _fields_problem(envelope: dict[str, Any], where: str) -> str | None:
    for name, types in _ENVELOPE.items():
        if name in envelope and not isinstance(envelope[name], types):
            return f"{where}.{name} of the wrong type"
    ids = [envelope.get(name) for name in _ID_FIELDS]
    ids += [
        envelope[name].get("id", "")
        for name in ("team", "user", "channel", "enterprise")
        if isinstance(envelope.get(name), dict)
    ]
    if not all(
        value is None or (isinstance(value, str) and _SLACK_ID.fullmatch(value)) for value in ids
    ):
        return f"{where} holds an id Slack would not send"
    return None


def _view_problem(view: dict[str, Any]) -> str | None:
    """A modal as Slack sends it back: our private metadata and the state of its inputs."""
    for name in (
        "id",
        "type",
        "callback_id",
        "private_metadata",
        "app_installed_team_id",
        "team_id",
    ):
        if name in view and not isinstance(view[name], str):
            return f"view.{name} of the wrong type"
    metadata = view.get("private_metadata") or "{}"
    try:
        if not isinstance(loads_bounded(metadata), dict):
            return "view.private_metadata is not ours"
    except ValueError:  # not JSON, or nested too deep
        return "view.private_metadata is not ours"
    if not isinstance(view.get("blocks", []), list) or not all(
        isinstance(b, dict) for b in view.get("blocks", [])
    ):
        return "view.blocks of the wrong type"
    state = view.get("state", {})
    values = state.get("values", {}) if isinstance(state, dict) else None
    if not isinstance(values, dict):
        return "view.state of the wrong type"
    for actions in values.values():
        if not isinstance(actions, dict) or not all(
            isinstance(element, dict) for element in actions.values()
        ):
            return "view.state.values of the wrong type"
        for element in actions.values():
            for name, types in _ELEMENT.items():
                if name in element and not isinstance(element[name], types):
                    return f"view input {name} of the wrong type"
            chosen = [element["selected_option"]] if element.get("selected_option") else []
            for option in [*chosen, *element.get("selected_options", [])]:
                if not (isinstance(option, dict) and isinstance(option.get("value"), str)):
                    return "view input option without a value"
    return None
