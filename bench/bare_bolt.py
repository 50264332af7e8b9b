"""B5's baseline: a bare Bolt app that verifies an event, records it and acknowledges it.

``gunicorn 'bench.bare_bolt:app'`` with ``BARE_DATABASE_URL`` (the benchmark's store) and the
signing secret the bench signs with: ``POST /slack/events`` goes through slack_bolt as the
app's does (signature and timestamp checked, ``process_before_response``), and its listener
inserts the event's id into the inbox table (``ON CONFLICT DO NOTHING``: a retry stores
nothing twice) in one transaction before the 200. What it leaves out is what the app's
listener adds: the staff lookup and the locale (Slack Web API calls), the counts, the view
published.
"""

from __future__ import annotations

import os
from functools import cache
from typing import Any

from flask import Flask, request
from slack_bolt import App
from slack_bolt.adapter.flask import SlackRequestHandler
from slack_bolt.authorization import AuthorizeResult
from sqlalchemy import Engine, text

SIGNING_SECRET = os.environ.get("BARE_SLACK_SIGNING_SECRET", "bench-signing-secret")


def _authorize(**_: Any) -> AuthorizeResult:
    """The workspace as known, without asking Slack (``auth.test``): nothing is called."""
    return AuthorizeResult(
        enterprise_id=None, team_id="T1", bot_token="xoxb-bare", bot_id="B1", bot_user_id="U0"
    )


bolt = App(
    signing_secret=SIGNING_SECRET,
    authorize=_authorize,
    process_before_response=True,
    raise_error_for_unhandled_request=False,
)

_RECORD = text(
    "INSERT INTO inbox_entry (channel, delivery_id, status, attempts, received_at, processed_at)"
    " VALUES ('bare', :event_id, 'done', 0, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"
    " ON CONFLICT (channel, delivery_id) DO NOTHING"
)


@bolt.event("app_home_opened")
def record(body: dict[str, Any]) -> None:
    with _engine().begin() as connection:
        connection.execute(_RECORD, {"event_id": body["event_id"]})


@cache
def _engine() -> Engine:
    from models.db import make_engine

    return make_engine(os.environ["BARE_DATABASE_URL"])


app = Flask(__name__)
handler = SlackRequestHandler(bolt)


@app.get("/healthz")
def healthz() -> tuple[str, int]:
    return "ok", 200


@app.post("/slack/events")
def events():  # type: ignore[no-untyped-def]
    return handler.handle(request)
