"""The conversation without HTTP or a store: each step, each button, each command."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bots.telegram import callbacks
from bots.telegram.callbacks import (
    MAX_BYTES,
    Action,
    Answer,
    CallbackTooLong,
    Country,
    EditAnswer,
    Language,
    Page,
    Toggle,
    Unknown,
    decode,
    encode,
)
from bots.telegram.conversation import (
    COMMANDS,
    STEPS,
    Conversation,
    Incoming,
    Ports,
    Step,
    help_message,
    step_of,
)
from bots.telegram.keyboards import QUESTIONS, Reply, ask, language_menu
from intake_api.conversations import ChatState
from intake_api.i18n import LOCALES, gettext
from intake_api.notices import MINORS_NOTICE
from intake_api.privacy import ContributorData, StoredInput
from intake_api.questionnaire import Kind
from intake_api.service import FieldError, InvalidAnswers
from models.reference import minor_age_groups

# Buttons --------------------------------------------------------------------------

VALUED_EXAMPLES = [
    Language("fr"),
    Answer("escwa"),
    Answer(""),
    Toggle("17"),
    Page(0),
    Page(3),
    Country("JO"),
    EditAnswer("consent_message"),
]
LEGACY_DATA = {  # what earlier versions put on buttons still on people's screens
    "lang:ar": Language("ar"),
    "consent:yes": Action.AGREE,
    "consent:no": Action.NOT_NOW,
    "same:yes": Action.SAME_PROFILE,
    "same:no": Action.CHANGE_PROFILE,
    "a:yes": Answer("yes"),
    "t:5": Toggle("5"),
    "p:1": Page(1),
    "done": Action.DONE,
    "skip": Action.SKIP,
    "c:JO": Country("JO"),
    "send": Action.SEND,
    "edit": Action.EDIT,
    "cancel": Action.CANCEL,
    "e:text": EditAnswer("text"),
    "quotes:stop": Action.STOP_QUOTES,
    "messages:stop": Action.STOP_MESSAGES,
    "quotes:keep": Action.KEEP_CONSENTS,
    "del:yes": Action.ERASE,
    "del:no": Action.KEEP_DATA,
}


@pytest.mark.parametrize("callback", [*Action, *VALUED_EXAMPLES], ids=str)
def test_every_button_round_trips(callback):
    assert decode(encode(callback)) == callback


@pytest.mark.parametrize(("data", "meaning"), LEGACY_DATA.items())
def test_buttons_already_sent_keep_their_meaning(data, meaning):
    assert decode(data) == meaning and encode(meaning) == data


@pytest.mark.parametrize(
    "data", ["", "nonsense", "p:", "p:x", "p:-1", "p:²", "q:stop", "lang", "del:maybe", "a" * 65]
)
def test_what_no_button_encodes_is_unknown(data):
    assert decode(data) == Unknown(data)


def test_telegram_limit_is_checked_when_encoding():
    assert encode(Answer("x" * (MAX_BYTES - 2))) == "a:" + "x" * (MAX_BYTES - 2)
    with pytest.raises(CallbackTooLong):
        encode(Answer("x" * (MAX_BYTES - 1)))
    with pytest.raises(CallbackTooLong):
        encode(Answer("é" * 32))  # 64 characters would do; 66 bytes do not


@settings(max_examples=500, deadline=None)
@given(
    st.one_of(
        st.text(),
        st.binary(),
        st.sampled_from([*LEGACY_DATA, "p:" + "9" * 62]).map(lambda s: s + "\x00"),
    )
)
def test_decoding_anything_never_raises(data):
    assert isinstance(
        decode(data), Action | Language | Answer | Toggle | Page | Country | EditAnswer | Unknown
    )


@settings(max_examples=300, deadline=None)
@given(
    st.one_of(
        st.sampled_from(list(Action)),
        st.builds(Language, st.text()),
        st.builds(Answer, st.text()),
        st.builds(Toggle, st.text()),
        st.builds(Page, st.integers(min_value=0, max_value=10**70)),
        st.builds(Country, st.text()),
        st.builds(EditAnswer, st.text()),
    )
)
def test_what_is_encoded_decodes_to_itself(callback):
    try:
        data = encode(callback)
    except CallbackTooLong:
        return
    assert decode(data) == callback


@pytest.mark.parametrize("locale", LOCALES)
def test_every_button_drawn_fits_telegram(locale):
    state = ChatState("p", locale, data={"answers": {"review": "escwa"}, "chosen": [], "page": 0})
    replies = [ask(state, q) for q in QUESTIONS] + [language_menu(state)]
    for page in range(4):
        state.data["page"] = page
        replies.append(ask(state, next(q for q in QUESTIONS if q.kind is Kind.MULTIPLE)))
    for reply in replies:
        for row in reply.buttons:
            for button in row:
                assert len(button.data.encode()) <= MAX_BYTES
                assert not isinstance(decode(button.data), Unknown)


# A conversation without HTTP ------------------------------------------------------


@dataclass
class FakeService:
    """The intake service as the conversation sees it."""

    digital_consent_age: int = 16
    submitted: list[dict[str, Any]] = field(default_factory=list)
    refuse: list[FieldError] = field(default_factory=list)

    def is_minor(self, age_group: str | None) -> bool:
        return age_group in minor_age_groups(self.digital_consent_age)

    def submit_input(self, answers: dict[str, Any], **where: Any) -> Any:
        if self.refuse:
            raise InvalidAnswers([self.refuse.pop()])
        self.submitted.append(dict(answers))
        return type("Receipt", (), {"code": f"IN-{len(self.submitted):04d}"})()


@dataclass
class FakePrivacy:
    """The privacy service's side the conversation uses, recording what was asked of it."""

    chat: Chat

    def describe_contributor(self, **who: Any) -> ContributorData | None:
        return self.chat.known

    def erase_contributor(self, **who: Any) -> int:
        self.chat.calls.append(("erase",))
        return 2


