"""Profile answers given after the receipt, and the age rule while the age is unknown.

A chat asks the stakeholder group, country, age group and gender after the input is
stored; each answer is attached to that input, by the contributor who sent it only.
Until an adult age group is on the input, nobody may quote it or keep a contact for it.
"""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlmodel import Session, select

from intake_api.i18n import gettext
from intake_api.notices import CONTACT_NEEDS_AGE
from intake_api.policies.publication import Audience, may_publish
from intake_api.questionnaire import INPUT, STAFF_INPUT, Part
from intake_api.service import InvalidAnswers
from models.consent import ConsentRecord
from models.reference import AGE_GROUPS
from models.submission import Submission
from tests.factories import input_answers

USER = 4242


def _sent(service, **overrides):  # type: ignore[no-untyped-def]
    """An input as a chat sends it: only what it cannot be stored without."""
    core = {"text": input_answers()["text"], "review": "escwa", "consent_store": True}
    return service.submit_input(
        {**core, **overrides},
        channel="telegram",
        message_id=f"draft:{USER}:{len(overrides)}",
        locale="en",
        platform_user_id=USER,
    )


def _stored(engine, receipt):  # type: ignore[no-untyped-def]
    with Session(engine) as session:
        return session.exec(select(Submission).where(Submission.receipt == receipt)).one()


def test_an_input_is_stored_with_the_core_answers_only(service, engine):
    receipt = _sent(service)
    stored = _stored(engine, receipt.code)
    assert (stored.stakeholder_group, stored.age_group, stored.theme, stored.country) == (
        None,
        None,
        None,
        None,
    )
    assert stored.consent_quote is False


def test_each_profile_answer_given_after_the_receipt_is_attached(service, engine):
    receipt = _sent(service)
    for key, value in (
        ("stakeholder_group", "migrant"),
        ("country", "jo"),
        ("age_group", "25_34"),
        ("gender", "woman"),
        ("consent_quote", True),
    ):
        service.add_profile(
            receipt.code, {key: value}, channel="telegram", platform_user_id=USER, locale="en"
        )
    stored = _stored(engine, receipt.code)
    assert (stored.stakeholder_group, stored.country, stored.age_group, stored.gender) == (
        "migrant",
        "JO",
        "25_34",
        "woman",
    )
    assert stored.consent_quote is True
    with Session(engine) as session:
        quotes = session.exec(
            select(ConsentRecord).where(ConsentRecord.kind == "quote").order_by(ConsentRecord.id)
        ).all()
    assert quotes[-1].granted is True  # the consent in force is the latest one recorded


def test_another_person_cannot_attach_answers_to_an_input(service, engine):
    receipt = _sent(service)
    with pytest.raises(LookupError):
        service.add_profile(
            receipt.code,
            {"age_group": "25_34"},
            channel="telegram",
            platform_user_id=1,
            locale="en",
        )
    with pytest.raises(LookupError):
        service.add_profile(
            "GCM-NOPE-0000",
            {"gender": "man"},
            channel="telegram",
            platform_user_id=USER,
            locale="en",
        )
    assert _stored(engine, receipt.code).age_group is None


def test_a_refused_profile_answer_is_explained_in_the_persons_language(service):
    receipt = _sent(service)
    with pytest.raises(InvalidAnswers) as refused:
        service.add_profile(
            receipt.code,
            {"age_group": "ancient"},
            channel="telegram",
            platform_user_id=USER,
            locale="fr",
        )
    assert refused.value.by_field() == {
        "age_group": gettext("fr", "Please choose one of the options offered.")
    }
    with pytest.raises(ValueError):
        service.add_profile(
            receipt.code,
            {"text": "rewritten"},
            channel="telegram",
            platform_user_id=USER,
            locale="en",
        )


@pytest.mark.parametrize("age_group", [None, "under_13", "13_15"])
def test_no_quote_is_kept_while_the_age_is_unknown_or_a_minors(service, engine, age_group):
    receipt = _sent(service, consent_quote=True)
    answers = {"consent_quote": True} | ({"age_group": age_group} if age_group else {})
    service.add_profile(
        receipt.code, answers, channel="telegram", platform_user_id=USER, locale="en"
    )
    stored = _stored(engine, receipt.code)
    assert stored.consent_quote is False
    assert not may_publish(
        stored, audience=Audience.DIGEST, consent_age=service.digital_consent_age
    )


def test_an_email_address_without_an_age_group_is_refused_and_explained(service):
    answers = input_answers("es", age_group="", contact_email="persona@example.org")
    with pytest.raises(InvalidAnswers) as refused:
        service.submit_input(answers, channel="web", message_id="k-age", locale="es")
    assert refused.value.by_field() == {"contact_email": gettext("es", CONTACT_NEEDS_AGE)}


def test_a_quote_consent_without_an_age_group_is_not_kept(service, engine):
    answers = input_answers(age_group="", consent_quote="on")
    receipt = service.submit_input(answers, channel="web", message_id="k-quote", locale="en")
    assert _stored(engine, receipt.code).consent_quote is False


@given(age_group=st.sampled_from([None, *AGE_GROUPS]), consent_age=st.integers(13, 18))
def test_publication_needs_an_adult_age_group(age_group, consent_age):
    """Hypothesis: whatever the age band and the deployment's age, no unknown or minor age is quoted."""
    from intake_api.policies.publication import Facts
    from models.reference import minor_age_groups

    facts = Facts(consent_quote=True, age_group=age_group, status="included", urgent_category=None)
    shown = may_publish(facts, audience=Audience.REPORT, consent_age=consent_age)
    assert shown == (age_group is not None and age_group not in minor_age_groups(consent_age))


@pytest.mark.parametrize("questionnaire", [INPUT, STAFF_INPUT], ids=lambda q: q.name)
def test_the_questionnaire_asks_the_core_first_and_every_profile_question_is_optional(
    questionnaire,
):
    parts = [q.part for q in questionnaire.questions]
    assert parts == sorted(parts, key=[Part.CORE, Part.PROFILE].index)
    assert all(not q.required for q in questionnaire.part(Part.PROFILE))
    assert {q.key for q in questionnaire.part(Part.PROFILE)} >= {
        "stakeholder_group",
        "country",
        "age_group",
        "gender",
        "consent_quote",
    }


def test_contributors_read_plain_labels_with_the_official_title_one_tap_away():
    theme = INPUT["theme"]
    value, plain, official = theme.options("en", plain=True)[0]
    assert (plain, official) == (
        "What the region should do first, and what is missing",
        "Regional priorities and gaps in implementing the GCM",
    )
    staff = dict((v, label) for v, label, _ in INPUT["objectives"].options("en"))
    assert staff["5"] == "Regular pathways"
    assert INPUT["objectives"].options("en", plain=True)[4][1:] == (
        "More legal ways to migrate",
        "Enhance availability and flexibility of pathways for regular migration",
    )


def test_the_review_preselected_is_the_last_inputs_else_the_countrys(service):
    """Nothing known: no review; a country in one region: its review; an input: that review."""
    assert service.likely_review(channel="telegram", platform_user_id=USER) is None
    first = _sent(service, review="eca")
    assert service.likely_review(channel="telegram", platform_user_id=USER) == "eca"
    service.add_profile(
        first.code, {"country": "jo"}, channel="telegram", platform_user_id=USER, locale="en"
    )
    assert service.likely_review(channel="telegram", platform_user_id=USER) == "eca"
    _sent(service, review="escwa", theme="cooperation")
    assert service.likely_review(channel="telegram", platform_user_id=USER) == "escwa"
    assert service.likely_review(channel="telegram", platform_user_id=USER + 1) is None
