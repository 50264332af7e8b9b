"""Every catalog speaks the UN's terminology, as locales/glossary.tsv records it.

The glossary gives, per term, a regular expression that finds the English term in a
msgid, the approved form in each language with a pattern that accepts its inflected
forms (Russian and Arabic cases, plurals), the variants that are not allowed, and
the source of the form. A reader who meets "全球移民契约" on one page and
《移民问题全球契约》 on the next cannot know they are one thing; a completeness test
cannot see that, so this one does.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache

import pytest
from babel.messages.pofile import read_po
from hypothesis import given
from hypothesis import strategies as st

from intake_api.i18n import join_list, labelled, translations
from intake_api.review_names import review_acronym, review_region, review_title
from locales import LOCALES_DIR

GLOSSARY = LOCALES_DIR / "glossary.tsv"
LANGUAGES = ("fr", "es", "ar", "ru", "zh", "pt")
SCOPES = frozenset({"all", "term"})
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]")


@dataclass(frozen=True)
class Term:
    """One glossary row, its patterns compiled."""

    term_id: str
    en: str
    en_pattern: re.Pattern[str] | None
    approved: dict[str, str]
    patterns: dict[str, re.Pattern[str]]
    forbidden: dict[str, re.Pattern[str]]
    scope: str
    source: str


def _compile(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern)


def parse_row(row: dict[str, str]) -> Term:
    """A row as the test uses it; an empty language pattern means the approved form as written."""
    return Term(
        term_id=row["term_id"],
        en=row["en"],
        en_pattern=_compile(row["en_pattern"]) if row["en_pattern"] else None,
        approved={lang: row[lang] for lang in LANGUAGES},
        patterns={
            lang: _compile(row[f"{lang}_pattern"] or re.escape(row[lang])) for lang in LANGUAGES
        },
        forbidden={
            lang: _compile(row[f"forbidden_{lang}"])
            for lang in LANGUAGES
            if row[f"forbidden_{lang}"]
        },
        scope=row["forbidden_scope"],
        source=row["source"],
    )


@cache
def raw_rows() -> tuple[dict[str, str], ...]:
    with GLOSSARY.open(encoding="utf-8", newline="") as fh:
        return tuple(csv.DictReader(fh, dialect="excel-tab"))


@cache
def glossary() -> tuple[Term, ...]:
    return tuple(parse_row(row) for row in raw_rows())


def _visible(pattern: re.Pattern[str], text: str) -> str:
    """The text a pattern is matched against.

    Placeholder names are English words ("%(consent)s", "%(receipt)s") and would
    pass for the term; they are ignored unless the pattern itself spells one out
    (the label colon row).
    """
    return text if "%\\(" in pattern.pattern else PLACEHOLDER.sub(" ", text)


def has_english_term(term: Term, msgid: str) -> bool:
    return term.en_pattern is not None and bool(
        term.en_pattern.search(_visible(term.en_pattern, msgid))
    )


def missing_term(term: Term, lang: str, msgid: str, msgstr: str) -> bool:
    """True when the English has the term and the translation lacks every accepted form."""
    if not has_english_term(term, msgid):
        return False
    pattern = term.patterns[lang]
    return not pattern.search(_visible(pattern, msgstr))


def forbidden_hit(term: Term, lang: str, msgid: str, msgstr: str) -> str | None:
    """The forbidden variant a translation uses, if any.

    Scope "term" rows forbid a word only where the English has the term: Russian
    "вклад" is wrong for an input, right for "contribute".
    """
    pattern = term.forbidden.get(lang)
    if pattern is None or (term.scope == "term" and not has_english_term(term, msgid)):
        return None
    found = pattern.search(_visible(pattern, msgstr))
    return found.group(0) if found else None


@dataclass(frozen=True)
class Entry:
    context: str | None
    msgids: tuple[str, ...]
    msgstrs: tuple[str, ...]

    def label(self) -> str:
        where = f" (context {self.context!r})" if self.context else ""
        return f"msgid {self.msgids[0]!r}{where}"


def catalog_locales() -> list[str]:
    return sorted(
        path.parent.parent.name
        for path in LOCALES_DIR.glob("*/LC_MESSAGES/messages.po")
        if path.parent.parent.name != "en"
    )


def entries(locale: str) -> Iterator[Entry]:
    """Translated, non-fuzzy messages of a locale's .po file (forms of a plural each)."""
    with (LOCALES_DIR / locale / "LC_MESSAGES" / "messages.po").open("rb") as fh:
        catalog = read_po(fh, locale=locale)
    for message in catalog:
        if not message.id or message.fuzzy:
            continue
        ids = message.id if isinstance(message.id, (tuple, list)) else (message.id,)
        forms = message.string if isinstance(message.string, (tuple, list)) else (message.string,)
        strs = tuple(str(form) for form in forms if form)
        if strs:
            yield Entry(message.context, tuple(str(i) for i in ids), strs)


