"""Events: the App Home with the state of every review."""

from __future__ import annotations

from typing import Any

from slack_bolt import App
from slack_sdk import WebClient

from bots.slack.blocks import home_view
from bots.slack.context import SlackContext
from intake_api.i18n import gettext
from intake_api.stats import review_stats


def register(app: App, context: SlackContext) -> None:
    @app.event("app_home_opened")
    def publish_home(body: dict[str, Any], event: dict[str, Any], client: WebClient) -> None:
        """Counts per review in the user's language; only staff see them."""
        with context.settling(body["event_id"]):
            _publish_home(context, event["user"], client)


def _publish_home(context: SlackContext, user: str, client: WebClient) -> None:
    locale = context.locale_of(client, user)
    if context.staff(client, user) is None:
        view = {"type": "home", "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": gettext(
            locale, "Sorry, only Network staff registered with gcm-intake can do this. Please ask an administrator.")}}]}
    else:
        view = home_view(review_stats(context.runtime.engine), locale)
    client.views_publish(user_id=user, view=view)
