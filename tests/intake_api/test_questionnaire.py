"""The one definition of questions: cleaning rules every channel relies on."""

from __future__ import annotations

import pytest

from intake_api.questionnaire import (
    INPUT,
    QUESTIONNAIRES,
    REGISTRATION,
    AnswerError,
    Kind,
    help_text,
)
from models.reference import COUNTRY_CODES


def test_input_questionnaire_uses_the_public_field_names():
    """The names are the public contract (DESIGN.md); their order follows the parts (issue 18)."""
    assert set(INPUT.keys) == {
        "review",
        "stakeholder_group",
        "country",
        "age_group",
        "gender",
        "theme",
        "objectives",
        "text",
        "contact_email",
        "consent_store",
        "consent_quote",
    }


def test_every_question_has_a_label_and_every_choice_question_has_choices():
    for questionnaire in QUESTIONNAIRES.values():
        for question in questionnaire.questions:
            assert question.label
            if question.kind in (Kind.SINGLE, Kind.MULTIPLE):
                assert question.choices, question.key


def test_objectives_are_the_23_with_short_names_and_full_titles():
    options = INPUT["objectives"].options("en")
    assert [value for value, _, _ in options] == [str(n) for n in range(1, 24)]
    assert options[19] == (
        "20",
        "Remittances",
        "Promote faster, safer and cheaper transfer of remittances and foster financial inclusion of migrants",
    )


def test_countries_are_the_249_iso_codes_sorted_by_localized_name():
    assert len(COUNTRY_CODES) == 249
    names = [name for _, name, _ in INPUT["country"].options("fr")]
    assert names.index("Égypte") < names.index("Espagne")  # accents do not sort last
    assert dict((v, n) for v, n, _ in INPUT["country"].options("ar"))["JO"] == "الأردن"


def test_text_is_normalised_and_trimmed():
    assert INPUT["text"].clean("  Cafe\u0301 au lait, svp  \r\n") == "Café au lait, svp"


def test_country_accepts_lower_case_codes():
    assert INPUT["country"].clean("jo") == "JO"
    assert INPUT["country"].clean("") is None


def test_objectives_are_deduplicated_and_ordered():
    assert INPUT["objectives"].clean(["7", "3", "7"]) == ["3", "7"]
    assert INPUT["objectives"].clean(None) == []


@pytest.mark.parametrize("raw", [True, "on", "yes", "1", "true"])
def test_consent_given(raw):
    assert INPUT["consent_store"].clean(raw) is True


@pytest.mark.parametrize("raw", [False, "", None, "off", "0"])
def test_consent_missing(raw):
    with pytest.raises(AnswerError) as refused:
        INPUT["consent_store"].clean(raw)
    assert refused.value.code == "consent_required"


def test_optional_quote_consent_may_be_absent():
    assert INPUT["consent_quote"].clean(None) is False


def test_email_is_normalised():
    assert INPUT["contact_email"].clean(" Someone@Example.ORG ") == "Someone@example.org"


def test_unknown_keys_are_ignored():
    clean, errors = INPUT.validate({"csrf_token": "x", "website": "", "review": "eca"})
    assert "csrf_token" not in clean and "website" not in clean
    assert "review" not in errors


def test_help_text_states_the_limits():
    assert "10" in help_text(INPUT["text"], "en") and "5000" in help_text(INPUT["text"], "en")
    assert "5" in help_text(INPUT["objectives"], "en")


def test_cross_rule_runs_only_when_answers_are_otherwise_valid():
    _, errors = REGISTRATION.validate({"travel_support": "on"})
    assert "travel_reason" not in errors and "name" in errors