def problems(locale: str) -> list[str]:
    """Every glossary breach of one catalog, one line each, for the failure message."""
    found: list[str] = []
    for entry in entries(locale):
        msgid = " ".join(entry.msgids)
        for term in glossary():
            for msgstr in entry.msgstrs:
                hit = forbidden_hit(term, locale, msgid, msgstr)
                if hit:
                    found.append(
                        f"{locale}: {entry.label()}: forbidden {hit!r} [{term.term_id}], "
                        f"use {term.approved[locale]!r}; msgstr {msgstr!r}"
                    )
                if missing_term(term, locale, msgid, msgstr):
                    found.append(
                        f"{locale}: {entry.label()}: expected {term.approved[locale]!r} "
                        f"[{term.term_id}]; msgstr {msgstr!r}"
                    )
    return found


# -- the glossary itself -------------------------------------------------------------


def test_glossary_is_well_formed() -> None:
    rows = raw_rows()
    assert rows, "locales/glossary.tsv has no terms"
    ids = [row["term_id"] for row in rows]
    assert len(ids) == len(set(ids)), f"duplicate term ids: {sorted(ids)}"
    errors = []
    for row in rows:
        tid = row["term_id"]
        if None in row or any(value is None for value in row.values()):
            errors.append(f"{tid}: wrong number of columns")
            continue
        for column in ("term_id", "en", "source", *LANGUAGES):
            if not row[column].strip():
                errors.append(f"{tid}: column {column} is empty")
        if row["forbidden_scope"] not in SCOPES:
            errors.append(f"{tid}: forbidden_scope must be one of {sorted(SCOPES)}")
        for column, value in row.items():
            if value and (column.endswith("_pattern") or column.startswith("forbidden_")):
                if column == "forbidden_scope":
                    continue
                try:
                    re.compile(value)
                except re.error as exc:
                    errors.append(f"{tid}: {column} is not a valid regex: {exc}")
    assert not errors, "\n".join(errors)


@pytest.mark.parametrize("term", glossary(), ids=lambda term: term.term_id)
def test_approved_form_is_accepted_and_not_forbidden(term: Term) -> None:
    """A pattern that rejects its own approved form would fail every correct catalog."""
    for lang in LANGUAGES:
        approved = term.approved[lang]
        assert term.patterns[lang].search(approved), (
            f"{term.term_id}: {lang} pattern {term.patterns[lang].pattern!r} rejects {approved!r}"
        )
        forbidden = term.forbidden.get(lang)
        assert not (forbidden and forbidden.search(approved)), (
            f"{term.term_id}: {lang} approved form {approved!r} is also forbidden"
        )


# -- the catalogs -----------------------------------------------------------------------


@pytest.mark.parametrize("locale", catalog_locales())
def test_catalog_follows_the_glossary(locale: str) -> None:
    found = problems(locale)
    assert not found, f"{len(found)} glossary breaches:\n" + "\n".join(found)


def _row(term_id: str) -> Term:
    return next(term for term in glossary() if term.term_id == term_id)


@pytest.mark.parametrize("locale", LANGUAGES)
def test_lists_use_the_glossary_separator(locale: str) -> None:
    separator = _row("list_separator").approved[locale]
    assert join_list(locale, ["A", "B", "C"]) == f"A{separator}B{separator}C"


