"""Show new inputs in their review's moderation channel, each once.

A post that fails for a while (a 5xx, a 429, a timeout, a reset) is tried again at a
later tick under the moderation policy (``intake_api.policies.delivery``: jittered
delays, a deadline); one Slack refuses (a channel gone, the bot not in it) or still
failing at the deadline is recorded as failed, where staff see it, and not tried again
until staff ask (``gcm-intake failures --retry``). At least once: a post whose answer
was lost (a timeout after Slack had it) is posted again, so it may show twice.
"""

from __future__ import annotations

import logging
import threading
from datetime import datetime

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bots.slack.blocks import item_message, moderation_message
from bots.slack.client import outbound_client
from intake_api import delivery_failures
from intake_api.i18n import gettext, isolate
from intake_api.item_posts import ItemView
from intake_api.item_posts import post_ref as item_ref
from intake_api.moderation import post_ref
from intake_api.notices import SAFEGUARDING_LABELS
from intake_api.policies.delivery import Kind, Policy
from intake_api.policies.encoding import slack_mrkdwn as esc
from intake_api.policies.publication import Pointer
from intake_api.review_names import review_acronym
from intake_api.runtime import Runtime
from models.markers import N_

log = logging.getLogger(__name__)
URGENT_NOTIFICATION = N_("URGENT (%(category)s): input %(receipt)s for %(review)s")
NEW_NOTIFICATION = N_("New input %(receipt)s for %(review)s")
ITEM_NOTIFICATIONS = {
    "pledge": N_("New pledge %(receipt)s for %(review)s"),
    "practice": N_("New practice %(receipt)s for %(review)s"),
}


def post_new_inputs(
    runtime: Runtime,
    client: WebClient,
    *,
    now: datetime | None = None,
    policy: Policy | None = None,
) -> int:
    """Post every input due to be shown, urgent first; a failed post is released for its next try.

    Messages of inputs erased since the last run are deleted first.
    """
    remove_erased_inputs(runtime, client)
    posted = 0
    for view in runtime.moderation.claim_unposted(now=now):
        channel = view.slack_channel or ""
        try:
            locale = runtime.moderation.channel_locale(view, channel)
            pointer = Pointer(view.receipt, view.theme, view.urgent_category)
            response = client.chat_postMessage(
                channel=channel,
                blocks=moderation_message(view, locale),
                text=notification_text(pointer, view.review_slug, locale),
            )
        except Exception as error:  # noqa: BLE001 - Slack refused, failed or was not reached: classified
            runtime.moderation.mark_posted(submission_id=view.id, channel_id=channel, ts=None)
            delivery_failures.retry_or_give_up(
                runtime.engine, Kind.MODERATION, post_ref(view.id), error, now=now, policy=policy
            )
            continue
        runtime.moderation.mark_posted(submission_id=view.id, channel_id=channel, ts=response["ts"])
        delivery_failures.delivered(runtime.engine, Kind.MODERATION, post_ref(view.id))
        posted += 1
    return posted


def notification_text(pointer: Pointer, review_slug: str, locale: str) -> str:
    """The message's fallback text, which phones show on lock screens and in notifications.

    It leaves the moderation channel, so it names the input by receipt and category and
    never carries its words (the publication policy); only the blocks, read in the
    channel, show the text. It is in the channel's language, like the blocks.
    """
    receipt = isolate(locale, pointer.receipt)
    review = review_acronym(locale, review_slug)
    if pointer.urgent_category:
        category = gettext(
            locale, SAFEGUARDING_LABELS.get(pointer.urgent_category, pointer.urgent_category)
        )
        text = gettext(
            locale, URGENT_NOTIFICATION, category=category, receipt=receipt, review=review
        )
    else:
        text = gettext(locale, NEW_NOTIFICATION, receipt=receipt, review=review)
    return esc(text)


def post_new_items(
    runtime: Runtime,
    client: WebClient,
    *,
    now: datetime | None = None,
    policy: Policy | None = None,
) -> int:
    """Post every pledge and practice due to be shown, under the same delivery policy as inputs."""
    posted = 0
    for view in runtime.item_posts.claim_unposted(now=now):
        channel, ref = view.slack_channel or "", item_ref(view.kind, view.id)
        try:
            locale = runtime.item_posts.channel_locale(view, channel)
            response = client.chat_postMessage(
                channel=channel,
                blocks=item_message(view, locale),
                text=item_notification_text(view, locale),
            )
        except Exception as error:  # noqa: BLE001 - Slack refused, failed or was not reached: classified
            runtime.item_posts.mark_posted(
                kind=view.kind, item_id=view.id, channel_id=channel, ts=None
            )
            delivery_failures.retry_or_give_up(
                runtime.engine, Kind.MODERATION, ref, error, now=now, policy=policy
            )
            continue
        runtime.item_posts.mark_posted(
            kind=view.kind, item_id=view.id, channel_id=channel, ts=response["ts"]
        )
        delivery_failures.delivered(runtime.engine, Kind.MODERATION, ref)
        posted += 1
    return posted


def item_notification_text(view: ItemView, locale: str) -> str:
    """A post's fallback text: the kind, receipt and review, none of the item's words."""
    receipt = isolate(locale, view.receipt)
    review = review_acronym(locale, view.review_slug or "")
    return esc(gettext(locale, ITEM_NOTIFICATIONS[view.kind], receipt=receipt, review=review))


def remove_erased_inputs(runtime: Runtime, client: WebClient) -> int:
    """Delete the Slack messages of erased inputs, pledges and practices; one already gone counts as done."""
    removed = 0
    for removal in runtime.moderation.pending_removals():
        try:
            client.chat_delete(channel=removal.channel, ts=removal.ts)
        except SlackApiError as error:
            if error.response.get("error") not in ("message_not_found", "channel_not_found"):
                log.warning(
                    "could not remove a message of an erased input: %s", error.response.get("error")
                )
                continue
        runtime.moderation.removal_done(removal_id=removal.id or 0)
        removed += 1
    return removed


def post_soon(runtime: Runtime) -> None:
    """Post due inputs now rather than at the next scheduler tick, without delaying the reply."""

    def run() -> None:
        try:
            post_new_inputs(runtime, outbound_client(runtime))
        except Exception:  # noqa: BLE001 - the scheduler's next tick posts what this missed
            log.exception("posting an urgent input failed; the scheduler will retry")

    threading.Thread(target=run, name="slack-urgent", daemon=True).start()


class SlackNotifier:
    """Staff read new inputs in their review's moderation channel (``intake_api.notifier``)."""

    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime

    def urgent_input(self, receipt: str) -> None:
        post_soon(self.runtime)

    def show_new_inputs(self, now: datetime) -> None:
        """Inputs, then pledges and practices: staff publish those from their posts."""
        client = outbound_client(self.runtime)
        post_new_inputs(self.runtime, client, now=now)
        post_new_items(self.runtime, client, now=now)
