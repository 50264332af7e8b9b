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
    KEPT_TEXT,
    PROFILE_WHY,
    STEPS,
    Conversation,
    Incoming,
    Ports,
    Step,
    help_message,
    step_of,
)
from bots.telegram.keyboards import CORE_QUESTIONS, QUESTIONS, Reply, ask, language_menu
from intake_api.conversations import ChatState
from intake_api.i18n import LOCALES, gettext, plural
from intake_api.notices import MINORS_NOTICE
from intake_api.privacy import ContributorData, StoredInput
from intake_api.questionnaire import Kind
from intake_api.service import FieldError, InvalidAnswers
from models.commissions import review_for_country
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

    attached: list[dict[str, Any]] = field(default_factory=list)
    chat: Chat | None = None  # whose stored data the service answers from

    def is_minor(self, age_group: str | None) -> bool:
        return age_group in minor_age_groups(self.digital_consent_age)

    def may_contact_or_quote(self, age_group: str | None) -> bool:
        return age_group is not None and not self.is_minor(age_group)

    def add_profile(self, receipt: str, answers: dict[str, Any], **where: Any) -> dict[str, Any]:
        if self.refuse:
            raise InvalidAnswers([self.refuse.pop()])
        clean = {k: (v == "yes" if k == "consent_quote" else v) for k, v in answers.items()}
        self.attached.append({"receipt": receipt, **clean})
        return clean

    def likely_review(self, **who: Any) -> str | None:
        known = self.chat.known if self.chat else None
        if known is None:
            return None
        if known.inputs:
            return known.inputs[-1].review_slug
        return review_for_country(known.country) if known.country else None

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

    def storage_agreed(self, **who: Any) -> bool:
        return self.chat.agreed

    def record_message(self, *, receipt: str, granted: bool, locale: str, **where: Any) -> None:
        self.chat.calls.append(("messages", receipt, granted, locale))

    def withdraw_for_contributor(self, *, consent: str, **who: Any) -> int:
        self.chat.calls.append(("stop_quotes",) if consent == "quote" else ("stop_messages",))
        return 1


@dataclass
class Chat:
    """One person's conversation and what it did through its ports."""

    known: ContributorData | None = None
    agreed: bool = False  # storage consent given under the current notice
    now: float = 1_000.0
    urgent: list[str] | None = None
    service: FakeService = field(default_factory=FakeService)
    calls: list[tuple[Any, ...]] = field(default_factory=list)
    state: ChatState = field(default_factory=lambda: ChatState("pseudonym"))

    def __post_init__(self) -> None:
        self.service.chat = self

    def ports(self) -> Ports:
        return Ports(
            service=self.service,  # type: ignore[arg-type]
            privacy=FakePrivacy(self),  # type: ignore[arg-type]
            consent=FakeConsent(self),  # type: ignore[arg-type]
            platform_user_id=7,
            chat_id=7,
            help_after=lambda receipt, locale: self.urgent,
            clock=lambda: self.now,
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
        """The shortest way to the summary: /start, I agree, the text, the review."""
        self.command("start")
        self.tap(Action.AGREE)
        self.text("An input about safe work.")
        return self.tap(Answer("escwa"))

    def through_details(self, *events: Any) -> list[Reply]:
        replies: list[Reply] = []
        for event in events:
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
        ("q:text", Step.QUESTION, "text"),
        ("q:review", Step.QUESTION, "review"),
        # asked before the input by earlier versions: still loaded (see test_earlier_steps_lead_on)
        ("q:stakeholder_group", Step.QUESTION, "stakeholder_group"),
        ("q:theme", Step.QUESTION, "theme"),
        ("q:objectives", Step.QUESTION, "objectives"),
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
        "text": "An input about safe work.",
        "consent_store": True,
    }
    assert chat.calls == []  # nothing about contact at Send: the age is not known
    assert "IN-0001" in thanks[0].text and thanks[0].replace
    assert thanks[1].text == en(PROFILE_WHY) and chat.state.step == "q:stakeholder_group"
    assert _buttons(thanks[2])[-2:] == [Action.SKIP, Action.SKIP_ALL]

    chat.through_details(
        Answer("migrant"),
        "Jordan",
        Country("JO"),
        Answer("18_24"),
        Action.SKIP,
        Answer("yes"),
    )
    assert chat.state.step == "q:consent_message"
    done = chat.tap(Answer("no"))
    assert chat.service.attached == [
        {"receipt": "IN-0001", "stakeholder_group": "migrant"},
        {"receipt": "IN-0001", "country": "JO"},
        {"receipt": "IN-0001", "age_group": "18_24"},
        {"receipt": "IN-0001", "consent_quote": True},
    ]
    assert chat.calls == [("messages", "IN-0001", False, "en")]
    assert chat.state.step == Step.IDLE and chat.state.data == {}
    assert done[0].text.startswith(
        en("Thank you! Your details are added to your input. Send /new to share another input.")
    )


