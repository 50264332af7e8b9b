"""The Telegram conversation: the input questionnaire asked one question per message.

A step function per kind of moment (language, consent, a question, the
summary) takes the person's event and the stored state, changes the state and
returns the replies. Questions, choices, limits and error messages all come
from the questionnaire and the intake service; nothing here decides what a
valid answer is.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

from intake_api.consent import Consent
from intake_api.conversations import ChatState
from intake_api.countries import match_country
from intake_api.i18n import LOCALES, gettext, language_name, negotiate
from intake_api.notices import MINORS_NOTICE, PRIVACY_NOTICE, PRIVACY_NOTICE_TITLE
from intake_api.privacy import ContributorData, Privacy
from intake_api.questionnaire import CONSENT_MESSAGE, INPUT, AnswerError, Kind, Question, help_text
from intake_api.service import IntakeService, InvalidAnswers
from models.reference import N_, country_name

# The input questionnaire as Telegram asks it: consent comes first, with the
# privacy notice, and no e-mail address is asked for in a chat; instead, after
# the consent to be quoted, whether we may write back here about the review.
QUESTIONS: tuple[Question, ...] = (
    *(q for q in INPUT.questions if q.key not in ("consent_store", "contact_email")),
    CONSENT_MESSAGE,
)
# Asked only of adults: like quotes, a minor is not even asked (see MINORS_NOTICE).
ADULTS_ONLY = ("consent_quote", "consent_message")
PROFILE_KEYS = ("stakeholder_group", "country", "age_group", "gender")
OBJECTIVES_PER_PAGE = 6
SUMMARY_TITLE = N_("Please check your input")
CHANNEL = "telegram"


@dataclass(frozen=True)
class Button:
    label: str
    data: str  # callback data, at most 64 bytes


@dataclass(frozen=True)
class Reply:
    text: str
    buttons: tuple[tuple[Button, ...], ...] = ()
    replace: bool = False  # edit the message whose button was pressed, instead of a new one
    notice: str | None = None  # a short pop-up answer to a button press


@dataclass(frozen=True)
class Incoming:
    kind: Literal["command", "text", "button", "unsupported"]
    value: str = ""
    language_code: str | None = None


@dataclass
class Ports:
    """What the conversation may do in the store, all through the core's services."""

    service: IntakeService
    privacy: Privacy
    consent: Consent
    platform_user_id: int
    chat_id: int  # kept (encrypted) for a review only when the person says we may write to them here
    help_after: Callable[[str, str], list[str] | None]  # (receipt, locale) -> where to get help, if urgent


def _t(state: ChatState, message: str, **params: Any) -> str:
    return gettext(state.locale, message, **params)


