"""The one definition of every question asked, as data; every channel renders it.

The web form, the Telegram conversation and the Slack modal read the same
``Question`` objects: their key (the form field name), kind, limits, choices
and translatable label and help text. Cleaning an answer lives here too, so a
rule about an answer is written once and holds on every channel.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from enum import StrEnum
from functools import cache
from typing import Any
from urllib.parse import urlsplit

from email_validator import EmailNotValidError, validate_email

from intake_api.i18n import collation_key, gettext, plural
from models.markers import NC_, NP_, Plural
from models.reference import (
    AGE_GROUPS,
    COUNTRY_CODES,
    GENDERS,
    LEAST_DEVELOPED_COUNTRIES,
    N_,
    OBJECTIVE_PLAIN,
    OBJECTIVES,
    REGIONAL_REVIEWS,
    STAKEHOLDER_GROUPS,
    THEME_PLAIN,
    THEMES,
    country_name,
)

# Bumped whenever the wording of a privacy or consent notice changes; stored with each consent.
CONSENT_NOTICE_VERSION = "2026-12-v3"  # v3: the Telegram chat kept for messages, if allowed


class Kind(StrEnum):
    SINGLE = "single"  # one of the choices
    MULTIPLE = "multiple"  # any number of the choices
    COUNTRY = "country"  # one ISO 3166-1 alpha-2 code
    COUNTRIES = "countries"  # several ISO codes
    LINE = "line"  # a short single line of text
    TEXT = "text"  # free text, several lines
    EMAIL = "email"
    URL = "url"
    BOOLEAN = "boolean"  # yes / no
    CONSENT = "consent"  # an explicit agreement; a required one must be given


class Part(StrEnum):
    """Where a question is asked: what the input needs first, or about the person, after.

    Core questions come first on every channel; a chat asks only the required ones before
    the receipt (the optional ones, theme and objectives, are suggested to staff from the
    text). Profile questions come after, each optional: on the web form under "Tell us more
    about you", in a chat after the receipt, attached to the input already stored.
    """

    CORE = "core"
    PROFILE = "profile"


@dataclass(frozen=True)
class Choice:
    value: str
    label: str  # msgid
    detail: str | None = None  # msgid of a longer description (an objective's full title)
    plain: str | None = None  # msgid of the label a contributor reads, where ``label`` is jargon


@dataclass(frozen=True)
class AnswerError(Exception):
    """Why one answer was refused: a msgid and its placeholders, translated when shown.

    A limit stated in the message ("at least 10 characters") is a ``Plural`` counted
    by ``number``, so "10 символов" and "1 символ" both read right. Every channel
    (web form, API, Telegram, Slack modal) shows the error through ``translated``.
    """

    code: str
    message: str | Plural
    params: Mapping[str, Any] = field(default_factory=dict)
    number: int = 0  # the count that picks a Plural message's form

    def translated(self, locale: str) -> str:
        if isinstance(self.message, Plural):
            return plural(locale, self.message, self.number, **self.params)
        return gettext(locale, self.message, **self.params)


_REQUIRED = AnswerError("required", N_("Please answer this question."))
_NOT_A_CHOICE = AnswerError("invalid_choice", N_("Please choose one of the options offered."))
_UNREADABLE = AnswerError(
    "invalid_characters",
    N_("This answer contains characters that cannot be stored. Please type it again."),
)
_NO_CONSENT = AnswerError(
    "consent_required",
    N_("We can only keep your input with your consent. Please tick the box to agree."),
)

# Answers arriving from any channel are cut off here before any parsing, so a
# hostile megabyte costs nothing; the length error still names the real limit.
_RAW_CEILING = 50_000

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffe\uffff]")


@dataclass(frozen=True)
class Question:
    key: str
    kind: Kind
    label: str
    help: str | Plural | None = None  # a Plural when it states the limit: counted by it
    required: bool = False
    choices: tuple[Choice, ...] = ()
    min_length: int = 0
    max_length: int = 0
    min_choices: int = 0
    max_choices: int = 0
    # Free text that may carry personal data (an e-mail address, a phone number): stored
    # with it masked (intake_api.redaction), whatever the kind of record and the channel.
    redact: bool = False
    part: Part = Part.CORE
    plain: str | None = None  # msgid of the label a contributor reads, where ``label`` is jargon

    def options(self, locale: str, *, plain: bool = False) -> list[tuple[str, str, str | None]]:
        """(value, label, detail) in the reader's language, countries sorted by name.

        ``plain``: as a contributor reads them (a choice's plain label, with its official
        label as the detail when it has no other); staff read the official labels.
        """
        if self.kind in (Kind.COUNTRY, Kind.COUNTRIES):
            return list(_country_options(locale))
        return [_option(locale, c, plain=plain) for c in self.choices]

    def shown_label(self, *, plain: bool = False) -> str:
        """The msgid of the question's label: its plain one for a contributor, if it has one."""
        return (self.plain or self.label) if plain else self.label

    def clean(self, raw: Any) -> Any:
        """The stored form of one raw answer, or ``AnswerError``."""
        return _CLEANERS[self.kind](self, raw)


