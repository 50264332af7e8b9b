"""A translator per locale, usable outside any web request.

Telegram handlers, Slack listeners and scheduler jobs run outside Flask, so
translation does not go through Flask-Babel: every channel asks this module
for the catalog of the reader's locale.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import cache
from typing import Any

from babel import Locale, UnknownLocaleError
from babel.core import negotiate_locale
from babel.support import NullTranslations, Translations

from locales import DOMAIN, LOCALES_DIR

LOCALES: tuple[str, ...] = ("en", "fr", "es", "ar", "ru", "zh", "pt")
DEFAULT_LOCALE = "en"
RTL_LOCALES = frozenset({"ar"})

_ACCEPT_ITEM = re.compile(
    r"^\s*([A-Za-z]{1,8}(?:[-_][A-Za-z0-9]{1,8})*|\*)\s*(?:;\s*q\s*=\s*([0-9.]+))?\s*$"
)


@cache
def translations(locale: str) -> NullTranslations:
    """The compiled catalog of a shipped locale; English msgids for anything else."""
    if locale not in LOCALES or locale == DEFAULT_LOCALE:
        return NullTranslations()
    return Translations.load(str(LOCALES_DIR), [locale], DOMAIN)


def gettext(locale: str, message: str, **params: object) -> str:
    """Translate ``message`` and fill its ``%(name)s`` placeholders."""
    translated = translations(locale).gettext(message)
    return translated % params if params else translated


def ngettext(locale: str, singular: str, plural: str, n: int, **params: object) -> str:
    translated = translations(locale).ngettext(singular, plural, n)
    return translated % {"num": n, **params}


def is_rtl(locale: str) -> bool:
    return locale in RTL_LOCALES


def text_direction(locale: str) -> str:
    return "rtl" if is_rtl(locale) else "ltr"


def language_name(locale: str) -> str:
    """The language named in itself ("العربية", "Français"), for language pickers."""
    name = Locale.parse(locale).get_display_name(locale) or locale
    return name[:1].upper() + name[1:]


def language_label(code: str, locale: str) -> str:
    """A language code ("sw", "und") named in the reader's language, for counts by language."""
    if code == "und":
        return gettext(locale, "Not determined")
    try:
        name = Locale.parse(code).get_display_name(locale)
    except (ValueError, UnknownLocaleError):
        name = None
    return name or code


def negotiate(*preferred: str | None) -> str:
    """The first shipped locale matching a list of tags (Telegram code, Slack locale, ...)."""
    tags = [tag.replace("-", "_") for tag in preferred if tag]
    return negotiate_locale(tags, LOCALES, sep="_") or DEFAULT_LOCALE


def negotiate_accept_language(header: str | None) -> str:
    """The best shipped locale for an HTTP ``Accept-Language`` header."""
    ranked: list[tuple[float, int, str]] = []
    for position, item in enumerate((header or "").split(",")):
        match = _ACCEPT_ITEM.match(item)
        if not match or match.group(1) == "*":
            continue
        try:
            quality = float(match.group(2)) if match.group(2) else 1.0
        except ValueError:
            continue
        if quality > 0:
            ranked.append((-quality, position, match.group(1)))
    return negotiate(*(tag for _q, _p, tag in sorted(ranked)))


def collation_key(locale: str) -> Callable[[str], Any]:
    """A sort key ordering names as readers of ``locale`` expect (pinyin for Chinese)."""
    if locale == "zh":
        from pypinyin import lazy_pinyin

        return lambda name: (lazy_pinyin(name), name)
    return _unicode_collator().sort_key


@cache
def _unicode_collator() -> Any:
    import pyuca

    return pyuca.Collator()
