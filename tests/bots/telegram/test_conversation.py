"""A whole conversation through the channel, against the fake Bot API."""

from __future__ import annotations

import pytest
from sqlmodel import Session, select

from intake_api.i18n import LOCALES, gettext
from models import ChatSession, Contributor, Submission
from tests.bots.telegram.conftest import TelegramUser
from tests.conftest import count_rows
from tests.factories import text_for


def converse(
    channel, user: TelegramUser, locale: str, text: str, *, may_write: bool = False
) -> None:
    """The taps and messages of a person giving one input, start to finish (quotes allowed)."""
    for update in (
        user.text("/start"),
        user.tap(f"lang:{locale}"),
        user.tap("consent:yes"),
        user.tap("a:escwa"),
        user.tap("a:migrant"),
        user.text("Jordan"),
        user.tap("c:JO"),
        user.tap("a:18_24"),
        user.tap("skip"),
        user.tap("a:cooperation"),
        user.tap("t:5"),
        user.tap("p:1"),
        user.tap("t:7"),
        user.tap("done"),
        user.text(text),
        user.tap("a:yes"),
        user.tap("a:yes" if may_write else "a:no"),
    ):
        assert channel.handle(update)


@pytest.mark.parametrize("locale", LOCALES)
def test_whole_conversation_stores_one_input(channel, bot_api, engine, locale):
    user = TelegramUser(70_001, language_code=locale)
    converse(channel, user, locale, text_for(locale))
    summary = bot_api.texts()[-1]
    assert gettext(locale, "Please check your input") in summary
    assert text_for(locale) in summary
    assert [b["callback_data"] for b in bot_api.last_buttons()[0]] == ["send", "edit", "cancel"]

    channel.handle(user.tap("send"))

    with Session(engine) as session:
        stored = session.exec(select(Submission)).one()
        contributor = session.exec(select(Contributor)).one()
    assert (stored.review_slug, stored.stakeholder_group, stored.country, stored.theme) == (
        "escwa",
        "migrant",
        "JO",
        "cooperation",
    )
    assert stored.objectives == [5, 7] and stored.age_group == "18_24" and stored.gender is None
    assert (
        stored.text == text_for(locale) and stored.locale == locale and stored.channel == "telegram"
    )
    assert stored.consent_quote is True
    assert contributor.pseudonym != str(user.user_id) and contributor.stakeholder_group == "migrant"
    final = bot_api.texts()[-1]
    assert stored.receipt in final
    assert gettext(locale, "Thank you! Your input has been received.") in final


def test_greeting_follows_the_telegram_language(channel, bot_api):
    channel.handle(TelegramUser(70_002, language_code="fr-CA").text("/start"))
    assert bot_api.texts()[0].startswith(
        gettext(
            "fr",
            "Hello! This bot collects your views for the Regional Reviews of the Global Compact for Migration, organised by the UN Network on Migration.",
        )[:20]
    )
    buttons = [row[0]["text"] for row in bot_api.last_buttons()]
    assert buttons == ["English", "Français", "Español", "العربية", "Русский", "中文", "Português"]


def test_not_now_stores_nothing(channel, bot_api, engine):
    user = TelegramUser(70_003)
    channel.handle(user.text("/start"))
    channel.handle(user.tap("lang:en"))
    channel.handle(user.tap("consent:no"))
    assert "/new" in bot_api.texts()[-1]
    assert count_rows(engine, "submission") == 0 and count_rows(engine, "contributor") == 0


def test_returning_contributor_is_offered_the_same_profile(channel, bot_api, engine):
    user = TelegramUser(70_004)
    converse(channel, user, "en", text_for("en"))
    channel.handle(user.tap("send"))
    for update in (user.text("/new"), user.tap("consent:yes")):
        channel.handle(update)
    assert [b["callback_data"] for b in bot_api.last_buttons()[0]] == ["same:yes", "same:no"]
    for update in (
        user.tap("same:yes"),
        user.tap("a:eca"),
        user.tap("a:governance"),
        user.tap("skip"),
        user.text("A second input about regional free movement protocols."),
        user.tap("a:no"),
        user.tap("a:no"),
        user.tap("send"),
    ):
        channel.handle(update)
    with Session(engine) as session:
        second = session.exec(select(Submission).where(Submission.review_slug == "eca")).one()
    assert (second.stakeholder_group, second.country, second.age_group) == (
        "migrant",
        "JO",
        "18_24",
    )
    assert second.consent_quote is False