def _option(locale: str, choice: Choice, *, plain: bool) -> tuple[str, str, str | None]:
    if plain and choice.plain:
        return (
            choice.value,
            gettext(locale, choice.plain),
            gettext(locale, choice.detail or choice.label),
        )
    detail = gettext(locale, choice.detail) if choice.detail else None
    return (choice.value, gettext(locale, choice.label), detail)


@cache
def _country_options(locale: str) -> tuple[tuple[str, str, None], ...]:
    named = [(code, country_name(code, locale), None) for code in COUNTRY_CODES]
    key = collation_key(locale)
    return tuple(sorted(named, key=lambda item: key(item[1])))


def _as_text(raw: Any) -> str:
    """Text in NFC with surrounding space removed; refuses bytes that are not UTF-8."""
    if raw is None:
        return ""
    if isinstance(raw, list | tuple):
        raw = raw[0] if raw else ""
    if isinstance(raw, bytes):
        try:
            raw = raw.decode("utf-8")
        except UnicodeDecodeError:
            raise _UNREADABLE from None
    text = str(raw)[:_RAW_CEILING]
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:  # lone surrogates from a broken client
        raise _UNREADABLE from None
    if _CONTROL.search(text):
        raise _UNREADABLE
    return unicodedata.normalize("NFC", text.replace("\r\n", "\n")).strip()


def _as_list(raw: Any) -> list[str]:
    if raw is None or raw == "":
        return []
    items = raw if isinstance(raw, list | tuple | set | frozenset) else [raw]
    return [_as_text(item) for item in items if item not in (None, "")]


def _clean_single(question: Question, raw: Any) -> str | None:
    value = _as_text(raw)
    if not value:
        if question.required:
            raise _REQUIRED
        return None
    if value not in {c.value for c in question.choices}:
        raise _NOT_A_CHOICE
    return value


def _clean_multiple(question: Question, raw: Any) -> list[str]:
    values = list(dict.fromkeys(_as_list(raw)))
    allowed = {c.value for c in question.choices}
    if any(v not in allowed for v in values):
        raise _NOT_A_CHOICE
    _check_count(question, len(values))
    order = {c.value: i for i, c in enumerate(question.choices)}
    return sorted(values, key=order.__getitem__)


def _check_count(question: Question, count: int) -> None:
    if question.required and count == 0:
        raise _REQUIRED
    if count and count < question.min_choices:
        raise AnswerError(
            "too_few",
            NP_(
                "Please choose at least %(min)s option.", "Please choose at least %(min)s options."
            ),
            {"min": question.min_choices},
            question.min_choices,
        )
    if question.max_choices and count > question.max_choices:
        raise AnswerError(
            "too_many",
            NP_("Please choose at most %(max)s option.", "Please choose at most %(max)s options."),
            {"max": question.max_choices},
            question.max_choices,
        )