def test_urgent_inputs_say_where_to_get_help():
    chat = Chat(urgent=["Call <112>"])
    chat.through_questions()
    assert chat.tap(Action.SEND)[1].text == "Call &lt;112&gt;"


def test_nothing_under_way():
    chat = Chat()
    for step in (Step.START, Step.IDLE, Step.ERASED):
        chat.state.step = step
        assert chat.tap(Action.SEND)[0].text == en(
            "Send /new to share an input, or /help to see what I can do."
        )
    assert chat.send("unsupported")[0].text == en(
        "I can only read text messages. Please write your answer."
    )


def test_text_written_first_is_kept_while_consent_is_asked():
    chat = Chat()
    asked = chat.text("What I came to say, in my words.")[0]
    assert chat.state.step == Step.CONSENT and en(KEPT_TEXT) in asked.text
    assert chat.state.data["answers"]["text"] == "What I came to say, in my words."
    refused = chat.text("x" * 5000)  # too long once joined: refused, nothing lost
    assert "5000" in refused[0].text and en(KEPT_TEXT) in refused[1].text
    assert chat.state.data["answers"]["text"] == "What I came to say, in my words."
    chat.tap(Action.AGREE)
    assert chat.state.step == "q:review"
    chat.command("new")
    chat.tap(Action.NOT_NOW)
    assert chat.state.data == {}


def test_a_returning_contributor_skips_consent_and_the_review():
    chat = Chat(agreed=True, known=ContributorData(
        "en", None, None, None, None, datetime.now(UTC),
        [StoredInput("IN-0001", "eca", datetime.now(UTC), "new", False)], 0,
    ))  # fmt: skip
    asked = chat.command("new")[-1]
    assert chat.state.step == "q:text" and "/mydata" in asked.text
    summary = chat.text("A second input, written at once.")[-1]
    assert chat.state.step == Step.SUMMARY and en("Africa") in summary.text
    assert _buttons(summary)[-1] is Action.CHANGE_REVIEW
    chat.tap(Action.CHANGE_REVIEW)
    assert chat.state.step == "q:review"
    assert chat.tap(Answer("escwa"))[0].text.startswith("<b>")
    assert chat.state.data["answers"]["review"] == "escwa"
    chat.command("cancel")
    chat.text("Written while idle: a new draft at once.")  # no /new needed
    assert chat.state.step == Step.SUMMARY


def test_a_split_text_is_joined_quietly_soon_after_and_said_later():
    chat = Chat()
    chat.through_questions()
    assert chat.text("and the rest of it.") == []  # a moment later: silently
    assert chat.state.data["answers"]["text"] == "An input about safe work.\nand the rest of it."
    chat.now += 60
    replies = chat.text("One more thing.")
    assert replies[0].text == en("Added to your input.") and chat.state.step == Step.SUMMARY
    chat.now += 60
    before = chat.state.data["answers"]["text"]
    refused = chat.text("x" * 5000)
    assert "5000" in refused[0].text and chat.state.data["answers"]["text"] == before


@pytest.mark.parametrize(
    ("kind", "message"),
    [
        ("voice", "I cannot listen to voice messages. Please write your input as a text message, in any language."),
        ("photo", "I cannot look at photos, videos or files. Please write your input as a text message, in any language."),
        ("sticker", "Thank you for the sticker! I can only read text: please write in words."),
        ("location", "We do not keep locations. If you like, tell us the country in words when we ask for it."),
        ("poll", "I can only read text messages. Please write your answer."),
    ],
)  # fmt: skip
def test_what_cannot_be_read_is_answered_by_kind_and_the_step_asked_again(kind, message):
    chat = Chat()
    chat.through_questions()
    replies = chat.send("unsupported", kind)
    assert replies[0].text == en(message) and en("Please check your input") in replies[1].text
    assert chat.state.data["answers"]["text"] == "An input about safe work."


