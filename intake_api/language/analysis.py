"""One pass over an input's text at intake: language, suggestions, signature."""

from __future__ import annotations

from dataclasses import dataclass

from intake_api.language.detection import UNDETERMINED, Detected, detect
from intake_api.language.near_duplicates import signature
from intake_api.language.objectives import Suggestion, suggest


@dataclass(frozen=True)
class Analysis:
    language: Detected
    objectives: list[Suggestion]
    theme: Suggestion | None
    signature: bytes


def analyse(text: str, locale: str) -> Analysis:
    """Read ``text`` in the language it is written in; in the interface ``locale`` if unsure."""
    language = detect(text)
    locales = (language.code,) if language.code != UNDETERMINED else (locale,)
    themes = suggest(text, locales, section="themes", top=1)
    return Analysis(
        language, suggest(text, locales), themes[0] if themes else None, signature(text)
    )
