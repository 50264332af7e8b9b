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

import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from dataclasses import replace as redrawn
from enum import StrEnum
from typing import Any, Literal

from babel.dates import format_date

from bots.telegram.callbacks import (
    Action,
    Answer,
    Callback,
    Country,
    EditAnswer,
    Language,
    decode,
)
from bots.telegram.keyboards import (
    CORE_QUESTIONS,
    PROFILE_QUESTIONS,
    QUESTIONS,
    Button,
    Reply,
    _t,
    _tn,
    _tp,
    answer_label,
    ask,
    button,
    choice_label,
    escape,
    language_menu,
    other_languages,
    question,
)
from intake_api.consent import Consent
from intake_api.conversations import ChatState
from intake_api.countries import match_country
from intake_api.i18n import LOCALES, format_list, isolate, labelled, negotiate, plural
from intake_api.notices import MINORS_NOTICE, PRIVACY_NOTICE, PRIVACY_NOTICE_TITLE
from intake_api.privacy import ContributorData, Privacy
from intake_api.questionnaire import CONSENT_MESSAGE, INPUT, AnswerError, Kind, Question
from intake_api.review_names import review_acronym
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

# Asked only of adults, by the age group given: an unknown age counts as a minor's.
ADULTS_ONLY = ("consent_quote", "consent_message")
PROFILE_KEYS = ("stakeholder_group", "country", "age_group", "gender")
SUMMARY_TITLE = N_("Please check your input")
CHANNEL = "telegram"
# A text arriving this soon after the previous part is the rest of a long message
# Telegram split: joined without a word.
SPLIT_WITHIN = 5.0  # seconds

GREETING = N_(
    "Hello! This bot collects your views for the Regional Reviews of the Global Compact for Migration, organised by the UN Network on Migration."
)
KEPT_TEXT = N_("I will keep what you wrote until you agree.")
# What each kind of message Telegram can carry gets instead of being read.
UNSUPPORTED = {
    **dict.fromkeys(
        ("voice", "audio", "video_note"),
        N_(
            "I cannot listen to voice messages. Please write your input as a text message, in any language."
        ),
    ),
    **dict.fromkeys(
        ("photo", "video", "document", "animation"),
        N_(
            "I cannot look at photos, videos or files. Please write your input as a text message, in any language."
        ),
    ),
    "sticker": N_("Thank you for the sticker! I can only read text: please write in words."),
    **dict.fromkeys(
        ("location", "venue"),
        N_(
            "We do not keep locations. If you like, tell us the country in words when we ask for it."
        ),
    ),
}
NOT_TEXT = N_("I can only read text messages. Please write your answer.")
PROFILE_WHY = N_(
    "A few questions about you, so the review hears from young people and migrants, not only organisations. Each one is optional: skip any, or all of them."
)


