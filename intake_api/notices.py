"""The privacy notice every channel shows before asking for consent.

Its version is stored with each consent, so change ``CONSENT_NOTICE_VERSION``
in the questionnaire whenever these words change.
"""

from __future__ import annotations

from intake_api.i18n import plural
from models.markers import NP_
from models.reference import N_

PRIVACY_NOTICE_TITLE = N_("How we handle your input")

# What is stored, why, for how long, who sees it, how to erase: one short line each.
PRIVACY_NOTICE: tuple[str, ...] = (
    N_(
        "We store your answers to prepare the regional review of the Global Compact for Migration. We do not ask for your name."
    ),
    N_(
        "Only the organisers of the UN Network on Migration read them. Reports show numbers, and quote you only if you allow it, without your name."
    ),
    N_(
        "An e-mail address, if you give one, is stored encrypted and used only to contact you about your input."
    ),
    N_(
        "On Telegram, if you allow us to write to you about a regional review, we keep your chat ID encrypted, only for that. It is deleted when you say stop, or soon after the consultation."
    ),
    N_(
        "Phone numbers, addresses and other personal details in your text are hidden from the organisers."
    ),
    N_(
        "If you tell us you are in danger, the organisers read your input first, and we tell you where to get help."
    ),
    N_(
        "We keep your input until the review's summary report is final; contact details are deleted soon after the consultation."
    ),
    N_("You can ask for your input to be erased at any time, with your receipt code."),
)

# For contributors younger than the age of digital consent (GDPR art. 8; configurable).
# Counted by the age ("16 лет", "16 سنة"): show them with ``i18n.plural(locale, msg, age, age=age)``.
MINORS_NOTICE = NP_(
    "If you are younger than %(age)s year, we keep no e-mail address and never quote your words, even without your name.",
    "If you are younger than %(age)s years, we keep no e-mail address and never quote your words, even without your name.",
)
MINOR_CONTACT_REFUSED = NP_(
    "We do not keep e-mail addresses of people younger than %(age)s year. Please leave this field empty.",
    "We do not keep e-mail addresses of people younger than %(age)s years. Please leave this field empty.",
)

# Until an age group is given, an input is treated as a minor's for contact and quotes.
CONTACT_NEEDS_AGE = N_(
    "We keep an e-mail address only when we know your age group. Please choose your age group, or leave this field empty."
)


def minors_notice(locale: str, age: int) -> str:
    """The notice for contributors under ``age``, with the noun counted by the age."""
    return plural(locale, MINORS_NOTICE, age, age=age)


def minor_contact_refused(locale: str, age: int) -> str:
    """Why an e-mail address of someone under ``age`` is refused."""
    return plural(locale, MINOR_CONTACT_REFUSED, age, age=age)


# Registration asks for a name: it needs its own notice, true to what is kept.
REGISTRATION_NOTICE: tuple[str, ...] = (
    N_(
        "We use your name, e-mail address and needs only to organise your participation in the consultation."
    ),
    N_("They are stored encrypted; only the organisers see them."),
    N_(
        "They are deleted after the consultation. You can ask for erasure at any time, with your receipt code."
    ),
)

# Protection risks a contributor may disclose; inputs that do are read first.
SAFEGUARDING_LABELS = {
    "self_harm": N_("self-harm"),
    "trafficking": N_("trafficking"),
    "forced_labour": N_("forced labour"),
    "detention": N_("detention"),
    "violence": N_("violence"),
    "child_alone": N_("child alone"),
}

# Said to someone whose input discloses a risk; the referral text is set per review and country.
HELP_TITLE = N_("You are not alone. If you are in danger, please seek help now.")
HELP_DEFAULT = N_(
    "Local emergency services, IOM or UNHCR offices, and trusted organisations near you can help. Your input is marked for the organisers to read first."
)
