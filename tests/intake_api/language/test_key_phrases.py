"""Key phrases: what sets one review apart, the same every time."""

from __future__ import annotations

from intake_api.language.key_phrases import key_phrases

DOCS = {
    "escwa": ["Kafala sponsorship ties domestic workers to one employer.",
              "Domestic workers under kafala cannot change employer.",
              "Recruitment fees are too high for domestic workers."],
    "eca": ["Free movement protocol of the African Union must be ratified.",
            "Recruitment fees are too high for young people.",
            "The free movement protocol would help traders cross borders."],
    "unece": ["Recruitment fees are too high everywhere.", "Seasonal workers need housing.",
              "Seasonal workers face recruitment fees too."],
}


def test_distinctive_terms_come_first():
    found = key_phrases(DOCS, "en", top=5)
    assert {"domestic workers", "kafala"} <= {t for t, _ in found["escwa"]}
    assert found["eca"][0][0] == "movement protocol"  # "free" is an English stop word
    assert "recruitment fees" not in [t for t, _ in found["escwa"][:2]]


def test_deterministic():
    assert key_phrases(DOCS, "en") == key_phrases(dict(reversed(DOCS.items())), "en")


def test_chinese_two_character_words():
    docs = {"escap": ["劳务中介收费太高", "劳务中介扣押护照"], "eca": ["汇款费用太高", "汇款很贵"]}
    top = [t for t, _ in key_phrases(docs, "zh", top=3)["escap"]]
    assert {"中介", "劳务"} <= set(top) and "汇款" not in top
