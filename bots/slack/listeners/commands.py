"""/gcm: capture (inputs, pledges, practices), digest, channel set-up, subscriptions, privacy requests and help.

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

from bots.slack.blocks import (
    INPUT_CAPTURE,
    PLEDGE_CAPTURE,
    PRACTICE_CAPTURE,
    CaptureForm,
    capture_modal,
    digest_blocks,
    digest_title,
)
from bots.slack.context import Refused, SlackContext, require_staff
from intake_api.consent import WITHDRAWABLE
from intake_api.digests import digest_for
from intake_api.i18n import LOCALES, gettext, isolate, join_list, labelled, language_label
from intake_api.policies.authorization import Action, NotAllowed, authorize, may, reviews_for
from intake_api.policies.encoding import slack_mrkdwn as esc
from intake_api.review_names import review_acronym, review_title
from intake_api.subscriptions import cadence_to_cron, subscribe
from models.base import utcnow
from models.reference import N_, REVIEW_SLUGS
from models.staff import StaffMember

DIGEST_PERIOD = timedelta(days=7)
HELP_TITLE = N_("GCM intake commands")
POSTS_LANGUAGE = N_("Language of the posts")
# What a command's keyword means, for its usage: the keyword is typed as is, never translated.
CONSENT_LABELS = {
    "quote": N_("quotes in reports"),
    "contact": N_("contact by e-mail"),
    "message": N_("messages in the chat"),
}
CADENCE_LABELS = {"daily": N_("every day"), "weekly": N_("every Monday")}


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


def opening(form: CaptureForm) -> Callable[[Call], None]:
    """A subcommand opening ``form``'s modal, offering only the reviews this staff member may
    capture for (and no review, for an administrator, where the form allows it)."""

    def open_capture(call: Call) -> None:
        reviews = reviews_for(call.staff, Action.CAPTURE)
        if not reviews:
            raise NotAllowed(call.action.value)
        call.ack()
        metadata = {"channel_id": call.channel_id, "locale": call.locale}
        view = capture_modal(
            call.locale,
            metadata=metadata,
            reviews=reviews,
            form=form,
            any_review=may(call.staff, Action.CAPTURE, None),
        )
        call.client.views_open(trigger_id=call.command["trigger_id"], view=view)

    return open_capture


def for_review(handler: Callable[[Call, str], None]) -> Callable[[Call], None]:
    """A subcommand on one regional review: the one named, or the one moderated in this channel."""

    def run(call: Call) -> None:
        slug = (call.words[0] if call.words else "") or _review_of_channel(
            call.slack, call.channel_id
        )
        if slug not in REVIEW_SLUGS:
            call.ack(text=which_review(call.locale))
            return
        authorize(call.staff, call.action, slug)
        handler(call, slug)

    return run


def which_review(locale: str) -> str:
    """The codes one may type, each with the review's name in the reader's language."""
    return "\n".join(
        (
            gettext(locale, "Which regional review? Type one of these codes:"),
            *(f"• `{slug}` — {review_title(locale, slug)}" for slug in REVIEW_SLUGS),
        )
    )


def _keywords(locale: str, labels: dict[str, str]) -> list[str]:
    """A usage's keywords as typed (`daily`), each with what it means in the reader's language."""
    return [f"• `{word}` — {gettext(locale, label)}" for word, label in labels.items()]


def _usage(locale: str, name: str, *explained: str) -> str:
    """A subcommand's syntax as code, its summary and its keywords: no keyword in a sentence."""
    sub = SUBCOMMANDS[name]
    return "\n".join((f"`/gcm {sub.usage}` — {gettext(locale, sub.summary)}", *explained))


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
    text = digest_title(slug, call.locale)
    blocks = digest_blocks(digest, call.locale)
    call.client.chat_postMessage(channel=call.channel_id, blocks=blocks, text=text)


@for_review
def moderate_here(call: Call, slug: str) -> None:
    """`/gcm channel REVIEW [LANG]`: the review's new inputs are moderated here, in LANG."""
    _claim_channel(
        call,
        slug,
        N_("New inputs for %(review)s will be posted in this channel for moderation."),
        safeguarding=False,
    )


@for_review
def safeguard_here(call: Call, slug: str) -> None:
    """`/gcm safeguarding REVIEW [LANG]`: the review's urgent inputs are posted here at once, in LANG."""
    _claim_channel(
        call,
        slug,
        N_(
            "Inputs for %(review)s that disclose a protection risk will be posted in this channel at once."
        ),
        safeguarding=True,
    )