class Conversation:
    def __init__(self, ports: Ports) -> None:
        self.ports = ports

    def handle(self, state: ChatState, event: Incoming) -> list[Reply]:
        """Move the conversation one step and say what to send back."""
        if not state.known and event.language_code:
            state.locale = negotiate(event.language_code)
        if event.kind == "command":
            return self._command(state, event.value)
        if event.kind == "unsupported":
            return [Reply(_t(state, "I can only read text messages. Please write your answer."))]
        if event.kind == "button" and event.value.startswith("lang:"):
            return self._choose_language(state, event.value[5:])
        step = state.step
        if step == "consent":
            return self._consent(state, event)
        if step == "same_profile":
            return self._same_profile(state, event)
        if step.startswith("q:"):
            return self._answer(state, _question(step[2:]), event)
        if step == "summary":
            return self._summary_choice(state, event)
        if step == "edit":
            return self._edit_choice(state, event)
        if step == "delete":
            return self._delete_choice(state, event)
        if step == "quotes":
            return self._quotes_choice(state, event)
        if step == "language":
            return [Reply(_t(state, "Please choose a language with the buttons.")), _language_menu(state)]
        return [Reply(_t(state, "Send /new to share an input, or /help to see what I can do."))]

    # Commands -----------------------------------------------------------------

    def _command(self, state: ChatState, command: str) -> list[Reply]:
        if command == "start":
            state.step = "language"
            state.data = {}
            greeting = _t(state, "Hello! This bot collects your views for the Regional Reviews of the Global Compact for Migration, organised by the UN Network on Migration.")
            return [Reply(greeting), _language_menu(state)]
        if command == "new":
            return self._ask_consent(state)
        if command == "language":
            state.data["return_to"] = state.step
            state.step = "language"
            return [_language_menu(state)]
        if command == "mydata":
            return [Reply(self._my_data(state))]
        if command == "delete":
            state.data["return_to"] = state.step
            state.step = "delete"
            return [Reply(
                _t(state, "Do you want to erase everything we store about you, including all your inputs? This cannot be undone."),
                ((Button(_t(state, "Yes, erase everything"), "del:yes"), Button(_t(state, "No, keep it"), "del:no")),),
            )]  # fmt: skip
        if command == "consent":
            return self._consents(state)
        if command == "cancel":
            state.step, state.data = "idle", {}
            return [Reply(_t(state, "Cancelled. Nothing was stored. Send /new to start again."))]
        return [Reply(_help(state))]

    def _choose_language(self, state: ChatState, locale: str) -> list[Reply]:
        if locale not in LOCALES:
            return [_language_menu(state)]
        state.locale = locale
        return_to = state.data.pop("return_to", None)
        if return_to and return_to.startswith(("q:", "summary")):
            state.step = return_to
            return [Reply(_t(state, "Language changed."), replace=True), *self._resume(state)]
        return self._ask_consent(state, replace=True)

    def _ask_consent(self, state: ChatState, *, replace: bool = False) -> list[Reply]:
        state.step = "consent"
        state.data = {"draft": uuid.uuid4().hex, "answers": {}}
        lines = [f"<b>{_t(state, PRIVACY_NOTICE_TITLE)}</b>", *(f"• {_t(state, line)}" for line in PRIVACY_NOTICE)]
        lines.append(_t(state, "Do you agree that we store your answers?"))
        buttons = ((Button(_t(state, "I agree"), "consent:yes"), Button(_t(state, "Not now"), "consent:no")),)
        return [Reply("\n".join(lines), buttons, replace=replace)]

    def _stored(self) -> ContributorData | None:
        return self.ports.privacy.describe_contributor(channel=CHANNEL, platform_user_id=self.ports.platform_user_id)

    def _withdraw(self, consent: str) -> int:
        return self.ports.consent.withdraw_for_contributor(
            channel=CHANNEL, platform_user_id=self.ports.platform_user_id, consent=consent
        )

    def _my_data(self, state: ChatState) -> str:
        data = self._stored()
        if data is None:
            return _t(state, "We store nothing about you.")
        lines = [_t(state, "This is what we store about you:")]
        for key, value in (("stakeholder_group", data.stakeholder_group), ("country", data.country),
                           ("age_group", data.age_group), ("gender", data.gender)):
            if value:
                lines.append(f"• {_t(state, _question(key).label)}: {_choice_label(state, key, value)}")
        lines.append(_t(state, "Your inputs: %(count)s", count=len(data.inputs)))
        lines += [f"• {i.receipt} ({i.review_slug.upper()}, {i.created_at:%Y-%m-%d})" for i in data.inputs]
        if data.message_reviews:
            lines.append(_t(state, "Your chat ID, kept encrypted to write to you here about: %(reviews)s.", reviews=_reviews(data.message_reviews)))
        lines.append(_t(state, "Send /delete to erase all of it."))
        return "\n".join(lines)  # fmt: skip

    # Consent and profile ---------------------------------------------------

    def _consent(self, state: ChatState, event: Incoming) -> list[Reply]:
        if event.kind != "button" or event.value not in ("consent:yes", "consent:no"):
            return [Reply(_t(state, "Please answer with the buttons below.")), *self._ask_consent(state)]
        if event.value == "consent:no":
            state.step, state.data = "idle", {}
            return [Reply(_t(state, "That is fine. Nothing was stored. Send /new whenever you are ready."), replace=True)]
        known = self._stored()
        profile = {k: getattr(known, k) for k in PROFILE_KEYS} if known else {}
        if any(profile.values()):
            state.data["profile"] = profile  # skipped questions stay skipped
            state.step = "same_profile"
            summary = "\n".join(f"• {_t(state, _question(k).label)}: {_choice_label(state, k, v)}"
                                for k, v in profile.items() if v)  # fmt: skip
            return [Reply(
                _t(state, "Welcome back. Shall we use the same details as last time?") + "\n" + summary,
                ((Button(_t(state, "Yes, the same"), "same:yes"), Button(_t(state, "No, change them"), "same:no")),),
                replace=True,
            )]  # fmt: skip
        return self._next_question(state, replace=True)

    def _same_profile(self, state: ChatState, event: Incoming) -> list[Reply]:
        if event.kind != "button" or event.value not in ("same:yes", "same:no"):
            return [Reply(_t(state, "Please answer with the buttons below."))]
        profile = state.data.pop("profile", {})
        if event.value == "same:yes":
            state.data["answers"].update(profile)
        return self._next_question(state, replace=True)

    # Questions ---------------------------------------------------------------

    def _next_question(self, state: ChatState, *, replace: bool = False) -> list[Reply]:
        answers = state.data["answers"]
        if state.data.pop("editing", False):
            return self._show_summary(state)
        for question in QUESTIONS:
            if question.key not in answers:
                state.step = f"q:{question.key}"
                state.data["page"] = 0
                return [_ask(state, question, replace=replace)]
        return self._show_summary(state)

    def _resume(self, state: ChatState) -> list[Reply]:
        if state.step == "summary":
            return self._show_summary(state)
        return [_ask(state, _question(state.step[2:]))]

    def _answer(self, state: ChatState, question: Question, event: Incoming) -> list[Reply]:
        answers = state.data["answers"]
        if event.kind == "button" and event.value == "skip" and not question.required:
            answers[question.key] = [] if question.kind is Kind.MULTIPLE else None
            return self._next_question(state, replace=True)
        if question.kind is Kind.MULTIPLE:
            return self._multiple(state, question, event)
        if question.kind is Kind.COUNTRY:
            return self._country(state, question, event)
        if question.kind is Kind.TEXT:
            if event.kind != "text":
                return [Reply(_t(state, "Please type your answer as a message.")), _ask(state, question)]
            return self._store_answer(state, question, event.value)
        # Single choices and yes/no questions are answered with buttons.
        if event.kind != "button" or not event.value.startswith("a:"):
            return [Reply(_t(state, "Please answer with the buttons below.")), _ask(state, question)]
        return self._store_answer(state, question, event.value[2:], replace=True)

    def _store_answer(self, state: ChatState, question: Question, raw: Any, *, replace: bool = False) -> list[Reply]:
        try:
            state.data["answers"][question.key] = question.clean(raw)
        except AnswerError as error:
            return [Reply(error.translated(state.locale)), _ask(state, question)]
        if question.key == "age_group" and self.ports.service.is_minor(state.data["answers"]["age_group"]):
            # A minor is never quoted nor written to: not even asked.
            state.data["answers"].update(dict.fromkeys(ADULTS_ONLY, False))
            notice = _t(state, MINORS_NOTICE, age=self.ports.service.digital_consent_age)
            return [Reply(notice, replace=replace), *self._next_question(state)]
        if question.kind is Kind.TEXT:
            return [Reply(_t(state, "Thank you, I have your text.")), *self._next_question(state)]
        return self._next_question(state, replace=replace)

    def _multiple(self, state: ChatState, question: Question, event: Incoming) -> list[Reply]:
        chosen: list[str] = state.data.setdefault("chosen", [])
        if event.kind != "button":
            return [Reply(_t(state, "Please choose with the buttons, then press Done.")), _ask(state, question)]
        if event.value.startswith("t:"):
            value = event.value[2:]
            toggled = [v for v in chosen if v != value] if value in chosen else [*chosen, value]
            try:
                question.clean(toggled)
            except AnswerError as error:
                return [Reply("", notice=error.translated(state.locale))]
            state.data["chosen"] = toggled
            return [_ask(state, question, replace=True)]
        if event.value.startswith("p:"):
            state.data["page"] = int(event.value[2:]) if event.value[2:].isdigit() else 0
            return [_ask(state, question, replace=True)]
        if event.value == "done":
            state.data.pop("chosen", None)
            return self._store_answer(state, question, chosen, replace=True)
        return [_ask(state, question)]

    def _country(self, state: ChatState, question: Question, event: Incoming) -> list[Reply]:
        if event.kind == "button" and event.value.startswith("c:"):
            return self._store_answer(state, question, event.value[2:], replace=True)
        if event.kind != "text":
            return [_ask(state, question)]
        candidates = match_country(event.value)
        if not candidates:
            return [Reply(_t(state, "I could not find that country. Please try another spelling, or skip.")),
                    _ask(state, question)]  # fmt: skip
        rows = tuple((Button(country_name(code, state.locale), f"c:{code}"),) for code in candidates)
        return [Reply(_t(state, "Did you mean:"), (*rows, (Button(_t(state, "Skip"), "skip"),)))]

    # Summary -----------------------------------------------------------------

    def _show_summary(self, state: ChatState) -> list[Reply]:
        state.step = "summary"
        answers = state.data["answers"]
        lines = [f"<b>{_t(state, SUMMARY_TITLE)}</b>"]
        for question in QUESTIONS:
            value = answers.get(question.key)
            if value in (None, [], False) and question.kind is not Kind.CONSENT:
                continue
            lines.append(f"<b>{_t(state, question.label)}</b>\n{_answer_label(state, question, value)}")
        buttons = ((Button(_t(state, "Send"), "send"), Button(_t(state, "Edit"), "edit"),
                    Button(_t(state, "Cancel"), "cancel")),)  # fmt: skip
        return [Reply("\n\n".join(lines), buttons)]

    def _summary_choice(self, state: ChatState, event: Incoming) -> list[Reply]:
        if event.kind != "button":
            return [Reply(_t(state, "Please answer with the buttons below.")), *self._show_summary(state)]
        if event.value == "send":
            return self._send(state)
        if event.value == "edit":
            state.step = "edit"
            rows = tuple((Button(_t(state, q.label), f"e:{q.key}"),) for q in QUESTIONS)
            return [Reply(_t(state, "Which answer do you want to change?"), rows, replace=True)]
        if event.value == "cancel":
            return self._command(state, "cancel")
        return self._show_summary(state)

    def _edit_choice(self, state: ChatState, event: Incoming) -> list[Reply]:
        key = event.value[2:] if event.kind == "button" and event.value.startswith("e:") else ""
        if key not in {q.key for q in QUESTIONS}:
            return self._show_summary(state)
        question = _question(key)
        state.data["answers"].pop(key, None)
        if question.kind is Kind.MULTIPLE:
            state.data["chosen"] = []
        state.data["editing"] = True
        state.step, state.data["page"] = f"q:{key}", 0
        return [_ask(state, question, replace=True)]

    def _send(self, state: ChatState) -> list[Reply]:
        answers = {**state.data["answers"], "consent_store": True}
        try:
            receipt = self.ports.service.submit_input(
                answers, channel=CHANNEL, message_id=f"draft:{state.data['draft']}",
                locale=state.locale, platform_user_id=self.ports.platform_user_id,
            )  # fmt: skip
        except InvalidAnswers as refused:
            first = refused.errors[0]
            state.data["answers"].pop(first.field, None)
            state.data["editing"] = True
            state.step = f"q:{first.field}"
            return [Reply(first.message), _ask(state, _question(first.field))]
        may_write = bool(answers.get("consent_message"))
        self.ports.consent.record_message(receipt=receipt.code, chat_id=self.ports.chat_id, granted=may_write,
                                          channel=CHANNEL, locale=state.locale)
        state.step, state.data = "idle", {}
        code = f"<code>{receipt.code}</code>"
        help_lines = self.ports.help_after(receipt.code, state.locale)
        urgent = [Reply("\n".join(_escape(line) for line in help_lines))] if help_lines else []
        return [Reply(
            "\n".join((
                _t(state, "Thank you! Your input has been received."),
                _t(state, "Your receipt code is %(receipt)s. Please keep it: quote it to ask about your input or to have it erased.", receipt=code),
                _t(state, "The organisers read every input and bring them together in the summary report of the regional review. Send /new to share another input."),
                *([_t(state, "We may write to you here about this regional review. Send /consent to stop.")] if may_write else []),
            )),
            replace=True,
        ), *urgent]  # fmt: skip

    def _consents(self, state: ChatState) -> list[Reply]:
        """`/consent`: what we may do (quote the person, write to them here), with buttons to stop."""
        data = self._stored()
        if data is None:
            return [Reply(_t(state, "We store nothing about you."))]
        quoted = sum(1 for i in data.inputs if i.quote_allowed)
        if not quoted and not data.message_reviews:
            return [Reply(_t(state, "We do not quote any of your inputs. Send /delete to erase everything we store about you."))]
        lines: list[str] = []
        rows: list[tuple[Button, ...]] = []
        if quoted:
            lines.append(_t(state, "You allowed us to quote %(count)s of your inputs in reports, without your name.", count=quoted))
            rows.append((Button(_t(state, "Stop quoting me"), "quotes:stop"),))
        if data.message_reviews:
            lines.append(_t(state, "You allowed us to write to you here about: %(reviews)s.", reviews=_reviews(data.message_reviews)))
            rows.append((Button(_t(state, "Stop messages"), "messages:stop"),))
        lines.append(_t(state, "Do you want us to stop?"))
        rows.append((Button(_t(state, "Keep as it is"), "quotes:keep"),))
        state.data["return_to"] = state.step
        state.step = "quotes"
        return [Reply("\n".join(lines), tuple(rows))]  # fmt: skip

    def _quotes_choice(self, state: ChatState, event: Incoming) -> list[Reply]:
        if event.kind != "button" or event.value not in ("quotes:stop", "messages:stop", "quotes:keep"):
            return [Reply(_t(state, "Please answer with the buttons below."))]
        state.step = state.data.pop("return_to", "idle") or "idle"
        if event.value == "quotes:keep":
            return [Reply(_t(state, "Nothing was changed."), replace=True)]
        if event.value == "messages:stop":
            self._withdraw("message")
            return [Reply(_t(state, "Done. We will not write to you here any more, and we deleted your chat ID."), replace=True)]
        self._withdraw("quote")
        return [Reply(_t(state, "Done. We will not quote any of your inputs in reports or digests."), replace=True)]

    def _delete_choice(self, state: ChatState, event: Incoming) -> list[Reply]:
        if event.kind == "button" and event.value == "del:yes":
            erased = self.ports.privacy.erase_contributor(channel=CHANNEL, platform_user_id=self.ports.platform_user_id)
            state.step, state.data = "erased", {}
            return [Reply(_t(state, "Done. We erased everything we stored about you (%(count)s inputs).", count=erased), replace=True)]
        if event.kind == "button" and event.value == "del:no":
            state.step = state.data.pop("return_to", "idle") or "idle"
            return [Reply(_t(state, "Nothing was erased."), replace=True)]
        return [Reply(_t(state, "Please answer with the buttons below."))]


