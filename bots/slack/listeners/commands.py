"""/gcm: capture, digest, channel set-up, subscriptions, privacy requests and help.

Each subcommand is one row of ``SUBCOMMANDS``: its handler, what it asks of the
authorization policy and its line in the help, so a new subcommand cannot ship without
its rule or its help.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from slack_bolt import Ack, App, BoltContext
from slack_sdk import WebClient

from bots.slack.blocks import capture_modal, digest_blocks
from bots.slack.context import Refused, SlackContext, require_staff
from intake_api.consent import WITHDRAWABLE
from intake_api.digests import digest_for
from intake_api.i18n import gettext
from intake_api.policies.authorization import Action, NotAllowed, authorize, reviews_for
from intake_api.subscriptions import cadence_to_cron, subscribe
from models.base import utcnow
from models.reference import N_, REVIEW_SLUGS
from models.staff import StaffMember

DIGEST_PERIOD = timedelta(days=7)
HELP_TITLE = N_("GCM intake commands")


@dataclass(frozen=True)
class Call:
    """One `/gcm` call by a staff member, as its subcommand's handler gets it."""

    slack: SlackContext
    ack: Ack
    client: WebClient
    command: dict[str, Any]
    staff: StaffMember
    action: Action
    words: list[str]  # the arguments, lower case
    locale: str

    @property
    def channel_id(self) -> str:
        return str(self.command["channel_id"])


@dataclass(frozen=True)
class Subcommand:
    """A row of the `/gcm` table; ``action`` None: open to anyone, no staff looked up."""

    usage: str  # as the help shows it, after "/gcm "
    summary: str  # msgid
    action: Action | None
    run: Callable[[Call], None] | None  # None: the help


def gcm(ack: Ack, command: dict[str, Any], client: WebClient, context: BoltContext) -> None:
    """Route `/gcm SUBCOMMAND ...` by ``SUBCOMMANDS``; anything else gets the help."""
    slack = SlackContext.of(context)
    name, _, argument = (command.get("text") or "").strip().partition(" ")
    user = command["user_id"]
    locale = slack.locale_of(client, user)
    sub = SUBCOMMANDS.get(name.lower())
    if sub is None or sub.action is None or sub.run is None:
        ack(text=help_text(locale))
        return
    words = argument.strip().lower().split()
    try:
        with require_staff(slack, client, user, sub.action, locale=locale) as staff:
            sub.run(Call(slack, ack, client, command, staff, sub.action, words, locale))
    except Refused as refused:
        ack(text=refused.text)


def help_text(locale: str) -> str:
    """The help, one line per subcommand of the table (the empty one is `/gcm new`'s alias)."""
    lines = [
        f"`/gcm {sub.usage}` — {gettext(locale, sub.summary)}"
        for name, sub in SUBCOMMANDS.items()
        if name
    ]
    return "\n".join((f"*{gettext(locale, HELP_TITLE)}*", *lines))


def open_capture(call: Call) -> None:
    """The capture modal, offering only the reviews this staff member may record inputs for."""
    reviews = reviews_for(call.staff, Action.CAPTURE)
    if not reviews:
        raise NotAllowed(call.action.value)
    call.ack()
    metadata = {"channel_id": call.channel_id, "locale": call.locale}
    view = capture_modal(call.locale, metadata=metadata, reviews=reviews)
    call.client.views_open(trigger_id=call.command["trigger_id"], view=view)


def for_review(handler: Callable[[Call, str], None]) -> Callable[[Call], None]:
    """A subcommand on one regional review: the one named, or the one moderated in this channel."""

    def run(call: Call) -> None:
        slug = (call.words[0] if call.words else "") or _review_of_channel(
            call.slack, call.channel_id
        )
        if slug not in REVIEW_SLUGS:
            reviews = ", ".join(REVIEW_SLUGS)
            call.ack(
                text=gettext(
                    call.locale, "Which regional review? Use one of: %(reviews)s", reviews=reviews
                )
            )
            return
        authorize(call.staff, call.action, slug)
        handler(call, slug)

    return run


@for_review
def post_digest(call: Call, slug: str) -> None:
    call.ack()
    now = utcnow()
    runtime = call.slack.runtime
    digest = digest_for(
        runtime.engine,
        review_slug=slug,
        since=now - DIGEST_PERIOD,
        until=now,
        consent_age=runtime.settings.digital_consent_age,
    )
    text = gettext(call.locale, "Digest: %(review)s", review=slug.upper())
    blocks = digest_blocks(digest, call.locale)
    call.client.chat_postMessage(channel=call.channel_id, blocks=blocks, text=text)


@for_review
def moderate_here(call: Call, slug: str) -> None:
    _set_channel(call, slug, safeguarding=False)
    review = slug.upper()
    call.ack(
        text=gettext(
            call.locale,
            "New inputs for %(review)s will be posted in this channel for moderation.",
            review=review,
        )
    )


@for_review
def safeguard_here(call: Call, slug: str) -> None:
    _set_channel(call, slug, safeguarding=True)
    review = slug.upper()
    call.ack(
        text=gettext(
            call.locale,
            "Inputs for %(review)s that disclose a protection risk will be posted in this channel at once.",
            review=review,
        )
    )


