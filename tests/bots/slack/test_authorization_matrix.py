"""Every Slack entry point × every kind of caller, decided by the one authorization policy.

The callers: an administrator, an organiser of the review acted on (ESCWA), an organiser of
another review (UNECE), and a workspace member who is not staff. Each case is judged by its
effect in the store or on the fake Web API (what a person would see happen), and a refusal
must not show anything of the input acted on. A listener or a `/gcm` subcommand with no row
here fails the test, so a new entry point cannot ship without its rule.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from sqlmodel import Session, select

from bots.slack.listeners.commands import SUBCOMMANDS
from intake_api.i18n import gettext
from intake_api.review_names import review_acronym
from intake_api.runtime import runtime_of
from intake_api.staff import add_staff
from intake_api.subscriptions import list_subscriptions
from models import AuditEntry, RegionalReview, Submission
from models.pledge import Pledge
from models.reference import REVIEW_SLUGS
from tests.bots.slack.conftest import Slack, good_capture, good_pledge, good_practice
from tests.conftest import count_rows
from tests.factories import input_answers

CALLERS = ("admin", "organiser", "other_organiser", "outsider")
USER = {"admin": "UADMIN", "organiser": "UORG", "other_organiser": "UOTHER", "outsider": "UOUT"}
LOCALE = {"admin": "en", "organiser": "es", "other_organiser": "pt", "outsider": "fr"}
SECRET_WORDS = "Marker words of the ESCWA input: zanzibar quokka."


@dataclass
class World:
    slack: Slack
    api: Any
    engine: Any
    receipt: str  # an ESCWA input, flagged, posted for moderation
    pledge: str  # an ESCWA pledge whose author agreed to publication

    def status(self) -> str:
        with Session(self.engine) as session:
            return session.exec(
                select(Submission.status).where(Submission.receipt == self.receipt)
            ).one()

    def objectives(self) -> list[int]:
        with Session(self.engine) as session:
            return (
                session.exec(select(Submission).where(Submission.receipt == self.receipt))
                .one()
                .objectives
            )

    def replies(self, response: Any) -> str:
        ephemeral = " ".join(m["text"] for m in self.api.sent("chat.postEphemeral"))
        return response.get_data(as_text=True) + " " + ephemeral


Case = Callable[[World, str], bool]  # runs the entry point as a caller: True if it took effect


def _gcm(text: str) -> Callable[[World, str], Any]:
    return lambda world, user: world.slack.command(text, user=user)


def opens(text: str, callback: str) -> Case:
    def case(world: World, user: str) -> bool:
        world.slack.command(text, user=user)
        opened = world.api.sent("views.open")
        return bool(opened) and opened[0]["view"]["callback_id"] == callback

    return case


open_capture = opens("new", "gcm_capture")


def digest(world: World, user: str) -> bool:
    world.slack.command("digest escwa", user=user)
    return bool(world.api.sent("chat.postMessage"))


def set_channel(kind: str) -> Case:
    def case(world: World, user: str) -> bool:
        world.slack.command(f"{kind} escwa", user=user, channel="CNEW")
        with Session(world.engine) as session:
            review = session.get_one(RegionalReview, "escwa")
        return (
            review.safeguarding_channel if kind == "safeguarding" else review.slack_channel
        ) == "CNEW"

    return case


def subscribe(world: World, user: str) -> bool:
    world.slack.command("subscribe escwa daily 07:30", user=user, channel="CDIGEST")
    return len(list_subscriptions(world.engine)) == 1


def erase(world: World, user: str) -> bool:
    world.slack.command(f"erase {world.receipt}", user=user)
    return count_rows(world.engine, "submission") == 0


def withdraw(world: World, user: str) -> bool:
    world.slack.command(f"withdraw {world.receipt} quote", user=user)
    with Session(world.engine) as session:
        return not session.exec(
            select(Submission.consent_quote).where(Submission.receipt == world.receipt)
        ).one()


def gcm_help(world: World, user: str) -> bool:
    return "/gcm new" in world.slack.command("help", user=user).get_data(as_text=True)


def moderate(world: World, user: str) -> bool:
    world.slack.block_action("mod_include", world.receipt, user=user)
    return world.status() == "included"


def set_theme(world: World, user: str) -> bool:
    world.slack.block_action("mod_theme_confirm", world.receipt, user=user)
    with Session(world.engine) as session:
        return bool(
            session.exec(select(AuditEntry).where(AuditEntry.action == "input.theme_set")).all()
        )


def open_tagging(world: World, user: str) -> bool:
    world.slack.block_action("mod_tag", world.receipt, user=user)
    return bool(world.api.sent("views.open"))


def publish(world: World, user: str) -> bool:
    world.slack.block_action("item_publish", world.pledge, user=user)
    with Session(world.engine) as session:
        published = session.exec(
            select(Pledge.published_at).where(Pledge.receipt == world.pledge)
        ).one()
    return published is not None


def capture(world: World, user: str) -> bool:
    world.slack.view_submission(f"V-{user}", good_capture(review="escwa"), user=user)
    return count_rows(world.engine, "submission") == 2


def capture_item(table: str, callback: str, values: dict[str, Any]) -> Case:
    def case(world: World, user: str) -> bool:
        before = count_rows(world.engine, table)
        world.slack.view_submission(f"V-{table}-{user}", values, user=user, callback=callback)
        return count_rows(world.engine, table) == before + 1

    return case


def tag(world: World, user: str) -> bool:
    metadata = {"receipt": world.receipt, "channel": "CMOD", "ts": "1.1"}
    world.slack.interactive(
        {
            "type": "view_submission",
            "team": {"id": "T1"},
            "user": {"id": user},
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
                                "selected_options": [{"value": "19"}],
                            }
                        }
                    }
                },
            },
        }
    )
    return 19 in world.objectives()


def shortcut(world: World, user: str) -> bool:
    world.slack.interactive(
        {
            "type": "message_action",
            "callback_id": "add_to_gcm_inputs",
            "trigger_id": "t1",
            "user": {"id": user},
            "channel": {"id": "CX"},
            "team": {"id": "T1"},
            "message": {"ts": "1.2", "text": "Notes from a session."},
        }
    )
    return bool(world.api.sent("views.open"))


def country_options(world: World, user: str) -> bool:
    response = world.slack.interactive(
        {
            "type": "block_suggestion",
            "action_id": "country",
            "block_id": "country",
            "value": "Jord",
            "user": {"id": user},
            "team": {"id": "T1"},
            "view": {"id": "V1", "private_metadata": "{}"},
        }
    )
    return any(o["value"] == "JO" for o in response.get_json()["options"])


def app_home(world: World, user: str) -> bool:
    world.slack.event(
        {"type": "app_home_opened", "user": user, "channel": "D1", "tab": "home"},
        event_id=f"Ev-{user}",
    )
    (published,) = world.api.sent("views.publish")
    return world.receipt in json.dumps(published["view"])


BOTH = {"admin": True, "organiser": True, "other_organiser": False, "outsider": False}
STAFF = {"admin": True, "organiser": True, "other_organiser": True, "outsider": False}
ADMIN = {"admin": True, "organiser": False, "other_organiser": False, "outsider": False}
EVERYONE = dict.fromkeys(CALLERS, True)

# (listener, /gcm subcommand or None): (the case, who it takes effect for)
MATRIX: dict[tuple[str, str | None], tuple[Case, dict[str, bool]]] = {
    ("gcm", ""): (
        lambda w, u: (w.slack.command("", user=u), bool(w.api.sent("views.open")))[1],
        STAFF,
    ),
    ("gcm", "new"): (open_capture, STAFF),
    ("gcm", "pledge"): (opens("pledge", "gcm_capture_pledge"), STAFF),
    ("gcm", "practice"): (opens("practice", "gcm_capture_practice"), STAFF),
    ("gcm", "digest"): (digest, BOTH),
    ("gcm", "channel"): (set_channel("channel"), BOTH),
    ("gcm", "safeguarding"): (set_channel("safeguarding"), BOTH),
    ("gcm", "subscribe"): (subscribe, BOTH),
    ("gcm", "erase"): (erase, ADMIN),
    ("gcm", "withdraw"): (withdraw, BOTH),
    ("gcm", "help"): (gcm_help, EVERYONE),
    ("change_status", None): (moderate, BOTH),
    ("open_tagging", None): (open_tagging, BOTH),
    ("set_theme", None): (set_theme, BOTH),
    ("change_publication", None): (publish, BOTH),
    ("capture", None): (capture, BOTH),
    ("capture_pledge", None): (capture_item("pledge", "gcm_capture_pledge", good_pledge()), BOTH),
    ("capture_practice", None): (
        capture_item("practice", "gcm_capture_practice", good_practice()),
        BOTH,
    ),
    ("tag", None): (tag, BOTH),
    ("add_to_inputs", None): (shortcut, STAFF),
    ("countries", None): (country_options, EVERYONE),  # public reference data: country names
    ("publish_home", None): (app_home, BOTH),
}


@pytest.fixture
def world(slack_runtime, slack_api) -> World:  # type: ignore[no-untyped-def]
    slack_api.add_user("UOTHER", email="other@un.example", locale="pt-BR")
    add_staff(slack_runtime.engine, email="other@un.example", role="organiser", reviews=["unece"])
    from intake_api.app import create_app
    from intake_api.policies.authorization import OPERATOR

    app = create_app(runtime=slack_runtime)
    service = runtime_of(app).service
    receipt = service.submit_input(
        input_answers(review="escwa", text=SECRET_WORDS, consent_quote=True),
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
            "text": f"We pledge to end recruitment fees by 2027. {SECRET_WORDS}",
            "objectives": ["6"],
            "consent_store": "on",
            "consent_publish": "on",
        },
        channel="web",
        message_id="escwa-pledge",
        locale="en",
    ).code
    return World(Slack(app.test_client()), slack_api, slack_runtime.engine, receipt, pledge)


def test_every_entry_point_has_a_rule(slack_runtime):
    from bots.slack.app import build_slack_app

    listeners = {
        listener.ack_function.__name__ for listener in build_slack_app(slack_runtime)._listeners
    }
    assert listeners == {name for name, _sub in MATRIX}
    assert {sub for name, sub in MATRIX if name == "gcm"} == {*SUBCOMMANDS, "help"}


@pytest.mark.parametrize("caller", CALLERS)
@pytest.mark.parametrize(
    "entry", list(MATRIX), ids=lambda e: f"{e[0]}:{e[1]}" if e[1] is not None else e[0]
)
def test_entry_point_for_caller(world: World, entry, caller):
    case, allowed = MATRIX[entry]
    user = USER[caller]
    took_effect = case(world, user)
    assert took_effect == allowed[caller], f"{entry} by {caller}"
    seen = json.dumps(
        [
            world.api.sent(m)
            for m in (
                "chat.postEphemeral",
                "chat.postMessage",
                "views.publish",
                "views.open",
                "chat.update",
            )
        ],
        ensure_ascii=False,
    )
    if not allowed[caller]:
        assert (
            "zanzibar" not in seen and world.receipt not in seen and world.pledge not in seen
        )  # a refusal shows nothing of the input or the pledge


@pytest.mark.parametrize("command", ["new", "pledge", "practice"])
@pytest.mark.parametrize("caller", ["organiser", "other_organiser", "admin"])
def test_capture_modal_offers_only_the_reviews_the_caller_may_record_for(
    world: World, caller, command
):
    world.slack.command(command, user=USER[caller])
    (opened,) = world.api.sent("views.open")
    review = next(b for b in opened["view"]["blocks"] if b["block_id"] == "review")
    offered = [o["value"] for o in review["element"]["options"]]
    assert (
        offered
        == {"organiser": ["escwa"], "other_organiser": ["unece"], "admin": list(REVIEW_SLUGS)}[
            caller
        ]
    )
    # No review at all: only an administrator, and only for a pledge or a practice.
    assert review["optional"] == (caller == "admin" and command != "new")


def test_app_home_of_an_organiser_shows_only_their_review(world: World):
    world.slack.event(
        {"type": "app_home_opened", "user": "UOTHER", "channel": "D1", "tab": "home"},
        event_id="Ev-o",
    )
    (published,) = world.api.sent("views.publish")
    text = json.dumps(published["view"], ensure_ascii=False)
    unece, escwa = review_acronym("pt", "unece"), review_acronym("pt", "escwa")
    assert unece in text and escwa not in text and world.receipt not in text


def test_refusals_say_why_in_the_callers_language(world: World):
    reply = world.slack.command("digest escwa", user="UOTHER").get_data(as_text=True)
    assert gettext("pt", "Sorry, your role does not cover this regional review.") in reply
    reply = world.slack.command("erase " + world.receipt, user="UORG").get_data(as_text=True)
    assert (
        gettext(
            "es",
            "Sorry, only administrators can erase inputs, and staff only act on their own reviews.",
        )
        in reply
    )
    reply = world.slack.command("digest escwa", user="UOUT").get_data(as_text=True)
    assert (
        gettext(
            "fr",
            "Sorry, only Network staff registered with gcm-intake can do this. Please ask an administrator.",
        )
        in reply
    )
