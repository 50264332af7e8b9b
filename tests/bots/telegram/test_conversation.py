"""A whole conversation through the channel, against the fake Bot API."""

from __future__ import annotations

from unittest.mock import ANY

import pytest
from sqlalchemy import text as text_sql
from sqlmodel import Session, select

from bots.telegram.conversation import PROFILE_WHY
from intake_api.i18n import LOCALES, gettext, plural
from intake_api.notices import MINORS_NOTICE
from intake_api.questionnaire import CONSENT_MESSAGE
from models import ChatSession, Contributor, Submission
from tests.bots.telegram.conftest import TelegramUser
from tests.conftest import count_rows
from tests.factories import text_for


def converse(channel, user: TelegramUser, locale: str, text: str) -> None:
    """The shortest way to an input's summary: /start, I agree, the text, the review."""
    for update in (
        user.text("/start"),
        user.tap("consent:yes"),
        user.text(text),
        user.tap("a:escwa"),
    ):
        assert channel.handle(update)


def give_details(
    channel, user: TelegramUser, *, quote: bool = True, may_write: bool = False
) -> None:
    """After the receipt: every detail, an adult's (so quotes and messages are asked)."""
    for update in (
        user.tap("a:migrant"),
        user.text("Jordan"),
        user.tap("c:JO"),
        user.tap("a:18_24"),
        user.tap("skip"),
        user.tap("a:yes" if quote else "a:no"),
        user.tap("a:yes" if may_write else "a:no"),
    ):
        assert channel.handle(update)


def send_with_details(channel, user: TelegramUser, **details: bool) -> None:
    channel.handle(user.tap("send"))
    give_details(channel, user, **details)


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
    assert (stored.review_slug, stored.stakeholder_group, stored.age_group, stored.theme) == (
        "escwa",
        None,
        None,
        None,
    )
    assert stored.consent_quote is False  # no age given (yet): never quoted
    texts = bot_api.texts()
    assert stored.receipt in texts[-3]
    assert gettext(locale, "Thank you! Your input has been received.") in texts[-3]
    assert texts[-2] == gettext(locale, PROFILE_WHY)

    give_details(channel, user)
    with Session(engine) as session:
        stored = session.exec(select(Submission)).one()
        contributor = session.exec(select(Contributor)).one()
    assert (stored.review_slug, stored.stakeholder_group, stored.country, stored.theme) == (
        "escwa",
        "migrant",
        "JO",
        None,
    )
    assert stored.age_group == "18_24" and stored.gender is None
    assert (
        stored.text == text_for(locale) and stored.locale == locale and stored.channel == "telegram"
    )
    assert stored.consent_quote is True
    assert contributor.pseudonym != str(user.user_id) and contributor.stakeholder_group == "migrant"


def test_greeting_follows_the_telegram_language(channel, bot_api):
    channel.handle(TelegramUser(70_002, language_code="fr-CA").text("/start"))
    assert bot_api.texts()[0].startswith(
        gettext(
            "fr",
            "Hello! This bot collects your views for the Regional Reviews of the Global Compact for Migration, organised by the UN Network on Migration.",
        )[:20]
    )
    rows = [[b["text"] for b in row] for row in bot_api.last_buttons()]
    assert rows[0] == [gettext("fr", "I agree"), gettext("fr", "Not now")]
    # one tap to another language, each in its own name, a few to a row
    assert rows[1:] == [["English", "Español", "العربية"], ["Русский", "中文", "Português"]]


def test_one_tap_changes_the_language_of_the_same_message(channel, bot_api):
    user = TelegramUser(70_014)
    channel.handle(user.text("/start"))
    channel.handle(user.tap("lang:ar"))
    edit = bot_api.sent("editMessageText")[-1]
    assert gettext("ar", "Do you agree that we store your answers?") in edit["text"]
    labels = [b["text"] for row in edit["reply_markup"]["inline_keyboard"] for b in row]
    assert "English" in labels and "العربية" not in labels


