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
    ngettext,
    pgettext,
    text_direction,
)
from intake_api.questionnaire import ATTENDANCE_MODES, CAPTURE_SOURCES, iter_labels
from locales import LOCALES_DIR
from models.reference import MEETING_FORMATS, STAKEHOLDER_GROUPS

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


def _key(message) -> tuple[str | None, str]:  # type: ignore[no-untyped-def]
    """A catalog entry as (context, msgid): "Other" the group and "Other" the option are two."""
    msgid = message.id if isinstance(message.id, str) else message.id[0]
    return (message.context, msgid)


def _template_ids() -> set[tuple[str | None, str]]:
    with (LOCALES_DIR / "messages.pot").open("rb") as handle:
        return {_key(m) for m in read_po(handle) if m.id}


def _placeholder_problems(message) -> list[str]:  # type: ignore[no-untyped-def]
    """A singular msgstr has exactly the msgid's placeholders. A plural form may say its
    count in words (Arabic "حرفان", "مساهمة واحدة"), so it may drop ONE placeholder (the
    counted one) but never adds one, and the last form (the general plural) keeps them all."""
    ids = message.id if isinstance(message.id, tuple) else (message.id,)
    wanted = set(PLACEHOLDER.findall(" ".join(ids)))
    if not isinstance(message.string, tuple):
        found = set(PLACEHOLDER.findall(message.string))
        return [] if not message.string or found == wanted else [f"{found} != {wanted}"]
    problems = []
    for index, form in enumerate(message.string):
        found = set(PLACEHOLDER.findall(form))
        last = index == len(message.string) - 1
        if found - wanted or len(wanted - found) > (0 if last else 1):
            problems.append(f"form {index}: {found} for {wanted}")
    return problems


@pytest.mark.parametrize("locale", LOCALES)
def test_catalog_is_complete_and_clean(locale):
    catalog = _po(locale)
    problems = []
    assert not catalog.fuzzy, "the catalog header is marked fuzzy"
    ids = set()
    for message in catalog:
        if not message.id:
            continue
        key = _key(message)
        ids.add(key)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if not all(strings):
            problems.append(f"untranslated: {key!r}")
        if message.fuzzy:
            problems.append(f"fuzzy: {key!r}")
        problems += [
            f"placeholders differ: {key!r}: {problem}" for problem in _placeholder_problems(message)
        ]
    problems += [f"obsolete: {m.id!r}" for m in catalog.obsolete.values()]
    problems += [f"missing from catalog: {m!r}" for m in _template_ids() - ids]
    assert not problems, "\n".join(problems)


def test_template_holds_every_questionnaire_label():
    labels = {(getattr(label, "context", None), str(label)) for label in iter_labels()}
    assert labels <= _template_ids()


@pytest.mark.parametrize("locale", LOCALES)
def test_compiled_catalog_matches_its_source(locale):
    """The shipped .mo is what `gcm-intake translate compile` makes of the .po."""
    with (LOCALES_DIR / locale / "LC_MESSAGES" / "messages.mo").open("rb") as handle:
        compiled = {
            (m.context, _hashable(m.id)): _hashable(m.string) for m in read_mo(handle) if m.id
        }
    source = {
        (m.context, _hashable(m.id)): _hashable(m.string)
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
    too_short = ngettext(
        locale,
        "Please write at least %(min)s character (you wrote %(count)s).",
        "Please write at least %(min)s characters (you wrote %(count)s).",
        10,
        min=10,
        count=3,
    )
    assert too_short.count("10") == 1 and "3" in too_short
    assert "characters" not in too_short


@pytest.mark.parametrize(
    ("locale", "group", "option"),
    [("es", "Otro", "Otra"), ("pt", "Outro", "Outra"), ("ar", "فئة أخرى", "غير ذلك")],
)
def test_one_english_word_two_meanings_two_translations(locale, group, option):
    """ "Other" the stakeholder group agrees with "grupo", "Other" the source with "fuente"."""
    assert gettext(locale, STAKEHOLDER_GROUPS["other"]) == group
    assert gettext(locale, CAPTURE_SOURCES["other"]) == option


def test_in_person_the_format_and_in_person_the_way_to_attend():
    """Arabic says the meeting's format with an adjective, how one attends with an adverb."""
    assert gettext("ar", MEETING_FORMATS["in_person"]) == "حضوري"
    assert gettext("ar", ATTENDANCE_MODES["in_person"]) == "حضوريًا"


def test_the_web_page_keeps_this_input_and_telegram_keeps_everything():
    """The web's "No, keep it" keeps one input; the Telegram /delete one keeps everything."""
    assert pgettext("es", "keep this input", "No, keep it") == "No, conservarla"
    assert pgettext("fr", "keep this input", "No, keep it") == "Non, la conserver"
