"""POST /telegram/webhook: Telegram's updates, acknowledged only once stored."""

from __future__ import annotations

import hmac
import logging

from flask import Blueprint, abort, current_app, jsonify, request
from flask.typing import ResponseReturnValue

from bots.telegram.channel import NotAnUpdate
from intake_api.runtime import runtime_of

log = logging.getLogger(__name__)

bp = Blueprint("telegram", __name__)
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"  # noqa: S105 - a header name


@bp.post("/telegram/webhook")
def webhook() -> ResponseReturnValue:
    """Record the update, process it (its replies are queued), then answer 200; a redelivery gets 200 too.

    A body that is no update (not JSON, nested too deep, a field of the wrong type) is
    answered 200 as well, with one log line: Telegram would only send it again and again,
    holding back the updates behind it. It is never recorded or read as an input.

    A store that is unavailable (``policies.availability``) is left to the app's error
    handler: a 503 with Retry-After, so Telegram delivers the update again. When it was
    recorded before the store went away, the redelivery is a duplicate (200) and the
    recorded update is processed by ``retry_pending`` (the next calls here, the scheduler).
    """
    lazy = current_app.extensions.get("telegram")
    settings = runtime_of(current_app).settings
    if lazy is None:
        abort(404)
    expected = settings.telegram_webhook_secret.encode()
    given = request.headers.get(SECRET_HEADER, "").encode()
    if not expected or not hmac.compare_digest(given, expected):
        abort(403)
    payload = request.get_json(silent=True)  # None when not JSON, or nested deeper than we read
    channel = lazy.get()
    try:
        parsed = channel.receive(payload)
    except NotAnUpdate as refused:
        reason = refused if payload is not None else "not JSON, or nested too deep"
        log.warning("Telegram webhook: ignored a body that is not an update (%s)", reason)
        return jsonify(ok=True, ignored=True)
    if parsed is not None:
        channel.process(payload, parsed=parsed, just_received=True)
    channel.retry_pending_now_and_then()
    return jsonify(ok=True, duplicate=parsed is None)