# Rendering helpers ---------------------------------------------------------------


def _question(key: str) -> Question:
    return next(q for q in QUESTIONS if q.key == key)


def _ask(state: ChatState, question: Question, *, replace: bool = False) -> Reply:
    """One question as one message, with its choices as buttons."""
    text = f"<b>{_t(state, question.label)}</b>"
    review = state.data.get("answers", {}).get("review")
    if question is CONSENT_MESSAGE and review:
        text += f"\n<i>{_escape(_choice_label(state, 'review', review))}</i>"  # the one review it is about
    hint = help_text(question, state.locale)
    if hint:
        text += f"\n{hint}"
    rows: list[tuple[Button, ...]] = []
    if question.kind is Kind.SINGLE:
        rows = [(Button(label, f"a:{value}"),) for value, label, _ in question.options(state.locale)]
    elif question.kind in (Kind.CONSENT, Kind.BOOLEAN):
        rows = [(Button(_t(state, "Yes"), "a:yes"), Button(_t(state, "No"), "a:no"))]
    elif question.kind is Kind.MULTIPLE:
        rows = _objective_page(state, question)
    elif question.kind is Kind.COUNTRY:
        text += "\n" + _t(state, "Type the name of the country, in any language, or its two-letter code.")
    if not question.required and question.kind is not Kind.MULTIPLE:
        rows.append((Button(_t(state, "Skip"), "skip"),))
    return Reply(text, tuple(rows), replace=replace)


