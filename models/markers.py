"""Markers for translatable strings defined at import time.

Reference data and error messages are built before anyone's locale is known, so
they carry English msgids (and, where one English word has two meanings, a
context) and are translated where they are shown.  pybabel finds them through
the keywords listed in ``intake_api.translate``.
"""

from __future__ import annotations

from dataclasses import dataclass


def N_(message: str) -> str:
    """Mark a string for extraction; translation happens when it is rendered."""
    return message


class Contextual(str):
    """An English msgid that needs its context to be translated right ("Other" group vs option)."""

    context: str

    def __new__(cls, context: str, message: str) -> Contextual:
        marked = super().__new__(cls, message)
        marked.context = context
        return marked

    def __reduce__(self) -> tuple[object, ...]:
        return (Contextual, (self.context, str(self)))


def NC_(context: str, message: str) -> Contextual:
    """Mark a message with its msgctxt; ``i18n.gettext`` honours the context."""
    return Contextual(context, message)


@dataclass(frozen=True)
class Plural:
    """A counted message: singular and plural msgids, translated with the count's CLDR form."""

    singular: str
    plural: str
    context: str | None = None


def NP_(singular: str, plural: str) -> Plural:
    """Mark a counted message for extraction; ``i18n.plural`` translates it for a number."""
    return Plural(singular, plural)


def NPC_(context: str, singular: str, plural: str) -> Plural:
    """A counted message with a context."""
    return Plural(singular, plural, context)
