"""What the person sees: the questionnaire as Telegram asks it, one message with buttons at a time.

Pure rendering: each function turns the conversation's state into a ``Reply``
and changes nothing. Every button's data comes from ``bots.telegram.callbacks``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bots.telegram.callbacks import Action, Answer, Language, Page, Toggle, Valued, encode
from intake_api.conversations import ChatState
from intake_api.i18n import LOCALES, gettext, is_rtl, join_list, language_name, ngettext, pgettext
from intake_api.questionnaire import CONSENT_MESSAGE, INPUT, Kind, Part, Question, help_text
from models.reference import country_name

# The input questionnaire as Telegram asks it. Before the receipt, only what the input
# cannot be stored without (consent comes first, with the privacy notice): the core
# questions that are required. Theme and objectives are not asked in a chat (staff get
# suggestions from the text). After the receipt, the profile, each question optional;
# no e-mail address is asked for in a chat: instead, after the consent to be quoted,
# whether we may write back here about the review.
CORE_QUESTIONS: tuple[Question, ...] = tuple(
    q for q in INPUT.part(Part.CORE) if q.required and q.kind is not Kind.CONSENT
)
PROFILE_QUESTIONS: tuple[Question, ...] = (
    *(q for q in INPUT.part(Part.PROFILE) if q.key != "contact_email"),
    CONSENT_MESSAGE,
)
# Every question a chat asks or once asked: an earlier version's stored step still loads.
QUESTIONS: tuple[Question, ...] = (
    *(q for q in INPUT.questions if q.key not in ("consent_store", "contact_email")),
    CONSENT_MESSAGE,
)
_BY_KEY = {q.key: q for q in QUESTIONS}
OBJECTIVES_PER_PAGE = 6


@dataclass(frozen=True)
class Button:
    label: str
    data: str  # callback data, at most 64 bytes: made by ``button``


@dataclass(frozen=True)
class Reply:
    text: str
    buttons: tuple[tuple[Button, ...], ...] = ()
    replace: bool = False  # edit the message whose button was pressed, instead of a new one
    notice: str | None = None  # a short pop-up answer to a button press


def button(label: str, callback: Action | Valued) -> Button:
    return Button(label, encode(callback))


def _t(state: ChatState, message: str, **params: Any) -> str:
    return gettext(state.locale, message, **params)


def _tn(state: ChatState, singular: str, plural: str, n: int, **params: Any) -> str:
    """A counted message in the person's language: "3 сообщения" but "5 сообщений"."""
    return ngettext(state.locale, singular, plural, n, **params)


def _tp(state: ChatState, context: str, message: str, **params: Any) -> str:
    """A message whose English has more than one meaning ("No, keep it": keep what?)."""
    return pgettext(state.locale, context, message, **params)


def _yes_no(state: ChatState, value: bool) -> str:
    """A yes/no answer, on its buttons and where the summary repeats it (not a checkbox's "Yes")."""
    if value:
        return _tp(state, "answer to a yes/no question", "Yes")
    return _tp(state, "answer to a yes/no question", "No")


def question(key: str) -> Question | None:
    return _BY_KEY.get(key)


def ask(
    state: ChatState, asked: Question, *, replace: bool = False, skip_all: bool = False
) -> Reply:
    """One question as one message, with its choices as buttons, in plain words.

    ``skip_all``: a profile question after the receipt, which may skip the rest too.
    """
    text = f"<b>{_t(state, asked.shown_label(plain=True))}</b>"
    review = state.data.get("answers", {}).get("review") or state.data.get("review")
    if asked is CONSENT_MESSAGE and review:
        text += f"\n<i>{escape(choice_label(state, 'review', review))}</i>"  # the one review it is about
    hint = help_text(asked, state.locale)
    if hint:
        text += f"\n{hint}"
    rows: list[tuple[Button, ...]] = []
    if asked.kind is Kind.SINGLE:
        rows = [
            (button(label, Answer(value)),)
            for value, label, _ in asked.options(state.locale, plain=True)
        ]
    elif asked.kind in (Kind.CONSENT, Kind.BOOLEAN):
        rows = [
            (
                button(_yes_no(state, True), Answer("yes")),
                button(_yes_no(state, False), Answer("no")),
            )
        ]
    elif asked.kind is Kind.MULTIPLE:
        rows = _objective_page(state, asked)
    elif asked.kind is Kind.COUNTRY:
        text += "\n" + _t(
            state, "Type the name of the country, in any language, or its two-letter code."
        )
    if not asked.required and asked.kind is not Kind.MULTIPLE:
        skip = button(_t(state, "Skip"), Action.SKIP)
        rows.append((skip, button(_t(state, "Skip all"), Action.SKIP_ALL)) if skip_all else (skip,))
    return Reply(text, tuple(rows), replace=replace)


def _objective_page(state: ChatState, asked: Question) -> list[tuple[Button, ...]]:
    options = asked.options(state.locale)
    pages = (len(options) + OBJECTIVES_PER_PAGE - 1) // OBJECTIVES_PER_PAGE
    page = min(max(int(state.data.get("page", 0)), 0), pages - 1)
    chosen = set(state.data.get("chosen", []))
    shown = options[page * OBJECTIVES_PER_PAGE : (page + 1) * OBJECTIVES_PER_PAGE]
    rows: list[tuple[Button, ...]] = [
        (button(f"{'✓ ' if value in chosen else ''}{value}. {label}", Toggle(value)),)
        for value, label, _ in shown
    ]
    rows.append(_paging(state, page, pages))
    rows.append((button(_t(state, "Done"), Action.DONE), button(_t(state, "Skip"), Action.SKIP)))
    return rows


def _paging(state: ChatState, page: int, pages: int) -> tuple[Button, ...]:
    """◀ previous, page, next ▶; mirrored in right-to-left languages, where one reads the
    row from the right and "previous" is the arrow pointing right."""
    previous, following = ("▶", "◀") if is_rtl(state.locale) else ("◀", "▶")
    navigation = []
    if page > 0:
        navigation.append(button(previous, Page(page - 1)))
    navigation.append(button(f"{page + 1}/{pages}", Page(page)))
    if page < pages - 1:
        navigation.append(button(following, Page(page + 1)))
    return tuple(reversed(navigation)) if is_rtl(state.locale) else tuple(navigation)


def other_languages(state: ChatState, per_row: int = 3) -> tuple[tuple[Button, ...], ...]:
    """One tap to another language: each named in itself, a few to a row."""
    others = [button(language_name(loc), Language(loc)) for loc in LOCALES if loc != state.locale]
    return tuple(tuple(others[i : i + per_row]) for i in range(0, len(others), per_row))


def language_menu(state: ChatState) -> Reply:
    rows = tuple((button(language_name(loc), Language(loc)),) for loc in LOCALES)
    return Reply(_t(state, "Choose your language"), rows)


def choice_label(state: ChatState, key: str, value: Any) -> str:
    asked = _BY_KEY[key]
    if asked.kind is Kind.COUNTRY:
        return country_name(value, state.locale)
    labels = {v: label for v, label, _ in asked.options(state.locale, plain=True)}
    return labels.get(value, str(value))


def answer_label(state: ChatState, asked: Question, value: Any) -> str:
    if asked.kind is Kind.MULTIPLE:
        labels = {v: label for v, label, _ in asked.options(state.locale)}
        return join_list(state.locale, (f"{v}. {labels[v]}" for v in value))
    if asked.kind in (Kind.CONSENT, Kind.BOOLEAN):
        return _yes_no(state, bool(value))
    if asked.kind is Kind.TEXT:
        return escape(value)
    return choice_label(state, asked.key, value)


def escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
