"""A questionnaire as a JSON Schema: what a partner system may send to create a record.

The staff API publishes these schemas in its OpenAPI document and checks request bodies
against them before the service sees them, so they state the questionnaire's own rules
(choices, lengths, required answers and consents) as exactly as JSON Schema can: what the
schema admits, the questionnaire accepts. Patterns are written so that ECMA-262 and Python
read them the same way (explicit character classes only, ``$`` only at the very end).
"""

from __future__ import annotations

from typing import Any

from intake_api.i18n import LOCALES
from intake_api.questionnaire import Kind, Question, Questionnaire
from models.reference import COUNTRY_CODES


def _escape(char: str) -> str:
    return f"\\u{ord(char):04x}" if ord(char) <= 0xFFFF else char


# What the questionnaire refuses as unreadable (intake_api.questionnaire._CONTROL) ...
_CONTROL_CHARS = [
    *map(chr, range(0x00, 0x09)),
    "\x0b",
    "\x0c",
    *map(chr, range(0x0E, 0x20)),
    "\x7f",
    "\ufffe",
    "\uffff",
]
# ... and what str.strip() removes around an answer.
_SPACE_CHARS = [chr(c) for c in range(0x110000) if chr(c).isspace()]
_CONTROL = "".join(map(_escape, _CONTROL_CHARS))
_ALLOWED_SPACE = "[" + "".join(_escape(c) for c in _SPACE_CHARS if c not in _CONTROL_CHARS) + "]"
_ANY = f"[^{_CONTROL}]"
_VISIBLE = "[^" + "".join(map(_escape, dict.fromkeys([*_CONTROL_CHARS, *_SPACE_CHARS]))) + "]"


def free_text_pattern(minimum: int) -> str:
    """Text of at least ``minimum`` characters once surrounding white space is removed, no control characters."""
    if minimum < 2:
        raise ValueError("a free text answer here is at least two characters")
    return f"^{_ALLOWED_SPACE}*{_VISIBLE}{_ANY}{{{minimum - 2},}}{_VISIBLE}{_ALLOWED_SPACE}*$"


def _letters(word: str) -> str:
    return "".join(f"[{c.upper()}{c}]" for c in word)


def _words_except(length: int, excluded: set[str]) -> str:
    """Letters of ``length`` (any case) that spell none of ``excluded``, without lookahead."""
    letter = "[A-Za-z]"
    if not excluded:
        return f"{letter}{{{length}}}"
    branches: list[str] = []
    prefixes = {w[:i] for w in excluded for i in range(length)}
    for prefix in sorted(prefixes):
        nexts = {w[len(prefix)] for w in excluded if w.startswith(prefix)}
        others = "".join(c for c in "abcdefghijklmnopqrstuvwxyz" if c not in nexts)
        rest = length - len(prefix) - 1
        tail = f"{letter}{{{rest}}}" if rest else ""
        branches.append(f"{_letters(prefix)}[{others}{others.upper()}]{tail}")
    return "(" + "|".join(branches) + ")"


# The special-use names e-mail validation refuses (email_validator.SPECIAL_USE_DOMAIN_NAMES).
_SPECIAL_TLDS = {"arpa", "invalid", "local", "localhost", "onion", "test"}
_TLD = (
    "("
    + "|".join(_words_except(n, {w for w in _SPECIAL_TLDS if len(w) == n}) for n in range(2, 25))
    + ")"
)
_ATEXT = "[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]"
_LABEL = "[A-Za-z0-9]{1,20}(-[A-Za-z0-9]{1,20}){0,2}"
# A plain ASCII address (dot-atom, host names, a letters-only top-level domain): a subset of
# what e-mail validation accepts, so an address the document admits is never refused.
EMAIL_PATTERN = f"^{_ATEXT}{{1,32}}(\\.{_ATEXT}{{1,15}}){{0,2}}@({_LABEL}\\.){{1,2}}{_TLD}$"


# A web address the questionnaire accepts (``Kind.URL``): http(s), a host name with a dot,
# then visible ASCII.
URL_MAX = 500
URL_PATTERN = (
    "^[Hh][Tt][Tt][Pp]([Ss])?://[A-Za-z0-9]([A-Za-z0-9-]{0,30}[A-Za-z0-9])?"
    "(\\.[A-Za-z0-9]([A-Za-z0-9-]{0,30}[A-Za-z0-9])?){1,4}(/[!-~]*)?$"
)


def line_pattern(minimum: int) -> str:
    """One line of at least ``minimum`` characters once runs of white space count as one space
    and surrounding white space is removed (``Kind.LINE``), no control characters."""

    def after(count: int) -> str:  # the rest, once ``count`` characters are certain
        if count >= minimum:
            return f"{_ANY}*"
        return f"({_VISIBLE}{after(count + 1)}|{_ALLOWED_SPACE}+{_VISIBLE}{after(count + 2)})"

    if minimum < 1:
        return f"^{_ANY}*$"
    return f"^{_ALLOWED_SPACE}*{_VISIBLE}{after(1)}$"


def answers_schema(questionnaire: Questionnaire) -> dict[str, Any]:
    """The JSON Schema of the answers to ``questionnaire`` (plus their ``locale``)."""
    return {
        "type": "object",
        "additionalProperties": False,
        "required": [q.key for q in questionnaire.questions if q.required],
        "properties": {
            **{q.key: _answer(q) for q in questionnaire.questions},
            "locale": {"type": "string", "enum": list(LOCALES)},
        },
    }


def _answer(question: Question) -> dict[str, Any]:
    kind = question.kind
    if kind in (Kind.SINGLE, Kind.MULTIPLE):
        values = [c.value for c in question.choices]
        numbers = all(v.isdigit() for v in values)
        one: dict[str, Any] = (
            {"type": "integer", "minimum": min(map(int, values)), "maximum": max(map(int, values))}
            if numbers and kind is Kind.MULTIPLE
            else {"type": "string", "enum": values}
        )
        return one if kind is Kind.SINGLE else _array(question, one)
    if kind is Kind.COUNTRY:
        return _COUNTRY
    if kind is Kind.COUNTRIES:
        return _array(question, _COUNTRY)
    if kind in (Kind.LINE, Kind.TEXT):
        minimum = max(question.min_length, 1 if question.required else 0)
        pattern = (
            free_text_pattern(minimum)
            if kind is Kind.TEXT and minimum >= 2
            else line_pattern(minimum)
        )
        text: dict[str, Any] = {"type": "string", "minLength": minimum, "pattern": pattern}
        return text | ({"maxLength": question.max_length} if question.max_length else {})
    if kind is Kind.EMAIL:
        return {"type": "string", "maxLength": 254, "pattern": EMAIL_PATTERN}
    if kind is Kind.URL:
        return {"type": "string", "maxLength": URL_MAX, "pattern": URL_PATTERN}
    if kind is Kind.CONSENT and question.required:
        return {"type": "boolean", "const": True}
    return {"type": "boolean"}


_COUNTRY: dict[str, Any] = {"type": "string", "enum": sorted(COUNTRY_CODES)}


def _array(question: Question, items: dict[str, Any]) -> dict[str, Any]:
    schema: dict[str, Any] = {"type": "array", "items": items, "uniqueItems": True}
    minimum = max(question.min_choices, 1 if question.required else 0)
    if minimum:
        schema["minItems"] = minimum
    if question.max_choices:
        schema["maxItems"] = question.max_choices
    return schema
