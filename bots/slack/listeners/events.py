"""Events: the App Home with the state of the reviews the staff member works on."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from slack_bolt import App, BoltContext
from slack_sdk import WebClient

from bots.slack.blocks import home_view
from bots.slack.context import SlackContext
from intake_api import delivery_failures
from intake_api.i18n import gettext
from intake_api.policies.authorization import Action, may, refusal, reviews_for
from intake_api.stats import review_stats
from models.base import utcnow

FAILURES_PERIOD = timedelta(days=7)


def publish_home(
    body: dict[str, Any], event: dict[str, Any], client: WebClient, context: BoltContext
) -> None:
    """Counts per review in the user's language; each staff member sees only the reviews they may read.

    Not ``require_staff``: someone who may read no review is shown the refusal as their App Home.
    """
    slack = SlackContext.of(context)
    with slack.settling(body["event_id"]):
        client.views_publish(user_id=event["user"], view=home_for(slack, client, event["user"]))


def home_for(slack: SlackContext, client: WebClient, user: str) -> dict[str, Any]:
    locale = slack.locale_of(client, user)
    staff = slack.staff(client, user)
    readable = set(reviews_for(staff, Action.READ_INPUTS))
    if not readable:
        text = gettext(locale, refusal(staff, Action.READ_INPUTS))
        return {
            "type": "home",
            "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": text}}],
        }
    undelivered = 0
    if may(
        staff, Action.READ_FAILURES, None
    ):  # administrators: they can act on it (gcm-intake failures)
        recent = delivery_failures.counts(slack.runtime.engine, since=utcnow() - FAILURES_PERIOD)
        undelivered = sum(kinds["failed"] for kinds in recent.values())
    stats = [s for s in review_stats(slack.runtime.engine) if s.slug in readable]
    return home_view(stats, locale, undelivered=undelivered)


def register(app: App) -> None:
    app.event("app_home_opened")(publish_home)
