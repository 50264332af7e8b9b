"""/gcm: capture, digest, channel set-up, subscriptions, privacy requests and help."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient

from bots.slack.blocks import capture_modal, digest_blocks, help_text_for
from bots.slack.context import SlackContext
from intake_api.consent import WITHDRAWABLE
from intake_api.digests import digest_for
from intake_api.i18n import gettext
from intake_api.policies.authorization import Action, NotAllowed, authorize, refusal, reviews_for
from intake_api.subscriptions import cadence_to_cron, subscribe
from models.base import utcnow
from models.reference import REVIEW_SLUGS
from models.staff import StaffMember

DIGEST_PERIOD = timedelta(days=7)
# Subcommands that act on one regional review (named, or the review moderated in this channel).
REVIEW_ACTIONS = {
    "digest": Action.READ_INPUTS,
    "channel": Action.CONFIGURE_REVIEW,
    "safeguarding": Action.CONFIGURE_REVIEW,
    "subscribe": Action.CONFIGURE_REVIEW,
}
SUBCOMMANDS = ("", "new", "erase", "withdraw", *REVIEW_ACTIONS)


def register(app: App, context: SlackContext) -> None:
    @app.command("/gcm")
    def gcm(ack: Ack, command: dict[str, Any], client: WebClient) -> None:
        """Route `/gcm [new|digest|channel|safeguarding|subscribe|erase|withdraw|help]`; anything else gets the help."""
        sub, _, argument = (command.get("text") or "").strip().partition(" ")
        sub, words = sub.lower(), argument.strip().lower().split()
        user = command["user_id"]
        locale = context.locale_of(client, user)
        if sub not in SUBCOMMANDS:
            ack(text=help_text_for(locale))
            return
        staff = context.staff(client, user)
        if sub in ("", "new"):
            _open_capture(ack, client, command, staff, locale)
        elif sub in ("erase", "withdraw"):
            ack(text=_privacy_request(context, staff, sub, words, locale))
        else:
            _review_command(ack, context, client, command, staff, sub, words, locale)


def _open_capture(ack: Ack, client: WebClient, command: dict[str, Any], staff: StaffMember | None,
                  locale: str) -> None:  # fmt: skip
    """The capture modal, offering only the reviews this staff member may record inputs for."""
    reviews = reviews_for(staff, Action.CAPTURE)
    if not reviews:
        ack(text=gettext(locale, refusal(staff, Action.CAPTURE)))
        return
    ack()
    client.views_open(trigger_id=command["trigger_id"], view=capture_modal(
        locale, metadata={"channel_id": command["channel_id"], "locale": locale}, reviews=reviews))  # fmt: skip


def _review_command(ack: Ack, context: SlackContext, client: WebClient, command: dict[str, Any],
                    staff: StaffMember | None, sub: str, words: list[str], locale: str) -> None:  # fmt: skip
    action = REVIEW_ACTIONS[sub]
    if staff is None:
        ack(text=gettext(locale, refusal(staff, action)))
        return
    slug = (words[0] if words else "") or _review_of_channel(context, command["channel_id"])
    if slug not in REVIEW_SLUGS:
        ack(text=gettext(locale, "Which regional review? Use one of: %(reviews)s", reviews=", ".join(REVIEW_SLUGS)))
        return
    try:
        authorize(staff, action, slug)
        if sub in ("channel", "safeguarding"):
            context.runtime.moderation.set_review_channel(
                review_slug=slug, channel_id=command["channel_id"], actor=staff, safeguarding=sub == "safeguarding"
            )
        elif sub == "subscribe":
            ack(text=_subscribe(context, client, command["user_id"], staff, slug, words[1:],
                                command["channel_id"], locale))  # fmt: skip
            return
        else:
            _post_digest(ack, context, client, staff, slug, command["channel_id"], locale)
            return
    except NotAllowed:
        ack(text=gettext(locale, refusal(staff, action)))
        return
    if sub == "safeguarding":
        ack(text=gettext(locale, "Inputs for %(review)s that disclose a protection risk will be posted in this channel at once.", review=slug.upper()))
    else:
        ack(text=gettext(locale, "New inputs for %(review)s will be posted in this channel for moderation.", review=slug.upper()))


def _post_digest(ack: Ack, context: SlackContext, client: WebClient, staff: StaffMember, slug: str,
                 channel_id: str, locale: str) -> None:  # fmt: skip
    ack()
    now = utcnow()
    digest = digest_for(context.runtime.engine, review_slug=slug, since=now - DIGEST_PERIOD, until=now,
                        consent_age=context.runtime.settings.digital_consent_age)
    client.chat_postMessage(channel=channel_id, blocks=digest_blocks(digest, locale),
                            text=gettext(locale, "Digest: %(review)s", review=slug.upper()))  # fmt: skip


def _privacy_request(context: SlackContext, staff: StaffMember | None, sub: str, words: list[str],
                     locale: str) -> str:  # fmt: skip
    """`/gcm erase RECEIPT` (administrators) and `/gcm withdraw RECEIPT quote|contact|message`."""
    runtime = context.runtime
    action = Action.ERASE if sub == "erase" else Action.WITHDRAW_CONSENT
    if staff is None:
        return gettext(locale, refusal(staff, action))
    receipt = words[0].upper() if words else ""
    try:
        if sub == "erase":
            if not receipt:
                return gettext(locale, "Usage: /gcm erase RECEIPT")
            found = runtime.privacy.erase_for_staff(receipt=receipt, staff=staff)
            done = gettext(locale, "%(receipt)s is erased, with its consents and its moderation message.", receipt=receipt)
        else:
            consent = words[1] if len(words) > 1 else ""
            if not receipt or consent not in WITHDRAWABLE:
                return gettext(locale, "Usage: /gcm withdraw RECEIPT quote|contact|message")
            found = runtime.consent.withdraw_for_staff(receipt=receipt, consent=consent, staff=staff, channel="slack")
            done = gettext(locale, "Consent withdrawn for %(receipt)s: %(consent)s.", receipt=receipt, consent=consent)
    except NotAllowed:
        return gettext(locale, refusal(staff, action))
    return done if found else gettext(locale, "Nothing is stored under %(receipt)s.", receipt=receipt)


def _subscribe(context: SlackContext, client: WebClient, user: str, staff: StaffMember, slug: str,
               options: list[str], channel_id: str, locale: str) -> str:  # fmt: skip
    """`/gcm subscribe REVIEW [daily|weekly] [HH:MM]`: this channel, the user's language and time zone."""
    cadence = next((o for o in options if o in ("daily", "weekly")), "weekly")
    at = next((o for o in options if ":" in o), "08:00")
    try:
        timezone = client.users_info(user=user)["user"].get("tz") or "UTC"
        subscription = subscribe(
            context.runtime.engine, reviews=[slug], cron=cadence_to_cron(cadence, at), timezone=timezone,
            locale=locale, slack_channel=channel_id, emails=[], actor=f"staff:{staff.id}",
        )  # fmt: skip
    except ValueError:
        return gettext(locale, "Usage: /gcm subscribe REVIEW [daily|weekly] [HH:MM]")
    return gettext(locale, "This channel will get the %(review)s digest (%(cadence)s at %(at)s, %(timezone)s). Subscription %(id)s.",
                   review=slug.upper(), cadence=cadence, at=at, timezone=subscription.timezone, id=subscription.id)


def _review_of_channel(context: SlackContext, channel_id: str) -> str:
    return next((r.slug for r in context.runtime.service.reviews() if r.slack_channel == channel_id), "")
