"""`/gcm pledge` and `/gcm practice`: staff record a pledge or a practice on someone's behalf,
through signed requests and the fake Web API, as the input capture does."""

from __future__ import annotations

from typing import Any

import pytest
from sqlmodel import Session, select

from intake_api.i18n import LOCALES, gettext
from intake_api.policies.authorization import OUTSIDE_REVIEW
from intake_api.questionnaire import (
    PLEDGE,
    PRACTICE,
    STAFF_PLEDGE,
    STAFF_PRACTICE,
    STAFF_VARIANTS,
    AnswerError,
    help_text,
)
from intake_api.staff import add_staff
from models import AuditEntry
from models.consent import ConsentRecord
from models.pledge import Pledge
from models.practice import Practice
from models.reference import REVIEW_SLUGS
from tests.bots.slack.conftest import PLEDGE_ANSWERS, good_pledge, good_practice
from tests.conftest import count_rows

PLEDGE_CALLBACK, PRACTICE_CALLBACK = "gcm_capture_pledge", "gcm_capture_practice"
ES = {"channel_id": "CMOD", "locale": "es"}


def _opened(slack, slack_api, text: str, user: str = "UORG") -> dict[str, Any]:  # type: ignore[no-untyped-def]
    assert slack.command(text, user=user).status_code == 200
    (opened,) = slack_api.sent("views.open")
    return opened["view"]


def _pledge(slack, view_id: str, values: dict[str, Any], **kwargs: Any):  # type: ignore[no-untyped-def]
    return slack.view_submission(view_id, values, callback=PLEDGE_CALLBACK, **kwargs)


def _practice(slack, view_id: str, values: dict[str, Any], **kwargs: Any):  # type: ignore[no-untyped-def]
    return slack.view_submission(view_id, values, callback=PRACTICE_CALLBACK, **kwargs)


# --- the questionnaires, worded for staff ----------------------------------------------------


@pytest.mark.parametrize(("staff", "public"), [(STAFF_PLEDGE, PLEDGE), (STAFF_PRACTICE, PRACTICE)])
def test_the_staff_questionnaire_asks_the_same_questions_in_staff_words(staff, public):
    assert STAFF_VARIANTS[public.name] is staff
    assert [(q.key, q.kind, q.required, q.min_length, q.max_length) for q in staff.questions] == [
        (q.key, q.kind, q.required, q.min_length, q.max_length) for q in public.questions
    ]
    for key in ("consent_store", "consent_publish"):
        assert staff[key].label.startswith("The person agreed that this ")
        assert staff[key].label != public[key].label
    for key in ("contact_email", "consent_store", "consent_publish"):  # not the person's "your"
        hint = help_text(staff[key], "en") or ""
        assert "your" not in f"{staff[key].label} {hint}".lower(), key


# --- the modals ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("command", "callback", "questionnaire"),
    [("pledge", PLEDGE_CALLBACK, STAFF_PLEDGE), ("practice", PRACTICE_CALLBACK, STAFF_PRACTICE)],
)
@pytest.mark.parametrize(("user", "locale"), [("UORG", "es"), ("UADMIN", "en")])
def test_the_modal_asks_the_staff_questionnaire_in_the_users_language(
    slack, slack_api, command, callback, questionnaire, user, locale
):
    view = _opened(slack, slack_api, command, user=user)
    assert view["callback_id"] == callback
    blocks = {b["block_id"]: b for b in view["blocks"]}
    assert list(blocks) == list(questionnaire.keys)  # no profile part: no header
    assert blocks["consent_publish"]["label"]["text"] == gettext(
        locale, questionnaire["consent_publish"].label
    )
    assert blocks["consent_publish"]["optional"] and not blocks["consent_store"]["optional"]
    assert blocks["consent_store"]["label"]["text"] == gettext(
        locale, questionnaire["consent_store"].label
    )
    assert len(blocks["objectives"]["element"]["options"]) == 23
    review = blocks["review"]
    offered = [o["value"] for o in review["element"]["options"]]
    if user == "UORG":  # an organiser of ESCWA: ESCWA, chosen already, and a review is needed
        assert offered == ["escwa"] and review["element"]["initial_option"]["value"] == "escwa"
        assert not review["optional"]
    else:  # an administrator: any review, or none
        assert offered == list(REVIEW_SLUGS) and review["optional"]


