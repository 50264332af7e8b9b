"""POST /slack/events: events, slash commands and interactivity on one URL.

Before bolt sees a request, the edge checks what bolt and the listeners take for
granted: a signature over the raw body and a numeric timestamp (else 401), and a body
Slack could have sent (``bots.slack.envelope``; else 400). Whatever arrives gets a
4xx Slack accepts, never a 500.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import re
import time

from flask import Blueprint, abort, current_app, request
from flask.typing import ResponseReturnValue
from slack_bolt.adapter.flask.handler import to_bolt_request, to_flask_response

from bots.slack.envelope import NotASlackRequest, read_body
from intake_api.runtime import runtime_of

log = logging.getLogger(__name__)

bp = Blueprint("slack", __name__)
_TIMESTAMP = re.compile(r"[0-9]{1,12}")
SIGNATURE_WINDOW_S = 5 * 60  # Slack's own: an older signed request may be a replay


@bp.post("/slack/events")
def slack_events() -> ResponseReturnValue:
    """Signed and well-formed requests go to bolt, which answers url_verification and runs the listeners."""
    lazy = current_app.extensions.get("slack")
    if lazy is None:
        abort(404)
    raw = request.get_data(cache=True)
    if not _signed(raw, runtime_of(current_app).settings.slack_signing_secret):
        abort(401)
    try:
        read_body(raw, request.headers.get("Content-Type"))
        bolt_request = to_bolt_request(request)
    except (
        NotASlackRequest,
        UnicodeDecodeError,
    ) as refused:  # the latter: a query string that is not UTF-8
        log.warning("Slack: refused a signed request that Slack would not send (%s)", refused)
        abort(400, description="Not a Slack request body.")
    return to_flask_response(lazy.get().dispatch(bolt_request))


def _signed(raw: bytes, secret: str) -> bool:
    """Slack's signature over ``v0:timestamp:body`` (the raw bytes), with a numeric timestamp
    at most five minutes away; bolt checks it again."""
    timestamp = request.headers.get("X-Slack-Request-Timestamp", "")
    signature = request.headers.get("X-Slack-Signature", "")
    if (
        not _TIMESTAMP.fullmatch(timestamp)
        or abs(time.time() - int(timestamp)) > SIGNATURE_WINDOW_S
    ):
        return False
    signed = b"v0:" + timestamp.encode() + b":" + raw
    expected = "v0=" + hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected.encode(), signature.encode("utf-8", "replace"))
