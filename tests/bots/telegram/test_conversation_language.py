"""The conversation as a reader of each language sees it: counts, names, dates, arrows."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from babel.dates import format_date

from bots.telegram.callbacks import Action, Page, decode
from bots.telegram.keyboards import QUESTIONS, Reply, ask
from intake_api.conversations import ChatState
from intake_api.privacy import ContributorData, StoredInput
from intake_api.questionnaire import Kind
from tests.bots.telegram.test_conversation_table import Chat

ESCWA_INPUT = StoredInput("IN-0001", "escwa", datetime(2026, 1, 2, tzinfo=UTC), "new", True)
LRI, PDI = "\u2066", "\u2069"


def _known(locale: str, inputs: list[StoredInput], reviews: list[str]) -> ContributorData:
    return ContributorData(
        locale, "migrant", None, None, "JO", datetime.now(UTC), inputs, 0, reviews
    )


def _chat(locale: str, inputs: list[StoredInput], reviews: list[str] = ()) -> Chat:  # type: ignore[assignment]
    chat = Chat()
    chat.state.locale = locale
    chat.known = _known(locale, inputs, list(reviews))
    return chat


def _labels(reply: Reply) -> list[str]:
    return [button.label for row in reply.buttons for button in row]


def test_arabic_mydata_names_the_commission_and_dates_in_arabic():
    text = _chat("ar", [ESCWA_INPUT], ["escwa"]).command("mydata")[0].text
    line = next(line for line in text.splitlines() if "IN-0001" in line)
    date = format_date(ESCWA_INPUT.created_at, "medium", locale="ar")
    assert line == f"• {LRI}IN-0001{PDI} (الإسكوا، {date})"  # the Arabic comma
    assert "2026-01-02" not in text and "ESCWA" not in text
    assert "قدّمت مساهمة واحدة:" in text  # "you have shared one input": the dual/singular in words
    assert "الإسكوا" in text.splitlines()[-2]  # the chat ID is kept to write about الإسكوا


@pytest.mark.parametrize(
    ("count", "shown"), [(1, "1 сообщение"), (3, "3 сообщения"), (5, "5 сообщений")]
)
def test_russian_counts_take_their_plural_form(count, shown):
    text = _chat("ru", [ESCWA_INPUT] * count).command("mydata")[0].text
    assert f"Вы отправили {shown}:" in text


def test_russian_erasure_counts_what_was_erased():
    chat = _chat("ru", [ESCWA_INPUT] * 2)
    chat.command("delete")
    assert chat.tap(Action.ERASE)[0].text == (
        "Готово. Мы удалили всё, что хранили о вас (2 сообщения)."
    )


def test_russian_quotes_count():
    chat = _chat("ru", [ESCWA_INPUT] * 3, ["escwa"])
    text = chat.command("consent")[0].text
    assert "цитировать 3 ваших сообщения" in text and "ЭСКЗА" in text


def test_no_inputs_is_said_without_a_count():
    text = _chat("fr", []).command("mydata")[0].text
    assert "Vous n'avez partagé aucune contribution." in text and "0" not in text


def test_keep_everything_is_not_keep_this_input():
    reply = _chat("es", [ESCWA_INPUT]).command("delete")[0]
    assert _labels(reply)[1] == "No, conservarlo todo"


def test_the_summary_buttons_send_and_cancel_a_chat_input():
    chat = Chat()
    chat.state.locale = "zh"
    chat.state.step = "summary"
    chat.state.data = {"answers": {q.key: None for q in QUESTIONS}}
    labels = _labels(chat.text("?")[-1])  # a summary, asked again
    assert labels[0] == "发送" and labels[-1] == "取消"


def test_yes_no_answers_in_arabic():
    state = ChatState("p", "ar", data={"answers": {}})
    asked = next(q for q in QUESTIONS if q.kind in (Kind.CONSENT, Kind.BOOLEAN))
    assert _labels(ask(state, asked))[:2] == ["نعم", "لا"]


def _paging(locale: str, page: int) -> list[tuple[str, object]]:
    state = ChatState("p", locale, data={"answers": {}, "chosen": [], "page": page})
    reply = ask(state, next(q for q in QUESTIONS if q.kind is Kind.MULTIPLE))
    return [(b.label, decode(b.data)) for b in reply.buttons[-2]]


def test_paging_buttons_point_the_way_one_reads():
    assert _paging("en", 1) == [("◀", Page(0)), ("2/4", Page(1)), ("▶", Page(2))]
    # read from the right: "previous" first, pointing right, "next" last, pointing left
    assert _paging("ar", 1) == [("◀", Page(2)), ("2/4", Page(1)), ("▶", Page(0))]
    assert _paging("ar", 0) == [("◀", Page(1)), ("1/4", Page(0))]


def test_multiple_choices_are_listed_with_the_readers_separator():
    chat = Chat()
    chat.state.locale = "zh"
    chat.state.step = "summary"
    chat.state.data = {"answers": {q.key: None for q in QUESTIONS}}
    chat.state.data["answers"]["objectives"] = ["5", "7"]
    text = chat.text("?")[-1].text
    assert "5. " in text and "、7. " in text
