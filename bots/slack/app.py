"""Build the Slack app (bolt, HTTP mode); off without a bot token and signing secret."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from slack_bolt import App, BoltRequest, BoltResponse
from slack_sdk import WebClient

from bots.slack.client import web_client
from bots.slack.context import SlackContext
from bots.slack.listeners import register_listeners
from bots.slack.outage import answer_store_unavailable
from intake_api.inbox import Inbox
from intake_api.policies.availability import store_unavailable
from intake_api.runtime import Runtime

log = logging.getLogger(__name__)
# A first attempt still pending this long after it arrived is taken as dead: its retry runs it.
STALE = timedelta(seconds=30)


def build_slack_app(runtime: Runtime, client: WebClient | None = None) -> App:
    settings = runtime.settings
    app = App(
        client=client or web_client(runtime),
        signing_secret=settings.slack_signing_secret,
        # Listeners finish (the input is committed) before Slack gets its answer.
        process_before_response=True,
        token_verification_enabled=False,
        raise_error_for_unhandled_request=False,
    )
    context = SlackContext(runtime)
    app.middleware(context.middleware())
    app.middleware(_once_per_event(context.inbox))
    register_listeners(app)

    @app.error
    def on_error(error: Exception, body: dict[str, Any], client: WebClient) -> BoltResponse | None:
        # Any listener's or middleware's error comes here: one policy for a store that is unavailable.
        if store_unavailable(error):
            return answer_store_unavailable(error, body, context, client)
        # Logged once, without the payload (it holds people's words and ids).
        log.error("Slack listener failed: %s", type(error).__name__, exc_info=error)
        return None

    return app


def _once_per_event(inbox: Inbox) -> Callable[..., BoltResponse]:
    """Events are recorded by event_id; a retry is skipped unless the first attempt failed or died.

    A retry that arrives while the first attempt is still running is answered 200 and
    skipped (found by bench B5: such retries published the App Home twice). A retry
    because the first attempt was answered with an error (``X-Slack-Retry-Reason:
    http_error``, e.g. a 503 while the store was unavailable) finds it over: it runs
    if the event is still pending.

    The listener settles the event (``SlackContext.settling``): bolt runs it after
    the middleware chain, so only the listener knows whether it succeeded.
    """

    def middleware(
        req: BoltRequest, body: dict[str, Any], next: Callable[[], BoltResponse]
    ) -> BoltResponse:  # noqa: A002
        event_id = body.get("event_id") if body.get("type") == "event_callback" else None
        if event_id and not inbox.receive(event_id, body) and not _retry_runs(inbox, event_id, req):
            return BoltResponse(status=200, body="")
        return next()

    return middleware


def _retry_runs(inbox: Inbox, event_id: str, req: BoltRequest) -> bool:
    """Whether Slack's retry of an event seen before should run it (see ``_once_per_event``)."""
    first_answered = "http_error" in req.headers.get("x-slack-retry-reason", [])
    return (
        inbox.claim(event_id) if first_answered else inbox.claim_retry(event_id, stale_after=STALE)
    )


class LazySlack:
    """The Slack app for the web process, built on the first request to /slack/events."""

    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime
        self._app: App | None = None
        self._lock = threading.Lock()

    def get(self) -> App:
        with self._lock:
            if self._app is None:
                self._app = build_slack_app(self.runtime)
            return self._app
