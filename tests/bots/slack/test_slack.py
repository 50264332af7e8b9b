"""The Slack app through signed requests and the fake Web API."""

from __future__ import annotations

import json
import time
from datetime import timedelta

import pytest
from sqlmodel import Session, select

from intake_api.i18n import gettext
from intake_api.review_names import review_acronym
from models import AuditEntry, Submission
from tests.bots.slack.conftest import good_capture
from tests.conftest import count_rows
from tests.factories import input_answers


def test_url_verification(slack):
    response = slack.post(
        json.dumps({"type": "url_verification", "challenge": "abc123", "token": "t"}),
        "application/json",
    )
    assert response.status_code == 200 and response.get_json() == {"challenge": "abc123"}


@pytest.mark.parametrize(("user", "locale"), [("UORG", "es"), ("UADMIN", "en")])
def test_gcm_new_opens_the_capture_modal_in_the_users_language(slack, slack_api, user, locale):
    assert slack.command("new", user=user).status_code == 200
    (opened,) = slack_api.sent("views.open")
    view = opened["view"]
    assert view["callback_id"] == "gcm_capture"
    title = gettext(locale, "GCM input")  # Slack takes 24 characters: a longer one ends in "…"
    assert view["title"]["text"] == (title if len(title) <= 24 else title[:23] + "…")
    blocks = {b["block_id"]: b for b in view["blocks"]}
    assert list(blocks)[0] == "source"
    assert {
        "review",
        "stakeholder_group",
        "country",
        "theme",
        "objectives",
        "text",
        "consent_store",
    } <= set(blocks)
    assert blocks["objectives"]["element"]["type"] == "multi_static_select"
    assert len(blocks["objectives"]["element"]["options"]) == 23
    assert blocks["country"]["element"]["type"] == "external_select"
    assert blocks["review"]["label"]["text"] == gettext(locale, "Regional review")


def test_empty_gcm_also_opens_the_modal(slack, slack_api):
    slack.command("")
    assert len(slack_api.sent("views.open")) == 1


def test_view_submission_stores_one_input_and_confirms(slack, slack_api, engine):
    response = slack.view_submission("V100", good_capture())
    assert response.status_code == 200 and not response.data
    with Session(engine) as session:
        stored = session.exec(select(Submission)).one()
    assert (stored.channel, stored.source, stored.review_slug, stored.objectives) == (
        "slack",
        "consultation",
        "escwa",
        [6, 22],
    )
    (confirmation,) = slack_api.sent("chat.postEphemeral")
    assert stored.receipt in confirmation["text"] and confirmation["user"] == "UORG"


def test_validation_errors_are_shown_in_the_modal(slack, engine):
    response = slack.view_submission("V101", good_capture(text="corto", consent_store=False))
    body = response.get_json()
    assert body["response_action"] == "errors"
    assert set(body["errors"]) == {"text", "consent_store"}
    assert "10" in body["errors"]["text"]
    assert count_rows(engine, "submission") == 0


def test_duplicate_submissions_of_a_view_store_once(slack, engine):
    assert slack.view_submission("V102", good_capture()).status_code == 200
    assert slack.view_submission("V102", good_capture()).status_code == 200
    assert count_rows(engine, "submission") == 1


def test_a_modal_saved_before_with_other_answers_is_refused_in_the_modal(slack, engine):
    assert slack.view_submission("V103", good_capture()).status_code == 200
    response = slack.view_submission("V103", good_capture(theme="cooperation"))
    assert response.get_json()["response_action"] == "errors"
    assert (
        gettext(
            "es",
            "This form was saved already. Please close it and open a new one to record another input.",
        )
        in response.get_json()["errors"]["text"]
    )
    assert count_rows(engine, "submission") == 1


@pytest.mark.parametrize("kwargs", [{"signature": "v0=deadbeef"}, {"age": 6 * 60}])
def test_bad_signature_or_stale_timestamp_is_401(slack, engine, kwargs):
    response = slack.post(
        "payload=" + json.dumps({"type": "view_submission"}),
        "application/x-www-form-urlencoded",
        **kwargs,
    )
    assert response.status_code == 401
    assert count_rows(engine, "submission") == 0


def test_message_shortcut_prefills_the_modal(slack, slack_api):
    slack.interactive(
        {
            "type": "message_action",
            "callback_id": "add_to_gcm_inputs",
            "trigger_id": "t1",
            "user": {"id": "UADMIN"},
            "channel": {"id": "CX"},
            "team": {"id": "T1"},
            "message": {"ts": "1.2", "text": "Notes from the Amman session on kafala reform."},
        }
    )
    (opened,) = slack_api.sent("views.open")
    text_block = next(b for b in opened["view"]["blocks"] if b["block_id"] == "text")
    assert (
        text_block["element"]["initial_value"] == "Notes from the Amman session on kafala reform."
    )