def _objective_page(state: ChatState, question: Question) -> list[tuple[Button, ...]]:
    options = question.options(state.locale)
    pages = (len(options) + OBJECTIVES_PER_PAGE - 1) // OBJECTIVES_PER_PAGE
    page = min(max(int(state.data.get("page", 0)), 0), pages - 1)
    chosen = set(state.data.get("chosen", []))
    shown = options[page * OBJECTIVES_PER_PAGE:(page + 1) * OBJECTIVES_PER_PAGE]
    rows: list[tuple[Button, ...]] = [
        (Button(f"{'✓ ' if value in chosen else ''}{value}. {label}", f"t:{value}"),) for value, label, _ in shown
    ]
    navigation = []
    if page > 0:
        navigation.append(Button("◀", f"p:{page - 1}"))
    navigation.append(Button(f"{page + 1}/{pages}", f"p:{page}"))
    if page < pages - 1:
        navigation.append(Button("▶", f"p:{page + 1}"))
    rows.append(tuple(navigation))
    rows.append((Button(_t(state, "Done"), "done"), Button(_t(state, "Skip"), "skip")))
    return rows


def _language_menu(state: ChatState) -> Reply:
    rows = tuple((Button(language_name(loc), f"lang:{loc}"),) for loc in LOCALES)
    return Reply(_t(state, "Choose your language"), rows)