@dataclass
class FakeConsent:
    """The consent service's side the conversation uses, recording what was asked of it."""

    chat: Chat

    def record_message(self, *, receipt: str, granted: bool, locale: str, **where: Any) -> None:
        self.chat.calls.append(("messages", receipt, granted, locale))

    def withdraw_for_contributor(self, *, consent: str, **who: Any) -> int:
        self.chat.calls.append(("stop_quotes",) if consent == "quote" else ("stop_messages",))
        return 1


@dataclass
class Chat:
    """One person's conversation and what it did through its ports."""

    known: ContributorData | None = None
    urgent: list[str] | None = None
    service: FakeService = field(default_factory=FakeService)
    calls: list[tuple[Any, ...]] = field(default_factory=list)
    state: ChatState = field(default_factory=lambda: ChatState("pseudonym"))

    def ports(self) -> Ports:
        return Ports(
            service=self.service,  # type: ignore[arg-type]
            privacy=FakePrivacy(self),  # type: ignore[arg-type]
            consent=FakeConsent(self),  # type: ignore[arg-type]
            platform_user_id=7,
            chat_id=7,
            help_after=lambda receipt, locale: self.urgent,
        )

    def send(self, kind: str, value: str = "") -> list[Reply]:
        replies = Conversation(self.ports()).handle(self.state, Incoming(kind, value))  # type: ignore[arg-type]
        self.state.known = True
        return replies

    def command(self, name: str) -> list[Reply]:
        return self.send("command", name)

    def text(self, text: str) -> list[Reply]:
        return self.send("text", text)

    def tap(self, callback: Any) -> list[Reply]:
        return self.send("button", callback if isinstance(callback, str) else encode(callback))

    def through_questions(self) -> list[Reply]:
        """Every question answered as the HTTP test's person does, up to the summary."""
        self.command("start")
        self.tap(Language("en"))
        self.tap(Action.AGREE)
        replies: list[Reply] = []
        for event in (
            Answer("escwa"),
            Answer("migrant"),
            "Jordan",
            Country("JO"),
            Answer("18_24"),
            Action.SKIP,
            Answer("cooperation"),
            Toggle("5"),
            Page(1),
            Toggle("7"),
            Action.DONE,
            "An input about safe work.",
            Answer("yes"),
            Answer("no"),
        ):
            replies = self.text(event) if type(event) is str else self.tap(event)
        return replies


def en(message: str, **params: Any) -> str:
    return gettext("en", message, **params)


def _buttons(reply: Reply) -> list[Any]:
    return [decode(button.data) for row in reply.buttons for button in row]