def test_country_options_match_any_language(slack):
    response = slack.interactive(
        {
            "type": "block_suggestion",
            "action_id": "country",
            "block_id": "country",
            "value": "Jordanie",
            "user": {"id": "UORG"},
            "team": {"id": "T1"},
            "view": {"id": "V1", "private_metadata": json.dumps({"locale": "ar"})},
        }
    )
    options = response.get_json()["options"]
    assert options[0] == {
        "text": {"type": "plain_text", "text": "الأردن", "emoji": True},
        "value": "JO",
    }


def test_outsiders_cannot_capture(slack, slack_api):
    response = slack.command("new", user="UOUT")
    assert gettext(
        "fr",
        "Sorry, only Network staff registered with gcm-intake can do this. Please ask an administrator.",
    ) in response.get_data(as_text=True)
    assert slack_api.sent("views.open") == []


def _posted_input(slack, slack_api, service, review="escwa"):  # type: ignore[no-untyped-def]
    assert slack.command(f"channel {review}", user="UADMIN", channel="CMOD").status_code == 200
    receipt = service.submit_input(
        input_answers(review=review), channel="web", message_id=f"w-{review}", locale="en"
    )
    from bots.slack.client import web_client
    from bots.slack.moderation_feed import post_new_inputs

    assert post_new_inputs(service_runtime(slack), web_client(service_runtime(slack))) == 1
    return receipt.code


def service_runtime(slack):  # type: ignore[no-untyped-def]
    from intake_api.runtime import runtime_of

    return runtime_of(slack.client.application)


def test_new_inputs_are_posted_once_with_moderation_buttons(slack, slack_api, service):
    receipt = _posted_input(slack, slack_api, service)
    (posted,) = slack_api.sent("chat.postMessage")
    assert posted["channel"] == "CMOD"
    buttons = [e["action_id"] for e in posted["blocks"][-1]["elements"]]
    # The input has a theme: no suggestion to confirm, the menu shows the theme chosen.
    assert buttons == ["mod_reviewed", "mod_flag", "mod_include", "mod_tag", "mod_theme"]
    assert posted["blocks"][-1]["elements"][-1]["initial_option"]["value"] == "priorities_gaps"
    assert receipt in json.dumps(posted["blocks"])
    from bots.slack.client import web_client
    from bots.slack.moderation_feed import post_new_inputs

    assert post_new_inputs(service_runtime(slack), web_client(service_runtime(slack))) == 0


def test_moderation_changes_status_audits_and_rerenders(slack, slack_api, service, engine):
    receipt = _posted_input(slack, slack_api, service)
    assert slack.block_action("mod_flag", receipt, user="UORG").status_code == 200
    with Session(engine) as session:
        assert session.exec(select(Submission.status)).one() == "flagged"
        audit = session.exec(select(AuditEntry).where(AuditEntry.action == "input.flagged")).one()
    assert audit.actor.startswith("staff:")
    (update,) = slack_api.sent("chat.update")
    assert "Flagged" in json.dumps(update["blocks"]) and "<@UORG>" in json.dumps(update["blocks"])

    slack.block_action("mod_include", receipt, user="UADMIN")
    with Session(engine) as session:
        assert session.exec(select(Submission.status)).one() == "included"


def test_moderation_respects_roles(slack, slack_api, service, engine):
    receipt = _posted_input(slack, slack_api, service, review="unece")
    slack.block_action("mod_flag", receipt, user="UORG")  # an ESCWA organiser
    slack.block_action("mod_flag", receipt, user="UOUT")  # not staff
    refusals = slack_api.sent("chat.postEphemeral")
    assert len(refusals) == 2
    assert refusals[0]["text"] == gettext(
        "es", "Sorry, your role does not cover this regional review."
    )
    with Session(engine) as session:
        assert session.exec(select(Submission.status)).one() == "new"


