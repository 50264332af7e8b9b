"""Each Slack listener called as a plain function, with bolt-style doubles.

As bolt's own tests do: ``ack`` records what Slack would be answered, ``client`` what the
Web API would be asked, ``context`` holds the app's ``SlackContext``. The store is real
(SQLite, and PostgreSQL when it answers); HTTP is not involved (``test_slack.py`` sends
the same requests signed, through bolt, to a fake Web API).
"""

from __future__ import annotations

import json
from typing import Any
from unittest.mock import Mock

import pytest
from slack_bolt import BoltContext

from bots.slack.context import CONTEXT_KEY, Refused, SlackContext, require_staff
from bots.slack.listeners import actions, commands, events, shortcuts, views
from intake_api.i18n import gettext
from intake_api.policies.authorization import (
    ADMINS_ONLY,
    NOT_STAFF,
    OUTSIDE_REVIEW,
    Action,
    NotAllowed,
)
from intake_api.review_names import review_acronym, review_title
from intake_api.staff import add_staff
from intake_api.subscriptions import list_subscriptions
from tests.bots.slack.conftest import good_capture
from tests.factories import input_answers

USERS = {
    "UORG": ("organiser@un.example", "es-LA"),
    "UADMIN": ("admin@un.example", "en-GB"),
    "UOUT": ("someone@example.org", "fr-FR"),
}


