"""Digests as Slack messages, one per review, for the scheduler's ``DigestSenders.slack``."""

from __future__ import annotations

from collections.abc import Callable

from slack_sdk import WebClient

from bots.slack.blocks import digest_blocks, digest_title
from intake_api.digests import Digest


def send_digests(client: WebClient) -> Callable[[str, list[Digest], str], None]:
    """A sender posting each digest to a channel with ``client`` (an outbound client: no retries)."""

    def to_slack(channel: str, digests: list[Digest], locale: str) -> None:
        for digest in digests:
            client.chat_postMessage(
                channel=channel,
                blocks=digest_blocks(digest, locale),
                text=digest_title(digest.review_slug, locale),  # the notification's text
            )

    return to_slack