def test_tag_objectives(slack, slack_api, service, engine):
    receipt = _posted_input(slack, slack_api, service)
    slack.block_action("mod_tag", receipt, user="UORG")
    (opened,) = slack_api.sent("views.open")
    metadata = json.loads(opened["view"]["private_metadata"])
    slack.interactive(
        {
            "type": "view_submission",
            "team": {"id": "T1"},
            "user": {"id": "UORG"},
            "api_app_id": "A1",
            "view": {
                "id": "VT",
                "type": "modal",
                "callback_id": "gcm_tag_objectives",
                "team_id": "T1",
                "private_metadata": json.dumps(metadata),
                "state": {
                    "values": {
                        "objectives": {
                            "objectives": {
                                "type": "multi_static_select",
                                "selected_options": [{"value": "7"}, {"value": "16"}],
                            }
                        }
                    }
                },
            },
        }
    )
    with Session(engine) as session:
        assert session.exec(select(Submission)).one().objectives == [3, 5, 7, 16]


def test_tags_that_are_not_objectives_are_refused_in_the_modal(slack, slack_api, service, engine):
    receipt = _posted_input(slack, slack_api, service)
    metadata = {"receipt": receipt, "channel": "CMOD", "ts": "1.1"}
    response = slack.interactive(
        {
            "type": "view_submission",
            "team": {"id": "T1"},
            "user": {"id": "UORG"},
            "api_app_id": "A1",
            "view": {
                "id": "VT",
                "type": "modal",
                "callback_id": "gcm_tag_objectives",
                "team_id": "T1",
                "private_metadata": json.dumps(metadata),
                "state": {
                    "values": {
                        "objectives": {
                            "objectives": {
                                "type": "multi_static_select",
                                "selected_options": [{"value": "7"}, {"value": "24"}],
                            }
                        }
                    }
                },
            },
        }
    )
    assert response.get_json()["errors"]["objectives"] == gettext(
        "es", "Please choose one of the options offered."
    )
    with Session(engine) as session:
        assert session.exec(select(Submission)).one().objectives == [3, 5]


def test_app_home_publishes_counts(slack, slack_api, service):
    for n in range(3):
        service.submit_input(input_answers(), channel="web", message_id=f"h{n}", locale="en")
    slack.event(
        {"type": "app_home_opened", "user": "UADMIN", "channel": "D1", "tab": "home"},
        event_id="Ev1",
    )
    (published,) = slack_api.sent("views.publish")
    text = json.dumps(published["view"], ensure_ascii=False)
    # Three inputs: small counts, shown as "<5" (escaped for mrkdwn), and no group named.
    assert "*Total*\\n&lt;5" in text and "*This week*\\n&lt;5" in text and "*Today*\\n&lt;5" in text
    assert "Arab region" in text and "Each stakeholder group: x" in text and "Youth" not in text
    assert "Counts below 5 are shown as" in text
    for n in range(3, 7):
        service.submit_input(input_answers(), channel="web", message_id=f"h{n}", locale="en")
    slack.event(
        {"type": "app_home_opened", "user": "UADMIN", "channel": "D1", "tab": "home"},
        event_id="Ev1b",
    )
    text = json.dumps(slack_api.sent("views.publish")[1]["view"], ensure_ascii=False)
    assert (
        "*Total*\\n7" in text
        and "*This week*\\n7" in text
        and "*Today*\\n7" in text
        and "Youth: 7" in text
        and "18 to 24: 7" in text
    )
    for n in range(5):  # the profile skipped: counted as "Not given", by group and by age
        service.submit_input(
            input_answers(stakeholder_group="", age_group=""),
            channel="web",
            message_id=f"skip{n}",
            locale="en",
        )
    slack.event(
        {"type": "app_home_opened", "user": "UADMIN", "channel": "D1", "tab": "home"},
        event_id="Ev1c",
    )
    blocks = slack_api.sent("views.publish")[2]["view"]["blocks"]
    (at,) = [i for i, b in enumerate(blocks) if "Arab region" in b.get("text", {}).get("text", "")]
    fields = {
        f["text"].split("\n")[0]: f["text"].split("\n", 1)[1] for f in blocks[at + 1]["fields"]
    }
    assert "Not given: 5" in fields["*By stakeholder group*"]
    assert "Not given: 5" in fields["*By age group*"]


def test_app_home_tells_administrators_how_many_messages_could_not_be_sent(
    slack, slack_api, engine
):
    from intake_api.delivery_failures import give_up
    from intake_api.policies.delivery import Kind
    from models.db import write_session

    with write_session(engine) as session:
        give_up(
            session,
            Kind.DIGEST,
            "subscription:1 period:2026-12-01T08:00Z",
            "HTTP 503",
            attempts=9,
            first_tried_at=None,
        )
    for user, event_id in (("UADMIN", "EvF1"), ("UORG", "EvF2")):
        slack.event(
            {"type": "app_home_opened", "user": user, "channel": "D1", "tab": "home"},
            event_id=event_id,
        )
    admin, organiser = (
        json.dumps(p["view"], ensure_ascii=False) for p in slack_api.sent("views.publish")
    )
    assert (
        "1 message could not be sent in the last 7 days" in admin and "gcm-intake failures" in admin
    )
    assert "could not be sent" not in organiser  # they cannot act on it


