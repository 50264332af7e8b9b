"""POST /slack/events at the edge: whatever is sent, a 4xx Slack accepts, never a 500.

The found faults (a non-numeric timestamp, a payload that is not JSON or is an array,
a view without ``type``) each get their 4xx; Hypothesis then sends arbitrary bytes and
JSON, signed, and valid Slack requests with any part replaced, and checks that the
edge's reading never raises anything but ``NotASlackRequest`` and that valid requests
are still read and answered.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from typing import Any
from urllib.parse import parse_qsl, urlencode

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bots.slack.envelope import NotASlackRequest, read_body
from intake_api.app import create_app
from intake_api.runtime import build_runtime
from intake_api.staff import add_staff
from tests.bots.slack.conftest import SIGNING_SECRET, Slack, good_capture
from tests.conftest import count_rows
from tests.fakes.slack_api import BOT_TOKEN, FakeSlackApi
from tests.json_mutations import JSON, paths, replaced

FORM = "application/x-www-form-urlencoded"
JSON_TYPE = "application/json"


@pytest.fixture
def slack_edge(settings, runtime):  # type: ignore[no-untyped-def]
    api = FakeSlackApi().start()
    api.add_user("UORG", email="organiser@un.example", locale="es-LA")
    configured = build_runtime(
        settings.model_copy(
            update={
                "slack_bot_token": BOT_TOKEN,
                "slack_signing_secret": SIGNING_SECRET,
                "slack_api_url": api.base_url,
            }
        )
    )
    add_staff(configured.engine, email="organiser@un.example", role="organiser", reviews=["escwa"])
    yield Slack(create_app(runtime=configured).test_client()), api
    configured.engine.dispose()
    api.stop()


def _view_submission(view: dict[str, Any]) -> dict[str, Any]:
    return {
        "type": "view_submission",
        "team": {"id": "T1"},
        "user": {"id": "UORG"},
        "api_app_id": "A1",
        "trigger_id": "t",
        "view": view,
    }


def _capture_view() -> dict[str, Any]:
    return {
        "id": "V9",
        "type": "modal",
        "callback_id": "gcm_capture",
        "team_id": "T1",
        "private_metadata": json.dumps({"channel_id": "CMOD", "locale": "es"}),
        "state": {"values": good_capture()},
    }


VALID = {
    "command": (
        urlencode(
            {
                "command": "/gcm",
                "text": "help",
                "user_id": "UORG",
                "channel_id": "C1",
                "team_id": "T1",
                "trigger_id": "t1",
                "response_url": "https://hooks.example/x",
            }
        ),
        FORM,
    ),
    "event": (
        json.dumps(
            {
                "type": "event_callback",
                "team_id": "T1",
                "api_app_id": "A1",
                "event_id": "Ev1",
                "event": {"type": "app_home_opened", "user": "UORG", "tab": "home"},
                "event_time": 1,
            }
        ),
        JSON_TYPE,
    ),
    "capture": (urlencode({"payload": json.dumps(_view_submission(_capture_view()))}), FORM),
    "challenge": (
        json.dumps({"type": "url_verification", "challenge": "c1", "token": "t"}),
        JSON_TYPE,
    ),
}


def test_a_timestamp_that_is_not_a_number_is_401(slack_edge):
    slack, _ = slack_edge
    for stamp in ("abc", "", "1e9", "²", "9" * 40, " 1764000000"):
        response = slack.client.post(
            "/slack/events",
            data=VALID["challenge"][0],
            headers={
                "Content-Type": JSON_TYPE,
                "X-Slack-Request-Timestamp": stamp,
                "X-Slack-Signature": "v0=00",
            },
        )
        assert response.status_code == 401 and response.is_json, stamp


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        (urlencode({"payload": "not json"}), FORM),
        (urlencode({"payload": "[1, 2]"}), FORM),
        (
            urlencode(
                {
                    "payload": json.dumps(
                        _view_submission({"id": "V1", "callback_id": "gcm_capture"})
                    )
                }
            ),
            FORM,
        ),  # no type
        (
            urlencode(
                {
                    "payload": json.dumps(
                        _view_submission({**_capture_view(), "private_metadata": "[1]"})
                    )
                }
            ),
            FORM,
        ),
        (
            urlencode(
                {
                    "payload": json.dumps(
                        _view_submission({**_capture_view(), "state": {"values": {"text": []}}})
                    )
                }
            ),
            FORM,
        ),
        (
            urlencode(
                {
                    "payload": json.dumps(
                        {"type": "block_actions", "user": {"id": "UORG"}, "actions": []}
                    )
                }
            ),
            FORM,
        ),
        (
            urlencode(
                {
                    "payload": json.dumps(
                        {"type": "block_actions", "user": {"id": "UORG"}, "actions": "x"}
                    )
                }
            ),
            FORM,
        ),
        ("[1, 2]", JSON_TYPE),
        ("not json", JSON_TYPE),
        ('"a string"', JSON_TYPE),
        ("[" * 5000 + "]" * 5000, JSON_TYPE),
        (json.dumps({"type": "event_callback", "event": "x", "event_id": "Ev2"}), JSON_TYPE),
        (
            json.dumps({"type": "event_callback", "event": {"user": "UORG"}, "event_id": "Ev3"}),
            JSON_TYPE,
        ),
        (
            json.dumps(
                {"type": "event_callback", "team": {"id": 5}, "event": {"type": "app_home_opened"}}
            ),
            JSON_TYPE,
        ),
    ],
)
def test_signed_bodies_slack_would_never_send_are_400(slack_edge, engine, body, content_type):
    slack, api = slack_edge
    response = slack.post(body, content_type)
    assert response.status_code == 400 and response.is_json
    assert response.get_json()["request_id"] == response.headers["X-Request-Id"]
    assert count_rows(engine, "submission") == 0 and not api.calls


def _post_signed(slack: Slack, raw: bytes, content_type: str):  # type: ignore[no-untyped-def]
    """Signed over the raw bytes, as Slack signs (slack_sdk's helper wants UTF-8 text)."""
    stamp = str(int(time.time()))
    signature = (
        "v0="
        + hmac.new(
            SIGNING_SECRET.encode(), b"v0:" + stamp.encode() + b":" + raw, hashlib.sha256
        ).hexdigest()
    )
    return slack.client.post(
        "/slack/events",
        data=raw,
        headers={
            "Content-Type": content_type,
            "X-Slack-Request-Timestamp": stamp,
            "X-Slack-Signature": signature,
        },
    )


def test_a_body_that_is_not_utf8_is_400(slack_edge):
    slack, _ = slack_edge
    assert _post_signed(slack, b"payload=\xff\xfe", FORM).status_code == 400


def test_an_old_or_wrongly_signed_request_is_401(slack_edge):
    slack, _ = slack_edge
    body, content_type = VALID["challenge"]
    assert slack.post(body, content_type, age=6 * 60).status_code == 401
    assert slack.post(body, content_type, signature="v0=" + "0" * 64).status_code == 401


@pytest.mark.parametrize("name", sorted(VALID))
def test_valid_requests_are_still_read_and_answered(slack_edge, engine, name):
    slack, api = slack_edge
    body, content_type = VALID[name]
    assert isinstance(read_body(body.encode(), content_type), dict)
    response = slack.post(body, content_type)
    assert response.status_code == 200, (name, response.data)
    if name == "capture":
        assert count_rows(engine, "submission") == 1
    if name == "challenge":
        assert response.get_json() == {"challenge": "c1"}


def _read_or_refuse(raw: bytes, content_type: str | None) -> dict[str, Any] | None:
    try:
        return read_body(raw, content_type)
    except NotASlackRequest:
        return None


@given(st.binary(max_size=500), st.sampled_from([FORM, JSON_TYPE, "text/plain", None]))
@settings(max_examples=300, deadline=None)
def test_arbitrary_bytes_are_read_or_refused(raw, content_type):
    _read_or_refuse(raw, content_type)


@given(JSON, st.booleans())
@settings(max_examples=300, deadline=None)
def test_arbitrary_json_is_read_or_refused_as_body_or_payload(value, as_payload):
    raw = urlencode({"payload": json.dumps(value)}) if as_payload else json.dumps(value)
    read = _read_or_refuse(raw.encode(), FORM if as_payload else JSON_TYPE)
    assert read is None or isinstance(read, dict)


@given(st.sampled_from(["event", "capture"]), st.data())
@settings(max_examples=300, deadline=None)
def test_valid_requests_with_any_part_replaced_are_read_or_refused(name, data):
    body, content_type = VALID[name]
    document = json.loads(body) if content_type == JSON_TYPE else _view_submission(_capture_view())
    path = data.draw(st.sampled_from(paths(document)), label="path")
    mutated = replaced(document, path, data.draw(JSON, label="replacement"))
    raw = (
        json.dumps(mutated)
        if content_type == JSON_TYPE
        else urlencode({"payload": json.dumps(mutated)})
    )
    _read_or_refuse(raw.encode(), content_type)


@given(
    st.one_of(
        st.binary(max_size=300).map(lambda b: (b, FORM)),
        JSON.map(lambda v: (json.dumps(v).encode(), JSON_TYPE)),
        JSON.map(lambda v: (urlencode({"payload": json.dumps(v)}).encode(), FORM)),
    )
)
@settings(
    max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
def test_signed_arbitrary_requests_never_get_a_500(slack_edge, sent):
    slack, _ = slack_edge
    raw, content_type = sent
    response = _post_signed(slack, raw, content_type)
    assert response.status_code < 500, (raw[:200], response.status_code)


@given(st.sampled_from(["event", "capture", "command"]), st.data())
@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
def test_signed_valid_requests_with_any_part_replaced_never_get_a_500(slack_edge, name, data):
    """Through bolt to the listeners: what the edge lets through, they can read."""
    slack, _ = slack_edge
    body, content_type = VALID[name]
    if name == "command":
        document: Any = dict(parse_qsl(body))
    else:
        document = (
            json.loads(body) if content_type == JSON_TYPE else _view_submission(_capture_view())
        )
    path = data.draw(st.sampled_from(paths(document)), label="path")
    mutated = replaced(document, path, data.draw(JSON, label="replacement"))
    if name == "command" and isinstance(mutated, dict):
        raw = urlencode({k: v if isinstance(v, str) else json.dumps(v) for k, v in mutated.items()})
    elif content_type == JSON_TYPE or name == "command":
        raw = json.dumps(mutated)
    else:
        raw = urlencode({"payload": json.dumps(mutated)})
    response = _post_signed(slack, raw.encode(), content_type)
    assert response.status_code < 500, (raw[:300], response.status_code)