def _clean_country(question: Question, raw: Any) -> str | None:
    value = _as_text(raw).upper()
    if not value:
        if question.required:
            raise _REQUIRED
        return None
    if value not in COUNTRY_CODES:
        raise AnswerError("invalid_country", N_("Please choose a country from the list."))
    return value


def _clean_countries(question: Question, raw: Any) -> list[str]:
    values = list(dict.fromkeys(v.upper() for v in _as_list(raw)))
    if any(v not in COUNTRY_CODES for v in values):
        raise AnswerError("invalid_country", N_("Please choose a country from the list."))
    _check_count(question, len(values))
    return sorted(values)


def _clean_text(question: Question, raw: Any) -> str | None:
    original = "" if raw is None else raw
    value = _as_text(original)
    if question.kind is Kind.LINE:
        value = " ".join(value.split())
    if not value:
        if question.required:
            raise _REQUIRED
        return None
    longest, shortest = _lengths(question, original)
    if question.max_length and longest > question.max_length:
        raise AnswerError(
            "too_long",
            # The form follows the limit; "you wrote" states the other number as a label would.
            NP_(
                "Please keep this to %(max)s character at most (you wrote %(count)s).",
                "Please keep this to %(max)s characters at most (you wrote %(count)s).",
            ),
            {"max": question.max_length, "count": longest},
            question.max_length,
        )
    if shortest < question.min_length:
        raise AnswerError(
            "too_short",
            NP_(
                "Please write at least %(min)s character (you wrote %(count)s).",
                "Please write at least %(min)s characters (you wrote %(count)s).",
            ),
            {"min": question.min_length, "count": shortest},
            question.min_length,
        )
    return value


def _lengths(question: Question, original: Any) -> tuple[int, int]:
    """The length of an answer as typed, measured the way most generous to the writer.

    Surrounding white space never counts (nor repeated spaces in a line). Toward the
    maximum a Windows line break counts once, as the browser showed it; toward the
    minimum every character typed counts. Both are counted before Unicode normalisation,
    so a limit means the same whatever the writer's keyboard composed: the API document
    states these limits as plain string lengths, and every text it admits is accepted.
    """
    text = _as_text_unnormalised(original)
    if isinstance(original, str) and len(original) > _RAW_CEILING:
        return len(original), len(original)

    def measure(raw: str) -> int:
        return len(" ".join(raw.split())) if question.kind is Kind.LINE else len(raw.strip())

    return measure(text.replace("\r\n", "\n")), measure(text)


def _as_text_unnormalised(raw: Any) -> str:
    if isinstance(raw, list | tuple):
        raw = raw[0] if raw else ""
    if isinstance(raw, bytes):
        raw = raw.decode("utf-8", errors="replace")
    return str(raw)[:_RAW_CEILING]


def _clean_email(question: Question, raw: Any) -> str | None:
    value = _as_text(raw)
    if not value:
        if question.required:
            raise _REQUIRED
        return None
    try:
        checked = validate_email(value, check_deliverability=False)
    except EmailNotValidError:
        raise AnswerError(
            "invalid_email", N_("Please enter a valid e-mail address, such as name@example.org.")
        ) from None
    return str(checked.normalized)


def _clean_url(question: Question, raw: Any) -> str | None:
    value = _as_text(raw)
    if not value:
        if question.required:
            raise _REQUIRED
        return None
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or "." not in parts.netloc or len(value) > 500:
        raise AnswerError(
            "invalid_url", N_("Please enter a full web address starting with https://.")
        )
    return value


_TRUE = {"1", "true", "on", "yes", "y"}
_FALSE = {"", "0", "false", "off", "no", "n"}


def _clean_boolean(question: Question, raw: Any) -> bool:
    if isinstance(raw, bool):
        return raw
    value = _as_text(raw).lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise _NOT_A_CHOICE


def _clean_consent(question: Question, raw: Any) -> bool:
    given = _clean_boolean(question, raw)
    if question.required and not given:
        raise _NO_CONSENT
    return given


