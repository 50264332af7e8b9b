"""An urgent input reaches the moderation channel at once, whichever channel it came by."""

from __future__ import annotations

import json
import threading
import time

from bots.slack.moderation_feed import SlackNotifier
from intake_api.app import build_runtime
from tests.bots.slack.conftest import good_capture
from tests.bots.slack.test_slack import service_runtime
from tests.factories import input_answers

URGENT = "My employer took my passport and I cannot leave the house."


def _posted(slack_api, timeout: float = 10) -> list[dict]:  # type: ignore[no-untyped-def,type-arg]
    """What was posted once the notifier's thread is done (so it holds no connection at teardown)."""
    deadline = time.monotonic() + timeout
    while not slack_api.sent("chat.postMessage") and time.monotonic() < deadline:
        time.sleep(0.05)
    for thread in threading.enumerate():
        if thread.name == "slack-urgent":
            thread.join(timeout)
    return slack_api.sent("chat.postMessage")


def test_an_urgent_capture_in_slack_is_posted_at_once(slack, slack_api):  # type: ignore[no-untyped-def]
    slack.command("channel escwa", user="UADMIN", channel="CMOD")
    assert slack.view_submission("V1", good_capture(text=URGENT)).status_code == 200
    (posted,) = _posted(slack_api)
    assert posted["channel"] == "CMOD" and "URGENT" in posted["text"]


def test_an_urgent_input_from_any_other_channel_is_posted_at_once(slack, slack_api):  # type: ignore[no-untyped-def]
    slack.command("channel escwa", user="UADMIN", channel="CMOD")
    runtime = service_runtime(
        slack
    )  # the web app's runtime, as the web form, the API and Telegram use it
    receipt = runtime.service.submit_input(
        input_answers(text=URGENT),
        channel="telegram",
        message_id="u1",
        locale="en",
        platform_user_id=7,
    )
    (posted,) = _posted(slack_api)
    assert receipt.code in json.dumps(posted["blocks"])


def test_every_process_gets_the_slack_notifier(slack_runtime):  # type: ignore[no-untyped-def]
    wired = build_runtime(slack_runtime.settings)
    try:
        assert isinstance(wired.notifier, SlackNotifier)
    finally:
        wired.engine.dispose()
