"""Property tests: whatever arrives as an update, the parser returns or says "not an update".

Arbitrary JSON, and valid updates with any part replaced by arbitrary JSON, never raise
anything but ``NotAnUpdate``; valid updates (any text, command, button data, language)
are still read as the conversation expects; and through the webhook, arbitrary bodies
are never a 500 and never recorded unless they are updates.
"""

from __future__ import annotations

import json
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bots.telegram.channel import NotAnUpdate, Parsed, parse_update
from tests.bots.telegram.conftest import TelegramUser
from tests.bots.telegram.test_webhook import HEADERS
from tests.json_mutations import JSON, paths, replaced

USER_IDS = st.integers(min_value=1, max_value=2**52)
LANGUAGES = st.sampled_from(["en", "fr", "ar", "zh-hans", "pt-br", "xx"]) | st.none()


def _valid_updates() -> st.SearchStrategy[dict[str, Any]]:
    def build(user_id: int, language: str | None, kind: str, value: str) -> dict[str, Any]:
        user = TelegramUser(user_id, language or "en")
        update = {
            "text": user.text,
            "tap": user.tap,
            "voice": lambda _v: user.voice(),
            "group": user.in_group,
            "edited": user.edited,
        }[kind](value)
        if language is None:
            for part in ("message", "edited_message", "callback_query"):
                if part in update:
                    update[part]["from"].pop("language_code", None)
        return update

    return st.builds(
        build,
        USER_IDS,
        LANGUAGES,
        st.sampled_from(["text", "tap", "voice", "group", "edited"]),
        st.text(min_size=1, max_size=200),
    )


def _parse_or_refuse(payload: Any) -> Parsed | None:
    try:
        return parse_update(payload)
    except NotAnUpdate:
        return None


@given(JSON)
@settings(max_examples=300, deadline=None)
def test_arbitrary_json_is_parsed_or_refused(payload):
    _parse_or_refuse(payload)


@given(_valid_updates(), st.data())
@settings(max_examples=400, deadline=None)
def test_a_valid_update_with_any_part_replaced_is_parsed_or_refused(update, data):
    path = data.draw(st.sampled_from(paths(update)), label="path")
    mutated = replaced(update, path, data.draw(JSON, label="replacement"))
    parsed = _parse_or_refuse(mutated)
    if parsed is not None and parsed.event is not None:
        assert isinstance(parsed.event.value, str)
        assert parsed.chat_id is not None and parsed.user_id is not None


@given(USER_IDS, LANGUAGES, st.text(min_size=1, max_size=4096))
@settings(max_examples=200, deadline=None)
def test_valid_text_messages_are_still_read(user_id, language, text):
    parsed = parse_update(TelegramUser(user_id, language or "en").text(text))
    assert (parsed.chat_id, parsed.user_id) == (user_id, user_id)
    if text.startswith("/"):
        assert parsed.event.kind == "command"
        words = text[1:].split()
        assert parsed.event.value == (words[0].split("@")[0].lower() if words else "")
    else:
        assert parsed.event.kind == "text" and parsed.event.value == text
    assert parsed.event.language_code == (language or "en")


@given(USER_IDS, st.text(max_size=64), st.integers(min_value=1, max_value=2**31))
@settings(max_examples=100, deadline=None)
def test_valid_button_taps_are_still_read(user_id, data, message_id):
    parsed = parse_update(TelegramUser(user_id).tap(data, message_id=message_id))
    assert parsed.event.kind == "button" and parsed.event.value == data
    assert parsed.message_id == message_id and parsed.callback_query_id


@given(body=st.binary(max_size=400) | JSON.map(lambda v: json.dumps(v).encode()))
@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
def test_the_webhook_acknowledges_any_body_without_a_500(telegram_app, engine, body):
    response = telegram_app.test_client().post(
        "/telegram/webhook", data=body, headers={**HEADERS, "Content-Type": "application/json"}
    )
    assert response.status_code == 200, response.status_code
    answer = response.get_json()
    assert answer["ok"] is True
    try:
        payload = json.loads(body)
    except ValueError:
        payload = None
    if _parse_or_refuse(payload) is None:
        assert answer.get("ignored") is True


def test_what_a_message_carries_instead_of_text_is_named_and_nothing_more():
    import pytest

    from bots.telegram.conversation import UNSUPPORTED

    user = TelegramUser(7, "fr")
    kinds = ["voice", "audio", "video_note", "photo", "video", "document", "sticker"]
    for kind in [*kinds, "location", "venue", "contact"]:
        event = parse_update(user.media(kind)).event
        assert event is not None and (event.kind, event.value) == ("unsupported", kind), kind
        assert "48.85" not in repr(event) and "+33" not in repr(event)  # never the content
        if kind != "contact":
            assert kind in UNSUPPORTED, kind
    with pytest.raises(NotAnUpdate):
        parse_update({"message": {}})