class FakeClient:
    """The Web API methods the listeners call: users.info answers, the rest is recorded."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, dict[str, Any]]] = []

    def users_info(self, *, user: str, include_locale: bool = False) -> dict[str, Any]:
        self.calls.append(("users_info", {"user": user, "include_locale": include_locale}))
        email, locale = USERS[user]
        return {
            "user": {"id": user, "locale": locale, "tz": "Asia/Beirut", "profile": {"email": email}}
        }

    def __getattr__(self, method: str) -> Any:
        def call(**kwargs: Any) -> dict[str, Any]:
            self.calls.append((method, kwargs))
            return {"ok": True, "ts": "1764000000.000002"}

        return call

    def sent(self, method: str) -> list[dict[str, Any]]:
        return [kwargs for name, kwargs in self.calls if name == method]


@pytest.fixture
def slack(runtime) -> SlackContext:  # type: ignore[no-untyped-def]
    add_staff(runtime.engine, email="organiser@un.example", role="organiser", reviews=["escwa"])
    add_staff(runtime.engine, email="admin@un.example", role="admin", reviews=[])
    return SlackContext(runtime)


@pytest.fixture
def context(slack: SlackContext) -> BoltContext:
    return BoltContext({CONTEXT_KEY: slack})


@pytest.fixture
def client() -> FakeClient:
    return FakeClient()


@pytest.fixture
def ack() -> Mock:
    return Mock()


@pytest.fixture
def receipt(slack: SlackContext) -> str:
    """An ESCWA input, as if posted for moderation."""
    answers = input_answers(review="escwa")
    return slack.runtime.service.submit_input(
        answers, channel="web", message_id="w-1", locale="en"
    ).code


def gcm(
    text: str, ack: Mock, client: FakeClient, context: BoltContext, *, user: str = "UORG"
) -> str | None:
    """Runs `/gcm text`; the text it was acknowledged with (None: acknowledged empty)."""
    command = {
        "command": "/gcm",
        "text": text,
        "user_id": user,
        "channel_id": "CMOD",
        "trigger_id": "t1",
    }
    commands.gcm(ack=ack, command=command, client=client, context=context)
    ack.assert_called_once()
    return ack.call_args.kwargs.get("text")


def block_action(action_id: str, value: str, user: str) -> tuple[dict[str, Any], dict[str, Any]]:
    action = {"action_id": action_id, "value": value, "type": "button"}
    body = {
        "user": {"id": user},
        "channel": {"id": "CMOD"},
        "message": {"ts": "1.2"},
        "trigger_id": "t2",
    }
    return body, action


# require_staff: the one staff check and its refusal


def test_require_staff_refuses_a_slack_user_who_is_not_staff(slack, client):
    with pytest.raises(Refused) as refused, require_staff(slack, client, "UOUT", Action.MODERATE):
        pytest.fail("the block must not run")
    assert refused.value.text == gettext("fr", NOT_STAFF)


def test_require_staff_turns_a_policy_refusal_in_the_block_into_its_message(slack, client):
    with (
        pytest.raises(Refused) as refused,
        require_staff(slack, client, "UORG", Action.ERASE, locale="pt") as staff,
    ):
        assert staff.email == "organiser@un.example"
        raise NotAllowed("records.erase in any review")
    assert refused.value.text == gettext("pt", ADMINS_ONLY)


def test_require_staff_lets_other_errors_through(slack, client):
    with pytest.raises(KeyError), require_staff(slack, client, "UADMIN", Action.MODERATE):
        raise KeyError("not a refusal")


# commands: /gcm


@pytest.mark.parametrize("text", ["help", "nonsense", "HELP me"])
def test_help_lists_every_subcommand_of_the_table_without_asking_the_store(
    text, ack, client, context
):
    answer = gcm(text, ack, client, context, user="UOUT")
    assert answer is not None
    assert answer.splitlines()[0] == f"*{gettext('fr', commands.HELP_TITLE)}*"
    lines = answer.splitlines()[1:]
    assert [line.split("`")[1] for line in lines] == [
        f"/gcm {s.usage}" for n, s in commands.SUBCOMMANDS.items() if n
    ]
    assert gettext("fr", "show this message") in lines[-1]
    # the language only: no staff member looked up
    assert client.sent("users_info") == [{"user": "UOUT", "include_locale": True}]


def test_every_subcommand_but_help_asks_the_policy():
    assert {name for name, sub in commands.SUBCOMMANDS.items() if sub.action is None} == {"help"}


@pytest.mark.parametrize("text", ["", "new"])
def test_gcm_new_opens_the_capture_modal_with_the_callers_reviews(text, ack, client, context):
    assert gcm(text, ack, client, context) is None
    (opened,) = client.sent("views_open")
    assert opened["trigger_id"] == "t1" and opened["view"]["callback_id"] == "gcm_capture"
    review = next(b for b in opened["view"]["blocks"] if b["block_id"] == "review")
    assert [o["value"] for o in review["element"]["options"]] == ["escwa"]
    assert json.loads(opened["view"]["private_metadata"]) == {"channel_id": "CMOD", "locale": "es"}


def test_gcm_new_refuses_outsiders_in_their_language(ack, client, context):
    assert gcm("new", ack, client, context, user="UOUT") == gettext("fr", NOT_STAFF)
    assert client.sent("views_open") == []


def test_gcm_digest_posts_the_digest_of_a_review_the_organiser_reads(ack, client, context):
    assert gcm("digest escwa", ack, client, context) is None
    (posted,) = client.sent("chat_postMessage")
    assert posted["channel"] == "CMOD" and posted["text"] == gettext(
        "es", "Digest: %(review)s", review=review_acronym("es", "escwa")
    )


def test_gcm_digest_refuses_another_review(ack, client, context):
    assert gcm("digest unece", ack, client, context) == gettext("es", OUTSIDE_REVIEW)
    assert client.sent("chat_postMessage") == []


def test_a_review_subcommand_without_a_review_asks_which(ack, client, context):
    answer = gcm("digest", ack, client, context)
    assert answer is not None and answer.startswith(
        gettext("es", "Which regional review? Type one of these codes:")
    )
    # the code one types, and the review's name in Spanish
    assert f"• `escwa` — {review_title('es', 'escwa')}" in answer.splitlines()


@pytest.mark.parametrize(
    ("sub", "field"), [("channel", "slack_channel"), ("safeguarding", "safeguarding_channel")]
)
def test_gcm_channel_and_safeguarding_set_the_reviews_channel(
    sub, field, ack, client, context, slack
):
    answer = gcm(f"{sub} escwa", ack, client, context, user="UADMIN")
    assert answer is not None and "ESCWA" in answer
    review = next(r for r in slack.runtime.service.reviews() if r.slug == "escwa")
    assert getattr(review, field) == "CMOD"


def test_the_channel_of_a_review_names_it(ack, client, context):
    gcm("channel escwa", ack, client, context, user="UADMIN")
    ack.reset_mock()
    assert gcm("digest", ack, client, context) is None
    assert len(client.sent("chat_postMessage")) == 1


def test_gcm_subscribe_in_the_users_time_zone(ack, client, context, slack):
    answer = gcm("subscribe escwa daily 07:30", ack, client, context)
    assert answer is not None and "Asia/Beirut" in answer and "07:30" in answer
    (subscription,) = list_subscriptions(slack.runtime.engine)
    assert subscription.slack_channel == "CMOD" and subscription.locale == "es"
    assert "todos los días" in answer and "daily" not in answer


def test_gcm_subscribe_says_when_in_the_users_language(ack, client, context):
    answer = gcm("subscribe escwa", ack, client, context)  # weekly, on Mondays, at 08:00
    assert answer is not None and "todos los lunes" in answer and "08:00" in answer
    assert "weekly" not in answer and "ESCWA" not in answer and "escwa" not in answer
    assert review_acronym("es", "escwa") in answer


def test_gcm_subscribe_usage_explains_its_keywords_outside_sentences(ack, client, context):
    answer = gcm("subscribe escwa 25:99", ack, client, context)
    assert answer is not None
    usage, *keywords = answer.splitlines()
    assert usage.startswith("`/gcm subscribe REVIEW [daily|weekly] [HH:MM]` — ")
    assert keywords[:2] == [
        f"• `daily` — {gettext('es', 'every day')}",
        f"• `weekly` — {gettext('es', 'every Monday')}",
    ]


def test_gcm_erase_is_for_administrators(ack, client, context, receipt):
    assert gcm(f"erase {receipt}", ack, client, context) == gettext("es", ADMINS_ONLY)


def test_gcm_erase_and_withdraw_explain_their_usage(ack, client, context):
    assert gcm("erase", ack, client, context, user="UADMIN") == gettext(
        "en", "Usage: /gcm erase RECEIPT"
    )
    ack.reset_mock()
    answer = gcm("withdraw ABC everything", ack, client, context)
    assert answer is not None
    usage, *keywords = answer.splitlines()
    assert usage == "`/gcm withdraw RECEIPT quote|contact|message` — " + gettext(
        "es", "withdraw a consent on a contributor's behalf"
    )
    assert keywords == [
        f"• `quote` — {gettext('es', 'quotes in reports')}",
        f"• `contact` — {gettext('es', 'contact by e-mail')}",
        f"• `message` — {gettext('es', 'messages in the chat')}",
    ]


def test_gcm_withdraw_of_an_unknown_receipt(ack, client, context):
    answer = gcm("withdraw nope quote", ack, client, context)
    assert answer == gettext("es", "Nothing is stored under %(receipt)s.", receipt="NOPE")


def test_gcm_erase_by_an_administrator(ack, client, context, slack, receipt):
    answer = gcm(f"erase {receipt}", ack, client, context, user="UADMIN")
    assert answer == gettext(
        "en",
        "%(receipt)s is erased, with its consents and its moderation message.",
        receipt=receipt,
    )
    assert slack.runtime.moderation.find_input(receipt=receipt) is None


# actions: moderation buttons


def test_a_status_button_moderates_and_rerenders_the_message(ack, client, context, slack, receipt):
    body, action = block_action("mod_flag", receipt, "UORG")
    actions.change_status(ack=ack, body=body, action=action, client=client, context=context)
    ack.assert_called_once_with()
    (updated,) = client.sent("chat_update")
    assert (
        updated["ts"] == "1.2"
        and updated["text"] == receipt
        and "<@UORG>" in json.dumps(updated["blocks"])
    )
    found = slack.runtime.moderation.find_input(receipt=receipt)
    assert found is not None and found.status == "flagged"


def test_a_status_button_pressed_by_an_outsider_is_refused_to_them_alone(
    ack, client, context, slack, receipt
):
    body, action = block_action("mod_include", receipt, "UOUT")
    actions.change_status(ack=ack, body=body, action=action, client=client, context=context)
    ack.assert_called_once_with()
    assert client.sent("chat_postEphemeral") == [
        {"channel": "CMOD", "user": "UOUT", "text": gettext("fr", NOT_STAFF)}
    ]
    assert client.sent("chat_update") == []


def test_the_tag_button_opens_the_tag_modal_for_a_moderator(ack, client, context, receipt):
    body, action = block_action("mod_tag", receipt, "UADMIN")
    actions.open_tagging(ack=ack, body=body, action=action, client=client, context=context)
    (opened,) = client.sent("views_open")
    assert opened["trigger_id"] == "t2" and opened["view"]["callback_id"] == "gcm_tag_objectives"
    assert json.loads(opened["view"]["private_metadata"]) == {
        "receipt": receipt,
        "channel": "CMOD",
        "ts": "1.2",
    }


@pytest.mark.parametrize("value", ["unknown", "the input"])
def test_the_tag_button_tells_an_organiser_of_another_review_nothing_of_the_input(
    value, ack, client, context, slack, receipt
):
    add_staff(slack.runtime.engine, email="other@un.example", role="organiser", reviews=["unece"])
    USERS["UOTHER"] = ("other@un.example", "pt-BR")
    try:
        body, action = block_action(
            "mod_tag", receipt if value == "the input" else "GCM-NOPE", "UOTHER"
        )
        actions.open_tagging(ack=ack, body=body, action=action, client=client, context=context)
    finally:
        del USERS["UOTHER"]
    assert [m["text"] for m in client.sent("chat_postEphemeral")] == [gettext("pt", OUTSIDE_REVIEW)]
    assert client.sent("views_open") == []


# views: modal submissions


def _view(
    view_id: str, values: dict[str, Any], callback: str = "gcm_capture", **extra: Any
) -> dict[str, Any]:
    metadata = json.dumps({"channel_id": "CMOD", "locale": "es"})
    return {
        "id": view_id,
        "callback_id": callback,
        "private_metadata": metadata,
        "state": {"values": values},
        **extra,
    }


def test_a_captured_input_is_stored_and_confirmed_without_posting_it(ack, client, context, slack):
    view = _view("V1", good_capture())
    views.capture(ack=ack, body={"user": {"id": "UORG"}}, view=view, client=client, context=context)
    ack.assert_called_once_with()
    (confirmation,) = client.sent("chat_postEphemeral")
    receipt = confirmation["text"].rsplit(" ", 1)[-1]
    assert (
        confirmation["user"] == "UORG"
        and slack.runtime.moderation.find_input(receipt=receipt) is not None
    )
    # the moderation feed posts it, after the acknowledgement
    assert client.sent("chat_postMessage") == []


def test_a_capture_by_an_outsider_is_refused_in_the_modal(ack, client, context):
    views.capture(
        ack=ack,
        body={"user": {"id": "UOUT"}},
        view=_view("V2", good_capture()),
        client=client,
        context=context,
    )
    ack.assert_called_once_with(
        response_action="errors", errors={"review": gettext("es", NOT_STAFF)}
    )


def test_invalid_answers_are_shown_in_the_modal(ack, client, context):
    view = _view("V3", good_capture(text="corto", consent_store=False))
    views.capture(ack=ack, body={"user": {"id": "UORG"}}, view=view, client=client, context=context)
    assert set(ack.call_args.kwargs["errors"]) == {"text", "consent_store"}


def _tag_view(receipt: str, objectives: list[str]) -> dict[str, Any]:
    values = {
        "objectives": {"objectives": {"selected_options": [{"value": v} for v in objectives]}}
    }
    view = _view("V4", values, callback="gcm_tag_objectives")
    view["private_metadata"] = json.dumps({"receipt": receipt, "channel": "CMOD", "ts": "1.2"})
    return view


def test_tagging_adds_the_objectives_and_rerenders_the_message(
    ack, client, context, slack, receipt
):
    views.tag(
        ack=ack,
        body={"user": {"id": "UORG"}},
        view=_tag_view(receipt, ["7"]),
        client=client,
        context=context,
    )
    ack.assert_called_once_with()
    found = slack.runtime.moderation.find_input(receipt=receipt)
    assert found is not None and 7 in found.objectives
    assert client.sent("chat_update")[0]["ts"] == "1.2"


def test_tagging_by_an_outsider_is_refused_in_the_modal(ack, client, context, receipt):
    views.tag(
        ack=ack,
        body={"user": {"id": "UOUT"}},
        view=_tag_view(receipt, ["7"]),
        client=client,
        context=context,
    )
    ack.assert_called_once_with(
        response_action="errors", errors={"objectives": gettext("fr", NOT_STAFF)}
    )
    assert client.sent("chat_update") == []


# shortcuts


def _shortcut(user: str) -> dict[str, Any]:
    return {
        "user": {"id": user},
        "channel": {"id": "CMOD"},
        "trigger_id": "t3",
        "message": {"text": "Words from a session."},
    }


def test_the_message_shortcut_prefills_the_capture_modal(ack, client, context):
    shortcuts.add_to_inputs(ack=ack, shortcut=_shortcut("UADMIN"), client=client, context=context)
    ack.assert_called_once_with()
    (opened,) = client.sent("views_open")
    text = next(b for b in opened["view"]["blocks"] if b["block_id"] == "text")
    assert text["element"]["initial_value"] == "Words from a session."


def test_the_message_shortcut_refuses_outsiders(ack, client, context):
    shortcuts.add_to_inputs(ack=ack, shortcut=_shortcut("UOUT"), client=client, context=context)
    assert [m["text"] for m in client.sent("chat_postEphemeral")] == [gettext("fr", NOT_STAFF)]
    assert client.sent("views_open") == []


def test_country_options_in_the_modals_language(ack):
    body = {"value": "jord", "view": {"private_metadata": json.dumps({"locale": "en"})}}
    shortcuts.countries(ack=ack, body=body)
    (option, *_) = ack.call_args.kwargs["options"]
    assert option["value"] == "JO"


# events: the App Home


def _home(
    user: str, context: BoltContext, client: FakeClient, slack: SlackContext
) -> dict[str, Any]:
    body = {
        "type": "event_callback",
        "event_id": f"Ev-{user}",
        "event": {"type": "app_home_opened", "user": user},
    }
    slack.inbox.receive(body["event_id"], body)
    events.publish_home(body=body, event=body["event"], client=client, context=context)
    (published,) = client.sent("views_publish")
    assert published["user_id"] == user
    return dict(published["view"])


def test_the_app_home_of_an_organiser_shows_their_review(client, context, slack, receipt):
    view = _home("UORG", context, client, slack)
    shown = json.dumps(view, ensure_ascii=False)
    assert review_title("es", "escwa") in shown and "UNECE" not in shown
    assert not slack.inbox.claim("Ev-UORG")  # settled


def test_the_app_home_of_an_outsider_is_the_refusal(client, context, slack):
    view = _home("UOUT", context, client, slack)
    assert view["blocks"][0]["text"]["text"] == gettext("fr", NOT_STAFF)
