"""The Telegram conversation: the input questionnaire asked one question per message.

Where a person is in the conversation is a ``Step`` (kept in the store as the
chat session's ``step``, as earlier versions wrote it); each step has one
handler, looked up in ``STEPS``, and each command one entry in ``COMMANDS``.
A handler takes the person's event and the stored state, changes the state and
returns the replies. Questions, choices, limits and error messages all come
from the questionnaire and the intake service; nothing here decides what a
valid answer is.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Literal

from bots.telegram.callbacks import (
    Action,
    Answer,
    Callback,
    Country,
    EditAnswer,
    Language,
    Page,
    Toggle,
    decode,
)
from bots.telegram.keyboards import (
    QUESTIONS,
    Button,
    Reply,
    _t,
    answer_label,
    ask,
    button,
    choice_label,
    escape,
    language_menu,
    question,
)
from intake_api.consent import Consent
from intake_api.conversations import ChatState
from intake_api.countries import match_country
from intake_api.i18n import LOCALES, negotiate
from intake_api.notices import MINORS_NOTICE, PRIVACY_NOTICE, PRIVACY_NOTICE_TITLE
from intake_api.privacy import ContributorData, Privacy
from intake_api.questionnaire import AnswerError, Kind, Question
from intake_api.service import IntakeService, InvalidAnswers
from models.reference import N_, country_name

__all__ = [
    "COMMANDS",
    "STEPS",
    "Button",
    "Command",
    "Conversation",
    "Incoming",
    "Ports",
    "Reply",
    "Step",
]

# Asked only of adults: like quotes, a minor is not even asked (see MINORS_NOTICE).
ADULTS_ONLY = ("consent_quote", "consent_message")
PROFILE_KEYS = ("stakeholder_group", "country", "age_group", "gender")
SUMMARY_TITLE = N_("Please check your input")
CHANNEL = "telegram"


class Step(StrEnum):
    """Where a conversation is; the values are what the store holds (a question is ``q:<key>``)."""

    START = "start"  # never spoken to
    IDLE = "idle"
    LANGUAGE = "language"
    CONSENT = "consent"
    SAME_PROFILE = "same_profile"
    QUESTION = "q"
    SUMMARY = "summary"
    EDIT = "edit"
    DELETE = "delete"
    QUOTES = "quotes"
    ERASED = "erased"


def step_of(stored: str) -> tuple[Step, Question | None]:
    """The step a stored state is at, and its question; what no version wrote reads as idle."""
    name, colon, key = stored.partition(":")
    try:
        step = Step(name)
    except ValueError:
        return Step.IDLE, None
    if step is Step.QUESTION:
        asked = question(key) if colon else None
        return (step, asked) if asked else (Step.IDLE, None)
    return (Step.IDLE, None) if colon else (step, None)


def _at_question(state: ChatState, asked: Question) -> None:
    state.step = f"{Step.QUESTION}:{asked.key}"


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
    chat_id: (
        int  # kept (encrypted) for a review only when the person says we may write to them here
    )
    help_after: Callable[
        [str, str], list[str] | None
    ]  # (receipt, locale) -> where to get help, if urgent


class Conversation:
    def __init__(self, ports: Ports) -> None:
        self.ports = ports

    def handle(self, state: ChatState, event: Incoming) -> list[Reply]:
        """Move the conversation one step and say what to send back."""
        if not state.known and event.language_code:
            state.locale = negotiate(event.language_code)
        if event.kind == "command":
            return _COMMANDS_BY_NAME.get(event.value, _HELP).run(self, state)
        if event.kind == "unsupported":
            return [Reply(_t(state, "I can only read text messages. Please write your answer."))]
        pressed = decode(event.value) if event.kind == "button" else None
        if isinstance(pressed, Language):  # the language menu works at any step
            return self._choose_language(state, pressed.locale)
        step, _ = step_of(state.step)
        return STEPS[step](self, state, event, pressed)

    # Commands -----------------------------------------------------------------

    def _start(self, state: ChatState) -> list[Reply]:
        """`/start`: greet, and ask for the language."""
        state.step = Step.LANGUAGE
        state.data = {}
        greeting = _t(
            state,
            "Hello! This bot collects your views for the Regional Reviews of the Global Compact for Migration, organised by the UN Network on Migration.",
        )
        return [Reply(greeting), language_menu(state)]

    def _change_language(self, state: ChatState) -> list[Reply]:
        """`/language`: the menu; the conversation resumes where it was."""
        state.data["return_to"] = state.step
        state.step = Step.LANGUAGE
        return [language_menu(state)]

    def _show_my_data(self, state: ChatState) -> list[Reply]:
        """`/mydata`: what we store about this person."""
        return [Reply(self._my_data(state))]

    def _confirm_erase(self, state: ChatState) -> list[Reply]:
        """`/delete`: asks before erasing everything."""
        state.data["return_to"] = state.step
        state.step = Step.DELETE
        return [
            Reply(
                _t(
                    state,
                    "Do you want to erase everything we store about you, including all your inputs? This cannot be undone.",
                ),
                (
                    (
                        button(_t(state, "Yes, erase everything"), Action.ERASE),
                        button(_t(state, "No, keep it"), Action.KEEP_DATA),
                    ),
                ),
            )
        ]

    def _cancel(self, state: ChatState) -> list[Reply]:
        """`/cancel`: the draft is dropped; nothing was stored."""
        state.step, state.data = Step.IDLE, {}
        return [Reply(_t(state, "Cancelled. Nothing was stored. Send /new to start again."))]

    def _help(self, state: ChatState) -> list[Reply]:
        """`/help`, and any command we do not know."""
        return [Reply(help_message(state))]

    def _choose_language(self, state: ChatState, locale: str) -> list[Reply]:
        if locale not in LOCALES:
            return [language_menu(state)]
        state.locale = locale
        return_to = state.data.pop("return_to", None)
        if return_to and step_of(return_to)[0] in (Step.QUESTION, Step.SUMMARY):
            state.step = return_to
            return [Reply(_t(state, "Language changed."), replace=True), *self._resume(state)]
        return self._ask_consent(state, replace=True)

    def _ask_consent(self, state: ChatState, *, replace: bool = False) -> list[Reply]:
        """`/new`, or a language chosen: a fresh draft, which starts with consent."""
        state.step = Step.CONSENT
        state.data = {"draft": uuid.uuid4().hex, "answers": {}}
        lines = [
            f"<b>{_t(state, PRIVACY_NOTICE_TITLE)}</b>",
            *(f"• {_t(state, line)}" for line in PRIVACY_NOTICE),
        ]
        lines.append(_t(state, "Do you agree that we store your answers?"))
        buttons = (
            (
                button(_t(state, "I agree"), Action.AGREE),
                button(_t(state, "Not now"), Action.NOT_NOW),
            ),
        )
        return [Reply("\n".join(lines), buttons, replace=replace)]

    def _stored(self) -> ContributorData | None:
        return self.ports.privacy.describe_contributor(
            channel=CHANNEL, platform_user_id=self.ports.platform_user_id
        )

    def _withdraw(self, consent: str) -> int:
        return self.ports.consent.withdraw_for_contributor(
            channel=CHANNEL, platform_user_id=self.ports.platform_user_id, consent=consent
        )

    def _my_data(self, state: ChatState) -> str:
        data = self._stored()
        if data is None:
            return _t(state, "We store nothing about you.")
        lines = [_t(state, "This is what we store about you:")]
        for key, value in (
            ("stakeholder_group", data.stakeholder_group),
            ("country", data.country),
            ("age_group", data.age_group),
            ("gender", data.gender),
        ):
            if value:
                lines.append(f"• {_t(state, _label(key))}: {choice_label(state, key, value)}")
        lines.append(_t(state, "Your inputs: %(count)s", count=len(data.inputs)))
        lines += [
            f"• {i.receipt} ({i.review_slug.upper()}, {i.created_at:%Y-%m-%d})" for i in data.inputs
        ]
        if data.message_reviews:
            lines.append(
                _t(
                    state,
                    "Your chat ID, kept encrypted to write to you here about: %(reviews)s.",
                    reviews=_reviews(data.message_reviews),
                )
            )
        lines.append(_t(state, "Send /delete to erase all of it."))
        return "\n".join(lines)

    # Steps: one handler each, in STEPS ------------------------------------------

    def _nothing_asked(
        self, state: ChatState, event: Incoming, pressed: Callback | None
    ) -> list[Reply]:
        """No conversation under way (never started, finished, cancelled or erased)."""
        return [Reply(_t(state, "Send /new to share an input, or /help to see what I can do."))]

    def _language_pending(
        self, state: ChatState, event: Incoming, pressed: Callback | None
    ) -> list[Reply]:
        """The language menu is open; only its buttons answer it."""
        return [
            Reply(_t(state, "Please choose a language with the buttons.")),
            language_menu(state),
        ]

    def _consent(self, state: ChatState, event: Incoming, pressed: Callback | None) -> list[Reply]:
        """The answer to the privacy notice: stop here, or go on to the profile or the first question."""
        if pressed not in (Action.AGREE, Action.NOT_NOW):
            return [
                Reply(_t(state, "Please answer with the buttons below.")),
                *self._ask_consent(state),
            ]
        if pressed is Action.NOT_NOW:
            state.step, state.data = Step.IDLE, {}
            return [
                Reply(
                    _t(
                        state, "That is fine. Nothing was stored. Send /new whenever you are ready."
                    ),
                    replace=True,
                )
            ]
        known = self._stored()
        profile = {k: getattr(known, k) for k in PROFILE_KEYS} if known else {}
        if any(profile.values()):
            state.data["profile"] = profile  # skipped questions stay skipped
            state.step = Step.SAME_PROFILE
            summary = "\n".join(
                f"• {_t(state, _label(k))}: {choice_label(state, k, v)}"
                for k, v in profile.items()
                if v
            )
            return [
                Reply(
                    _t(state, "Welcome back. Shall we use the same details as last time?")
                    + "\n"
                    + summary,
                    (
                        (
                            button(_t(state, "Yes, the same"), Action.SAME_PROFILE),
                            button(_t(state, "No, change them"), Action.CHANGE_PROFILE),
                        ),
                    ),
                    replace=True,
                )
            ]
        return self._next_question(state, replace=True)

    def _same_profile(
        self, state: ChatState, event: Incoming, pressed: Callback | None
    ) -> list[Reply]:
        """Whether to reuse last time's profile answers."""
        if pressed not in (Action.SAME_PROFILE, Action.CHANGE_PROFILE):
            return [Reply(_t(state, "Please answer with the buttons below."))]
        profile = state.data.pop("profile", {})
        if pressed is Action.SAME_PROFILE:
            state.data["answers"].update(profile)
        return self._next_question(state, replace=True)

    def _answer(self, state: ChatState, event: Incoming, pressed: Callback | None) -> list[Reply]:
        """An answer to the question asked, in the way its kind is answered."""
        _, asked = step_of(state.step)
        assert asked is not None  # STEPS sends only a known question here
        answers = state.data["answers"]
        if pressed is Action.SKIP and not asked.required:
            answers[asked.key] = [] if asked.kind is Kind.MULTIPLE else None
            return self._next_question(state, replace=True)
        if asked.kind is Kind.MULTIPLE:
            return self._multiple(state, asked, event, pressed)
        if asked.kind is Kind.COUNTRY:
            return self._country(state, asked, event, pressed)
        if asked.kind is Kind.TEXT:
            if event.kind != "text":
                return [
                    Reply(_t(state, "Please type your answer as a message.")),
                    ask(state, asked),
                ]
            return self._store_answer(state, asked, event.value)
        # Single choices and yes/no questions are answered with buttons.
        if not isinstance(pressed, Answer):
            return [Reply(_t(state, "Please answer with the buttons below.")), ask(state, asked)]
        return self._store_answer(state, asked, pressed.value, replace=True)

    def _summary_choice(
        self, state: ChatState, event: Incoming, pressed: Callback | None
    ) -> list[Reply]:
        """Send, edit or cancel the input shown."""
        if event.kind != "button":
            return [
                Reply(_t(state, "Please answer with the buttons below.")),
                *self._show_summary(state),
            ]
        if pressed is Action.SEND:
            return self._send(state)
        if pressed is Action.EDIT:
            state.step = Step.EDIT
            rows = tuple((button(_t(state, q.label), EditAnswer(q.key)),) for q in QUESTIONS)
            return [Reply(_t(state, "Which answer do you want to change?"), rows, replace=True)]
        if pressed is Action.CANCEL:
            return self._cancel(state)
        return self._show_summary(state)

    def _edit_choice(
        self, state: ChatState, event: Incoming, pressed: Callback | None
    ) -> list[Reply]:
        """Which answer to ask again; then back to the summary."""
        asked = question(pressed.key) if isinstance(pressed, EditAnswer) else None
        if asked is None:
            return self._show_summary(state)
        state.data["answers"].pop(asked.key, None)
        if asked.kind is Kind.MULTIPLE:
            state.data["chosen"] = []
        state.data["editing"] = True
        _at_question(state, asked)
        state.data["page"] = 0
        return [ask(state, asked, replace=True)]

    def _quotes_choice(
        self, state: ChatState, event: Incoming, pressed: Callback | None
    ) -> list[Reply]:
        """After `/consent`: stop quotes, stop messages, or keep both."""
        if pressed not in (Action.STOP_QUOTES, Action.STOP_MESSAGES, Action.KEEP_CONSENTS):
            return [Reply(_t(state, "Please answer with the buttons below."))]
        state.step = state.data.pop("return_to", Step.IDLE) or Step.IDLE
        if pressed is Action.KEEP_CONSENTS:
            return [Reply(_t(state, "Nothing was changed."), replace=True)]
        if pressed is Action.STOP_MESSAGES:
            self._withdraw("message")
            return [
                Reply(
                    _t(
                        state,
                        "Done. We will not write to you here any more, and we deleted your chat ID.",
                    ),
                    replace=True,
                )
            ]
        self._withdraw("quote")
        return [
            Reply(
                _t(state, "Done. We will not quote any of your inputs in reports or digests."),
                replace=True,
            )
        ]

    def _delete_choice(
        self, state: ChatState, event: Incoming, pressed: Callback | None
    ) -> list[Reply]:
        """After `/delete`: erase everything, or go back to where the person was."""
        if pressed is Action.ERASE:
            erased = self.ports.privacy.erase_contributor(
                channel=CHANNEL, platform_user_id=self.ports.platform_user_id
            )
            state.step, state.data = Step.ERASED, {}
            return [
                Reply(
                    _t(
                        state,
                        "Done. We erased everything we stored about you (%(count)s inputs).",
                        count=erased,
                    ),
                    replace=True,
                )
            ]
        if pressed is Action.KEEP_DATA:
            state.step = state.data.pop("return_to", Step.IDLE) or Step.IDLE
            return [Reply(_t(state, "Nothing was erased."), replace=True)]
        return [Reply(_t(state, "Please answer with the buttons below."))]

    # Questions ---------------------------------------------------------------

    def _next_question(self, state: ChatState, *, replace: bool = False) -> list[Reply]:
        answers = state.data["answers"]
        if state.data.pop("editing", False):
            return self._show_summary(state)
        for asked in QUESTIONS:
            if asked.key not in answers:
                _at_question(state, asked)
                state.data["page"] = 0
                return [ask(state, asked, replace=replace)]
        return self._show_summary(state)

    def _resume(self, state: ChatState) -> list[Reply]:
        _, asked = step_of(state.step)
        if asked is None:
            return self._show_summary(state)
        return [ask(state, asked)]

    def _store_answer(
        self, state: ChatState, asked: Question, raw: Any, *, replace: bool = False
    ) -> list[Reply]:
        try:
            state.data["answers"][asked.key] = asked.clean(raw)
        except AnswerError as error:
            return [Reply(error.translated(state.locale)), ask(state, asked)]
        if asked.key == "age_group" and self.ports.service.is_minor(
            state.data["answers"]["age_group"]
        ):
            # A minor is never quoted nor written to: not even asked.
            state.data["answers"].update(dict.fromkeys(ADULTS_ONLY, False))
            notice = _t(state, MINORS_NOTICE, age=self.ports.service.digital_consent_age)
            return [Reply(notice, replace=replace), *self._next_question(state)]
        if asked.kind is Kind.TEXT:
            return [Reply(_t(state, "Thank you, I have your text.")), *self._next_question(state)]
        return self._next_question(state, replace=replace)

    def _multiple(
        self, state: ChatState, asked: Question, event: Incoming, pressed: Callback | None
    ) -> list[Reply]:
        chosen: list[str] = state.data.setdefault("chosen", [])
        if event.kind != "button":
            return [
                Reply(_t(state, "Please choose with the buttons, then press Done.")),
                ask(state, asked),
            ]
        if isinstance(pressed, Toggle):
            value = pressed.value
            toggled = [v for v in chosen if v != value] if value in chosen else [*chosen, value]
            try:
                asked.clean(toggled)
            except AnswerError as error:
                return [Reply("", notice=error.translated(state.locale))]
            state.data["chosen"] = toggled
            return [ask(state, asked, replace=True)]
        if isinstance(pressed, Page):
            state.data["page"] = pressed.number
            return [ask(state, asked, replace=True)]
        if pressed is Action.DONE:
            state.data.pop("chosen", None)
            return self._store_answer(state, asked, chosen, replace=True)
        return [ask(state, asked)]

    def _country(
        self, state: ChatState, asked: Question, event: Incoming, pressed: Callback | None
    ) -> list[Reply]:
        if isinstance(pressed, Country):
            return self._store_answer(state, asked, pressed.code, replace=True)
        if event.kind != "text":
            return [ask(state, asked)]
        candidates = match_country(event.value)
        if not candidates:
            return [
                Reply(
                    _t(
                        state,
                        "I could not find that country. Please try another spelling, or skip.",
                    )
                ),
                ask(state, asked),
            ]
        rows = tuple(
            (button(country_name(code, state.locale), Country(code)),) for code in candidates
        )
        return [
            Reply(_t(state, "Did you mean:"), (*rows, (button(_t(state, "Skip"), Action.SKIP),)))
        ]

    # Summary -----------------------------------------------------------------

    def _show_summary(self, state: ChatState) -> list[Reply]:
        state.step = Step.SUMMARY
        answers = state.data["answers"]
        lines = [f"<b>{_t(state, SUMMARY_TITLE)}</b>"]
        for asked in QUESTIONS:
            value = answers.get(asked.key)
            if value in (None, [], False) and asked.kind is not Kind.CONSENT:
                continue
            lines.append(f"<b>{_t(state, asked.label)}</b>\n{answer_label(state, asked, value)}")
        buttons = (
            (
                button(_t(state, "Send"), Action.SEND),
                button(_t(state, "Edit"), Action.EDIT),
                button(_t(state, "Cancel"), Action.CANCEL),
            ),
        )
        return [Reply("\n\n".join(lines), buttons)]

    def _send(self, state: ChatState) -> list[Reply]:
        answers = {**state.data["answers"], "consent_store": True}
        try:
            receipt = self.ports.service.submit_input(
                answers,
                channel=CHANNEL,
                message_id=f"draft:{state.data['draft']}",
                locale=state.locale,
                platform_user_id=self.ports.platform_user_id,
            )
        except InvalidAnswers as refused:
            first = refused.errors[0]
            state.data["answers"].pop(first.field, None)
            state.data["editing"] = True
            asked = question(first.field)
            if asked is None:  # a field Telegram does not ask: nothing to ask again
                raise
            _at_question(state, asked)
            return [Reply(first.message), ask(state, asked)]
        may_write = bool(answers.get("consent_message"))
        self.ports.consent.record_message(
            receipt=receipt.code,
            chat_id=self.ports.chat_id,
            granted=may_write,
            channel=CHANNEL,
            locale=state.locale,
        )
        state.step, state.data = Step.IDLE, {}
        code = f"<code>{receipt.code}</code>"
        help_lines = self.ports.help_after(receipt.code, state.locale)
        urgent = [Reply("\n".join(escape(line) for line in help_lines))] if help_lines else []
        return [
            Reply(
                "\n".join(
                    (
                        _t(state, "Thank you! Your input has been received."),
                        _t(
                            state,
                            "Your receipt code is %(receipt)s. Please keep it: quote it to ask about your input or to have it erased.",
                            receipt=code,
                        ),
                        _t(
                            state,
                            "The organisers read every input and bring them together in the summary report of the regional review. Send /new to share another input.",
                        ),
                        *(
                            [
                                _t(
                                    state,
                                    "We may write to you here about this regional review. Send /consent to stop.",
                                )
                            ]
                            if may_write
                            else []
                        ),
                    )
                ),
                replace=True,
            ),
            *urgent,
        ]

    def _consents(self, state: ChatState) -> list[Reply]:
        """`/consent`: what we may do (quote the person, write to them here), with buttons to stop."""
        data = self._stored()
        if data is None:
            return [Reply(_t(state, "We store nothing about you."))]
        quoted = sum(1 for i in data.inputs if i.quote_allowed)
        if not quoted and not data.message_reviews:
            return [
                Reply(
                    _t(
                        state,
                        "We do not quote any of your inputs. Send /delete to erase everything we store about you.",
                    )
                )
            ]
        lines: list[str] = []
        rows: list[tuple[Button, ...]] = []
        if quoted:
            lines.append(
                _t(
                    state,
                    "You allowed us to quote %(count)s of your inputs in reports, without your name.",
                    count=quoted,
                )
            )
            rows.append((button(_t(state, "Stop quoting me"), Action.STOP_QUOTES),))
        if data.message_reviews:
            lines.append(
                _t(
                    state,
                    "You allowed us to write to you here about: %(reviews)s.",
                    reviews=_reviews(data.message_reviews),
                )
            )
            rows.append((button(_t(state, "Stop messages"), Action.STOP_MESSAGES),))
        lines.append(_t(state, "Do you want us to stop?"))
        rows.append((button(_t(state, "Keep as it is"), Action.KEEP_CONSENTS),))
        state.data["return_to"] = state.step
        state.step = Step.QUOTES
        return [Reply("\n".join(lines), tuple(rows))]


