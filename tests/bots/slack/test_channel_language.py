"""A review's channels post in the language set for them: the feed, its updates, urgent alerts.

Through signed requests and the fake Web API, as Slack sends and answers them. The staff
members' Slack languages (conftest): UORG Spanish, UADMIN English, UOUT French.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from sqlmodel import Session, select

from bots.slack.client import web_client
from bots.slack.moderation_feed import NEW_NOTIFICATION, URGENT_NOTIFICATION, post_new_inputs
from intake_api.i18n import gettext, language_label
from intake_api.notices import SAFEGUARDING_LABELS
from intake_api.policies.authorization import OPERATOR
from intake_api.review_names import review_acronym
from models import AuditEntry, Submission
from models.review import RegionalReview
from tests.bots.slack.test_slack import service_runtime
from tests.bots.slack.test_urgent_inputs import URGENT, _posted
from tests.factories import input_answers


def _answer(response: Any) -> str:
    """The text a slash command was answered with, as Slack shows it to the caller."""
    assert response.status_code == 200
    return str(response.get_data(as_text=True))


def _post_one(slack: Any, service: Any) -> str:
    """An ESCWA input, in English, posted by the feed as the scheduler runs it: its receipt code."""
    receipt = service.submit_input(
        input_answers(review="escwa"), channel="web", message_id="w-1", locale="en"
    )
    runtime = service_runtime(slack)
    assert post_new_inputs(runtime, web_client(runtime)) == 1
    return str(receipt.code)


def _blocks_text(message: dict[str, Any]) -> str:
    return json.dumps(message["blocks"], ensure_ascii=False)


def test_a_channel_set_in_french_gets_the_feed_in_french(slack, slack_api, service, engine):
    answer = _answer(slack.command("channel escwa fr", user="UADMIN", channel="CMOD"))
    assert "ESCWA" in answer and language_label("fr", "en") in answer  # "French", for the setter

    receipt = _post_one(slack, service)
    (posted,) = slack_api.sent("chat.postMessage")
    shown = _blocks_text(posted)
    assert posted["channel"] == "CMOD"
    for label in ("Receipt", "Status", "New"):
        assert gettext("fr", label) in shown
    assert "Reçu" in shown and "Receipt" not in shown
    assert posted["text"] == gettext(
        "fr", NEW_NOTIFICATION, receipt=receipt, review=review_acronym("fr", "escwa")
    )
    with Session(engine) as session:
        audit = session.exec(
            select(AuditEntry).where(AuditEntry.action == "review.channel_set")
        ).one()
    assert audit.detail == {"review": "escwa", "locale": "fr"}


def test_after_moderation_actions_the_message_stays_french(slack, slack_api, service):
    slack.command("channel escwa fr", user="UADMIN", channel="CMOD")
    receipt = _post_one(slack, service)

    slack.block_action("mod_flag", receipt, user="UORG")  # a Spanish-speaking organiser
    slack.block_action("mod_reviewed", receipt, user="UADMIN")
    flagged, reviewed = slack_api.sent("chat.update")
    assert "Signalée" in _blocks_text(flagged) and "<@UORG>" in _blocks_text(flagged)
    assert "Examinée" in _blocks_text(reviewed)

    slack.block_action("mod_tag", receipt, user="UORG")
    (opened,) = slack_api.sent("views.open")
    chosen = {"type": "multi_static_select", "selected_options": [{"value": "7"}]}
    slack.view_submission(
        "VT",
        {"objectives": {"objectives": chosen}},
        metadata=json.loads(opened["view"]["private_metadata"]),
        callback="gcm_tag_objectives",
    )
    *_, tagged = slack_api.sent("chat.update")
    for update in (flagged, reviewed, tagged):
        shown = _blocks_text(update)
        assert "Reçu" in shown and "Statut" in shown
        assert "Recibo" not in shown and "Receipt" not in shown
    assert gettext("fr", "GCM objectives") in _blocks_text(tagged)


def test_a_channel_set_without_a_language_posts_in_the_setters_slack_language(
    slack, slack_api, service, engine
):
    answer = _answer(slack.command("channel escwa", user="UORG", channel="CMOD"))
    assert answer.startswith(
        gettext(
            "es",
            "New inputs for %(review)s will be posted in this channel for moderation.",
            review=review_acronym("es", "escwa"),
        )
    )
    assert language_label("es", "es") in answer  # "español"
    with Session(engine) as session:
        assert session.get_one(RegionalReview, "escwa").slack_locale == "es"

    _post_one(slack, service)
    (posted,) = slack_api.sent("chat.postMessage")
    assert "Recibo" in _blocks_text(posted) and "Receipt" not in _blocks_text(posted)


def test_an_unknown_language_is_refused_with_the_languages_by_name(slack, engine):
    answer = _answer(slack.command("channel escwa klingon", user="UORG", channel="CMOD"))
    assert "klingon" in answer
    for code in ("en", "fr", "es", "ar", "ru", "zh", "pt"):
        assert language_label(code, "es") in answer  # "inglés", "francés", "árabe", ...
        assert f"`{code}`" in answer
    assert answer.endswith("`/gcm channel REVIEW [LANG]`")
    with Session(engine) as session:
        assert session.get_one(RegionalReview, "escwa").slack_channel is None

    answer = _answer(slack.command("safeguarding escwa xx", user="UADMIN", channel="CSAFE"))
    assert "French" in answer and "Arabic" in answer
    assert answer.endswith("`/gcm safeguarding REVIEW [LANG]`")


def test_urgent_inputs_reach_the_safeguarding_channel_in_its_language(slack, slack_api, engine):
    slack.command("channel escwa", user="UADMIN", channel="CMOD")
    answer = _answer(slack.command("safeguarding escwa ar", user="UADMIN", channel="CSAFE"))
    assert language_label("ar", "en") in answer  # "Arabic"
    receipt = service_runtime(slack).service.submit_input(
        input_answers(text=URGENT), channel="web", message_id="u1", locale="en"
    )
    (posted,) = _posted(slack_api)
    assert posted["channel"] == "CSAFE"
    shown = _blocks_text(posted)
    assert gettext("ar", "Receipt") in shown and "Receipt" not in shown
    with Session(engine) as session:
        category = session.exec(select(Submission.urgent_category)).one() or ""
    assert gettext("ar", SAFEGUARDING_LABELS[category]) in shown
    assert posted["text"] == gettext(
        "ar",
        URGENT_NOTIFICATION,
        category=gettext("ar", SAFEGUARDING_LABELS[category]),
        receipt=f"\u2066{receipt.code}\u2069",
        review=review_acronym("ar", "escwa"),
    )


def test_the_moderation_service_refuses_a_language_it_does_not_ship(slack, engine):
    """The rule lives in the service too: no channel can store a language we can't post in."""
    with pytest.raises(ValueError, match="klingon"):
        service_runtime(slack).moderation.set_review_channel(
            review_slug="escwa", channel_id="CMOD", actor=OPERATOR, locale="klingon"
        )
    with Session(engine) as session:
        assert session.get_one(RegionalReview, "escwa").slack_channel is None
