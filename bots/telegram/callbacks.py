"""What each inline button says when it is pressed: its callback data, encoded and decoded here.

Telegram hands the data back verbatim, but anyone can send any data, and a
button may outlive the conversation that drew it: decoding never fails, it
returns ``Unknown`` for what no button of ours encodes. Telegram refuses data
longer than 64 bytes, so ``encode`` refuses it first, and ``decode`` treats it
as unknown. The encoded strings are those of earlier versions, so buttons
still on people's screens keep working.
"""

from __future__ import annotations

from dataclasses import astuple, dataclass
from enum import StrEnum
from typing import ClassVar

MAX_BYTES = 64


class Action(StrEnum):
    """A button that means one thing, whatever message it is on."""

    AGREE = "consent:yes"
    NOT_NOW = "consent:no"
    SAME_PROFILE = "same:yes"
    CHANGE_PROFILE = "same:no"
    SKIP = "skip"
    SKIP_ALL = "skip:all"
    CHANGE_REVIEW = "review:change"
    DONE = "done"
    SEND = "send"
    EDIT = "edit"
    CANCEL = "cancel"
    STOP_QUOTES = "quotes:stop"
    STOP_MESSAGES = "messages:stop"
    KEEP_CONSENTS = "quotes:keep"
    ERASE = "del:yes"
    KEEP_DATA = "del:no"


@dataclass(frozen=True)
class Language:
    prefix: ClassVar[str] = "lang"
    locale: str


@dataclass(frozen=True)
class Answer:
    """One of a single-choice or yes/no question's values."""

    prefix: ClassVar[str] = "a"
    value: str


@dataclass(frozen=True)
class Toggle:
    """Choose or unchoose one value of a multiple-choice question."""

    prefix: ClassVar[str] = "t"
    value: str


@dataclass(frozen=True)
class Page:
    prefix: ClassVar[str] = "p"
    number: int


@dataclass(frozen=True)
class Country:
    prefix: ClassVar[str] = "c"
    code: str


@dataclass(frozen=True)
class EditAnswer:
    prefix: ClassVar[str] = "e"
    key: str


@dataclass(frozen=True)
class Unknown:
    """Data no button of ours encodes (forged, or from a button that no longer exists)."""

    data: str


Named = Language | Answer | Toggle | Country | EditAnswer  # they hold one string
Valued = Named | Page
Callback = Action | Valued | Unknown

_NAMED: dict[str, type[Named]] = {
    kind.prefix: kind for kind in (Language, Answer, Toggle, Country, EditAnswer)
}
_ACTIONS = {action.value: action for action in Action}


class CallbackTooLong(ValueError):
    """Telegram would refuse the button: its data is over 64 bytes."""


def encode(callback: Action | Valued) -> str:
    """The callback data of a button; raises ``CallbackTooLong`` when Telegram would refuse it."""
    if isinstance(callback, Action):
        data = callback.value
    else:
        (value,) = astuple(callback)
        data = f"{callback.prefix}:{value}"
    if _size(data) > MAX_BYTES:
        raise CallbackTooLong(data[:16])
    return data


def decode(data: str | bytes) -> Callback:
    """What a pressed button means; ``Unknown`` for anything else, never an exception."""
    if isinstance(data, bytes):
        raw = data
        try:
            data = raw.decode("utf-8")
        except UnicodeDecodeError:
            return Unknown(raw.decode("utf-8", errors="replace"))
    if _size(data) > MAX_BYTES:
        return Unknown(data)
    if data in _ACTIONS:
        return _ACTIONS[data]
    prefix, colon, value = data.partition(":")
    if colon and prefix == Page.prefix:
        return Page(int(value)) if value.isascii() and value.isdigit() else Unknown(data)
    kind = _NAMED.get(prefix) if colon else None
    return kind(value) if kind else Unknown(data)


def _size(data: str) -> int:
    """Bytes as Telegram counts them (a lone surrogate from JSON counts, never raises)."""
    return len(data.encode("utf-8", errors="surrogatepass"))
