"""Measured, not guessed: the exchanges from /start to a receipt, through the fake Bot API.

An exchange is one update the person sends (a message or a tap). The path taken is
the shortest one a person would take, pressing only buttons the bot actually drew.
"""

from __future__ import annotations

from typing import Any

import pytest
from sqlmodel import Session, select

from intake_api.i18n import gettext
from models import Submission
from tests.bots.telegram.conftest import TelegramUser
from tests.factories import text_for

FIRST_TIME_MOST, RETURNING_MOST = 5, 3


class Person:
    """A person talking to the bot, counting what they send."""

    def __init__(self, channel: Any, bot_api: Any, user: TelegramUser) -> None:
        self.channel, self.bot_api, self.user = channel, bot_api, user
        self.sent = 0

    def write(self, text: str) -> None:
        self.sent += 1
        assert self.channel.handle(self.user.text(text))

    def tap(self, data: str) -> None:
        shown = [b["callback_data"] for row in self.bot_api.last_buttons() for b in row]
        assert data in shown, (data, shown)  # only what is on the screen
        self.sent += 1
        assert self.channel.handle(self.user.tap(data))

    def receipt_shown(self, engine: Any) -> str | None:
        with Session(engine) as session:
            receipts = session.exec(select(Submission.receipt)).all()
        shown = "\n".join(self.bot_api.texts())
        return next((r for r in receipts if r in shown), None)


def _first_time(person: Person, locale: str) -> None:
    person.write("/start")
    person.tap("consent:yes")
    person.write(text_for(locale))
    person.tap("a:escwa")
    person.tap("send")


def _returning(person: Person, locale: str) -> None:
    person.write("/new")
    person.write(text_for(locale))
    person.tap("send")


@pytest.mark.parametrize("locale", ["en", "ar"])
def test_first_time_and_returning_contributors_reach_a_receipt_in_few_exchanges(
    channel, bot_api, engine, locale, capsys
):
    person = Person(channel, bot_api, TelegramUser(90_100 if locale == "en" else 90_200, locale))
    _first_time(person, locale)
    first = person.sent
    assert person.receipt_shown(engine)
    assert gettext(locale, "Thank you! Your input has been received.") in "\n".join(bot_api.texts())

    bot_api.clear()
    person.sent = 0
    _returning(person, locale)
    returning = person.sent
    with Session(engine) as session:
        reviews = session.exec(select(Submission.review_slug)).all()
    assert reviews == ["escwa", "escwa"]  # the review remembered, not asked again
    assert person.receipt_shown(engine)

    with capsys.disabled():
        print(f"\n[{locale}] exchanges to a receipt: first time {first}, returning {returning}")
    assert first <= FIRST_TIME_MOST and returning <= RETURNING_MOST


@pytest.mark.parametrize("locale", ["en", "ar"])
def test_writing_straight_away_is_shorter_still(channel, bot_api, engine, locale, capsys):
    person = Person(channel, bot_api, TelegramUser(90_300 if locale == "en" else 90_400, locale))
    person.write(text_for(locale))  # no /start: just what they came to say
    assert gettext(locale, "I will keep what you wrote until you agree.") in bot_api.texts()[-1]
    person.tap("consent:yes")
    person.tap("a:eca")
    person.tap("send")
    first = person.sent
    assert person.receipt_shown(engine)
    person.tap("skip:all")  # the details after the receipt, not on the way to it

    bot_api.clear()
    person.sent = 0
    person.write("A second thought on the recognition of skills and diplomas.")
    person.tap("send")
    returning = person.sent
    with Session(engine) as session:
        assert session.exec(select(Submission.review_slug)).all() == ["eca", "eca"]
    with capsys.disabled():
        print(f"\n[{locale}] writing first: first time {first}, returning {returning}")
    assert (first, returning) == (4, 2)