def test_every_step_has_one_handler():
    assert set(STEPS) == set(Step)


@pytest.mark.parametrize(
    ("stored", "step", "key"),
    [
        ("start", Step.START, None),
        ("idle", Step.IDLE, None),
        ("language", Step.LANGUAGE, None),
        ("consent", Step.CONSENT, None),
        ("same_profile", Step.SAME_PROFILE, None),
        ("q:country", Step.QUESTION, "country"),
        ("q:consent_message", Step.QUESTION, "consent_message"),
        ("summary", Step.SUMMARY, None),
        ("edit", Step.EDIT, None),
        ("delete", Step.DELETE, None),
        ("quotes", Step.QUOTES, None),
        ("erased", Step.ERASED, None),
        # What no version wrote, or a question no longer asked: nothing under way.
        ("q:contact_email", Step.IDLE, None),
        ("q", Step.IDLE, None),
        ("summary:x", Step.IDLE, None),
        ("", Step.IDLE, None),
    ],
)
def test_stored_steps_still_load(stored, step, key):
    found, asked = step_of(stored)
    assert found is step and (asked.key if asked else None) == key


def test_a_whole_input_without_http():
    chat = Chat()
    summary = chat.through_questions()[-1]
    assert chat.state.step == Step.SUMMARY and en("Please check your input") in summary.text
    assert _buttons(summary) == [Action.SEND, Action.EDIT, Action.CANCEL]

    thanks = chat.tap(Action.SEND)
    assert chat.service.submitted[0] == {
        "review": "escwa",
        "stakeholder_group": "migrant",
        "country": "JO",
        "age_group": "18_24",
        "gender": None,
        "theme": "cooperation",
        "objectives": ["5", "7"],
        "text": "An input about safe work.",
        "consent_quote": True,
        "consent_message": False,
        "consent_store": True,
    }
    assert chat.calls == [("messages", "IN-0001", False, "en")]
    assert "IN-0001" in thanks[0].text and thanks[0].replace and chat.state.step == Step.IDLE


def test_urgent_inputs_say_where_to_get_help():
    chat = Chat(urgent=["Call <112>"])
    chat.through_questions()
    assert chat.tap(Action.SEND)[-1].text == "Call &lt;112&gt;"


def test_nothing_under_way():
    chat = Chat()
    for step in (Step.START, Step.IDLE, Step.ERASED):
        chat.state.step = step
        assert chat.text("hello")[0].text == en(
            "Send /new to share an input, or /help to see what I can do."
        )
    assert chat.send("unsupported")[0].text == en(
        "I can only read text messages. Please write your answer."
    )


def test_language_step_and_its_buttons():
    chat = Chat()
    chat.command("start")
    assert chat.state.step == Step.LANGUAGE
    assert chat.text("English")[0].text == en("Please choose a language with the buttons.")
    assert chat.tap(Language("xx"))[0].text == en(
        "Choose your language"
    )  # not one we speak: the menu again
    replies = chat.tap(Language("fr"))
    assert chat.state.locale == "fr" and chat.state.step == Step.CONSENT and replies[0].replace


def test_language_changed_mid_question_resumes_it():
    chat = Chat()
    chat.command("start")
    chat.tap(Language("en"))
    chat.tap(Action.AGREE)
    chat.tap(Answer("escwa"))
    chat.command("language")
    replies = chat.tap(Language("es"))
    assert chat.state.step == "q:stakeholder_group" and replies[0].text == gettext(
        "es", "Language changed."
    )
    assert _buttons(replies[1])[0] == Answer("migrant")


def test_consent_step():
    chat = Chat()
    chat.command("new")
    assert chat.state.step == Step.CONSENT
    assert chat.text("yes")[0].text == en("Please answer with the buttons below.")
    assert chat.tap(Action.NOT_NOW)[0].replace and chat.state.step == Step.IDLE
    chat.command("new")
    chat.tap(Action.AGREE)
    assert chat.state.step == "q:review"