_CLEANERS: dict[Kind, Callable[[Question, Any], Any]] = {
    Kind.SINGLE: _clean_single,
    Kind.MULTIPLE: _clean_multiple,
    Kind.COUNTRY: _clean_country,
    Kind.COUNTRIES: _clean_countries,
    Kind.LINE: _clean_text,
    Kind.TEXT: _clean_text,
    Kind.EMAIL: _clean_email,
    Kind.URL: _clean_url,
    Kind.BOOLEAN: _clean_boolean,
    Kind.CONSENT: _clean_consent,
}

CrossRule = Callable[[Mapping[str, Any]], Mapping[str, AnswerError]]


@dataclass(frozen=True)
class Questionnaire:
    """An ordered set of questions, plus rules that span several answers."""

    name: str
    questions: tuple[Question, ...]
    rules: tuple[CrossRule, ...] = ()

    def __getitem__(self, key: str) -> Question:
        for question in self.questions:
            if question.key == key:
                return question
        raise KeyError(key)

    @property
    def keys(self) -> tuple[str, ...]:
        return tuple(q.key for q in self.questions)

    def part(self, part: Part) -> tuple[Question, ...]:
        """The questions of one part, in their order."""
        return tuple(q for q in self.questions if q.part is part)

    @property
    def redacted_keys(self) -> frozenset[str]:
        """The free-text answers stored with personal data masked."""
        return frozenset(q.key for q in self.questions if q.redact)

    def validate(self, raw: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, AnswerError]]:
        """Clean every answer; unknown keys (CSRF tokens, honeypots) are ignored."""
        clean: dict[str, Any] = {}
        errors: dict[str, AnswerError] = {}
        for question in self.questions:
            try:
                clean[question.key] = question.clean(raw.get(question.key))
            except AnswerError as error:
                errors[question.key] = error
        if not errors:
            for rule in self.rules:
                errors.update(rule(clean))
        return clean, errors


def _choices(labels: Mapping[str, str]) -> tuple[Choice, ...]:
    return tuple(Choice(value, label) for value, label in labels.items())


REVIEW_CHOICES = tuple(Choice(r.slug, r.region, r.commission) for r in REGIONAL_REVIEWS)
OBJECTIVE_CHOICES = tuple(
    Choice(str(o.number), o.short, o.title, OBJECTIVE_PLAIN[o.number]) for o in OBJECTIVES
)
THEME_CHOICES = tuple(
    Choice(value, label, plain=THEME_PLAIN[value]) for value, label in THEMES.items()
)

TEXT_MIN, TEXT_MAX = 10, 5_000

_review = Question(
    "review", Kind.SINGLE, N_("Regional review"),
    N_("The regional review your input is for."), required=True, choices=REVIEW_CHOICES,
)  # fmt: skip
_stakeholder_group = Question(
    "stakeholder_group", Kind.SINGLE, N_("Who are you writing as?"),
    N_("Choose the group that fits you or your organisation best."),
    required=True, choices=_choices(STAKEHOLDER_GROUPS),
)  # fmt: skip
_country = Question(
    "country", Kind.COUNTRY, N_("Country"),
    N_("The country your input is mainly about, or where you live. Optional."),
)  # fmt: skip
_objectives = Question(
    "objectives", Kind.MULTIPLE, N_("GCM objectives"),
    NP_(
        "Which of the 23 objectives of the Global Compact does your input speak to? Optional; choose up to %(max)s objective.",
        "Which of the 23 objectives of the Global Compact does your input speak to? Optional; choose up to %(max)s objectives.",
    ),
    choices=OBJECTIVE_CHOICES, max_choices=5, plain=N_("What is your input about? (optional)"),
)  # fmt: skip
_profile_group = Question(
    "stakeholder_group", Kind.SINGLE, N_("Who are you writing as?"),
    N_("Choose the group that fits you or your organisation best. Optional."),
    choices=_choices(STAKEHOLDER_GROUPS), part=Part.PROFILE,
)  # fmt: skip
_contact_email = Question(
    "contact_email", Kind.EMAIL, N_("E-mail address for follow-up"),
    N_("Optional. Only if you would like the organisers to contact you. It is stored encrypted."),
)  # fmt: skip
_consent_store = Question(
    "consent_store", Kind.CONSENT,
    N_("I agree that my answers are stored and used to prepare the regional review."),
    N_("Required. You can ask for your input to be erased at any time with your receipt code."),
    required=True,
)  # fmt: skip