def test_not_now_stores_nothing_and_drops_what_was_written(channel, bot_api, engine):
    user = TelegramUser(70_003)
    channel.handle(user.text("What I wanted to say about work permits."))
    assert gettext("en", "I will keep what you wrote until you agree.") in bot_api.texts()[-1]
    channel.handle(user.tap("consent:no"))
    assert "/new" in bot_api.texts()[-1]
    assert count_rows(engine, "submission") == 0 and count_rows(engine, "contributor") == 0
    with Session(engine) as session:
        assert session.exec(select(ChatSession.data)).one() in ({}, {"last_update": ANY})


def test_returning_contributor_skips_consent_and_the_review_and_reuses_the_profile(
    channel, bot_api, engine
):
    user = TelegramUser(70_004)
    converse(channel, user, "en", text_for("en"))
    send_with_details(channel, user)
    channel.handle(user.text("/new"))
    assert gettext("en", "What would you like to tell the regional review?") in bot_api.texts()[-1]
    assert "/mydata" in bot_api.texts()[-1] and "/delete" in bot_api.texts()[-1]
    channel.handle(user.text("A second input about regional free movement protocols."))
    assert gettext("en", "Arab region") in bot_api.texts()[-1]  # remembered, shown
    assert [b["callback_data"] for b in bot_api.last_buttons()[-1]] == ["review:change"]
    channel.handle(user.tap("review:change"))
    channel.handle(user.tap("a:eca"))
    channel.handle(user.tap("send"))
    assert [b["callback_data"] for row in bot_api.last_buttons() for b in row] == [
        "same:yes",
        "same:no",
        "skip:all",
    ]
    for update in (user.tap("same:yes"), user.tap("a:no"), user.tap("a:no")):
        channel.handle(update)
    with Session(engine) as session:
        second = session.exec(select(Submission).where(Submission.review_slug == "eca")).one()
    assert (second.stakeholder_group, second.country, second.age_group) == (
        "migrant",
        "JO",
        "18_24",
    )
    assert second.consent_quote is False


def test_a_country_in_one_region_makes_the_review_certain(
    channel, bot_api, engine, telegram_runtime
):
    """A person who had their input erased, but whose country we keep, is not asked the review."""
    user = TelegramUser(70_014)
    converse(channel, user, "en", text_for("en"))
    send_with_details(channel, user)  # country: Jordan, in ESCWA's region only
    with Session(engine) as session:
        receipt = session.exec(select(Submission)).one().receipt
    assert telegram_runtime.privacy.erase_record(receipt=receipt, actor="staff:test")
    channel.handle(user.text("/new"))
    channel.handle(user.text("A second input about work permits for domestic workers."))
    channel.handle(user.tap("consent:yes"))  # its storage consent went with the input: asked again
    assert gettext("en", "Arab region") in bot_api.texts()[-1]  # inferred, shown
    assert [b["callback_data"] for b in bot_api.last_buttons()[-1]] == ["review:change"]


def test_free_text_where_a_button_is_expected_gets_a_gentle_reprompt(channel, bot_api):
    user = TelegramUser(70_005)
    converse(channel, user, "en", text_for("en"))
    channel.handle(user.tap("send"))
    channel.handle(user.text("hello?"))
    texts = bot_api.texts()
    assert "Please answer with the buttons below." in texts[-2]
    assert gettext("en", "Who are you writing as?") in texts[-1]


def test_too_short_and_too_long_texts_are_refused_with_the_limit(channel, bot_api, engine):
    user = TelegramUser(70_006)
    for update in (user.text("/start"), user.tap("consent:yes"), user.text("short")):
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


