"""Locale negotiation for every channel, right-to-left, and complete catalogs."""

from __future__ import annotations

import re

import pytest
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

from intake_api.i18n import (
    LOCALES,
    gettext,
    is_rtl,
    language_name,
    negotiate,
    negotiate_accept_language,
    text_direction,
)
from intake_api.questionnaire import iter_labels
from locales import LOCALES_DIR

PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]")


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("fr-CH, fr;q=0.9, en;q=0.8", "fr"),
        ("en;q=0.5, ar", "ar"),
        ("pt-BR,pt;q=0.9", "pt"),
        ("zh-Hans-CN", "zh"),
        ("de-DE, it;q=0.5", "en"),
        ("", "en"),
        (None, "en"),
        ("*", "en"),
        ("ru;q=abc, es;q=0.1", "es"),
        ("garbage;;;===,,,", "en"),
    ],
)
def test_accept_language_negotiation(header, expected):
    assert negotiate_accept_language(header) == expected


@pytest.mark.parametrize(
    ("tags", "expected"),
    [
        (("es-419",), "es"),
        (("ar",), "ar"),
        (("uk",), "en"),
        ((None,), "en"),
        (("zh-TW",), "zh"),
        (("pt_PT",), "pt"),
    ],
)
def test_platform_language_codes(tags, expected):
    """Telegram sends `language_code` (IETF), Slack sends `locale` like `es-LA` or `pt-BR`."""
    assert negotiate(*tags) == expected


def test_only_arabic_is_right_to_left():
    assert [loc for loc in LOCALES if is_rtl(loc)] == ["ar"]
    assert text_direction("ar") == "rtl" and text_direction("zh") == "ltr"


def test_each_language_is_named_in_itself():
    assert [language_name(loc) for loc in LOCALES] == [
        "English",
        "Français",
        "Español",
        "العربية",
        "Русский",
        "中文",
        "Português",
    ]


def _po(locale: str):
    with (LOCALES_DIR / locale / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        return read_po(handle, locale=locale)


def _template_ids() -> set[str]:
    with (LOCALES_DIR / "messages.pot").open("rb") as handle:
        return {m.id if isinstance(m.id, str) else m.id[0] for m in read_po(handle) if m.id}


@pytest.mark.parametrize("locale", LOCALES)
def test_catalog_is_complete_and_clean(locale):
    catalog = _po(locale)
    problems = []
    assert not catalog.fuzzy, "the catalog header is marked fuzzy"
    ids = set()
    for message in catalog:
        if not message.id:
            continue
        msgid = message.id if isinstance(message.id, str) else message.id[0]
        ids.add(msgid)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if not all(strings):
            problems.append(f"untranslated: {msgid!r}")
        if message.fuzzy:
            problems.append(f"fuzzy: {msgid!r}")
        wanted = set(
            PLACEHOLDER.findall(
                " ".join(message.id if isinstance(message.id, tuple) else (message.id,))
            )
        )
        for string in strings:
            if string and set(PLACEHOLDER.findall(string)) != wanted:
                problems.append(f"placeholders differ: {msgid!r} -> {string!r}")
    problems += [f"obsolete: {m.id!r}" for m in catalog.obsolete.values()]
    problems += [f"missing from catalog: {m!r}" for m in _template_ids() - ids]
    assert not problems, "\n".join(problems)


def test_template_holds_every_questionnaire_label():
    assert iter_labels() <= _template_ids()


@pytest.mark.parametrize("locale", LOCALES)
def test_compiled_catalog_matches_its_source(locale):
    """The shipped .mo is what `gcm-intake translate compile` makes of the .po."""
    with (LOCALES_DIR / locale / "LC_MESSAGES" / "messages.mo").open("rb") as handle:
        compiled = {_hashable(m.id): _hashable(m.string) for m in read_mo(handle) if m.id}
    source = {
        _hashable(m.id): _hashable(m.string)
        for m in _po(locale)
        if m.id and m.string and not m.fuzzy
    }
    assert compiled == source


def _hashable(value):  # type: ignore[no-untyped-def]
    """Babel reads a plural message from a .mo as lists, from a .po as tuples."""
    return tuple(value) if isinstance(value, list) else value


@pytest.mark.parametrize("locale", [loc for loc in LOCALES if loc != "en"])
def test_translations_are_really_translated(locale):
    assert gettext(locale, "Choose your language") != "Choose your language"
    assert (
        gettext(
            locale,
            "Please write at least %(min)s characters (you wrote %(count)s).",
            min=10,
            count=3,
        ).count("10")
        == 1
    )