# Shown with the e-mail address and the quote consent: why an age group is needed first.
CONTACT_HELP = N_(
    "Optional. Only if you would like the organisers to contact you, and only with your age group given. It is stored encrypted."
)
QUOTE_HELP = N_("Optional. Only with your age group given.")
# Pledges and practices are shown on the Hub only with this consent, and once staff publish them.
PUBLISH_HELP = N_(
    "Optional. Staff publish it after a check; your e-mail address is never shown. You can withdraw it at any time."
)

# Core first, what the input is and what it cannot be stored without; then, optional,
# about the person. Contact and quotes come after the age group: until an adult age
# group is given, the input is treated as a minor's (``IntakeService``, ``publication``).
INPUT = Questionnaire("input", (
    Question("text", Kind.TEXT, N_("Your input"),
             NP_("What works, what does not, and what should change? Between %(min)s and %(max)s character.",
                 "What works, what does not, and what should change? Between %(min)s and %(max)s characters."),
             required=True, min_length=TEXT_MIN, max_length=TEXT_MAX, redact=True,
             plain=N_("What would you like to tell the regional review?")),
    _review,
    Question("theme", Kind.SINGLE, N_("Discussion theme"),
             N_("The theme of the regional review your input fits best. Optional."),
             choices=THEME_CHOICES, plain=N_("Which topic is closest? (optional)")),
    _objectives,
    _consent_store,
    _profile_group,
    replace(_country, part=Part.PROFILE),
    Question("age_group", Kind.SINGLE, N_("Age group"),
             N_("Optional. It helps us hear from young people."), choices=_choices(AGE_GROUPS),
             part=Part.PROFILE),
    Question("gender", Kind.SINGLE, N_("Gender"), N_("Optional."), choices=_choices(GENDERS),
             part=Part.PROFILE),
    replace(_contact_email, part=Part.PROFILE, help=CONTACT_HELP),
    Question("consent_quote", Kind.CONSENT,
             N_("You may quote my input, without my name, in the summary report."),
             QUOTE_HELP, part=Part.PROFILE),
))  # fmt: skip

CAPTURE_SOURCES = {
    "consultation": N_("Consultation session"),
    "email": N_("E-mail"),
    "interview": N_("Interview"),
    "other": NC_("answer option", "Other"),
}

# Staff recording an input on someone's behalf (Slack): the same questions, plus where
# the input came from, and consent confirmed by the staff member.
_NOT_CAPTURED = ("consent_store", "consent_quote", "contact_email")
STAFF_INPUT = Questionnaire("staff_input", (
    Question("source", Kind.SINGLE, N_("Source"), N_("How you received this input."),
             required=True, choices=_choices(CAPTURE_SOURCES)),
    *(q for q in INPUT.part(Part.CORE) if q.key not in _NOT_CAPTURED),
    Question("consent_store", Kind.CONSENT,
             N_("The person agreed that this input is stored and used for the regional review."),
             required=True),
    *(q for q in INPUT.part(Part.PROFILE) if q.key not in _NOT_CAPTURED),
    Question("consent_quote", Kind.CONSENT,
             N_("The person agreed to be quoted, without their name, in the summary report."),
             QUOTE_HELP, part=Part.PROFILE),
))  # fmt: skip