@pytest.mark.parametrize("locale", LANGUAGES)
def test_label_colon_as_the_reader_writes_it(locale: str) -> None:
    translations.cache_clear()
    term = _row("label_colon")
    shown = labelled(locale, "Code", "X7")
    expected = term.approved[locale] % {"label": "Code", "value": "X7"}
    assert shown == expected, f"{locale}: {shown!r}, expected {expected!r}"


@pytest.mark.parametrize("locale", LANGUAGES)
def test_reviews_are_named_by_the_glossary_acronym(locale: str) -> None:
    """What a reader sees for "ESCWA" is the UN's acronym in their language (الإسكوا, ЭСКЗА)."""
    translations.cache_clear()
    for slug in ("eca", "eclac", "escap", "escwa", "unece"):
        expected = _row(f"{slug}_acronym").approved[locale]
        assert review_acronym(locale, slug) == expected, f"{locale}: {slug}"
        title = _row("acronym_parentheses").approved[locale] % {
            "region": review_region(locale, slug),
            "acronym": expected,
        }
        assert review_title(locale, slug) == title


# -- the matcher ------------------------------------------------------------------------


def test_matcher_examples_from_the_issue() -> None:
    compact, review, receipt = _row("compact_short"), _row("regional_review"), _row("receipt_code")
    assert forbidden_hit(compact, "zh", "GCM objective", "全球移民契约目标") == "全球移民契约"
    assert missing_term(compact, "zh", "GCM objective", "全球移民契约目标")
    assert not missing_term(compact, "zh", "GCM objective", "《全球契约》目标")
    assert forbidden_hit(compact, "ru", "GCM input", "Сообщение по ГДМ") == "ГДМ"
    assert forbidden_hit(compact, "pt", "GCM input", "Contributo para o PGM") == "PGM"
    assert not has_english_term(
        compact, "Sorry, only staff registered with gcm-intake can do this."
    )
    assert forbidden_hit(review, "ar", "Regional review", "استعراض الإقليمي") == "استعراض الإقليمي"
    assert forbidden_hit(review, "ar", "x", "سجّل للاستعراض الإقليمي") is None
    assert not missing_term(review, "ru", "Regional review", "регионального обзора")
    assert not missing_term(receipt, "zh", "Receipt code", "回执码")
    assert forbidden_hit(receipt, "zh", "Your receipt code", "回执编号") == "回执编号"


def test_scoped_variant_is_allowed_where_the_english_has_another_sense() -> None:
    """Russian "вклад" is a wrong "input" but the right word for "contribute"."""
    term = _row("input")
    assert forbidden_hit(term, "ru", "Your input", "Ваш вклад") == "вклад"
    assert forbidden_hit(term, "ru", "How pledges contribute", "Вклад обязательств") is None
    assert forbidden_hit(term, "ru", "Your input", "Ваше сообщение в чате") is None


def test_placeholders_are_not_terms() -> None:
    """ "%(consent)s" in a msgstr is not the word for consent, nor in a msgid."""
    term = _row("consent")
    assert missing_term(term, "fr", "Your consent: %(value)s", "Votre accord : %(consent)s")
    assert not has_english_term(term, "Withdrawn for %(consent)s.")
    assert not has_english_term(term, "Send /consent to stop.")


_SAFE_TEXT = st.text(alphabet=st.sampled_from(list("abc xyz,.!?0123456789")), max_size=30)


@given(prefix=_SAFE_TEXT, suffix=_SAFE_TEXT, lang=st.sampled_from(LANGUAGES))
def test_approved_form_passes_in_any_sentence(prefix: str, suffix: str, lang: str) -> None:
    for term in glossary():
        if term.en_pattern is None or term.term_id == "label_colon":
            continue
        msgstr = f"{prefix} {term.approved[lang]} {suffix}"
        assert not missing_term(term, lang, f"{prefix} {term.en} {suffix}", msgstr), term.term_id


@given(prefix=_SAFE_TEXT, suffix=_SAFE_TEXT)
def test_forbidden_variant_is_found_in_any_sentence(prefix: str, suffix: str) -> None:
    term = _row("member_states")
    msgstr = f"{prefix} les États membres {suffix}"
    assert forbidden_hit(term, "fr", "Member States", msgstr) == "États membres"
