"""A translator per locale, usable outside any web request.

Telegram handlers, Slack listeners and scheduler jobs run outside Flask, so
translation does not go through Flask-Babel: every channel asks this module
for the catalog of the reader's locale.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from functools import cache, lru_cache
from typing import Any

from babel import Locale, UnknownLocaleError
from babel.core import negotiate_locale
from babel.support import NullTranslations, Translations
from jinja2 import pass_eval_context
from jinja2.nodes import EvalContext
from markupsafe import Markup, escape

from locales import DOMAIN, LOCALES_DIR
from models.markers import Contextual, Plural

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
    """Translate ``message`` and fill its ``%(name)s`` placeholders.

    A message marked with ``NC_`` carries its context, so reference data needs no
    second code path to be translated in the right sense.
    """
    if isinstance(message, Contextual):
        return pgettext(locale, message.context, message, **params)
    translated = translations(locale).gettext(message)
    return translated % params if params else translated


def ngettext(locale: str, singular: str, plural: str, n: int, **params: object) -> str:
    """The CLDR plural form of a counted message for ``n``.

    ``%(num)s`` and ``%(count)s`` are filled with ``n`` unless the caller passes its
    own ``count`` (a hidden count shown as "<5" still chooses its form from 5).
    """
    translated = translations(locale).ngettext(singular, plural, n)
    return translated % {"num": n, "count": n, **params}


def pgettext(locale: str, context: str, message: str, **params: object) -> str:
    """Translate a message whose English has more than one meaning."""
    translated = str(translations(locale).pgettext(context, str(message)))
    return translated % params if params else translated


def npgettext(
    locale: str, context: str, singular: str, plural: str, n: int, **params: object
) -> str:
    translated = str(translations(locale).npgettext(context, singular, plural, n))
    return translated % {"num": n, "count": n, **params}


def plural(locale: str, message: Plural, n: int, **params: object) -> str:
    """Translate a counted message marked at import time with ``NP_``/``NPC_``."""
    if message.context is not None:
        return npgettext(locale, message.context, message.singular, message.plural, n, **params)
    return ngettext(locale, message.singular, message.plural, n, **params)


def labelled(locale: str, label: str, value: object) -> str:
    """ "Label: value" with the reader's colon (a full-width one in Chinese, say)."""
    return gettext(locale, "%(label)s: %(value)s", label=label, value=value)


_LIST_SEPARATORS = {"ar": "، ", "zh": "、"}


def join_list(locale: str, items: Iterable[object]) -> str:
    """A plain enumeration (key phrases, objective numbers) with the reader's separator."""
    return _LIST_SEPARATORS.get(locale, ", ").join(str(item) for item in items)


def format_list(locale: str, items: Iterable[object]) -> str:
    """A sentence's "A, B and C", in the reader's language (CLDR list patterns)."""
    from babel.lists import format_list as cldr_list

    return cldr_list([str(item) for item in items], style="standard", locale=locale)


_LRI, _PDI = "\u2066", "\u2069"


def isolate(locale: str, text: object) -> str:
    """Keep "<5", codes and numbers left to right inside right-to-left plain text.

    HTML uses ``<bdi>``; Slack, Telegram, DOCX and XLSX have only Unicode's
    isolates, so "<5" does not turn into "5>" in Arabic.  Left-to-right text is
    returned as is, so exports in other languages carry no invisible characters.
    """
    return f"{_LRI}{text}{_PDI}" if is_rtl(locale) else str(text)


def jinja_callables(locale_of: Callable[[], str]) -> dict[str, Callable[..., Any]]:
    """Template globals for counts, contexts, lists and labels: ``_n``, ``_p``, ``_np``...

    Templates can't use Jinja's own ``ngettext``: pybabel reads template calls
    with the Python keyword specs, where ours take the locale first.
    """

    @pass_eval_context
    def labelled_in(context: EvalContext, label: object, value: object) -> str:
        pattern = gettext(locale_of(), "%(label)s: %(value)s")
        if context.autoescape:  # the value may be markup (<bdi>), the label is text
            return escape(pattern) % {"label": label, "value": value}
        return pattern % {"label": label, "value": value}

    @pass_eval_context
    def ltr(context: EvalContext, value: object) -> str:
        """A count or code kept left to right in a right-to-left page ("<5", not "5>")."""
        if context.autoescape:
            return Markup('<bdi dir="ltr">%s</bdi>') % (value,)
        return isolate(locale_of(), value)

    return {
        "_n": lambda s, p, n, **params: ngettext(locale_of(), s, p, n, **params),
        "_p": lambda ctx, m, **params: pgettext(locale_of(), ctx, m, **params),
        "_np": lambda ctx, s, p, n, **params: npgettext(locale_of(), ctx, s, p, n, **params),
        "join_list": lambda items: join_list(locale_of(), items),
        "labelled": labelled_in,
        "ltr": ltr,
    }


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


# Sort keys kept per language: the Hub sorts some 250 country names on every page, and the
# collation of one name (pyuca, pinyin) costs far more than looking its key up.
SORT_KEYS_KEPT = 4096


@lru_cache(maxsize=16)
def collation_key(locale: str) -> Callable[[str], Any]:
    """A sort key ordering names as readers of ``locale`` expect (pinyin for Chinese)."""
    if locale == "zh":
        from pypinyin import lazy_pinyin

        def pinyin_key(name: str) -> Any:
            return (lazy_pinyin(name), name)

        return lru_cache(maxsize=SORT_KEYS_KEPT)(pinyin_key)
    return lru_cache(maxsize=SORT_KEYS_KEPT)(_unicode_collator().sort_key)


@cache
def _unicode_collator() -> Any:
    import pyuca

    return pyuca.Collator()