PLEDGE = Questionnaire("pledge", (
    Question("organisation", Kind.LINE, N_("Member State or organisation making the pledge"),
             required=True, min_length=2, max_length=200, redact=True),
    _stakeholder_group,
    _country,
    Question("review", Kind.SINGLE, N_("Regional review"), N_("Optional."), choices=REVIEW_CHOICES),
    Question("title", Kind.LINE, N_("Title of the pledge"), required=True, min_length=5, max_length=200,
             redact=True),
    Question("text", Kind.TEXT, N_("What do you pledge to do, and by when?"),
             required=True, min_length=20, max_length=TEXT_MAX, redact=True),
    Question("objectives", Kind.MULTIPLE, N_("GCM objectives"),
             N_("The objectives the pledge advances."), required=True,
             choices=OBJECTIVE_CHOICES, max_choices=23),
    _contact_email,
    _consent_store,
    Question("consent_publish", Kind.CONSENT,
             N_("Publish this pledge on the Pledging Dashboard under the name of the Member State or organisation."),
             PUBLISH_HELP),
))  # fmt: skip

PRACTICE = Questionnaire("practice", (
    Question("title", Kind.LINE, N_("Name of the practice"), required=True, min_length=5, max_length=200,
             redact=True),
    Question("description", Kind.TEXT, N_("What was done, for whom, and with what results?"),
             required=True, min_length=50, max_length=TEXT_MAX, redact=True),
    Question("objectives", Kind.MULTIPLE, N_("GCM objectives"),
             N_("The objectives the practice implements."), required=True,
             choices=OBJECTIVE_CHOICES, max_choices=23),
    Question("countries", Kind.COUNTRIES, N_("Countries where it takes place"), required=True),
    Question("organisation", Kind.LINE, N_("Organisation"), max_length=200, redact=True),
    Question("partners", Kind.LINE, N_("Partners"), N_("Optional."), max_length=500, redact=True),
    Question("link", Kind.URL, N_("Web page about the practice"), N_("Optional.")),
    Question("review", Kind.SINGLE, N_("Regional review"), N_("Optional."), choices=REVIEW_CHOICES),
    _contact_email,
    _consent_store,
    Question("consent_publish", Kind.CONSENT,
             N_("Publish this practice on the Migration Network Hub under the name of the organisation."),
             PUBLISH_HELP),
))  # fmt: skip

# Staff recording a pledge or a practice on someone's behalf (Slack): the same questions, the
# consents confirmed by the staff member, and no help text that speaks to the person ("your").
STAFF_CONTACT_HELP = N_(
    "Optional. Only if the person would like the organisers to contact them. It is stored encrypted."
)
STAFF_PUBLISH_HELP = N_(
    "Optional. Staff publish it after a check; the e-mail address is never shown. The person can withdraw this consent at any time."
)


def _for_staff(questionnaire: Questionnaire, name: str, labels: Mapping[str, str]) -> Questionnaire:
    """``questionnaire`` worded for staff: the same keys, kinds and limits, so it stores the same
    record; each consent labelled by ``labels`` as what the person agreed to."""
    helps = {
        "contact_email": STAFF_CONTACT_HELP,
        "consent_store": None,
        "consent_publish": STAFF_PUBLISH_HELP,
    }
    return replace(
        questionnaire,
        name=name,
        questions=tuple(
            replace(q, label=labels.get(q.key, q.label), help=helps.get(q.key, q.help))
            for q in questionnaire.questions
        ),
    )


STAFF_PLEDGE = _for_staff(PLEDGE, "staff_pledge", {
    "consent_store": N_("The person agreed that this pledge is stored and used to prepare the regional review."),
    "consent_publish": N_("The person agreed that this pledge is published on the Pledging Dashboard under the name of the Member State or organisation."),
})  # fmt: skip
STAFF_PRACTICE = _for_staff(PRACTICE, "staff_practice", {
    "consent_store": N_("The person agreed that this practice is stored and used to prepare the regional review."),
    "consent_publish": N_("The person agreed that this practice is published on the Migration Network Hub under the name of the organisation."),
})  # fmt: skip
# The questionnaire staff fill in for each kind of record they may capture.
STAFF_VARIANTS: dict[str, Questionnaire] = {
    "input": STAFF_INPUT,
    "pledge": STAFF_PLEDGE,
    "practice": STAFF_PRACTICE,
}