def test_a_staff_members_language_is_asked_of_slack_once_in_a_while(slack, slack_api):
    event = {"type": "app_home_opened", "user": "UADMIN", "channel": "D1", "tab": "home"}
    for n in range(3):
        slack.event(event, event_id=f"EvL{n}")
    assert len(slack_api.sent("views.publish")) == 3
    assert len([c for c in slack_api.sent("users.info") if c.get("include_locale")]) == 1


def test_event_retries_and_duplicates_are_processed_once(slack, slack_api):
    event = {"type": "app_home_opened", "user": "UADMIN", "channel": "D1", "tab": "home"}
    slack.event(event, event_id="Ev2")
    slack.event(event, event_id="Ev2", retry=1)
    slack.event(event, event_id="Ev2", retry=2)
    assert len(slack_api.sent("views.publish")) == 1


def test_a_retry_after_a_failed_first_attempt_is_processed(slack, slack_api):
    event = {"type": "app_home_opened", "user": "UADMIN", "channel": "D1", "tab": "home"}
    slack_api.fail_next("views.publish", 200, error="internal_error")
    first = slack.event(event, event_id="Ev3")
    assert first.status_code >= 500 or slack_api.sent("views.publish") == []
    slack.event(event, event_id="Ev3", retry=1)
    assert len(slack_api.sent("views.publish")) == 1


def test_a_retry_while_the_first_attempt_runs_is_skipped_and_one_after_it_died_is_processed(
    slack, slack_api, slack_runtime, monkeypatch
):
    from bots.slack import app as slack_app_module
    from intake_api.inbox import Inbox

    event = {"type": "app_home_opened", "user": "UADMIN", "channel": "D1", "tab": "home"}
    inbox = Inbox(slack_runtime.engine, slack_runtime.keys, "slack")
    inbox.receive("Ev4", {"event_id": "Ev4"})  # the first attempt is under way in another worker
    # Slack retries after 3 s without an answer (http_timeout): the first attempt may still run.
    assert slack.event(event, event_id="Ev4", retry=1, reason="http_timeout").status_code == 200
    assert slack_api.sent("views.publish") == []
    monkeypatch.setattr(slack_app_module, "STALE", timedelta(seconds=-1))  # ... or it died long ago
    slack.event(event, event_id="Ev4", retry=2, reason="http_timeout")
    assert len(slack_api.sent("views.publish")) == 1


def test_rate_limited_web_api_is_retried(slack, slack_api):
    slack_api.fail_next("views.open", 429, retry_after=1)
    started = time.monotonic()
    slack.command("new")
    assert len(slack_api.sent("views.open")) == 1
    assert time.monotonic() - started >= 1


def test_channel_not_found_does_not_lose_the_input(slack, slack_api, service, engine):
    slack.command("channel escwa", user="UADMIN", channel="CGONE")
    slack_api.fail_next("chat.postMessage", 200, error="channel_not_found")
    response = slack.view_submission("V200", good_capture())
    assert response.status_code == 200
    with Session(engine) as session:
        stored = session.exec(select(Submission)).one()
    assert stored.slack_ts is None  # released, to be posted on the next attempt


def test_digest_help_and_unknown_subcommands(slack, slack_api, service):
    service.submit_input(input_answers(), channel="web", message_id="d1", locale="en")
    slack.command("digest escwa", user="UORG")
    (posted,) = slack_api.sent("chat.postMessage")
    text = json.dumps(posted["blocks"], ensure_ascii=False)
    assert review_acronym("es", "escwa") in text and gettext("es", "New inputs") in text
    assert gettext("es", "Participation gaps") in text
    for words in ("help", "frobnicate"):
        reply = slack.command(words, user="UORG").get_data(as_text=True)
        assert "/gcm new" in reply


def test_organiser_cannot_digest_another_review(slack, slack_api):
    reply = slack.command("digest unece", user="UORG").get_data(as_text=True)
    assert slack_api.sent("chat.postMessage") == []
    assert gettext("es", "Sorry, your role does not cover this regional review.") in reply


