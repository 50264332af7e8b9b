"""Protection disclosures are flagged in every language, and policy language about them is not."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from intake_api import safeguarding
from intake_api.i18n import LOCALES
from intake_api.safeguarding import CATEGORIES, Disclosure, assess

CASES_FILE = Path(__file__).resolve().parent.parent / "data" / "safeguarding_cases.jsonl"
CASES = [json.loads(line) for line in CASES_FILE.read_text(encoding="utf-8").splitlines() if line]


def _case_id(case: dict) -> str:
    return f"{case['locale']}-{case['category'] or 'none'}-{case['text'][:30]}"


@pytest.mark.parametrize("case", [c for c in CASES if c["category"]], ids=_case_id)
def test_disclosure_is_flagged_with_its_category(case):
    found = assess(case["text"])
    assert found is not None, case["text"]
    assert found.category == case["category"], (found, case["text"])
    assert found.matched and found.matched in case["text"]


@pytest.mark.parametrize("case", [c for c in CASES if c["category"] is None], ids=_case_id)
def test_policy_language_and_ordinary_inputs_are_not_flagged(case):
    assert assess(case["text"]) is None


def test_the_cases_cover_every_locale_and_category():
    for locale in LOCALES:
        mine = [c for c in CASES if c["locale"] == locale]
        for category in CATEGORIES:
            assert sum(c["category"] == category for c in mine) >= 2, (locale, category)
        assert sum(c["category"] is None for c in mine) >= 8, locale


@pytest.mark.parametrize("locale", LOCALES)
def test_each_locale_file_has_every_category(locale):
    data = json.loads((safeguarding.DATA_DIR / f"{locale}.json").read_text(encoding="utf-8"))
    assert data["locale"] == locale
    assert set(data["categories"]) == set(CATEGORIES)
    for category in CATEGORIES:
        assert data["categories"][category]["patterns"], (locale, category)


def test_the_detector_knows_every_interface_language():
    assert set(safeguarding.LOCALES) == set(LOCALES)


@pytest.mark.parametrize("interface_locale", LOCALES)
def test_arabic_disclosure_is_caught_whatever_the_interface_language(interface_locale):
    """assess has no locale argument: the person may not write in the interface's language."""
    from intake_api.i18n import LOCALES as _  # noqa: F401  (the interface locale plays no part)

    found = assess("نحن محتجزون في مركز احتجاز منذ أسبوعين مع أطفالنا")
    assert found == Disclosure("detention", "ar", found.matched if found else "")


def test_mixed_language_text_is_caught():
    found = assess(
        "Bonjour, I am writing for the consultation. الكفيل أخذ جوازي ولا يسمح لي بالخروج"
    )
    assert found is not None and found.category == "trafficking" and found.locale == "ar"


def test_self_harm_outranks_other_categories():
    found = assess("My boss took my passport and beats me. I want to kill myself.")
    assert found is not None and found.category == "self_harm"


@pytest.mark.parametrize(
    ("text", "category"),
    [
        ("Mi patron me quito el pasaporte", "trafficking"),
        ("Estamos detidos ha dois meses na delegacia", "detention"),
        ("I’m locked in and they won’t let me out", "detention"),
        ("عمري ١٦ سنة وأنا لوحدي", "child_alone"),
        ("Мне 16 лет, я совсем одна, мою маму арестовали", "child_alone"),
    ],
)
def test_missing_accents_curly_quotes_and_other_digits_still_match(text, category):
    found = assess(text)
    assert found is not None and found.category == category


@pytest.mark.parametrize("text", ["", "   ", "Hello", "12345"])
def test_empty_or_plain_text_is_not_flagged(text):
    assert assess(text) is None
