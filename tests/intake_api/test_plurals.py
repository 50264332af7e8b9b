"""Every counted message reads right for every number in every language.

The catalogs' plural forms are checked against CLDR (the number of forms each
language needs) and rendered for numbers that fall into every CLDR category of
the seven languages (Arabic zero/one/two/few/many/other, Russian 1/2/5/11/21).
"""

from __future__ import annotations

import re
from functools import cache

import pytest
from babel import Locale
from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po

from intake_api.i18n import LOCALES, ngettext
from locales import LOCALES_DIR

NUMBERS = (0, 1, 2, 3, 5, 11, 21, 100)
PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]")
TOO_SHORT = (
    "Please write at least %(min)s character (you wrote %(count)s).",
    "Please write at least %(min)s characters (you wrote %(count)s).",
)


@cache
def _catalog(locale: str) -> Catalog:
    with (LOCALES_DIR / locale / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        return read_po(handle, locale=locale)


def _plural_messages(locale: str) -> list:  # type: ignore[type-arg]
    return [m for m in _catalog(locale) if m.id and isinstance(m.id, tuple)]


def test_there_are_counted_messages():
    assert len(_plural_messages("en")) >= 10


@pytest.mark.parametrize("locale", LOCALES)
def test_catalog_has_as_many_forms_as_cldr_says(locale):
    """ar 6, ru 3, fr/es/pt 3 (CLDR "many" for millions), zh 1, en 2."""
    catalog = _catalog(locale)
    rule = Locale.parse(locale).plural_form
    # CLDR's categories for whole numbers (Russian "other" is for fractions only).
    categories = {rule(n) for n in (*range(200), 1_000_000, 2_000_000)}
    assert catalog.num_plurals == len(categories)
    wrong = [
        (m.id[0], len(m.string))
        for m in _plural_messages(locale)
        if len(m.string) != catalog.num_plurals
    ]
    assert not wrong


@pytest.mark.parametrize("locale", LOCALES)
@pytest.mark.parametrize("n", NUMBERS)
def test_every_counted_message_renders_for_every_number(locale, n):
    """Each form exists and is filled; a form keeps the msgid's other placeholders."""
    problems = []
    for message in _plural_messages(locale):
        singular, plural = message.id
        names = set(PLACEHOLDER.findall(singular + plural))
        # Distinct numbers, so that a "%(num)d" is filled too; the count itself is n.
        values = {name: 90_000 + i for i, name in enumerate(sorted(names))}
        rendered = ngettext(locale, singular, plural, n, **values)
        if not rendered.strip():
            problems.append(f"{singular!r}: empty for {n}")
            continue
        kept = {name for name in names if str(values[name]) in rendered}
        if len(names - kept) > 1:
            problems.append(f"{singular!r} for {n}: {rendered!r} lost {names - kept}")
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize(
    ("locale", "forms"),
    [
        ("ru", {1: "символа", 2: "символов", 5: "символов"}),
        ("ar", {1: "حرف واحد", 2: "حرفين", 3: "3 أحرف", 11: "11 حرفًا", 100: "100 حرف"}),
        ("fr", {1: "1 caractère ", 2: "2 caractères"}),
    ],
)
def test_the_count_picks_the_form(locale, forms):
    for n, expected in forms.items():
        assert expected in ngettext(locale, *TOO_SHORT, n, min=n, count=0), n


def test_russian_and_arabic_use_different_forms_for_different_numbers():
    ru = {n: ngettext("ru", *TOO_SHORT, n, min=n, count=0) for n in (1, 2, 5)}
    assert ru[1] != ru[2].replace("2", "1")
    ar = {n: ngettext("ar", *TOO_SHORT, n, min=n, count=0) for n in (0, 1, 2, 3, 11, 100)}
    templates = {text.replace(str(n), "N") for n, text in ar.items()}
    assert len(templates) == 6