def test_slack_user_ids_are_not_stored(slack, engine):
    from tests.intake_api.test_service import _all_text

    slack.view_submission("V300", good_capture())
    slack.command("channel escwa", user="UADMIN")
    dump = _all_text(engine)
    assert "UORG" not in dump and "UADMIN" not in dump


def test_subscribe_from_slack(slack, engine):
    from intake_api.subscriptions import list_subscriptions

    reply = slack.command("subscribe escwa daily 07:30", user="UORG", channel="CDIGEST").get_data(
        as_text=True
    )
    assert review_acronym("es", "escwa") in reply
    (subscription,) = list_subscriptions(engine)
    assert (
        subscription.cron,
        subscription.timezone,
        subscription.locale,
        subscription.slack_channel,
    ) == ("30 7 * * *", "Asia/Beirut", "es", "CDIGEST")
    refusal = slack.command("subscribe unece", user="UORG").get_data(as_text=True)
    assert gettext("es", "Sorry, your role does not cover this regional review.") in refusal
    assert len(list_subscriptions(engine)) == 1


def _theme_menu(slack, receipt: str, theme: str, user: str = "UORG"):  # type: ignore[no-untyped-def]
    return slack.interactive(
        {
            "type": "block_actions",
            "team": {"id": "T1"},
            "user": {"id": user},
            "api_app_id": "A1",
            "trigger_id": "trigger-action",
            "channel": {"id": "CMOD"},
            "container": {"type": "message"},
            "message": {"ts": "1764000000.000001", "text": "input"},
            "actions": [
                {
                    "action_id": "mod_theme",
                    "block_id": f"moderate:{receipt}",
                    "type": "static_select",
                    "selected_option": {"value": theme},
                }
            ],
        }
    )


def test_staff_confirm_the_suggested_theme_or_set_another(slack, slack_api, service, engine):
    """Contributors may skip the theme; the text analysis suggests one, staff confirm it in one
    tap or choose another, audited, and only in the reviews they may moderate."""
    assert slack.command("channel escwa", user="UADMIN", channel="CMOD").status_code == 200
    receipt = service.submit_input(
        input_answers(theme=""), channel="web", message_id="w-theme", locale="en"
    ).code
    with Session(engine) as session:
        row = session.exec(select(Submission)).one()
        assert row.theme is None
        row.suggested_theme = "cooperation"
        session.add(row)
        session.commit()
    from bots.slack.client import web_client
    from bots.slack.moderation_feed import post_new_inputs

    assert post_new_inputs(service_runtime(slack), web_client(service_runtime(slack))) == 1
    (posted,) = slack_api.sent("chat.postMessage")
    elements = posted["blocks"][-1]["elements"]
    assert [e["action_id"] for e in elements][-2:] == ["mod_theme_confirm", "mod_theme"]
    assert "initial_option" not in elements[-1] and len(elements[-1]["options"]) == 4
    assert "*Suggested theme*: Opportunities for regional and cross-regional" in json.dumps(
        posted["blocks"]
    )

    slack.block_action("mod_theme_confirm", receipt, user="UOUT")  # not staff: refused
    _theme_menu(slack, receipt, "governance", user="UOUT")
    assert len(slack_api.sent("chat.postEphemeral")) == 2
    with Session(engine) as session:
        assert session.exec(select(Submission.theme)).one() is None

    assert slack.block_action("mod_theme_confirm", receipt, user="UORG").status_code == 200
    with Session(engine) as session:
        assert session.exec(select(Submission.theme)).one() == "cooperation"
        (audit,) = session.exec(select(AuditEntry).where(AuditEntry.action == "input.theme_set"))
    assert audit.actor.startswith("staff:") and audit.detail["confirmed"] is True
    (update,) = slack_api.sent("chat.update")
    elements = update["blocks"][-1]["elements"]
    assert "mod_theme_confirm" not in [e["action_id"] for e in elements]
    assert elements[-1]["initial_option"]["value"] == "cooperation"
    assert "<@UORG>" in json.dumps(update["blocks"])

    assert _theme_menu(slack, receipt, "governance").status_code == 200
    _theme_menu(slack, receipt, "not-a-theme")  # a forged value: refused, nothing changed
    with Session(engine) as session:
        assert session.exec(select(Submission.theme)).one() == "governance"
        details = [
            a.detail
            for a in session.exec(select(AuditEntry).where(AuditEntry.action == "input.theme_set"))
        ]
    assert [(d["theme"], d["confirmed"]) for d in details] == [
        ("cooperation", True),
        ("governance", False),
    ]
    assert len(slack_api.sent("chat.postEphemeral")) == 3