def test_same_profile_step():
    known = ContributorData("en", "migrant", "18_24", None, "JO", datetime.now(UTC), [], 0)
    chat = Chat(known=known)
    chat.command("new")
    assert (
        en("Welcome back. Shall we use the same details as last time?")
        in chat.tap(Action.AGREE)[0].text
    )
    assert chat.state.step == Step.SAME_PROFILE
    assert chat.tap(Action.SKIP)[0].text == en("Please answer with the buttons below.")
    chat.tap(Action.SAME_PROFILE)
    assert chat.state.data["answers"]["country"] == "JO" and chat.state.step == "q:review"
    chat.command("new")
    chat.tap(Action.AGREE)
    chat.tap(Action.CHANGE_PROFILE)
    assert chat.state.data["answers"] == {}


def test_question_steps_refuse_the_wrong_kind_of_answer():
    chat = Chat()
    chat.command("new")
    chat.tap(Action.AGREE)
    assert chat.text("escwa")[0].text == en("Please answer with the buttons below.")
    assert chat.tap(Action.SKIP)[0].text == en(
        "Please answer with the buttons below."
    )  # a required question
    chat.tap(Answer("escwa"))
    chat.tap(Answer("migrant"))
    assert chat.text("Atlantis")[0].text == en(
        "I could not find that country. Please try another spelling, or skip."
    )
    assert _buttons(chat.text("Jordan")[-1])[-1] is Action.SKIP
    chat.tap(Action.SKIP)
    assert chat.state.data["answers"]["country"] is None and chat.state.step == "q:age_group"


def test_a_minor_is_not_asked_about_quotes_or_messages():
    chat = Chat()
    chat.command("new")
    for pressed in (Action.AGREE, Answer("escwa"), Answer("youth"), Action.SKIP):
        chat.tap(pressed)
    notice = chat.tap(Answer("13_15"))[0]
    assert notice.text == en(MINORS_NOTICE, age=16)
    assert chat.state.data["answers"]["consent_quote"] is False
    assert chat.state.data["answers"]["consent_message"] is False


def test_multiple_choice_toggles_pages_and_limits():
    chat = Chat()
    chat.state.step, chat.state.data = "q:objectives", {"answers": {}, "page": 0}
    assert chat.text("5")[0].text == en("Please choose with the buttons, then press Done.")
    assert _buttons(chat.tap(Toggle("5"))[0])[0] == Toggle("1")
    assert chat.state.data["chosen"] == ["5"]
    assert Toggle("7") in _buttons(chat.tap(Page(1))[0])
    chat.tap(Toggle("5"))
    assert chat.state.data["chosen"] == []
    refused = [chat.tap(Toggle(str(n)))[0] for n in range(1, 25)]
    assert any(r.notice for r in refused)  # the questionnaire's limit, as a pop-up
    assert not chat.tap(Unknown("t").data)[0].replace
    chat.tap(Action.DONE)
    assert chat.state.data["answers"]["objectives"] and "chosen" not in chat.state.data


def test_text_question():
    chat = Chat()
    chat.state.step, chat.state.data = "q:text", {"answers": {}}
    assert chat.tap(Answer("x"))[0].text == en("Please type your answer as a message.")
    assert chat.text("My view of the review.")[0].text == en("Thank you, I have your text.")


def test_edit_step_asks_again_then_shows_the_summary():
    chat = Chat()
    chat.through_questions()
    edit = chat.tap(Action.EDIT)[0]
    assert chat.state.step == Step.EDIT and _buttons(edit) == [EditAnswer(q.key) for q in QUESTIONS]
    assert chat.tap(EditAnswer("nope"))[0].text.startswith(
        "<b>"
    )  # not a question: the summary again
    chat.tap(Action.EDIT)
    chat.tap(EditAnswer("theme"))
    assert chat.state.step == "q:theme"
    chat.tap(Answer("governance"))
    assert chat.state.step == Step.SUMMARY and chat.state.data["answers"]["theme"] == "governance"


def test_summary_step():
    chat = Chat()
    chat.through_questions()
    assert chat.text("send")[0].text == en("Please answer with the buttons below.")
    assert chat.tap(Unknown("x").data)[0].text.startswith("<b>")
    chat.tap(Action.CANCEL)
    assert chat.state.step == Step.IDLE and chat.state.data == {}


def test_a_refused_answer_is_asked_again():
    chat = Chat()
    chat.through_questions()
    chat.service.refuse.append(FieldError("text", "too_short", "Too short."))
    replies = chat.tap(Action.SEND)
    assert replies[0].text == "Too short." and chat.state.step == "q:text"
    chat.text("A longer text, at last.")
    assert chat.state.step == Step.SUMMARY


