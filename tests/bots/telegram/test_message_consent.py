"""The separate consent to be written to in the chat: asked, recorded, shown, withdrawn, erased."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import Session, select

from intake_api.chat_contacts import chat_id_of
from intake_api.i18n import LOCALES, gettext
from intake_api.questionnaire import CONSENT_MESSAGE, CONSENT_NOTICE_VERSION
from intake_api.review_names import review_acronym
from models import ChatContact, ConsentRecord, Submission
from tests.bots.telegram.conftest import TelegramUser
from tests.bots.telegram.test_conversation import converse, give_details, send_with_details
from tests.conftest import count_rows
from tests.factories import text_for


def _contacts(engine) -> list[ChatContact]:  # type: ignore[no-untyped-def]
    with Session(engine) as session:
        return list(session.exec(select(ChatContact)))


def _message_consents(engine) -> list[tuple[bool, str, str, str]]:  # type: ignore[no-untyped-def]
    with Session(engine) as session:
        rows = session.exec(
            select(ConsentRecord).where(ConsentRecord.kind == "message").order_by(ConsentRecord.id)
        )
        return [(r.granted, r.notice_version, r.locale, r.channel) for r in rows]


@pytest.mark.parametrize("locale", LOCALES)
def test_yes_keeps_the_chat_encrypted_for_that_review_only(
    channel, bot_api, engine, telegram_runtime, locale
):
    user = TelegramUser(70_101, language_code=locale)
    converse(channel, user, locale, text_for(locale))
    channel.handle(user.tap("send"))
    assert _message_consents(engine) == []  # nothing about contact at Send: the age is unknown
    give_details(channel, user, may_write=True)
    question = next(t for t in bot_api.texts() if gettext(locale, CONSENT_MESSAGE.label) in t)
    assert gettext(locale, "Arab region") in question  # it names the one review it is about

    [contact] = _contacts(engine)
    assert contact.review_slug == "escwa" and contact.locale == locale
    assert chat_id_of(telegram_runtime.keys, contact) == user.user_id
    assert str(user.user_id).encode() not in contact.chat_id  # encrypted, not in clear
    assert _message_consents(engine) == [(True, CONSENT_NOTICE_VERSION, locale, "telegram")]
    assert (
        gettext(
            locale, "We may write to you here about this regional review. Send /consent to stop."
        )
        in bot_api.texts()[-1]
    )


def test_no_keeps_nothing_and_is_recorded(channel, bot_api, engine):
    user = TelegramUser(70_102)
    converse(channel, user, "en", text_for("en"))
    send_with_details(channel, user, may_write=False)
    assert _contacts(engine) == []
    assert _message_consents(engine) == [(False, CONSENT_NOTICE_VERSION, "en", "telegram")]
    assert "We may write to you here" not in bot_api.texts()[-1]


def test_a_send_retried_after_a_crash_records_the_answer_once(channel, engine, monkeypatch):
    user = TelegramUser(70_103)
    converse(channel, user, "en", text_for("en"))
    channel.handle(user.tap("send"))
    for update in (user.tap("a:migrant"), user.tap("skip"), user.tap("a:18_24"), user.tap("skip")):
        channel.handle(update)
    channel.handle(user.tap("a:yes"))  # quotes
    save = channel.sessions.save
    monkeypatch.setattr(
        channel.sessions, "save", lambda state: (_ for _ in ()).throw(RuntimeError("crash"))
    )
    channel.handle(user.tap("a:yes"))  # recorded and kept, but the conversation was not saved
    assert len(_contacts(engine)) == 1
    monkeypatch.setattr(channel.sessions, "save", save)
    assert channel.retry_pending(older_than=timedelta(0)) == 1
    assert count_rows(engine, "submission") == 1
    assert len(_contacts(engine)) == 1 and len(_message_consents(engine)) == 1


def test_mydata_shows_it_and_consent_stops_it(channel, bot_api, engine):
    user = TelegramUser(70_104, language_code="fr")
    converse(channel, user, "fr", text_for("fr"))
    send_with_details(channel, user, may_write=True)
    kept = gettext(
        "fr",
        "Your chat ID, kept encrypted to write to you here about: %(reviews)s.",
        reviews=review_acronym("fr", "escwa"),
    )
    channel.handle(user.text("/mydata"))
    assert kept in bot_api.texts()[-1]

    channel.handle(user.text("/consent"))
    assert [row[0]["callback_data"] for row in bot_api.last_buttons()] == [
        "quotes:stop",
        "messages:stop",
        "quotes:keep",
    ]
    channel.handle(user.tap("messages:stop"))
    assert bot_api.texts()[-1] == gettext(
        "fr", "Done. We will not write to you here any more, and we deleted your chat ID."
    )
    assert _contacts(engine) == []
    assert [granted for granted, *_ in _message_consents(engine)] == [True, False]
    channel.handle(user.text("/mydata"))
    assert kept not in bot_api.texts()[-1]
    with Session(engine) as session:  # quotes were not touched
        assert session.exec(select(Submission.consent_quote)).one() is True


def test_a_later_no_for_the_same_review_forgets_the_chat(channel, engine):
    user = TelegramUser(70_105)
    converse(channel, user, "en", text_for("en"))
    send_with_details(channel, user, may_write=True)
    for update in (
        user.text("/new"),
        user.text("A second input about work permits."),
        user.tap("send"),  # the same review, remembered
        user.tap("same:yes"),
        user.tap("a:no"),
        user.tap("a:no"),
    ):
        channel.handle(update)
    assert _contacts(engine) == []
    assert [granted for granted, *_ in _message_consents(engine)] == [True, False]


def test_delete_erases_the_chat_too(channel, engine):
    user = TelegramUser(70_106)
    converse(channel, user, "en", text_for("en"))
    send_with_details(channel, user, may_write=True)
    channel.handle(user.text("/delete"))
    channel.handle(user.tap("del:yes"))
    for table in ("chat_contact", "consent_record", "contributor", "broadcast_delivery"):
        assert count_rows(engine, table) == 0, table


def test_a_minor_is_not_asked(channel, bot_api, engine):
    user = TelegramUser(70_107)
    converse(channel, user, "en", "We want to study without leaving home.")
    for update in (
        user.tap("send"),
        user.tap("a:youth"),
        user.tap("skip"),
        user.tap("a:13_15"),
        user.tap("skip"),
    ):
        channel.handle(update)
    assert not any(gettext("en", CONSENT_MESSAGE.label) in t for t in bot_api.texts())
    assert _contacts(engine) == [] and _message_consents(engine) == []