def test_free_text_where_a_button_is_expected_gets_a_gentle_reprompt(channel, bot_api):
    user = TelegramUser(70_005)
    for update in (
        user.text("/start"),
        user.tap("lang:en"),
        user.tap("consent:yes"),
        user.text("hello?"),
    ):
        channel.handle(update)
    texts = bot_api.texts()
    assert "Please answer with the buttons below." in texts[-2]
    assert "Regional review" in texts[-1]


def test_too_short_and_too_long_texts_are_refused_with_the_limit(channel, bot_api, engine):
    user = TelegramUser(70_006)
    for update in (
        user.text("/start"),
        user.tap("lang:en"),
        user.tap("consent:yes"),
        user.tap("a:eca"),
        user.tap("a:youth"),
        user.tap("skip"),
        user.tap("skip"),
        user.tap("skip"),
        user.tap("a:cooperation"),
        user.tap("skip"),
        user.text("short"),
    ):
        channel.handle(update)
    assert "at least 10 characters" in bot_api.texts()[-2]
    channel.handle(user.text("x" * 6000))
    assert "5000" in bot_api.texts()[-2] and "6000" in bot_api.texts()[-2]
    assert count_rows(engine, "submission") == 0


def test_long_summary_is_split_under_the_telegram_limit(channel, bot_api):
    user = TelegramUser(70_007)
    converse(channel, user, "en", "word " * 990)
    assert all(len(t) <= 4096 for t in bot_api.texts())
    assert sum("word word" in t for t in bot_api.texts()) >= 2


def test_non_text_messages_get_a_translated_please_send_text(channel, bot_api):
    user = TelegramUser(70_008, language_code="es")
    channel.handle(user.voice())
    channel.handle(user.sticker())
    assert (
        bot_api.texts()
        == [gettext("es", "I can only read text messages. Please write your answer.")] * 2
    )


def test_groups_and_edits_are_ignored(channel, bot_api, engine):
    user = TelegramUser(70_009)
    channel.handle(user.in_group("/start"))
    channel.handle(user.edited("changed my mind"))
    assert bot_api.texts() == []
    assert count_rows(engine, "chat_session") == 0


def test_mydata_and_delete(channel, bot_api, engine):
    user = TelegramUser(70_010, language_code="ru")
    channel.handle(user.text("/mydata"))
    assert bot_api.texts()[-1] == gettext("ru", "We store nothing about you.")
    converse(channel, user, "ru", text_for("ru"))
    channel.handle(user.tap("send"))
    receipt = Session(engine).exec(select(Submission.receipt)).one()
    channel.handle(user.text("/mydata"))
    assert receipt in bot_api.texts()[-1]

    channel.handle(user.text("/delete"))
    assert [b["callback_data"] for b in bot_api.last_buttons()[0]] == ["del:yes", "del:no"]
    channel.handle(user.tap("del:yes"))
    for table in (
        "submission",
        "submission_objective",
        "consent_record",
        "contributor",
        "chat_session",
    ):
        assert count_rows(engine, table) == 0, table
    channel.handle(user.text("/mydata"))
    assert bot_api.texts()[-1] == gettext("ru", "We store nothing about you.")


def test_commands_are_registered_in_every_language(channel, bot_api):
    from bots.telegram.app import register_commands

    register_commands(channel)
    calls = bot_api.sent("setMyCommands")
    assert len(calls) == 7
    french = next(c for c in calls if c.get("language_code") == "fr")
    assert {c["command"] for c in french["commands"]} == {
        "start",
        "new",
        "language",
        "mydata",
        "consent",
        "delete",
        "help",
        "cancel",
    }


