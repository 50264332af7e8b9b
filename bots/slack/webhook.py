"""POST /slack/events: events, slash commands and interactivity on one URL."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, request
from flask.typing import ResponseReturnValue
from slack_bolt.adapter.flask import SlackRequestHandler

bp = Blueprint("slack", __name__)


@bp.post("/slack/events")
def slack_events() -> ResponseReturnValue:
    """Bolt verifies the signature (5-minute window) and answers url_verification."""
    lazy = current_app.extensions.get("slack")
    if lazy is None:
        abort(404)
    return SlackRequestHandler(lazy.get()).handle(request)
