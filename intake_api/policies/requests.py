"""What no HTTP request can make the service do: crash on its JSON, or forge a request id.

- JSON bodies are read with a depth limit (``loads_bounded``): a body nested deeper than
  ``MAX_JSON_DEPTH`` (or deep enough to exhaust Python's recursion) is refused as invalid
  JSON, a 400 for the caller, never a RecursionError and a 500.
- Every request has an id (``request_id_from``): a sane ``X-Request-Id`` from a proxy is
  kept, anything else is replaced. It is sent back on every response and logged with
  any error, so a person who saw an error page and the log line can be matched: so it
  must read the same in the log, where long runs of digits are masked as numbers
  (``log_privacy``); an id that would be masked is not sane, and none is made.
- Errors are answered in the caller's format (``answers_in_json``): JSON on the machine
  paths (the API and the chat webhooks), translated HTML pages everywhere else.
"""

from __future__ import annotations

import json
import re
import secrets
from typing import Any

from flask import Response, g, has_request_context, jsonify, request

from intake_api import failures
from intake_api.log_privacy import redact
from intake_api.policies.availability import NOT_STORED_JSON, retry_after_headers

MAX_JSON_DEPTH = 64  # Telegram updates and Slack payloads nest about ten levels
REQUEST_ID_HEADER = "X-Request-Id"
JSON_PATH_PREFIXES = ("/api/", "/telegram/", "/slack/")

_SANE_REQUEST_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{7,63}")


class JsonTooDeep(ValueError):
    """The JSON nests deeper than anything the service reads."""


def loads_bounded(data: str | bytes, *, max_depth: int = MAX_JSON_DEPTH) -> Any:
    """``json.loads``, refusing (with a ValueError) documents nested deeper than ``max_depth``."""
    try:
        value = json.loads(data)
    except RecursionError:
        raise JsonTooDeep(f"JSON nested deeper than {max_depth} levels") from None
    if nested_deeper_than(value, max_depth):
        raise JsonTooDeep(f"JSON nested deeper than {max_depth} levels")
    return value


def nested_deeper_than(value: Any, limit: int) -> bool:
    """Whether lists and objects nest deeper than ``limit``; walks with a stack of its own,
    since measuring depth must not recurse either."""
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            children: Any = item.values()
        elif isinstance(item, list):
            children = item
        else:
            continue
        if depth > limit:
            return True
        stack.extend((child, depth + 1) for child in children)
    return False


def request_id_from(incoming: str | None) -> str:
    """The id of this request: the proxy's when it is sane (8-64 letters, digits, ``._-``,
    and logged as it is), else new."""
    if incoming and _SANE_REQUEST_ID.fullmatch(incoming) and _logged_as_is(incoming):
        return incoming
    while True:  # about one random id in ten has nine digits in a row
        made = secrets.token_hex(8)
        if _logged_as_is(made):
            return made


def _logged_as_is(request_id: str) -> bool:
    return redact(request_id) == request_id


def answers_in_json(path: str) -> bool:
    """Machines call the API and the webhooks: they get JSON errors; people get pages."""
    return any(
        path.startswith(prefix) or path == prefix.rstrip("/") for prefix in JSON_PATH_PREFIXES
    )


def request_id() -> str:
    """This request's id, the same in its response header, its error page and its log lines."""
    if "request_id" not in g:
        g.request_id = request_id_from(request.headers.get(REQUEST_ID_HEADER))
    return str(g.request_id)


def request_id_or_none() -> str | None:
    """The id of the request being answered, if any: chat channels also run outside one."""
    return request_id() if has_request_context() else None


def count_store_unavailable(error: BaseException) -> None:
    """Log and count a request answered 503 because the store is down, once per request."""
    rule = request.url_rule.rule if request.url_rule is not None else "(no route)"
    failures.store_unavailable(f"{request.method} {rule}", f"request {request_id()}", error)
    failures.server_error(rule, 503, error)


def store_unavailable_json(error: BaseException) -> Response:
    """The 503 of every machine path (the API, the chat webhooks): JSON and Retry-After."""
    count_store_unavailable(error)
    response = jsonify(error="store_unavailable", message=NOT_STORED_JSON, request_id=request_id())
    response.status_code = 503
    response.headers.update(retry_after_headers())
    return response