def test_a_practice_is_asked_its_countries_by_name_and_its_web_page_as_an_address(slack, slack_api):
    blocks = {b["block_id"]: b for b in _opened(slack, slack_api, "practice")["blocks"]}
    assert blocks["countries"]["element"]["type"] == "multi_external_select"
    assert blocks["link"]["element"]["type"] == "url_text_input"
    assert blocks["title"]["element"]["max_length"] == 200
    found = slack.suggestion("countries", "Líba").get_json()["options"]
    assert {"LB"} <= {o["value"] for o in found}


def test_help_lists_the_new_commands_in_the_callers_language(slack):
    reply = slack.command("help", user="UORG").get_data(as_text=True)
    for usage, summary in (
        ("pledge", "record a pledge on behalf of a Member State or organisation"),
        ("practice", "record a practice on behalf of an organisation"),
    ):
        assert f"`/gcm {usage}` — {gettext('es', summary)}" in reply


# --- what is stored --------------------------------------------------------------------------


@pytest.mark.parametrize("publish", [True, False])
def test_a_pledge_is_stored_with_the_consents_given_and_confirmed(
    slack, slack_api, engine, publish
):
    response = _pledge(slack, "VP1", good_pledge(consent_publish=publish))
    assert response.status_code == 200 and not response.data
    with Session(engine) as session:
        pledge = session.exec(select(Pledge)).one()
        consents = dict(
            session.exec(
                select(ConsentRecord.kind, ConsentRecord.granted).where(
                    ConsentRecord.subject_type == "pledge", ConsentRecord.subject_id == pledge.id
                )
            ).all()
        )
        audit = session.exec(select(AuditEntry).where(AuditEntry.action == "pledge.created")).one()
    assert (pledge.channel, pledge.channel_message_id, pledge.review_slug) == (
        "slack",
        "view:VP1",
        "escwa",
    )
    assert (pledge.organisation, pledge.objectives, pledge.country) == (
        PLEDGE_ANSWERS["organisation"],
        [6],
        "JO",
    )
    assert pledge.consent_store and pledge.consent_publish is publish
    assert pledge.published_at is None  # staff publish it later, from its post
    assert consents == {"store": True, "publish": publish}  # what the person agreed to, recorded
    assert (audit.actor, audit.subject_id) == ("channel:slack", pledge.id)
    (confirmation,) = slack_api.sent("chat.postEphemeral")
    assert confirmation["user"] == "UORG" and confirmation["text"] == gettext(
        "es", "Pledge saved. Receipt code: %(receipt)s", receipt=pledge.receipt
    )


def test_a_practice_is_stored_with_its_countries_and_confirmed(slack, slack_api, engine):
    assert _practice(slack, "VR1", good_practice()).status_code == 200
    with Session(engine) as session:
        practice = session.exec(select(Practice)).one()
    assert (practice.channel, practice.review_slug, practice.countries) == (
        "slack",
        "escwa",
        ["JO", "LB"],
    )
    assert practice.consent_store and not practice.consent_publish
    (confirmation,) = slack_api.sent("chat.postEphemeral")
    assert confirmation["text"] == gettext(
        "es", "Practice saved. Receipt code: %(receipt)s", receipt=practice.receipt
    )


def test_an_administrator_may_record_a_pledge_of_no_review(slack, engine):
    response = _pledge(slack, "VP2", good_pledge(review=None), user="UADMIN")
    assert response.status_code == 200 and not response.data
    with Session(engine) as session:
        assert session.exec(select(Pledge.review_slug)).one() is None