def _claim_channel(call: Call, slug: str, done: str, *, safeguarding: bool) -> None:
    """Make this channel the review's moderation or safeguarding channel, posting in LANG."""
    locale = _channel_language(call, "safeguarding" if safeguarding else "channel")
    if locale is None:
        return
    _set_channel(call, slug, locale, safeguarding=safeguarding)
    said = gettext(call.locale, done, review=review_acronym(call.locale, slug))
    call.ack(text=f"{said}\n{_posts_language(call, locale)}")


def _set_channel(call: Call, slug: str, locale: str, *, safeguarding: bool) -> None:
    call.slack.runtime.moderation.set_review_channel(
        review_slug=slug,
        channel_id=call.channel_id,
        actor=call.staff,
        safeguarding=safeguarding,
        locale=locale,
    )


def _channel_language(call: Call, name: str) -> str | None:
    """The LANG after the review, or the language of the staff member who sets the channel.

    Staff of a region read their feed in their language without typing it; a LANG that is
    not one of ours is answered with the languages by name, and None is returned.
    """
    if len(call.words) < 2:
        return call.locale
    if call.words[1] in LOCALES:
        return call.words[1]
    call.ack(text=_unknown_language(call, SUBCOMMANDS[name].usage))
    return None


def _unknown_language(call: Call, usage: str) -> str:
    """The languages by name in the caller's language, their codes and the syntax as code."""
    languages = join_list(
        call.locale,
        (
            gettext(
                call.locale,
                "%(language)s (%(code)s)",
                language=language_label(code, call.locale),
                code=isolate(call.locale, f"`{code}`"),
            )
            for code in LOCALES
        ),
    )
    refused = gettext(
        call.locale,
        "“%(language)s” is not one of the bot’s languages. Choose one of: %(languages)s.",
        language=isolate(call.locale, esc(call.words[1])),
        languages=languages,
    )
    return f"{refused}\n`/gcm {usage}`"


def _posts_language(call: Call, locale: str) -> str:
    """ "Language of the posts: French", in the language of whoever set the channel."""
    return labelled(
        call.locale, gettext(call.locale, POSTS_LANGUAGE), language_label(locale, call.locale)
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
        call.ack(text=subscribe_usage(call.locale))
        return
    call.ack(
        text=gettext(
            call.locale,
            SUBSCRIBED[cadence],
            review=review_acronym(call.locale, slug),
            at=at,
            timezone=subscription.timezone,
            id=subscription.id,
        )
    )


# One whole sentence per cadence: "every day" is not a word to slot into another language's sentence.
SUBSCRIBED = {
    "daily": N_(
        "This channel will get the %(review)s digest every day at %(at)s (%(timezone)s). Subscription %(id)s."
    ),
    "weekly": N_(
        "This channel will get the %(review)s digest every Monday at %(at)s (%(timezone)s). Subscription %(id)s."
    ),
}


def subscribe_usage(locale: str) -> str:
    return _usage(
        locale,
        "subscribe",
        *_keywords(locale, CADENCE_LABELS),
        "• `HH:MM` — " + gettext(locale, "the time of day (08:00 if not given)"),
    )


def withdraw(call: Call) -> None:
    """`/gcm withdraw RECEIPT quote|contact|message`, on a contributor's behalf."""
    receipt = call.words[0].upper() if call.words else ""
    consent = call.words[1] if len(call.words) > 1 else ""
    if not receipt or consent not in WITHDRAWABLE:
        call.ack(text=_usage(call.locale, "withdraw", *_keywords(call.locale, CONSENT_LABELS)))
        return
    found = call.slack.runtime.consent.withdraw_for_staff(
        receipt=receipt, consent=consent, staff=call.staff, channel="slack"
    )
    done = gettext(
        call.locale,
        "Consent withdrawn for %(receipt)s: %(consent)s.",
        receipt=receipt,
        consent=gettext(call.locale, CONSENT_LABELS[consent]),
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
    opening(INPUT_CAPTURE),
)
# In the order of the help; "" (a bare `/gcm`) opens the capture modal too.
SUBCOMMANDS: dict[str, Subcommand] = {
    "": _NEW,
    "new": _NEW,
    "pledge": Subcommand(
        "pledge",
        N_("record a pledge on behalf of a Member State or organisation"),
        Action.CAPTURE,
        opening(PLEDGE_CAPTURE),
    ),
    "practice": Subcommand(
        "practice",
        N_("record a practice on behalf of an organisation"),
        Action.CAPTURE,
        opening(PRACTICE_CAPTURE),
    ),
    "digest": Subcommand(
        "digest [review]",
        N_("post the current digest of a regional review"),
        Action.READ_INPUTS,
        post_digest,
    ),
    "channel": Subcommand(
        "channel REVIEW [LANG]",
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
        "safeguarding REVIEW [LANG]",
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
