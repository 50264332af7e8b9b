"""POST /telegram/webhook: Telegram's updates, acknowledged only once stored."""

from __future__ import annotations

import hmac

from flask import Blueprint, abort, current_app, jsonify, request
from flask.typing import ResponseReturnValue

from bots.telegram.channel import NotAnUpdate
from intake_api import runtime_of

bp = Blueprint("telegram", __name__)
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"  # noqa: S105 - a header name


@bp.post("/telegram/webhook")
def webhook() -> ResponseReturnValue:
    """Record the update, process it (its replies are queued), then answer 200; a redelivery gets 200 too."""
    lazy = current_app.extensions.get("telegram")
    settings = runtime_of(current_app).settings
    if lazy is None:
        abort(404)
    expected = settings.telegram_webhook_secret.encode()
    given = request.headers.get(SECRET_HEADER, "").encode()
    if not expected or not hmac.compare_digest(given, expected):
        abort(403)
    payload = request.get_json(silent=True)
    channel = lazy.get()
    try:
        new = channel.receive(payload)
    except NotAnUpdate:
        abort(400)
    if new:
        channel.process(payload, just_received=True)
    channel.retry_pending_now_and_then()
    return jsonify(ok=True, duplicate=not new)