class Step(StrEnum):
    """Where a conversation is; the values are what the store holds (a question is ``q:<key>``).

    A question step is a draft's (``text``, ``review``) before the receipt, or a profile
    question after it (the receipt is in the state's data). Steps earlier versions wrote
    still load: ``language`` (the menu), ``same_profile`` before the input, and questions
    no longer asked before the receipt (``q:theme``, ``q:stakeholder_group``) lead on to
    what the draft still needs.
    """

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
    value: str = ""  # for "unsupported": what was sent instead (voice, photo, sticker, location...)
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
    clock: Callable[[], float] = time.time


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
            # Said kindly, by kind; nothing of it is kept, and the step is asked again.
            said = Reply(_t(state, UNSUPPORTED.get(event.value, NOT_TEXT)))
            return [said, *self._again(state)]
        pressed = decode(event.value) if event.kind == "button" else None
        if isinstance(pressed, Language):  # the language buttons work at any step
            return self._choose_language(state, pressed.locale)
        step, _ = step_of(state.step)
        return STEPS[step](self, state, event, pressed)

    # Commands -----------------------------------------------------------------

    def _start(self, state: ChatState) -> list[Reply]:
        """`/start`: greet, and say first what we do with what the person writes."""
        state.data = {}
        return self._new(state, greet=True)

    def _new_input(self, state: ChatState) -> list[Reply]:
        """`/new`: a fresh draft; consent first, unless given already under this notice."""
        return self._new(state, greet=False)

    def _new(self, state: ChatState, *, greet: bool) -> list[Reply]:
        state.data = {"draft": uuid.uuid4().hex, "answers": {}}
        if not self._agreed():
            return self._ask_consent(state, greet=greet)
        text_question = _core("text")
        _at_question(state, text_question)
        reminder = _t(state, "Send /mydata to see what we store about you, /delete to erase it.")
        opening = [Reply(_t(state, GREETING))] if greet else []
        asked = ask(state, text_question)
        return [*opening, Reply(f"{asked.text}\n{reminder}", asked.buttons)]

    def _change_language(self, state: ChatState) -> list[Reply]:
        """`/language`: the menu; the conversation resumes where it was."""
        if step_of(state.step)[0] is not Step.LANGUAGE:
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
                        button(_tp(state, "keep everything", "No, keep it"), Action.KEEP_DATA),
                    ),
                ),
            )
        ]

    def _cancel(self, state: ChatState) -> list[Reply]:
        """`/cancel`: the draft is dropped; nothing was stored."""
        if "receipt" in state.data:  # the input is stored: only the optional details stop
            return self._profile_done(state, skipped=True)
        state.step, state.data = Step.IDLE, {}
        return [Reply(_t(state, "Cancelled. Nothing was stored. Send /new to start again."))]

    def _help(self, state: ChatState) -> list[Reply]:
        """`/help`, and any command we do not know."""
        return [Reply(help_message(state))]

    def _choose_language(self, state: ChatState, locale: str) -> list[Reply]:
        if locale not in LOCALES:
            return [language_menu(state)]
        state.locale = locale
        step, _ = step_of(state.step)
        if step is Step.CONSENT:  # the one-tap change on the first message: the same message
            return self._ask_consent(state, greet=bool(state.data.get("greet")), replace=True)
        if step is not Step.LANGUAGE:
            return [Reply(_t(state, "Language changed.")), *self._again(state)]
        return_to = state.data.pop("return_to", None)
        if return_to is None:  # an earlier version's menu after /start: on to consent
            return self._new(state, greet=False)
        state.step = return_to
        return [Reply(_t(state, "Language changed."), replace=True), *self._again(state)]

    def _ask_consent(
        self, state: ChatState, *, greet: bool = False, replace: bool = False
    ) -> list[Reply]:
        """The privacy notice and "Do you agree?", with a one-tap change of language."""
        state.step = Step.CONSENT
        state.data.setdefault("draft", uuid.uuid4().hex)
        state.data.setdefault("answers", {})
        state.data["greet"] = greet
        lines = [_t(state, GREETING)] if greet else []
        lines += [
            f"<b>{_t(state, PRIVACY_NOTICE_TITLE)}</b>",
            *(f"• {_t(state, line)}" for line in PRIVACY_NOTICE),
        ]
        if state.data["answers"].get("text"):
            lines.append(_t(state, KEPT_TEXT))
        lines.append(_t(state, "Do you agree that we store your answers?"))
        buttons = (
            (
                button(_t(state, "I agree"), Action.AGREE),
                button(_t(state, "Not now"), Action.NOT_NOW),
            ),
            *other_languages(state),
        )
        return [Reply("\n".join(lines), buttons, replace=replace)]

    def _agreed(self) -> bool:
        return self.ports.consent.storage_agreed(
            channel=CHANNEL, platform_user_id=self.ports.platform_user_id
        )

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
                lines.append(f"• {_profile_line(state, key, value)}")
        lines.append(_inputs_heading(state, len(data.inputs)))
        lines += [
            "• "
            + _t(
                state,
                "%(receipt)s (%(review)s, %(date)s)",
                receipt=isolate(state.locale, i.receipt),
                review=review_acronym(state.locale, i.review_slug),
                date=format_date(i.created_at, "medium", locale=state.locale),
            )
            for i in data.inputs
        ]
        if data.message_reviews:
            lines.append(
                _t(
                    state,
                    "Your chat ID, kept encrypted to write to you here about: %(reviews)s.",
                    reviews=_reviews(state, data.message_reviews),
                )
            )
        lines.append(_t(state, "Send /delete to erase all of it."))
        return "\n".join(lines)

    # Steps: one handler each, in STEPS ------------------------------------------

    def _nothing_asked(
        self, state: ChatState, event: Incoming, pressed: Callback | None
    ) -> list[Reply]:
        """No conversation under way: a text written now is an input (say it first)."""
        if event.kind == "text":
            state.data = {}
            if not self._agreed():
                state.data = {"draft": uuid.uuid4().hex, "answers": {}}
                refused = self._take_text(state, event.value)
                return [*refused, *self._ask_consent(state)]
            self._new(state, greet=False)
            return self._answer(state, event, pressed)
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
        """The answer to the privacy notice; a text written meanwhile is kept until then."""
        if event.kind == "text":
            refused = self._take_text(state, event.value)
            if refused or not self._quietly_joined(state):
                return [*refused, *self._ask_consent(state)]
            return []
        if pressed not in (Action.AGREE, Action.NOT_NOW):
            return [
                Reply(_t(state, "Please answer with the buttons below.")),
                *self._ask_consent(state),
            ]
        if pressed is Action.NOT_NOW:  # what was written is dropped with the draft
            state.step, state.data = Step.IDLE, {}
            return [
                Reply(
                    _t(
                        state, "That is fine. Nothing was stored. Send /new whenever you are ready."
                    ),
                    replace=True,
                )
            ]
        state.data.pop("greet", None)
        return self._next_core(state, replace=True)

    def _same_profile(
        self, state: ChatState, event: Incoming, pressed: Callback | None
    ) -> list[Reply]:
        """After the receipt: the same details as last time, other ones, or none."""
        if "receipt" not in state.data:  # an earlier version asked this before the input
            state.data.pop("profile", None)
            return self._next_core(state, replace=event.kind == "button")
        if pressed not in (Action.SAME_PROFILE, Action.CHANGE_PROFILE, Action.SKIP_ALL):
            return [Reply(_t(state, "Please answer with the buttons below.")), *self._again(state)]
        if pressed is Action.SKIP_ALL:
            return self._profile_done(state, skipped=True, replace=True)
        last = state.data.pop("last", {})
        if pressed is Action.CHANGE_PROFILE:
            return self._next_profile(state, replace=True)
        return self._attach(state, last, replace=True)

    def _answer(self, state: ChatState, event: Incoming, pressed: Callback | None) -> list[Reply]:
        """An answer to the question asked, in the way its kind is answered."""
        _, asked = step_of(state.step)
        assert asked is not None  # STEPS sends only a known question here
        if "receipt" in state.data:
            return self._profile_answer(state, asked, event, pressed)
        if asked not in CORE_QUESTIONS:  # an earlier version's question: on to what is needed
            return self._next_core(state, replace=event.kind == "button")
        if asked.kind is Kind.TEXT:
            if event.kind != "text":
                return [
                    Reply(_t(state, "Please type your answer as a message.")),
                    ask(state, asked),
                ]
            refused = self._take_text(state, event.value, replace_draft=True)
            if refused:
                return [*refused, ask(state, asked)]
            self._quietly_joined(state)
            return self._next_core(state)
        if event.kind == "text" and state.data["answers"].get("text"):
            return self._more_text(state, event.value)
        if not isinstance(pressed, Answer):
            return [Reply(_t(state, "Please answer with the buttons below.")), ask(state, asked)]
        try:
            state.data["answers"][asked.key] = asked.clean(pressed.value)
        except AnswerError as error:
            return [Reply(error.translated(state.locale)), ask(state, asked)]
        state.data.pop("remembered", None)
        return self._next_core(state, replace=True)

    def _summary_choice(
        self, state: ChatState, event: Incoming, pressed: Callback | None
    ) -> list[Reply]:
        """Send, edit or cancel the input shown; a text now is the rest of the input."""
        if event.kind == "text":
            return self._more_text(state, event.value)
        if event.kind != "button":
            return [
                Reply(_t(state, "Please answer with the buttons below.")),
                *self._show_summary(state),
            ]
        if pressed is Action.SEND:
            return self._send(state)
        if pressed is Action.EDIT:
            state.step = Step.EDIT
            return [self._edit_menu(state)]
        if pressed is Action.CHANGE_REVIEW:
            return self._ask_again(state, _core("review"))
        if pressed is Action.CANCEL:
            return self._cancel(state)
        return self._show_summary(state)

    def _edit_choice(
        self, state: ChatState, event: Incoming, pressed: Callback | None
    ) -> list[Reply]:
        """Which answer to ask again; then back to the summary."""
        asked = question(pressed.key) if isinstance(pressed, EditAnswer) else None
        if asked is None or asked not in CORE_QUESTIONS:
            return self._show_summary(state)
        return self._ask_again(state, asked)

    def _ask_again(self, state: ChatState, asked: Question) -> list[Reply]:
        state.data["editing"] = True
        _at_question(state, asked)
        if asked.kind is Kind.TEXT:  # typed anew, not added to
            state.data["answers"].pop("text", None)
        return [ask(state, asked, replace=True)]

    def _edit_menu(self, state: ChatState) -> Reply:
        rows = tuple(
            (button(_t(state, q.shown_label(plain=True)), EditAnswer(q.key)),)
            for q in CORE_QUESTIONS
        )
        return Reply(_t(state, "Which answer do you want to change?"), rows, replace=True)

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
                    _tn(
                        state,
                        "Done. We erased everything we stored about you (%(count)s input).",
                        "Done. We erased everything we stored about you (%(count)s inputs).",
                        erased,
                        count=isolate(state.locale, erased),
                    ),
                    replace=True,
                )
            ]
        if pressed is Action.KEEP_DATA:
            state.step = state.data.pop("return_to", Step.IDLE) or Step.IDLE
            return [Reply(_t(state, "Nothing was erased."), replace=True)]
        return [Reply(_t(state, "Please answer with the buttons below."))]

    # The draft -----------------------------------------------------------------

    def _take_text(self, state: ChatState, raw: str, *, replace_draft: bool = False) -> list[Reply]:
        """Keep a text in the draft, or after the part already kept; the refusal, if any.

        A refused text (too short, or too long once joined) changes nothing kept.
        """
        answers = state.data.setdefault("answers", {})
        kept = None if replace_draft else answers.get("text")
        try:
            answers["text"] = _core("text").clean(f"{kept}\n{raw}" if kept else raw)
        except AnswerError as error:
            return [Reply(error.translated(state.locale))]
        now = self.ports.clock()
        state.data["joined_quietly"] = bool(kept) and now - state.data.get("text_at", 0) <= (
            SPLIT_WITHIN
        )
        state.data["text_at"] = now
        return []

    def _quietly_joined(self, state: ChatState) -> bool:
        return bool(state.data.pop("joined_quietly", False))

    def _more_text(self, state: ChatState, raw: str) -> list[Reply]:
        """A text after the input, before Send: the rest of it (Telegram splits long ones)."""
        refused = self._take_text(state, raw)
        if refused:
            return [*refused, *self._again(state)]
        if self._quietly_joined(state):
            return []
        return [Reply(_t(state, "Added to your input.")), *self._again(state)]

    def _next_core(self, state: ChatState, *, replace: bool = False) -> list[Reply]:
        """The next thing the draft cannot be stored without; else the summary."""
        answers = state.data.setdefault("answers", {})
        state.data.setdefault("draft", uuid.uuid4().hex)
        if state.data.pop("editing", False) and all(q.key in answers for q in CORE_QUESTIONS):
            return self._show_summary(state, replace=replace)
        if "review" not in answers and "text" in answers:
            remembered = self._remembered_review()
            if remembered:  # asked once, remembered: shown in the summary, one tap to change
                answers["review"] = remembered
                state.data["remembered"] = True
        for asked in CORE_QUESTIONS:
            if asked.key not in answers:
                _at_question(state, asked)
                return [ask(state, asked, replace=replace)]
        return self._show_summary(state, replace=replace)

    def _remembered_review(self) -> str | None:
        return self.ports.service.likely_review(
            channel=CHANNEL, platform_user_id=self.ports.platform_user_id
        )

    def _again(self, state: ChatState) -> list[Reply]:
        """The current step asked again, as it was (after an interruption)."""
        step, asked = step_of(state.step)
        if step is Step.CONSENT:
            return self._ask_consent(state, greet=bool(state.data.get("greet")))
        if step is Step.QUESTION and asked is not None:
            return [ask(state, asked, skip_all="receipt" in state.data)]
        if step is Step.SUMMARY and "answers" in state.data:
            return self._show_summary(state)
        if step is Step.EDIT and "answers" in state.data:
            return [redrawn(self._edit_menu(state), replace=False)]
        if step is Step.SAME_PROFILE and "receipt" in state.data:
            return [self._same_profile_question(state)]
        if step is Step.LANGUAGE:
            return [language_menu(state)]
        return []

    # Summary -----------------------------------------------------------------

    def _show_summary(self, state: ChatState, *, replace: bool = False) -> list[Reply]:
        state.step = Step.SUMMARY
        answers = state.data["answers"]
        lines = [f"<b>{_t(state, SUMMARY_TITLE)}</b>"]
        for asked in QUESTIONS:
            value = answers.get(asked.key)
            if value in (None, [], False) and asked.kind is not Kind.CONSENT:
                continue
            if asked.kind is Kind.CONSENT and asked.key not in answers:
                continue
            label = _t(state, asked.shown_label(plain=True))
            lines.append(f"<b>{label}</b>\n{answer_label(state, asked, value)}")
        buttons: tuple[tuple[Button, ...], ...] = (
            (
                # Send this input, drop this draft: not a form's "Submit" nor a dialog's "Cancel".
                button(
                    _tp(state, "button under the chat summary of an input", "Send"), Action.SEND
                ),
                button(_t(state, "Edit"), Action.EDIT),
                button(
                    _tp(state, "button under the chat summary of an input", "Cancel"), Action.CANCEL
                ),
            ),
        )
        if state.data.get("remembered"):
            buttons += ((button(_t(state, "Change region"), Action.CHANGE_REVIEW),),)
        return [Reply("\n\n".join(lines), buttons, replace=replace)]

    def _send(self, state: ChatState) -> list[Reply]:
        draft = state.data["answers"]
        # Only what the questionnaire asks of an input (an earlier version's draft may hold
        # the chat's own question); nothing about contact: the age is not known yet.
        answers = {k: v for k, v in draft.items() if k in INPUT.keys}
        answers["consent_store"] = True
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
            asked = question(first.field)
            if asked is None or asked not in CORE_QUESTIONS:  # nothing a chat asks again
                raise
            draft.pop(first.field, None)
            state.data["editing"] = True
            _at_question(state, asked)
            return [Reply(first.message), ask(state, asked)]
        code = f"<code>{receipt.code}</code>"
        help_lines = self.ports.help_after(receipt.code, state.locale)
        urgent = [Reply("\n".join(escape(line) for line in help_lines))] if help_lines else []
        thanks = Reply(
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
                )
            ),
            replace=True,
        )
        # Given with the input by an earlier version's draft: not asked again (but whether we
        # may write here is recorded only when answered after the receipt, so asked again).
        given = {k: draft[k] for k in (*PROFILE_KEYS, "consent_quote") if k in draft}
        state.data = {"receipt": receipt.code, "review": answers["review"], "profile": given}
        if help_lines:
            state.data["help_shown"] = help_lines
        return [thanks, *urgent, *self._offer_profile(state)]

    # Details after the receipt ---------------------------------------------------

    def _offer_profile(self, state: ChatState) -> list[Reply]:
        """Why we ask, then the same details as last time, or the first question."""
        why = Reply(_t(state, PROFILE_WHY))
        known = self._stored()
        last = {k: getattr(known, k) for k in PROFILE_KEYS} if known else {}
        if any(last.values()) and not state.data["profile"]:
            state.data["last"] = last  # skipped questions stay skipped
            state.step = Step.SAME_PROFILE
            return [why, self._same_profile_question(state)]
        return [why, *self._next_profile(state)]

    def _same_profile_question(self, state: ChatState) -> Reply:
        last = state.data.get("last", {})
        summary = "\n".join(f"• {_profile_line(state, k, v)}" for k, v in last.items() if v)
        return Reply(
            _t(state, "Same details as last time?") + "\n" + summary,
            (
                (
                    button(_t(state, "Yes, the same"), Action.SAME_PROFILE),
                    button(_t(state, "Change them"), Action.CHANGE_PROFILE),
                ),
                (button(_t(state, "Skip"), Action.SKIP_ALL),),
            ),
        )

    def _next_profile(self, state: ChatState, *, replace: bool = False) -> list[Reply]:
        profile = state.data["profile"]
        adult = self.ports.service.may_contact_or_quote(profile.get("age_group"))
        for asked in PROFILE_QUESTIONS:
            if asked.key in profile or (asked.key in ADULTS_ONLY and not adult):
                continue
            _at_question(state, asked)
            state.data["page"] = 0
            return [ask(state, asked, replace=replace, skip_all=True)]
        return self._profile_done(state, replace=replace)

    def _profile_done(
        self, state: ChatState, *, skipped: bool = False, replace: bool = False
    ) -> list[Reply]:
        may_write = bool(state.data.get("profile", {}).get("consent_message"))
        state.step, state.data = Step.IDLE, {}
        if skipped:
            said = _t(
                state,
                "That is fine. Your input is stored without these details. Send /new to share another input.",
            )
        else:
            said = _t(
                state,
                "Thank you! Your details are added to your input. Send /new to share another input.",
            )
        if may_write:
            said += "\n" + _t(
                state, "We may write to you here about this regional review. Send /consent to stop."
            )
        return [Reply(said, replace=replace)]

    def _profile_answer(
        self, state: ChatState, asked: Question, event: Incoming, pressed: Callback | None
    ) -> list[Reply]:
        """A detail after the receipt: attached to the stored input at once."""
        adult = self.ports.service.may_contact_or_quote(state.data["profile"].get("age_group"))
        if asked not in PROFILE_QUESTIONS or (asked.key in ADULTS_ONLY and not adult):
            return self._next_profile(state)  # not asked (now): on to what is
        if pressed is Action.SKIP_ALL:
            return self._profile_done(state, skipped=True, replace=True)
        if pressed is Action.SKIP:
            state.data["profile"][asked.key] = None
            return self._next_profile(state, replace=True)
        if asked.kind is Kind.COUNTRY:
            if isinstance(pressed, Country):
                return self._attach(state, {asked.key: pressed.code}, replace=True)
            if event.kind != "text":
                return [ask(state, asked, skip_all=True)]
            return self._country(state, asked, event.value)
        if not isinstance(pressed, Answer):
            return [
                Reply(_t(state, "Please answer with the buttons below.")),
                ask(state, asked, skip_all=True),
            ]
        if asked is CONSENT_MESSAGE:
            try:
                granted = bool(asked.clean(pressed.value))
            except AnswerError as error:
                return [Reply(error.translated(state.locale)), ask(state, asked, skip_all=True)]
            # Recorded now, with the age known to be an adult's: never at Send.
            self.ports.consent.record_message(
                receipt=state.data["receipt"],
                chat_id=self.ports.chat_id,
                granted=granted,
                channel=CHANNEL,
                locale=state.locale,
            )
            state.data["profile"][asked.key] = granted
            return self._next_profile(state, replace=True)
        return self._attach(state, {asked.key: pressed.value}, replace=True)

    def _attach(self, state: ChatState, raw: dict[str, Any], *, replace: bool) -> list[Reply]:
        """Profile answers onto the stored input, through the service (which applies the age rules)."""
        given = {k: v for k, v in raw.items() if v is not None}
        profile = state.data["profile"]
        try:
            clean = (
                self.ports.service.add_profile(
                    state.data["receipt"],
                    given,
                    channel=CHANNEL,
                    platform_user_id=self.ports.platform_user_id,
                    locale=state.locale,
                )
                if given
                else {}
            )
        except InvalidAnswers as refused:
            _, asked = step_of(state.step)
            again = [ask(state, asked, skip_all=True)] if asked else []
            return [Reply(refused.errors[0].message), *again]
        except LookupError:  # the input is gone (erased meanwhile): nothing to attach to
            state.step, state.data = Step.IDLE, {}
            return [Reply(_t(state, "Send /new to share an input, or /help to see what I can do."))]
        profile.update(dict.fromkeys(raw))
        profile.update(clean)
        replies: list[Reply] = []
        if "country" in clean and state.data.get("help_shown"):
            # An urgent input: help near the person, now that we know the country.
            local = self.ports.help_after(state.data["receipt"], state.locale)
            if local and local != state.data["help_shown"]:
                state.data["help_shown"] = local
                replies.append(Reply("\n".join(escape(line) for line in local), replace=replace))
                replace = False
        if "age_group" in clean and self.ports.service.is_minor(clean["age_group"]):
            # A minor is never quoted nor written to: not even asked.
            age = self.ports.service.digital_consent_age
            notice = plural(state.locale, MINORS_NOTICE, age, age=isolate(state.locale, age))
            replies.append(Reply(notice, replace=replace))
            replace = False
        return [*replies, *self._next_profile(state, replace=replace)]

    def _country(self, state: ChatState, asked: Question, typed: str) -> list[Reply]:
        """A country typed: confirmed with a button (never stored as typed)."""
        candidates = match_country(typed)
        if not candidates:
            return [
                Reply(
                    _t(
                        state,
                        "I could not find that country. Please try another spelling, or skip.",
                    )
                ),
                ask(state, asked, skip_all=True),
            ]
        rows = tuple(
            (button(country_name(code, state.locale), Country(code)),) for code in candidates
        )
        return [
            Reply(_t(state, "Did you mean:"), (*rows, (button(_t(state, "Skip"), Action.SKIP),)))
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
                _tn(
                    state,
                    "You allowed us to quote %(count)s of your inputs in reports, without your name.",
                    "You allowed us to quote %(count)s of your inputs in reports, without your name.",
                    quoted,
                    count=isolate(state.locale, quoted),
                )
            )
            rows.append((button(_t(state, "Stop quoting me"), Action.STOP_QUOTES),))
        if data.message_reviews:
            lines.append(
                _t(
                    state,
                    "You allowed us to write to you here about: %(reviews)s.",
                    reviews=_reviews(state, data.message_reviews),
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
    Command("new", N_("share an input for a regional review"), Conversation._new_input),
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


def _core(key: str) -> Question:
    return next(q for q in CORE_QUESTIONS if q.key == key)


def _label(key: str) -> str:
    asked = question(key)
    assert asked is not None, key  # the profile keys are questions Telegram asks
    return asked.label


def _reviews(state: ChatState, slugs: list[str]) -> str:
    """Reviews named in a sentence: "ESCWA and ECA" in the person's language, never slugs."""
    return format_list(state.locale, [review_acronym(state.locale, slug) for slug in slugs])


def _profile_line(state: ChatState, key: str, value: Any) -> str:
    """ "Country: Jordan", with the person's colon."""
    return labelled(state.locale, _t(state, _label(key)), choice_label(state, key, value))


def _inputs_heading(state: ChatState, count: int) -> str:
    """How many inputs we keep, above their list; with the count's plural form."""
    if not count:
        return _t(state, "You have not shared any input.")
    return _tn(
        state,
        "You have shared %(count)s input:",
        "You have shared %(count)s inputs:",
        count,
        count=isolate(state.locale, count),
    )