def test_state_survives_in_the_store(channel, engine):
    user = TelegramUser(70_011)
    for update in (
        user.text("/start"),
        user.tap("lang:pt"),
        user.tap("consent:yes"),
        user.tap("a:eclac"),
    ):
        channel.handle(update)
    with Session(engine) as session:
        state = session.exec(select(ChatSession)).one()
    assert state.step == "q:stakeholder_group" and state.locale == "pt"
    assert state.data["answers"] == {"review": "eclac"}


def test_language_can_be_changed_mid_way(channel, bot_api, engine):
    user = TelegramUser(70_012)
    for update in (
        user.text("/start"),
        user.tap("lang:en"),
        user.tap("consent:yes"),
        user.tap("a:eca"),
        user.text("/language"),
        user.tap("lang:es"),
    ):
        channel.handle(update)
    assert gettext("es", "Who are you writing as?") in bot_api.texts()[-1]
    with Session(engine) as session:
        state = session.exec(select(ChatSession)).one()
    assert state.locale == "es" and state.data["answers"] == {"review": "eca"}


def test_a_minor_gets_the_age_appropriate_notice_and_is_not_asked_to_be_quoted(
    channel, bot_api, engine
):
    user = TelegramUser(70_013, "fr")
    for update in (
        user.text("/start"),
        user.tap("lang:fr"),
        user.tap("consent:yes"),
        user.tap("a:eca"),
        user.tap("a:youth"),
        user.tap("skip"),
        user.tap("a:13_15"),
    ):
        channel.handle(update)
    assert (
        gettext(
            "fr",
            "If you are younger than %(age)s, we keep no e-mail address and never quote your words, even without your name.",
            age=16,
        )
        in bot_api.texts()
    )
    for update in (
        user.tap("skip"),
        user.tap("a:cooperation"),
        user.tap("skip"),
        user.text("Les jeunes de mon quartier veulent étudier sans devoir partir."),
        user.tap("send"),
    ):
        channel.handle(update)
    with Session(engine) as session:
        stored = session.exec(select(Submission)).one()
    assert stored.age_group == "13_15" and stored.consent_quote is False


def test_consent_command_stops_quotes(channel, bot_api, engine):
    user = TelegramUser(70_020, language_code="pt")
    converse(channel, user, "pt", text_for("pt"))
    channel.handle(user.tap("send"))
    channel.handle(user.text("/consent"))
    assert [row[0]["callback_data"] for row in bot_api.last_buttons()] == [
        "quotes:stop",
        "quotes:keep",
    ]
    channel.handle(user.tap("quotes:stop"))
    assert bot_api.texts()[-1] == gettext(
        "pt", "Done. We will not quote any of your inputs in reports or digests."
    )
    with Session(engine) as session:
        assert session.exec(select(Submission.consent_quote)).one() is False
    channel.handle(user.text("/consent"))
    assert bot_api.texts()[-1] == gettext(
        "pt",
        "We do not quote any of your inputs. Send /delete to erase everything we store about you.",
    )


def test_a_disclosure_gets_where_to_find_help(channel, bot_api, engine):
    from intake_api.referrals import set_referral

    set_referral(
        engine,
        review_slug="escwa",
        country="JO",
        text="IOM Jordan hotline: 0800 22 333",
        actor="test",
    )
    user = TelegramUser(70_021)
    converse(channel, user, "en", "My employer took my passport and I cannot leave the house.")
    channel.handle(user.tap("send"))
    texts = bot_api.texts()
    assert gettext("en", "Thank you! Your input has been received.") in texts[-2]
    assert (
        gettext("en", "You are not alone. If you are in danger, please seek help now.") in texts[-1]
    )
    assert "IOM Jordan hotline: 0800 22 333" in texts[-1]
    with Session(engine) as session:
        assert session.exec(select(Submission.urgent_category)).one() is not None