MEDIA_ANSWERS = {
    "voice": "I cannot listen to voice messages. Please write your input as a text message, in any language.",
    "audio": "I cannot listen to voice messages. Please write your input as a text message, in any language.",
    "video_note": "I cannot listen to voice messages. Please write your input as a text message, in any language.",
    "photo": "I cannot look at photos, videos or files. Please write your input as a text message, in any language.",
    "video": "I cannot look at photos, videos or files. Please write your input as a text message, in any language.",
    "document": "I cannot look at photos, videos or files. Please write your input as a text message, in any language.",
    "sticker": "Thank you for the sticker! I can only read text: please write in words.",
    "location": "We do not keep locations. If you like, tell us the country in words when we ask for it.",
    "venue": "We do not keep locations. If you like, tell us the country in words when we ask for it.",
    "contact": "I can only read text messages. Please write your answer.",
}


@pytest.mark.parametrize("kind", MEDIA_ANSWERS)
def test_each_kind_of_message_is_answered_and_the_draft_kept(channel, bot_api, engine, kind):
    user = TelegramUser(70_008, language_code="es")
    converse(channel, user, "es", text_for("es"))
    channel.handle(user.media(kind))
    texts = bot_api.texts()
    assert texts[-2] == gettext("es", MEDIA_ANSWERS[kind])
    assert text_for("es") in texts[-1]  # the summary again, nothing lost
    channel.handle(user.tap("send"))
    with Session(engine) as session:
        assert session.exec(select(Submission.text)).one() == text_for("es")
        stored = session.exec(select(ChatSession.data)).one()
    assert "location" not in str(stored) and "48.85" not in str(stored)  # never kept


def test_a_voice_message_before_anything_is_answered_too(channel, bot_api):
    user = TelegramUser(70_015, language_code="es")
    channel.handle(user.voice())
    channel.handle(user.sticker())
    assert bot_api.texts() == [
        gettext("es", MEDIA_ANSWERS["voice"]),
        gettext("es", MEDIA_ANSWERS["sticker"]),
    ]


def test_a_text_split_by_telegram_is_joined_into_one_input(channel, bot_api, engine):
    user = TelegramUser(70_016)
    first, second = "x" * 4000 + " end of the first part.", "The second part of it."
    for update in (user.text("/start"), user.tap("consent:yes"), user.text(first)):
        channel.handle(update)
    before = len(bot_api.texts())
    channel.handle(user.text(second))  # a moment later: joined without a word
    assert len(bot_api.texts()) == before
    channel.handle(user.tap("a:eca"))
    channel.handle(user.tap("send"))
    with Session(engine) as session:
        assert session.exec(select(Submission.text)).one() == f"{first}\n{second}"


def test_a_duplicate_delivery_creates_one_row(channel, engine):
    user = TelegramUser(70_017)
    converse(channel, user, "en", text_for("en"))
    send = user.tap("send")
    assert channel.handle(send)
    assert not channel.handle(send)
    assert count_rows(engine, "submission") == 1


def test_details_after_the_receipt_are_attached_to_the_stored_input(channel, engine):
    user = TelegramUser(70_018, language_code="ar")
    converse(channel, user, "ar", text_for("ar"))
    channel.handle(user.tap("send"))
    for update, column, value in (
        (user.tap("a:youth"), "stakeholder_group", "youth"),
        (user.text("Jordan"), "country", None),
        (user.tap("c:JO"), "country", "JO"),
        (user.tap("a:25_34"), "age_group", "25_34"),
        (user.tap("a:woman"), "gender", "woman"),
        (user.tap("a:yes"), "consent_quote", True),
    ):
        channel.handle(update)
        with Session(engine) as session:
            assert getattr(session.exec(select(Submission)).one(), column) == value, column