def test_an_organiser_may_not_record_a_pledge_of_no_review(slack, engine):
    response = _pledge(slack, "VP3", good_pledge(review=None))
    assert response.get_json() == {
        "response_action": "errors",
        "errors": {"review": gettext("es", OUTSIDE_REVIEW)},
    }
    assert count_rows(engine, "pledge") == 0


@pytest.mark.parametrize(
    ("send", "table", "values"),
    [(_pledge, "pledge", good_pledge()), (_practice, "practice", good_practice())],
)
def test_a_view_submitted_twice_is_stored_once_and_confirmed_once(
    slack, slack_api, engine, send, table, values
):
    assert send(slack, "VD", values).status_code == 200
    assert send(slack, "VD", values).status_code == 200  # Slack's retry, or a double click
    assert count_rows(engine, table) == 1


@pytest.mark.parametrize(
    ("send", "changed", "block", "kind"),
    [
        (_pledge, good_pledge(title="Otro título del compromiso"), "text", "pledge"),
        (_practice, good_practice(title="Otro nombre de la práctica"), "description", "practice"),
    ],
)
def test_a_modal_saved_before_with_other_answers_is_refused_in_the_modal(
    slack, engine, send, changed, block, kind
):
    first = good_pledge() if kind == "pledge" else good_practice()
    assert send(slack, "VS", first).status_code == 200
    answer = send(slack, "VS", changed).get_json()
    message = (
        f"This form was saved already. Please close it and open a new one to record another {kind}."
    )
    assert answer == {"response_action": "errors", "errors": {block: gettext("es", message)}}
    assert count_rows(engine, kind) == 1


@pytest.mark.parametrize("locale", LOCALES)
def test_a_bad_answer_is_shown_translated_in_the_modal_and_nothing_is_stored(slack, engine, locale):
    values = good_pledge(title="Tres", consent_store=False)
    answer = _pledge(slack, "VB", values, metadata={"channel_id": "CMOD", "locale": locale})
    body = answer.get_json()
    assert body["response_action"] == "errors" and set(body["errors"]) == {
        "title",
        "consent_store",
    }
    with pytest.raises(AnswerError) as refused:
        STAFF_PLEDGE["title"].clean("Tres")  # at least 5 characters, counted in the reader's words
    assert body["errors"]["title"] == refused.value.translated(locale)
    assert body["errors"]["consent_store"] == gettext(
        locale, "We can only keep your input with your consent. Please tick the box to agree."
    )
    assert count_rows(engine, "pledge") == 0


@pytest.mark.parametrize(
    ("send", "table", "values"),
    [(_pledge, "pledge", good_pledge()), (_practice, "practice", good_practice())],
)
def test_an_organiser_of_another_review_is_refused_in_the_modal(
    slack, slack_api, slack_runtime, engine, send, table, values
):
    slack_api.add_user("UOTHER", email="other@un.example", locale="pt-BR")
    add_staff(slack_runtime.engine, email="other@un.example", role="organiser", reviews=["unece"])
    answer = send(slack, "VO", values, user="UOTHER", metadata={"channel_id": "C", "locale": "pt"})
    assert answer.get_json() == {
        "response_action": "errors",
        "errors": {"review": gettext("pt", OUTSIDE_REVIEW)},
    }
    assert count_rows(engine, table) == 0
    assert slack_api.sent("chat.postEphemeral") == []


def test_someone_who_is_not_staff_gets_no_modal_and_stores_nothing(slack, slack_api, engine):
    reply = slack.command("pledge", user="UOUT").get_data(as_text=True)
    assert (
        gettext(
            "fr",
            "Sorry, only Network staff registered with gcm-intake can do this. Please ask an administrator.",
        )
        in reply
    )
    assert slack_api.sent("views.open") == []
    _pledge(slack, "VX", good_pledge(), user="UOUT")
    assert count_rows(engine, "pledge") == 0