# Commands ------------------------------------------------------------------------------


def test_help_is_made_from_the_commands():
    lines = help_message(ChatState("p")).splitlines()
    assert lines[0] == en("What I can do:") and lines[-1] == f"/help — {en('show this message')}"
    assert {line.split(" ")[0] for line in lines[1:]} == {
        f"/{c.name}" for c in COMMANDS if c.in_help
    }
    assert "/start" not in "\n".join(lines)


@pytest.mark.parametrize("name", ["help", "unknown", ""])
def test_help_and_unknown_commands(name):
    assert Chat().command(name)[0].text == help_message(ChatState("p"))


def test_start_command():
    chat = Chat()
    chat.state.data = {"answers": {"review": "escwa"}}
    replies = chat.command("start")
    assert chat.state.step == Step.LANGUAGE and chat.state.data == {}
    assert _buttons(replies[1]) == [Language(loc) for loc in LOCALES]


def test_new_and_cancel_commands():
    chat = Chat()
    chat.command("new")
    assert chat.state.step == Step.CONSENT and set(chat.state.data) == {"draft", "answers"}
    assert chat.command("cancel")[0].text == en(
        "Cancelled. Nothing was stored. Send /new to start again."
    )
    assert chat.state.step == Step.IDLE


def test_mydata_command():
    chat = Chat()
    assert chat.command("mydata")[0].text == en("We store nothing about you.")
    chat.known = ContributorData(
        "en",
        "migrant",
        None,
        None,
        "JO",
        datetime.now(UTC),
        [StoredInput("IN-0001", "escwa", datetime(2026, 1, 2, tzinfo=UTC), "new", True)],
        0,
        ["escwa"],
    )
    text = chat.command("mydata")[0].text
    assert "IN-0001 (ESCWA, 2026-01-02)" in text and en("Send /delete to erase all of it.") in text


def test_delete_command():
    chat = Chat()
    chat.state.step = "q:text"
    assert _buttons(chat.command("delete")[0]) == [Action.ERASE, Action.KEEP_DATA]
    assert chat.text("yes")[0].text == en("Please answer with the buttons below.")
    assert (
        chat.tap(Action.KEEP_DATA)[0].text == en("Nothing was erased.")
        and chat.state.step == "q:text"
    )
    chat.command("delete")
    assert chat.tap(Action.ERASE)[0].text == en(
        "Done. We erased everything we stored about you (%(count)s inputs).", count=2
    )
    assert chat.state.step == Step.ERASED and chat.calls == [("erase",)]


@pytest.mark.parametrize(
    ("pressed", "call", "message"),
    [
        (
            Action.STOP_QUOTES,
            ("stop_quotes",),
            "Done. We will not quote any of your inputs in reports or digests.",
        ),
        (
            Action.STOP_MESSAGES,
            ("stop_messages",),
            "Done. We will not write to you here any more, and we deleted your chat ID.",
        ),
        (Action.KEEP_CONSENTS, None, "Nothing was changed."),
    ],
)
def test_consent_command(pressed, call, message):
    chat = Chat()
    assert chat.command("consent")[0].text == en("We store nothing about you.")
    quoted = StoredInput("IN-0001", "escwa", datetime.now(UTC), "new", True)
    chat.known = ContributorData(
        "en", None, None, None, None, datetime.now(UTC), [quoted], 0, ["escwa"]
    )
    chat.state.step = Step.IDLE
    asked = chat.command("consent")[0]
    assert chat.state.step == Step.QUOTES
    assert _buttons(asked) == [Action.STOP_QUOTES, Action.STOP_MESSAGES, Action.KEEP_CONSENTS]
    assert chat.text("stop")[0].text == en("Please answer with the buttons below.")
    assert chat.tap(pressed)[0].text == en(message)
    assert chat.calls == ([call] if call else []) and chat.state.step == Step.IDLE


def test_the_menu_is_the_command_table():
    assert [c.name for c in COMMANDS] == [
        "start",
        "new",
        "language",
        "mydata",
        "consent",
        "delete",
        "help",
        "cancel",
    ]
    assert callbacks.MAX_BYTES == 64
