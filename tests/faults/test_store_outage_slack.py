"""The store unavailable while Slack calls: every listener answers in the way Slack shows it for
its kind of request, never a 500, and nothing is half done.

A modal submitted keeps its values (``response_action: errors`` on one of its blocks, the
message in the person's language); a command gets an ephemeral "try again"; a button or a
shortcut an ephemeral message; an event a 503, so Slack sends it again and its retry is run
once the store is back. Every registered listener is sent a signed request under each
outage (a listener with no case here fails the test), against the fake Slack Web API.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from sqlmodel import Session, select

from bots.slack.app import build_slack_app
from bots.slack.listeners.commands import SUBCOMMANDS
from intake_api.i18n import gettext
from intake_api.policies.authorization import OPERATOR
from intake_api.policies.availability import NOT_STORED_CHAT, RETRY_AFTER_SECONDS
from intake_api.subscriptions import list_subscriptions
from models import RegionalReview, Submission
from models.pledge import Pledge
from tests.bots.slack import conftest as slack_fixtures
from tests.bots.slack.conftest import Slack, good_capture, good_pledge, good_practice
from tests.conftest import count_rows
from tests.factories import input_answers
from tests.faults import chat_stores

# The fixtures of the Slack tests, on a store this module may take away.
slack_api, slack_runtime, slack_app, slack = (
    slack_fixtures.slack_api,
    slack_fixtures.slack_runtime,
    slack_fixtures.slack_app,
    slack_fixtures.slack,
)
database_url, outage_kind, outage = (
    chat_stores.database_url,
    chat_stores.outage_kind,
    chat_stores.outage,
)

OUTAGE_LOG = "store unavailable at slack"
HOME = {"type": "app_home_opened", "user": "UORG", "channel": "D1", "tab": "home"}
# What Slack would show from each Web API call: none of it may happen when the store is away.
SHOWN = ("views.open", "views.publish", "chat.postMessage", "chat.update")


@dataclass
class World:
    slack: Slack
    api: Any
    receipt: str  # an ESCWA input, flagged and posted for moderation
    pledge: str  # an ESCWA pledge whose author agreed to publication


Send = Callable[[World], Any]


def _tag(world: World) -> Any:
    metadata = {"receipt": world.receipt, "channel": "CMOD", "ts": "1.1"}
    return world.slack.interactive(
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
                "blocks": [
                    {
                        "type": "input",
                        "block_id": "objectives",
                        "element": {"type": "multi_static_select"},
                    }
                ],
                "state": {
                    "values": {
                        "objectives": {
                            "objectives": {
                                "type": "multi_static_select",
                                "selected_options": [{"value": "19"}],
                            }
                        }
                    }
                },
            },
        }
    )


def _shortcut(world: World) -> Any:
    return world.slack.interactive(
        {
            "type": "message_action",
            "callback_id": "add_to_gcm_inputs",
            "trigger_id": "t1",
            "user": {"id": "UORG"},
            "channel": {"id": "CX"},
            "team": {"id": "T1"},
            "message": {"ts": "1.2", "text": "Notes from a session."},
        }
    )


def _countries(world: World) -> Any:
    return world.slack.interactive(
        {
            "type": "block_suggestion",
            "action_id": "country",
            "block_id": "country",
            "value": "Jord",
            "user": {"id": "UORG"},
            "team": {"id": "T1"},
            "view": {"id": "V1", "private_metadata": "{}"},
        }
    )


def _gcm(text: str, user: str = "UORG") -> Send:
    return lambda world: world.slack.command(
        text.format(receipt=world.receipt), user=user, channel="CNEW"
    )


# (listener, /gcm subcommand or None): (the kind of answer Slack shows, the signed request)
CASES: dict[tuple[str, str | None], tuple[str, Send]] = {
    ("gcm", ""): ("command", _gcm("")),
    ("gcm", "new"): ("command", _gcm("new")),
    ("gcm", "pledge"): ("command", _gcm("pledge")),
    ("gcm", "practice"): ("command", _gcm("practice")),
    ("gcm", "digest"): ("command", _gcm("digest escwa")),
    ("gcm", "channel"): ("command", _gcm("channel escwa")),
    ("gcm", "safeguarding"): ("command", _gcm("safeguarding escwa")),
    ("gcm", "subscribe"): ("command", _gcm("subscribe escwa daily 07:30")),
    ("gcm", "erase"): ("command", _gcm("erase {receipt}", user="UADMIN")),
    ("gcm", "withdraw"): ("command", _gcm("withdraw {receipt} quote")),
    ("gcm", "help"): ("command", _gcm("help")),
    ("change_status", None): (
        "ephemeral",
        lambda w: w.slack.block_action("mod_include", w.receipt),
    ),
    ("open_tagging", None): ("ephemeral", lambda w: w.slack.block_action("mod_tag", w.receipt)),
    ("set_theme", None): (
        "ephemeral",
        lambda w: w.slack.block_action("mod_theme_confirm", w.receipt),
    ),
    ("change_publication", None): (
        "ephemeral",
        lambda w: w.slack.block_action("item_publish", w.pledge),
    ),
    ("capture", None): ("modal", lambda w: w.slack.view_submission("VCAP", good_capture())),
    ("capture_pledge", None): (
        "modal",
        lambda w: w.slack.view_submission("VPLEDGE", good_pledge(), callback="gcm_capture_pledge"),
    ),
    ("capture_practice", None): (
        "modal",
        lambda w: w.slack.view_submission(
            "VPRACTICE", good_practice(), callback="gcm_capture_practice"
        ),
    ),
    ("tag", None): ("modal", _tag),
    ("add_to_inputs", None): ("ephemeral", _shortcut),
    ("countries", None): ("options", _countries),
    ("publish_home", None): ("event", lambda w: w.slack.event(HOME, event_id="EvHome")),
}
STORE_FREE = {("gcm", "help"), ("countries", None)}  # Slack's own data and reference data only
WRITES = {
    ("gcm", "channel"),
    ("gcm", "safeguarding"),
    ("gcm", "subscribe"),
    ("gcm", "erase"),
    ("gcm", "withdraw"),
    ("change_status", None),
    ("set_theme", None),
    ("change_publication", None),
    ("capture", None),
    ("capture_pledge", None),
    ("capture_practice", None),
    ("tag", None),
    ("publish_home", None),
}
LOCALE = {"UORG": "es", "UADMIN": "en"}  # es-LA and en-GB in Slack


@pytest.fixture
def world(slack_runtime, slack_api, slack) -> World:  # type: ignore[no-untyped-def]
    service = slack_runtime.service
    receipt = service.submit_input(
        input_answers(review="escwa", consent_quote=True),
        channel="web",
        message_id="escwa-1",
        locale="en",
    ).code
    slack_runtime.moderation.moderate(receipt=receipt, action="flag", actor=OPERATOR)
    pledge = service.submit_pledge(
        {
            "organisation": "Ministry of Labour",
            "stakeholder_group": "government",
            "review": "escwa",
            "title": "Fair recruitment",
            "text": "We pledge to end recruitment fees for migrant workers by 2027.",
            "objectives": ["6"],
            "consent_store": "on",
            "consent_publish": "on",
        },
        channel="web",
        message_id="escwa-pledge",
        locale="en",
    ).code
    return World(slack, slack_api, receipt, pledge)


def _shown(api: Any) -> dict[str, int]:
    return {method: len(api.sent(method)) for method in SHOWN}


def _outage_lines(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.getMessage().startswith(OUTAGE_LOG)]


def test_every_listener_answers_an_outage_as_slack_shows_its_kind(
    world, slack_runtime, outage, outage_kind, caplog
):  # type: ignore[no-untyped-def]
    registered = {
        listener.ack_function.__name__ for listener in build_slack_app(slack_runtime)._listeners
    }
    assert registered == {name for name, _sub in CASES}
    assert {sub for name, sub in CASES if name == "gcm"} == {*SUBCOMMANDS, "help"}
    engine = slack_runtime.engine
    met: set[tuple[str, str | None]] = set()
    with outage():
        for case, (kind, send) in CASES.items():
            logged, shown, ephemeral = (
                len(_outage_lines(caplog)),
                _shown(world.api),
                len(world.api.sent("chat.postEphemeral")),
            )
            response = send(world)
            assert response.status_code != 500, case
            if len(_outage_lines(caplog)) == logged:
                assert response.status_code < 500, case  # it needed nothing the outage took away
                continue
            met.add(case)
            assert len(_outage_lines(caplog)) == logged + 1, case  # one line per request
            assert _shown(world.api) == shown, case  # nothing half done
            user = "UADMIN" if case == ("gcm", "erase") else "UORG"
            message = gettext(LOCALE[user], NOT_STORED_CHAT)
            told = world.api.sent("chat.postEphemeral")[ephemeral:]
            if kind == "event":
                assert (response.status_code, response.headers["Retry-After"]) == (
                    503,
                    str(RETRY_AFTER_SECONDS),
                )
                continue
            assert response.status_code == 200, case
            if kind == "command":
                assert response.get_json() == {"response_type": "ephemeral", "text": message}, case
            elif kind == "modal":
                answer = response.get_json()
                assert answer["response_action"] == "errors" and list(
                    answer["errors"].values()
                ) == [message], case
            elif kind == "ephemeral":
                assert [(m["user"], m["text"]) for m in told] == [(user, message)], case
            else:
                raise AssertionError(f"{case} needs no store, yet met the outage")
    assert not met & STORE_FREE
    assert WRITES <= met
    if outage_kind == "postgresql-stopped":
        assert met == set(CASES) - STORE_FREE
    # Nothing was stored, changed or erased meanwhile.
    assert count_rows(engine, "submission") == 1 and list_subscriptions(engine) == []
    assert (count_rows(engine, "pledge"), count_rows(engine, "practice")) == (1, 0)
    with Session(engine) as session:
        stored = session.exec(select(Submission)).one()
        review = session.get_one(RegionalReview, "escwa")
        pledge = session.exec(select(Pledge).where(Pledge.receipt == world.pledge)).one()
    assert (stored.status, stored.consent_quote, 19 in stored.objectives) == (
        "flagged",
        True,
        False,
    )
    assert "CNEW" not in (review.slack_channel, review.safeguarding_channel)
    assert pledge.published_at is None


def test_a_modal_refused_for_the_outage_is_stored_once_when_sent_again(
    world, slack_runtime, outage
):  # type: ignore[no-untyped-def]
    values = good_capture(
        text="Los sindicatos piden contratos en el idioma de cada trabajador migrante."
    )
    with outage():
        refused = world.slack.view_submission("VCAP2", values)
    assert refused.get_json()["response_action"] == "errors"
    assert count_rows(slack_runtime.engine, "submission") == 1  # only the world's input
    # Slack kept what was typed: the same modal is submitted again.
    assert world.slack.view_submission("VCAP2", values).status_code == 200
    assert count_rows(slack_runtime.engine, "submission") == 2
    with Session(slack_runtime.engine) as session:
        (receipt,) = session.exec(
            select(Submission.receipt).where(Submission.receipt != world.receipt)
        ).all()
    assert (
        sum(receipt in m["text"] for m in world.api.sent("chat.postEphemeral")) == 1
    )  # confirmed once


def test_an_event_answered_503_for_the_outage_is_run_once_by_slacks_retry(world, outage):  # type: ignore[no-untyped-def]
    with outage():
        first = world.slack.event(HOME, event_id="EvOut")
    assert first.status_code == 503
    assert world.api.sent("views.publish") == []
    assert (
        world.slack.event(HOME, event_id="EvOut", retry=1).status_code == 200
    )  # Slack's retry: run now
    assert world.slack.event(HOME, event_id="EvOut", retry=2).status_code == 200  # and not again
    assert len(world.api.sent("views.publish")) == 1


def test_an_event_whose_first_attempt_was_recorded_is_run_once_by_the_retry_after_the_outage(
    world, slack_runtime, outage
):  # type: ignore[no-untyped-def]
    """Recorded, then its first attempt ended without settling it (the store went away): Slack's
    retries meet the outage (503), then one after it runs the event, once."""
    from intake_api.inbox import Inbox

    inbox = Inbox(slack_runtime.engine, slack_runtime.keys, "slack")
    inbox.receive("EvMid", {"event_id": "EvMid"})  # the middleware's record of the first attempt
    with outage():
        assert world.slack.event(HOME, event_id="EvMid", retry=1).status_code == 503
    assert world.slack.event(HOME, event_id="EvMid", retry=2).status_code == 200
    assert world.slack.event(HOME, event_id="EvMid", retry=3).status_code == 200
    assert len(world.api.sent("views.publish")) == 1
    assert inbox.status("EvMid") == "done"