def _choice_label(state: ChatState, key: str, value: Any) -> str:
    question = _question(key)
    if question.kind is Kind.COUNTRY:
        return country_name(value, state.locale)
    labels = {v: label for v, label, _ in question.options(state.locale)}
    return labels.get(value, str(value))


def _answer_label(state: ChatState, question: Question, value: Any) -> str:
    if question.kind is Kind.MULTIPLE:
        labels = {v: label for v, label, _ in question.options(state.locale)}
        return ", ".join(f"{v}. {labels[v]}" for v in value)
    if question.kind in (Kind.CONSENT, Kind.BOOLEAN):
        return _t(state, "Yes") if value else _t(state, "No")
    if question.kind is Kind.TEXT:
        return _escape(value)
    return _choice_label(state, question.key, value)


def _reviews(slugs: list[str]) -> str:
    return ", ".join(slug.upper() for slug in slugs)


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _help(state: ChatState) -> str:
    return "\n".join((
        _t(state, "What I can do:"),
        "/new — " + _t(state, "share an input for a regional review"),
        "/language — " + _t(state, "change the language"),
        "/mydata — " + _t(state, "see what we store about you"),
        "/consent — " + _t(state, "see or withdraw your consents (quotes, messages)"),
        "/delete — " + _t(state, "erase everything we store about you"),
        "/cancel — " + _t(state, "stop the current input"),
        "/help — " + _t(state, "show this message"),
    ))  # fmt: skip


# Menu of commands registered with Telegram (setMyCommands), in every language.
COMMANDS: tuple[tuple[str, str], ...] = (
    ("start", N_("Start")),
    ("new", N_("share an input for a regional review")),
    ("language", N_("change the language")),
    ("mydata", N_("see what we store about you")),
    ("consent", N_("see or withdraw your consents (quotes, messages)")),
    ("delete", N_("erase everything we store about you")),
    ("help", N_("show this message")),
    ("cancel", N_("stop the current input")),
)