def _set_channel(call: Call, slug: str, *, safeguarding: bool) -> None:
    call.slack.runtime.moderation.set_review_channel(
        review_slug=slug, channel_id=call.channel_id, actor=call.staff, safeguarding=safeguarding
    )


@for_review
def subscribe_here(call: Call, slug: str) -> None:
    """`/gcm subscribe REVIEW [daily|weekly] [HH:MM]`: this channel, the user's language and time zone."""
    options = call.words[1:]
    cadence = next((o for o in options if o in ("daily", "weekly")), "weekly")
    at = next((o for o in options if ":" in o), "08:00")
    try:
        timezone = call.client.users_info(user=call.command["user_id"])["user"].get("tz") or "UTC"
        subscription = subscribe(
            call.slack.runtime.engine,
            reviews=[slug],
            cron=cadence_to_cron(cadence, at),
            timezone=timezone,
            locale=call.locale,
            slack_channel=call.channel_id,
            emails=[],
            actor=f"staff:{call.staff.id}",
        )
    except ValueError:
        call.ack(text=gettext(call.locale, "Usage: /gcm subscribe REVIEW [daily|weekly] [HH:MM]"))
        return
    text = gettext(
        call.locale,
        "This channel will get the %(review)s digest (%(cadence)s at %(at)s, %(timezone)s). Subscription %(id)s.",
        review=slug.upper(),
        cadence=cadence,
        at=at,
        timezone=subscription.timezone,
        id=subscription.id,
    )
    call.ack(text=text)


def withdraw(call: Call) -> None:
    """`/gcm withdraw RECEIPT quote|contact|message`, on a contributor's behalf."""
    receipt = call.words[0].upper() if call.words else ""
    consent = call.words[1] if len(call.words) > 1 else ""
    if not receipt or consent not in WITHDRAWABLE:
        call.ack(text=gettext(call.locale, "Usage: /gcm withdraw RECEIPT quote|contact|message"))
        return
    found = call.slack.runtime.consent.withdraw_for_staff(
        receipt=receipt, consent=consent, staff=call.staff, channel="slack"
    )
    done = gettext(
        call.locale,
        "Consent withdrawn for %(receipt)s: %(consent)s.",
        receipt=receipt,
        consent=consent,
    )
    call.ack(text=done if found else _nothing_stored(call, receipt))


def erase(call: Call) -> None:
    """`/gcm erase RECEIPT`, on a contributor's request (administrators)."""
    receipt = call.words[0].upper() if call.words else ""
    if not receipt:
        call.ack(text=gettext(call.locale, "Usage: /gcm erase RECEIPT"))
        return
    found = call.slack.runtime.privacy.erase_for_staff(receipt=receipt, staff=call.staff)
    done = gettext(
        call.locale,
        "%(receipt)s is erased, with its consents and its moderation message.",
        receipt=receipt,
    )
    call.ack(text=done if found else _nothing_stored(call, receipt))


def _nothing_stored(call: Call, receipt: str) -> str:
    return gettext(call.locale, "Nothing is stored under %(receipt)s.", receipt=receipt)


def _review_of_channel(slack: SlackContext, channel_id: str) -> str:
    return next(
        (r.slug for r in slack.runtime.service.reviews() if r.slack_channel == channel_id), ""
    )


_NEW = Subcommand(
    "new",
    N_("record an input on behalf of a stakeholder or from a session"),
    Action.CAPTURE,
    open_capture,
)
# In the order of the help; "" (a bare `/gcm`) opens the capture modal too.
SUBCOMMANDS: dict[str, Subcommand] = {
    "": _NEW,
    "new": _NEW,
    "digest": Subcommand(
        "digest [review]",
        N_("post the current digest of a regional review"),
        Action.READ_INPUTS,
        post_digest,
    ),
    "channel": Subcommand(
        "channel REVIEW",
        N_("moderate this review's new inputs in this channel"),
        Action.CONFIGURE_REVIEW,
        moderate_here,
    ),
    "subscribe": Subcommand(
        "subscribe REVIEW [daily|weekly] [HH:MM]",
        N_("get the review's digest in this channel"),
        Action.CONFIGURE_REVIEW,
        subscribe_here,
    ),
    "safeguarding": Subcommand(
        "safeguarding REVIEW",
        N_("post this review's urgent inputs (protection risks) in this channel at once"),
        Action.CONFIGURE_REVIEW,
        safeguard_here,
    ),
    "withdraw": Subcommand(
        "withdraw RECEIPT quote|contact|message",
        N_("withdraw a consent on a contributor's behalf"),
        Action.WITHDRAW_CONSENT,
        withdraw,
    ),
    "erase": Subcommand(
        "erase RECEIPT",
        N_("erase an input on a contributor's request (administrators)"),
        Action.ERASE,
        erase,
    ),
    "help": Subcommand("help", N_("show this message"), None, None),
}


def register(app: App) -> None:
    app.command("/gcm")(gcm)