StepHandler = Callable[[Conversation, ChatState, Incoming, Callback | None], list[Reply]]

STEPS: dict[Step, StepHandler] = {
    Step.START: Conversation._nothing_asked,
    Step.IDLE: Conversation._nothing_asked,
    Step.ERASED: Conversation._nothing_asked,
    Step.LANGUAGE: Conversation._language_pending,
    Step.CONSENT: Conversation._consent,
    Step.SAME_PROFILE: Conversation._same_profile,
    Step.QUESTION: Conversation._answer,
    Step.SUMMARY: Conversation._summary_choice,
    Step.EDIT: Conversation._edit_choice,
    Step.DELETE: Conversation._delete_choice,
    Step.QUOTES: Conversation._quotes_choice,
}


@dataclass(frozen=True)
class Command:
    name: str
    description: str  # a msgid: translated where it is shown (the menu, /help)
    run: Callable[[Conversation, ChatState], list[Reply]]
    in_help: bool = True


# In the order of the menu registered with Telegram (setMyCommands), in every language.
COMMANDS: tuple[Command, ...] = (
    Command("start", N_("Start"), Conversation._start, in_help=False),
    Command("new", N_("share an input for a regional review"), Conversation._ask_consent),
    Command("language", N_("change the language"), Conversation._change_language),
    Command("mydata", N_("see what we store about you"), Conversation._show_my_data),
    Command(
        "consent", N_("see or withdraw your consents (quotes, messages)"), Conversation._consents
    ),
    Command("delete", N_("erase everything we store about you"), Conversation._confirm_erase),
    Command("help", N_("show this message"), Conversation._help),
    Command("cancel", N_("stop the current input"), Conversation._cancel),
)
_COMMANDS_BY_NAME = {command.name: command for command in COMMANDS}
_HELP = _COMMANDS_BY_NAME["help"]


def help_message(state: ChatState) -> str:
    """The commands of the menu, each with its description; /help itself comes last."""
    listed = sorted((c for c in COMMANDS if c.in_help), key=lambda c: c is _HELP)
    return "\n".join(
        (_t(state, "What I can do:"), *(f"/{c.name} — {_t(state, c.description)}" for c in listed))
    )


def _label(key: str) -> str:
    asked = question(key)
    assert asked is not None, key  # the profile keys are questions Telegram asks
    return asked.label


def _reviews(slugs: list[str]) -> str:
    return ", ".join(slug.upper() for slug in slugs)