ATTENDANCE_MODES = {"virtual": N_("Online"), "in_person": NC_("how I attend", "In person")}


def _travel_support_needs_reason(answers: Mapping[str, Any]) -> dict[str, AnswerError]:
    if not answers.get("travel_support"):
        return {}
    if answers.get("attendance_mode") != "in_person":
        return {
            "travel_support": AnswerError(
                "travel_needs_in_person", N_("Travel support is only for attending in person.")
            )
        }
    if (
        answers.get("stakeholder_group") == "government"
        and answers.get("country") not in LEAST_DEVELOPED_COUNTRIES
    ):
        return {
            "travel_support": AnswerError(
                "travel_not_eligible",
                N_(
                    "Travel support for government participants is for least developed countries only."
                ),
            )
        }
    if not answers.get("travel_reason"):
        return {
            "travel_reason": AnswerError(
                "required", N_("Please tell us briefly why you need travel support.")
            )
        }
    return {}


REGISTRATION = Questionnaire("registration", (
    _review,
    Question("name", Kind.LINE, N_("Full name"), N_("As it should appear on your badge."),
             required=True, min_length=2, max_length=200),
    Question("organisation", Kind.LINE, N_("Organisation"), N_("Optional."), max_length=200, redact=True),
    _stakeholder_group,
    Question("country", Kind.COUNTRY, N_("Country"), required=True),
    Question("contact_email", Kind.EMAIL, N_("E-mail address"),
             N_("For the practical information about the consultation. It is stored encrypted."),
             required=True),
    Question("attendance_mode", Kind.SINGLE, N_("How will you take part?"), required=True,
             choices=_choices(ATTENDANCE_MODES)),
    Question("accessibility_needs", Kind.TEXT, N_("Accessibility needs"),
             N_("Optional. Interpretation, sign language, step-free access, anything that helps you take part."),
             max_length=1_000, redact=True),
    Question("travel_support", Kind.BOOLEAN, N_("I request travel support"),
             N_("For participants from least developed countries and stakeholders who could not attend otherwise.")),
    Question("travel_reason", Kind.TEXT, N_("Why do you need travel support?"), max_length=1_000, redact=True),
    _consent_store,
), rules=(_travel_support_needs_reason,))  # fmt: skip

# Asked in chats only, near the other consents, after the review is chosen: only a yes
# lets us keep the chat (encrypted) to write to about that one review.
CONSENT_MESSAGE = Question(
    "consent_message", Kind.CONSENT,
    N_("May we send you a message here about this regional review, for example the date of the consultation or whether your input was used?"),
    N_("Optional. Only the organisers write, rarely. Send /consent to stop at any time."),
)  # fmt: skip

QUESTIONNAIRES: dict[str, Questionnaire] = {
    q.name: q
    for q in (INPUT, STAFF_INPUT, PLEDGE, STAFF_PLEDGE, PRACTICE, STAFF_PRACTICE, REGISTRATION)
}


def help_text(question: Question, locale: str) -> str | None:
    """The translated help text, with the question's limits filled in."""
    if not question.help:
        return None
    limit = question.max_length or question.max_choices
    if isinstance(question.help, Plural):
        return plural(locale, question.help, limit, min=question.min_length, max=limit)
    return gettext(locale, question.help, min=question.min_length, max=limit)


def iter_labels(questionnaires: Iterable[Questionnaire] = QUESTIONNAIRES.values()) -> set[str]:
    """Every msgid a questionnaire shows, for the catalog completeness test.

    A counted help text is listed by its singular msgid, a contextual label as the
    ``Contextual`` it is, so the test can look both up as the catalog keys them.
    """
    labels: set[str] = set()
    for questionnaire in questionnaires:
        for question in questionnaire.questions:
            hint = question.help.singular if isinstance(question.help, Plural) else question.help
            labels.update(filter(None, (question.label, hint)))
            for choice in question.choices:
                labels.update(filter(None, (choice.label, choice.detail)))
    return labels
