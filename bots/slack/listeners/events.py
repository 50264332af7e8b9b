"""Events: the App Home with the state of the reviews the staff member works on."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from slack_bolt import App
from slack_sdk import WebClient

from bots.slack.blocks import home_view
from bots.slack.context import SlackContext
from intake_api import delivery_failures
from intake_api.i18n import gettext
from intake_api.policies.authorization import Action, may, refusal, reviews_for
from intake_api.stats import review_stats
from models.base import utcnow


def register(app: App, context: SlackContext) -> None:
    @app.event("app_home_opened")
    def publish_home(body: dict[str, Any], event: dict[str, Any], client: WebClient) -> None:
        """Counts per review in the user's language; each staff member sees only the reviews they may read."""
        with context.settling(body["event_id"]):
            _publish_home(context, event["user"], client)


def _publish_home(context: SlackContext, user: str, client: WebClient) -> None:
    locale = context.locale_of(client, user)
    staff = context.staff(client, user)
    readable = set(reviews_for(staff, Action.READ_INPUTS))
    if not readable:
        text = gettext(locale, refusal(staff, Action.READ_INPUTS))
        view = {"type": "home", "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": text}}]}
    else:
        undelivered = 0
        if may(staff, Action.READ_FAILURES, None):  # administrators: they can act on it (gcm-intake failures)
            recent = delivery_failures.counts(context.runtime.engine, since=utcnow() - timedelta(days=7))
            undelivered = sum(kinds["failed"] for kinds in recent.values())
        view = home_view([s for s in review_stats(context.runtime.engine) if s.slug in readable], locale,
                         undelivered=undelivered)  # fmt: skip
    client.views_publish(user_id=user, view=view)
