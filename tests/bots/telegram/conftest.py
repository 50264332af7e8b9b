"""A fake Bot API server and a Telegram user who writes to the bot through it."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from typing import Any

import pytest

from bots.telegram.app import build_telegram_app
from bots.telegram.channel import TelegramChannel
from intake_api.app import create_app
from intake_api.runtime import build_runtime
from tests.fakes.bot_api import TOKEN, FakeBotApi

WEBHOOK_SECRET = "webhook-secret-for-tests"


@pytest.fixture
def bot_api() -> Iterator[FakeBotApi]:
    api = FakeBotApi().start()
    yield api
    api.stop()


@pytest.fixture
def telegram_settings(settings, bot_api):  # type: ignore[no-untyped-def]
    return settings.model_copy(
        update={
            "telegram_token": TOKEN,
            "telegram_api_url": bot_api.base_url,
            "telegram_webhook_secret": WEBHOOK_SECRET,
            "telegram_reply_rate": 1000.0,
        }
    )


@pytest.fixture
def telegram_runtime(telegram_settings, runtime):  # type: ignore[no-untyped-def]
    """The migrated store of `runtime`, with Telegram switched on."""
    telegram_runtime = build_runtime(telegram_settings)
    yield telegram_runtime
    telegram_runtime.engine.dispose()


class Answered:
    """The channel, returning from each update once its replies reached the Bot API.

    Replies are sent in the background (``bots.telegram.replies``); a person
    sees them a moment later, and the tests look at that moment.
    """

    def __init__(self, channel: TelegramChannel) -> None:
        self.channel = channel

    def __getattr__(self, name: str) -> Any:
        return getattr(self.channel, name)

    def handle(self, payload: dict[str, Any]) -> bool:
        new = self.channel.handle(payload)
        self.channel.replies.drain()
        return new

    def process(self, payload: dict[str, Any]) -> None:
        self.channel.process(payload)
        self.channel.replies.drain()

    def retry_pending(self, *args: Any, **kwargs: Any) -> int:
        retried = self.channel.retry_pending(*args, **kwargs)
        self.channel.replies.drain()
        return retried


@pytest.fixture
def telegram_app(telegram_runtime):  # type: ignore[no-untyped-def]
    """The web app with Telegram on; its channel is closed afterwards if a webhook call built it."""
    app = create_app(runtime=telegram_runtime)
    yield app
    channel = app.extensions["telegram"]._channel
    if channel is not None:
        channel.close()


@pytest.fixture
def channel(telegram_runtime):  # type: ignore[no-untyped-def]
    channel = build_telegram_app(telegram_runtime)
    yield Answered(channel)
    channel.close()


_update_ids = itertools.count(10_000)
_message_ids = itertools.count(1)


class TelegramUser:
    """Builds the updates Telegram would send when this person types or taps."""

    def __init__(self, user_id: int, language_code: str = "en") -> None:
        self.user_id = user_id
        self.language_code = language_code

    def _base(self) -> dict[str, Any]:
        return {"update_id": next(_update_ids)}

    def _from(self) -> dict[str, Any]:
        return {
            "id": self.user_id,
            "is_bot": False,
            "first_name": "Test",
            "language_code": self.language_code,
        }

    def _chat(self) -> dict[str, Any]:
        return {"id": self.user_id, "type": "private", "first_name": "Test"}

    def text(self, text: str) -> dict[str, Any]:
        message = {
            "message_id": next(_message_ids),
            "date": 1_764_000_000,
            "chat": self._chat(),
            "from": self._from(),
            "text": text,
        }
        if text.startswith("/"):
            message["entities"] = [
                {"type": "bot_command", "offset": 0, "length": len(text.split()[0])}
            ]
        return {**self._base(), "message": message}

    def tap(self, data: str, message_id: int = 1) -> dict[str, Any]:
        return {
            **self._base(),
            "callback_query": {
                "id": str(next(_update_ids)),
                "from": self._from(),
                "chat_instance": "ci",
                "data": data,
                "message": {
                    "message_id": message_id,
                    "date": 1_764_000_000,
                    "chat": self._chat(),
                    "text": "…",
                },
            },
        }

    def voice(self) -> dict[str, Any]:
        return {
            **self._base(),
            "message": {
                "message_id": next(_message_ids),
                "date": 1_764_000_000,
                "chat": self._chat(),
                "from": self._from(),
                "voice": {"file_id": "v1", "file_unique_id": "u1", "duration": 3},
            },
        }

    def sticker(self) -> dict[str, Any]:
        return {
            **self._base(),
            "message": {
                "message_id": next(_message_ids),
                "date": 1_764_000_000,
                "chat": self._chat(),
                "from": self._from(),
                "sticker": {
                    "file_id": "s1",
                    "file_unique_id": "s1",
                    "width": 512,
                    "height": 512,
                    "is_animated": False,
                    "is_video": False,
                    "type": "regular",
                },
            },
        }

    def media(self, kind: str) -> dict[str, Any]:
        """A message carrying something other than text (a photo, a location...)."""
        content: dict[str, Any] = {
            "voice": {"file_id": "v1", "file_unique_id": "u1", "duration": 3},
            "audio": {"file_id": "a1", "file_unique_id": "a1", "duration": 3},
            "video_note": {"file_id": "n1", "file_unique_id": "n1", "length": 240, "duration": 3},
            "photo": [{"file_id": "p1", "file_unique_id": "p1", "width": 90, "height": 90}],
            "video": {
                "file_id": "w1",
                "file_unique_id": "w1",
                "width": 90,
                "height": 90,
                "duration": 3,
            },
            "document": {"file_id": "d1", "file_unique_id": "d1", "file_name": "a.pdf"},
            "sticker": {
                "file_id": "s1",
                "file_unique_id": "s1",
                "width": 512,
                "height": 512,
                "is_animated": False,
                "is_video": False,
                "type": "regular",
            },
            "location": {"latitude": 48.8566, "longitude": 2.3522},
            "venue": {
                "location": {"latitude": 48.8566, "longitude": 2.3522},
                "title": "A place",
                "address": "1 Street",
            },
            "contact": {"phone_number": "+33100000000", "first_name": "A"},
        }[kind]
        message = {
            "message_id": next(_message_ids),
            "date": 1_764_000_000,
            "chat": self._chat(),
            "from": self._from(),
            kind: content,
        }
        if kind == "venue":
            message["location"] = content["location"]
        return {**self._base(), "message": message}

    def in_group(self, text: str) -> dict[str, Any]:
        update = self.text(text)
        update["message"]["chat"] = {"id": -100123, "type": "supergroup", "title": "A group"}
        return update

    def edited(self, text: str) -> dict[str, Any]:
        update = self.text(text)
        update["edited_message"] = {**update.pop("message"), "edit_date": 1_764_000_100}
        return update