def test_no_age_given_means_never_quoted_and_no_chat_kept(channel, bot_api, engine):
    user = TelegramUser(70_019)
    converse(channel, user, "en", text_for("en"))
    channel.handle(user.tap("send"))
    for update in (user.tap("a:migrant"), user.tap("skip"), user.tap("skip"), user.tap("skip")):
        channel.handle(update)
    assert not any(gettext("en", CONSENT_MESSAGE.label) in t for t in bot_api.texts())
    assert not any(
        gettext("en", "You may quote my input, without my name, in the summary report.") in t
        for t in bot_api.texts()
    )
    with Session(engine) as session:
        stored = session.exec(select(Submission)).one()
    assert stored.age_group is None and stored.consent_quote is False
    assert count_rows(engine, "chat_contact") == 0
    with engine.connect() as connection:
        kinds = connection.execute(text_sql("SELECT kind FROM consent_record")).scalars().all()
    assert "message" not in kinds


def test_skip_all_ends_the_details(channel, bot_api, engine):
    user = TelegramUser(70_022)
    converse(channel, user, "en", text_for("en"))
    channel.handle(user.tap("send"))
    channel.handle(user.tap("skip:all"))
    assert bot_api.texts()[-1].startswith(
        gettext(
            "en",
            "That is fine. Your input is stored without these details. Send /new to share another input.",
        )[:20]
    )
    with Session(engine) as session:
        assert session.exec(select(ChatSession.step)).one() == "idle"


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
    send_with_details(channel, user)
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
    user = TelegramUser(70_011, language_code="pt")
    for update in (
        user.text("/start"),
        user.tap("consent:yes"),
        user.text(text_for("pt")),
    ):
        channel.handle(update)
    with Session(engine) as session:
        state = session.exec(select(ChatSession)).one()
    assert state.step == "q:review" and state.locale == "pt"
    assert state.data["answers"] == {"text": text_for("pt")}


def test_language_can_be_changed_mid_way(channel, bot_api, engine):
    user = TelegramUser(70_012)
    for update in (
        user.text("/start"),
        user.tap("consent:yes"),
        user.text(text_for("en")),
        user.text("/language"),
        user.tap("lang:es"),
    ):
        channel.handle(update)
    assert gettext("es", "Regional review") in bot_api.texts()[-1]
    with Session(engine) as session:
        state = session.exec(select(ChatSession)).one()
    assert state.locale == "es" and state.data["answers"] == {"text": text_for("en")}


def test_a_minor_gets_the_age_appropriate_notice_and_is_not_asked_to_be_quoted(
    channel, bot_api, engine
):
    user = TelegramUser(70_013, "fr")
    converse(channel, user, "fr", "Les jeunes de mon quartier veulent étudier sans devoir partir.")
    for update in (
        user.tap("send"),
        user.tap("a:youth"),
        user.tap("skip"),
        user.tap("a:13_15"),
    ):
        channel.handle(update)
    assert plural("fr", MINORS_NOTICE, 16, age=16) in bot_api.texts()
    channel.handle(user.tap("skip"))  # the gender; then nothing more is asked
    assert bot_api.texts()[-1].startswith(
        gettext(
            "fr",
            "Thank you! Your details are added to your input. Send /new to share another input.",
        )[:15]
    )
    with Session(engine) as session:
        stored = session.exec(select(Submission)).one()
    assert stored.age_group == "13_15" and stored.consent_quote is False
    assert count_rows(engine, "chat_contact") == 0


def test_consent_command_stops_quotes(channel, bot_api, engine):
    user = TelegramUser(70_020, language_code="pt")
    converse(channel, user, "pt", text_for("pt"))
    send_with_details(channel, user)
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
    send_with_details(channel, user)
    texts = bot_api.texts()
    thanks = next(
        i
        for i, t in enumerate(texts)
        if gettext("en", "Thank you! Your input has been received.") in t
    )
    urgent = texts[thanks + 1]  # right after the receipt, before any question
    assert gettext("en", "You are not alone. If you are in danger, please seek help now.") in urgent
    # the local help, once the country is given after the receipt
    assert any("IOM Jordan hotline: 0800 22 333" in t for t in texts[thanks + 2 :])
    with Session(engine) as session:
        assert session.exec(select(Submission.urgent_category)).one() is not None
