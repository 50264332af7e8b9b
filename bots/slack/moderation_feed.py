"""Show new inputs in their review's moderation channel, each exactly once."""

from __future__ import annotations

import logging

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bots.slack.blocks import moderation_message
from intake_api.moderation import claim_unposted, mark_posted
from intake_api.runtime import Runtime

log = logging.getLogger(__name__)
FEED_LOCALE = "en"


def post_new_inputs(runtime: Runtime, client: WebClient) -> int:
    """Post every input not yet shown; a failed post is released and tried next time."""
    posted = 0
    for view in claim_unposted(runtime.engine):
        channel = view.slack_channel or ""
        try:
            response = client.chat_postMessage(
                channel=channel, blocks=moderation_message(view, FEED_LOCALE),
                text=f"New input {view.receipt} for {view.review_slug.upper()}",
            )  # fmt: skip
        except SlackApiError as error:
            log.warning("could not post %s for moderation: %s", view.receipt, error.response.get("error"))
            mark_posted(runtime.engine, submission_id=view.id, channel_id=channel, ts=None)
            continue
        mark_posted(runtime.engine, submission_id=view.id, channel_id=channel, ts=response["ts"])
        posted += 1
    return posted
