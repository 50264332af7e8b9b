"""Key phrases: what sets one review apart, the same every time, and never one person's words."""

from __future__ import annotations

from intake_api.language.key_phrases import key_phrases
from intake_api.policies.publication import MIN_CONTRIBUTORS

TEXTS = {
    "escwa": [
        "Kafala sponsorship ties domestic workers to one employer.",
        "Domestic workers under kafala cannot change employer.",
        "Recruitment fees are too high for domestic workers.",
    ],
    "eca": [
        "Free movement protocol of the African Union must be ratified.",
        "Recruitment fees are too high for young people.",
        "The free movement protocol would help traders cross borders.",
    ],
    "unece": [
        "Recruitment fees are too high everywhere.",
        "Seasonal workers need housing.",
        "Seasonal workers face recruitment fees too.",
    ],
}


def said_by_five(texts: dict[str, list[str]]) -> dict[str, list[tuple[str, str]]]:
    """Each text written by MIN_CONTRIBUTORS different people."""
    return {
        key: [
            (f"{key}-{i}-{n}", text)
            for i, text in enumerate(found)
            for n in range(MIN_CONTRIBUTORS)
        ]
        for key, found in texts.items()
    }


DOCS = said_by_five(TEXTS)


def test_distinctive_terms_come_first():
    found = key_phrases(DOCS, "en", top=5)
    assert {"domestic workers", "kafala"} <= {t for t, _ in found["escwa"]}
    assert found["eca"][0][0] == "movement protocol"  # "free" is an English stop word
    assert "recruitment fees" not in [t for t, _ in found["escwa"][:2]]


def test_deterministic():
    assert key_phrases(DOCS, "en") == key_phrases(dict(reversed(DOCS.items())), "en")


def test_chinese_two_character_words():
    docs = said_by_five(
        {"escap": ["劳务中介收费太高", "劳务中介扣押护照"], "eca": ["汇款费用太高", "汇款很贵"]}
    )
    top = [t for t, _ in key_phrases(docs, "zh", top=3)["escap"]]
    assert {"中介", "劳务"} <= set(top) and "汇款" not in top


def test_a_phrase_needs_five_different_people_however_often_it_is_said():
    """One child writing "zebra crossing" fifty times, or four people once each: never shown."""
    docs = {
        "escwa": [("child", "The zebra crossing near the school is dangerous.")] * 50
        + [(f"p{n}", "Our quokka shelter needs funding.") for n in range(MIN_CONTRIBUTORS - 1)]
        + [(f"q{n}", "Domestic workers need labour inspections.") for n in range(MIN_CONTRIBUTORS)],
        "eca": [(f"e{n}", "Free movement matters.") for n in range(MIN_CONTRIBUTORS)],
    }
    shown = " ".join(term for term, _ in key_phrases(docs, "en", top=50)["escwa"])
    assert "domestic" in shown
    assert "zebra" not in shown and "quokka" not in shown


def test_phrases_are_shown_as_written_not_folded():
    """Counted folded (one term however it is spelt), shown in the form people wrote most:
    "العربية" not "العربيه", "compliquées" not "compliquees"; a capital that only opens a
    sentence is not kept."""
    arabic = said_by_five(
        {"escwa": ["اللغة العربية مهمة", "نتحدث العربية في العمل"], "eca": ["شيء مختلف تماما"]}
    )
    found = [t for t, _ in key_phrases(arabic, "ar", top=20)["escwa"]]
    assert any("العربية" in t for t in found) and not any("العربيه" in t for t in found)
    french = said_by_five(
        {
            "escwa": ["Les démarches sont compliquées.", "Démarches compliquées et longues."],
            "eca": ["Rien à voir ici."],
        }
    )
    found = [t for t, _ in key_phrases(french, "fr", top=20)["escwa"]]
    assert "démarches compliquées" in found
    assert not any("compliquees" in t or "demarches" in t or "Démarches" in t for t in found)


def test_arabic_stop_words_are_left_out_however_they_are_spelt():
    """ "على" and "إلى" fold to "علي" and "الي": the stop list is folded the same way."""
    arabic = said_by_five(
        {"escwa": ["نقترح على الدول العمل إلى جانب المهاجرين"], "eca": ["شيء مختلف تماما"]}
    )
    found = " ".join(t for t, _ in key_phrases(arabic, "ar", top=20)["escwa"])
    assert "نقترح" in found and "على" not in found.split() and "إلى" not in found.split()