def test_language_buttons_redraw_the_consent_message():
    chat = Chat()
    chat.command("start")
    assert Language("en") not in _buttons(chat.command("start")[0])
    replies = chat.tap(Language("fr"))
    assert chat.state.locale == "fr" and chat.state.step == Step.CONSENT and replies[0].replace
    assert Language("en") in _buttons(replies[0]) and Language("fr") not in _buttons(replies[0])
    assert chat.tap(Language("xx"))[0].text == gettext("fr", "Choose your language")


def test_language_changed_mid_question_resumes_it():
    chat = Chat()
    chat.command("start")
    chat.tap(Action.AGREE)
    chat.text("An input about safe work.")
    chat.command("language")
    assert chat.text("English")[0].text == en("Please choose a language with the buttons.")
    replies = chat.tap(Language("es"))
    assert chat.state.step == "q:review" and replies[0].text == gettext("es", "Language changed.")
    assert _buttons(replies[1])[0] == Answer("eca")


def test_consent_step():
    chat = Chat()
    chat.command("new")
    assert chat.state.step == Step.CONSENT
    assert chat.tap(Action.SEND)[0].text == en("Please answer with the buttons below.")
    assert chat.tap(Action.NOT_NOW)[0].replace and chat.state.step == Step.IDLE
    chat.command("new")
    chat.tap(Action.AGREE)
    assert chat.state.step == "q:text"


def test_same_profile_after_the_receipt():
    known = ContributorData("en", "migrant", "18_24", None, "JO", datetime.now(UTC), [], 0)
    chat = Chat(known=known)
    chat.through_questions()
    asked = chat.tap(Action.SEND)[-1]
    assert en("Same details as last time?") in asked.text and chat.state.step == Step.SAME_PROFILE
    assert _buttons(asked) == [Action.SAME_PROFILE, Action.CHANGE_PROFILE, Action.SKIP_ALL]
    assert chat.tap(Action.SKIP)[0].text == en("Please answer with the buttons below.")
    chat.tap(Action.SAME_PROFILE)
    assert chat.service.attached == [
        {
            "receipt": "IN-0001",
            "stakeholder_group": "migrant",
            "age_group": "18_24",
            "country": "JO",
        }
    ]
    assert chat.state.step == "q:consent_quote"  # an adult: asked to be quoted
    chat.command("cancel")
    chat.through_questions()
    chat.tap(Action.SEND)
    chat.tap(Action.CHANGE_PROFILE)
    assert chat.state.step == "q:stakeholder_group"
    chat.through_questions()
    chat.tap(Action.SEND)
    chat.tap(Action.SKIP_ALL)
    assert chat.state.step == Step.IDLE and len(chat.service.attached) == 1


def test_earlier_steps_lead_on_to_what_the_draft_needs():
    for stored in ("q:stakeholder_group", "q:theme", "q:objectives", "same_profile", "q:country"):
        chat = Chat()
        chat.state.step = stored
        chat.state.data = {"draft": "d", "answers": {"review": "eca", "theme": "cooperation"}}
        replies = chat.tap(Answer("migrant"))
        assert chat.state.step == "q:text", stored
        assert en("What would you like to tell the regional review?") in replies[-1].text
    chat.text("An input written after an upgrade.")
    chat.tap(Action.SEND)
    assert chat.service.submitted[-1]["theme"] == "cooperation"  # what the draft held is kept
    chat = Chat()
    chat.state.step, chat.state.data = "language", {}
    chat.tap(Language("ar"))  # the menu an earlier /start showed
    assert chat.state.step == Step.CONSENT and chat.state.locale == "ar"


def test_an_earlier_draft_sends_what_it_holds_and_asks_only_the_rest():
    chat = Chat()
    chat.state.step = "summary"
    chat.state.data = {
        "draft": "d",
        "answers": {
            "review": "eca",
            "stakeholder_group": "youth",
            "age_group": "25_34",
            "text": "An input from before the upgrade.",
            "consent_quote": True,
            "consent_message": True,
        },
    }
    chat.tap(Action.SEND)
    assert "consent_message" not in chat.service.submitted[-1]
    assert chat.state.step == "q:country"  # group and age came with the input
    chat.through_details(Action.SKIP, Action.SKIP)
    assert chat.state.step == "q:consent_message" and chat.calls == []  # asked, never assumed
    chat.state.data["profile"]["age_group"] = None  # were the age unknown: not asked at all
    chat.tap(Answer("yes"))
    assert chat.calls == [] and chat.state.step == Step.IDLE


def test_question_steps_refuse_the_wrong_kind_of_answer():
    chat = Chat()
    chat.command("new")
    chat.tap(Action.AGREE)
    assert chat.tap(Answer("x"))[0].text == en("Please type your answer as a message.")
    chat.text("An input about safe work.")
    assert chat.tap(Action.SKIP)[0].text == en("Please answer with the buttons below.")
    chat.tap(Answer("escwa"))
    chat.tap(Action.SEND)
    chat.tap(Answer("migrant"))
    assert chat.text("Atlantis")[0].text == en(
        "I could not find that country. Please try another spelling, or skip."
    )
    assert _buttons(chat.text("Jordan")[-1])[-1] is Action.SKIP
    chat.tap(Action.SKIP)
    assert chat.state.data["profile"]["country"] is None and chat.state.step == "q:age_group"


def test_a_minor_is_not_asked_about_quotes_or_messages():
    chat = Chat()
    chat.through_questions()
    chat.tap(Action.SEND)
    chat.tap(Answer("youth"))
    chat.tap(Action.SKIP)
    notice = chat.tap(Answer("13_15"))[0]
    assert notice.text == plural("en", MINORS_NOTICE, 16, age=16)
    assert chat.state.step == "q:gender"
    chat.tap(Action.SKIP)
    assert chat.state.step == Step.IDLE and chat.calls == []


def test_no_age_no_quote_nor_message_question():
    chat = Chat()
    chat.through_questions()
    chat.tap(Action.SEND)
    chat.through_details(Action.SKIP, Action.SKIP, Action.SKIP, Action.SKIP)
    assert chat.state.step == Step.IDLE and chat.calls == [] and chat.service.attached == []


def test_a_refused_detail_is_asked_again():
    chat = Chat()
    chat.through_questions()
    chat.tap(Action.SEND)
    chat.service.refuse.append(FieldError("stakeholder_group", "choice", "Not a choice."))
    replies = chat.tap(Answer("nope"))
    assert replies[0].text == "Not a choice." and chat.state.step == "q:stakeholder_group"


def test_text_question():
    chat = Chat()
    chat.state.step, chat.state.data = "q:text", {"answers": {}}
    assert chat.tap(Answer("x"))[0].text == en("Please type your answer as a message.")
    assert chat.text("My view of the review.")[0].text.startswith("<b>")  # the review, asked
    assert chat.state.step == "q:review"


def test_edit_step_asks_again_then_shows_the_summary():
    chat = Chat()
    chat.through_questions()
    edit = chat.tap(Action.EDIT)[0]
    assert chat.state.step == Step.EDIT and _buttons(edit) == [
        EditAnswer(q.key) for q in CORE_QUESTIONS
    ]
    assert chat.tap(EditAnswer("theme"))[0].text.startswith("<b>")  # not asked: the summary
    chat.tap(Action.EDIT)
    chat.tap(EditAnswer("review"))
    assert chat.state.step == "q:review"
    chat.tap(Answer("eca"))
    assert chat.state.step == Step.SUMMARY and chat.state.data["answers"]["review"] == "eca"
    chat.tap(Action.EDIT)
    chat.tap(EditAnswer("text"))
    chat.text("Another text, written anew.")
    assert chat.state.data["answers"]["text"] == "Another text, written anew."
    assert chat.state.step == Step.SUMMARY


def test_summary_step():
    chat = Chat()
    chat.through_questions()
    assert chat.tap(Answer("x"))[0].text.startswith("<b>")
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
    assert chat.state.step == Step.CONSENT and chat.state.data["answers"] == {}
    assert _buttons(replies[0]) == [
        Action.AGREE,
        Action.NOT_NOW,
        *(Language(loc) for loc in LOCALES if loc != "en"),
    ]


def test_new_and_cancel_commands():
    chat = Chat()
    chat.command("new")
    assert chat.state.step == Step.CONSENT and set(chat.state.data) == {"draft", "answers", "greet"}
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
    assert "IN-0001 (ESCWA, Jan 2, 2026)" in text and en("Send /delete to erase all of it.") in text
    assert "• Country: Jordan" in text and "You have shared 1 input:" in text


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
