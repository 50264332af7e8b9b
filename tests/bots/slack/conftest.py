"""Signed requests to /slack/events, as Slack sends them, and a fake Web API."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlencode

import pytest
from slack_sdk.signature import SignatureVerifier

from intake_api.app import create_app
from intake_api.runtime import build_runtime
from intake_api.staff import add_staff
from tests.fakes.slack_api import BOT_TOKEN, FakeSlackApi

SIGNING_SECRET = "slack-signing-secret-for-tests"


@pytest.fixture
def slack_api() -> Iterator[FakeSlackApi]:
    api = FakeSlackApi().start()
    api.add_user("UORG", email="organiser@un.example", locale="es-LA")
    api.add_user("UADMIN", email="admin@un.example", locale="en-GB")
    api.add_user("UOUT", email="someone@example.org", locale="fr-FR")
    yield api
    api.stop()


@pytest.fixture
def slack_runtime(settings, runtime, slack_api):  # type: ignore[no-untyped-def]
    slack_settings = settings.model_copy(
        update={
            "slack_bot_token": BOT_TOKEN,
            "slack_signing_secret": SIGNING_SECRET,
            "slack_api_url": slack_api.base_url,
        }
    )
    slack_runtime = build_runtime(slack_settings)
    add_staff(
        slack_runtime.engine, email="organiser@un.example", role="organiser", reviews=["escwa"]
    )
    add_staff(slack_runtime.engine, email="admin@un.example", role="admin", reviews=[])
    yield slack_runtime
    slack_runtime.engine.dispose()


class Slack:
    """Sends what Slack sends: signed, form-encoded or JSON, with its headers."""

    def __init__(self, client) -> None:  # type: ignore[no-untyped-def]
        self.client = client
        self.verifier = SignatureVerifier(SIGNING_SECRET)

    def post(
        self,
        body: str,
        content_type: str,
        *,
        age: int = 0,
        signature: str | None = None,
        headers: dict[str, str] | None = None,
    ):  # type: ignore[no-untyped-def]
        timestamp = str(int(time.time()) - age)
        signed = signature or self.verifier.generate_signature(timestamp=timestamp, body=body)
        return self.client.post(
            "/slack/events",
            data=body.encode(),
            headers={
                "Content-Type": content_type,
                "X-Slack-Request-Timestamp": timestamp,
                "X-Slack-Signature": signed,
                **(headers or {}),
            },
        )

    def command(self, text: str, *, user: str = "UORG", channel: str = "CMOD", **kwargs: Any):  # type: ignore[no-untyped-def]
        body = urlencode(
            {
                "command": "/gcm",
                "text": text,
                "user_id": user,
                "channel_id": channel,
                "team_id": "T1",
                "trigger_id": f"trigger-{time.time_ns()}",
                "response_url": "https://hooks.example/x",
            }
        )
        return self.post(body, "application/x-www-form-urlencoded", **kwargs)

    def interactive(self, payload: dict[str, Any], **kwargs: Any):  # type: ignore[no-untyped-def]
        body = urlencode({"payload": json.dumps(payload)})
        return self.post(body, "application/x-www-form-urlencoded", **kwargs)

    def suggestion(self, action_id: str, value: str, *, user: str = "UORG", locale: str = "es"):  # type: ignore[no-untyped-def]
        """What Slack sends for the options of an external select as ``value`` is typed."""
        return self.interactive(
            {
                "type": "block_suggestion",
                "action_id": action_id,
                "block_id": action_id,
                "value": value,
                "user": {"id": user},
                "team": {"id": "T1"},
                "view": {"id": "V1", "private_metadata": json.dumps({"locale": locale})},
            }
        )

    def view_submission(
        self,
        view_id: str,
        values: dict[str, Any],
        *,
        user: str = "UORG",
        metadata: dict[str, Any] | None = None,
        callback: str = "gcm_capture",
    ):  # type: ignore[no-untyped-def]
        return self.interactive(
            {
                "type": "view_submission",
                "team": {"id": "T1"},
                "user": {"id": user},
                "api_app_id": "A1",
                "trigger_id": "t",
                "view": {
                    "id": view_id,
                    "type": "modal",
                    "callback_id": callback,
                    "team_id": "T1",
                    "private_metadata": json.dumps(
                        metadata or {"channel_id": "CMOD", "locale": "es"}
                    ),
                    "state": {"values": values},
                },
            }
        )

    def block_action(
        self,
        action_id: str,
        value: str,
        *,
        user: str = "UORG",
        channel: str = "CMOD",
        ts: str = "1764000000.000001",
    ):  # type: ignore[no-untyped-def]
        return self.interactive(
            {
                "type": "block_actions",
                "team": {"id": "T1"},
                "user": {"id": user},
                "api_app_id": "A1",
                "trigger_id": "trigger-action",
                "channel": {"id": channel},
                "container": {"type": "message"},
                "message": {"ts": ts, "text": "input"},
                "actions": [
                    {
                        "action_id": action_id,
                        "block_id": f"moderate:{value}",
                        "value": value,
                        "type": "button",
                    }
                ],
            }
        )

    def event(
        self,
        event: dict[str, Any],
        *,
        event_id: str,
        retry: int | None = None,
        reason: str = "http_error",
    ):  # type: ignore[no-untyped-def]
        """``reason``: Slack's for a retry, ``http_error`` after an error answer, ``http_timeout`` after none in 3 s."""
        body = json.dumps(
            {
                "type": "event_callback",
                "team_id": "T1",
                "api_app_id": "A1",
                "event": event,
                "event_id": event_id,
                "event_time": int(time.time()),
            }
        )
        headers = (
            {"X-Slack-Retry-Num": str(retry), "X-Slack-Retry-Reason": reason} if retry else None
        )
        return self.post(body, "application/json", headers=headers)


@pytest.fixture
def slack_app(slack_runtime):  # type: ignore[no-untyped-def]
    return create_app(runtime=slack_runtime)


@pytest.fixture
def slack(slack_app) -> Slack:  # type: ignore[no-untyped-def]
    return Slack(slack_app.test_client())


def modal_values(**answers: Any) -> dict[str, Any]:
    """state.values of a capture modal, for the given answers."""
    values: dict[str, Any] = {}
    for key, value in answers.items():
        if isinstance(value, list):
            element = {
                "type": "multi_external_select" if key == "countries" else "multi_static_select",
                "selected_options": [{"value": v} for v in value],
            }
        elif isinstance(value, bool):
            element = {
                "type": "checkboxes",
                "selected_options": [{"value": "yes"}] if value else [],
            }
        elif key in ("review", "stakeholder_group", "theme", "age_group", "gender", "source"):
            element = {
                "type": "static_select",
                "selected_option": {"value": value} if value else None,
            }
        elif key == "country":
            element = {"type": "external_select", "selected_option": {"value": value}}
        elif key in ("link", "contact_email"):
            kind = "url_text_input" if key == "link" else "email_text_input"
            element = {"type": kind, "value": value}
        else:
            element = {"type": "plain_text_input", "value": value}
        values[key] = {key: element}
    return values


def good_capture(**overrides: Any) -> dict[str, Any]:
    answers = {
        "source": "consultation",
        "review": "escwa",
        "stakeholder_group": "trade_union",
        "country": "JO",
        "theme": "governance",
        "objectives": ["6", "22"],
        "consent_store": True,
        "consent_quote": False,
        "text": "Los sindicatos piden la portabilidad de la seguridad social para los trabajadores migrantes.",
    }
    answers.update(overrides)
    return modal_values(**answers)


PLEDGE_ANSWERS: dict[str, Any] = {
    "organisation": "Ministerio de Trabajo de Jordania",
    "stakeholder_group": "government",
    "country": "JO",
    "review": "escwa",
    "title": "Contratación equitativa",
    "text": "Nos comprometemos a eliminar las comisiones de contratación antes de 2027.",
    "objectives": ["6"],
    "consent_store": True,
    "consent_publish": True,
}
PRACTICE_ANSWERS: dict[str, Any] = {
    "title": "Ventanilla única para trabajadores migrantes",
    "description": "Una ventanilla única en Amán orienta a los trabajadores migrantes sobre sus contratos; "
    "atendió a 4.000 personas en 2025.",
    "objectives": ["6", "15"],
    "countries": ["JO", "LB"],
    "organisation": "Red de sindicatos",
    "review": "escwa",
    "consent_store": True,
    "consent_publish": False,
}


def good_pledge(**overrides: Any) -> dict[str, Any]:
    """state.values of a pledge capture modal, filled in well."""
    return modal_values(**(PLEDGE_ANSWERS | overrides))


def good_practice(**overrides: Any) -> dict[str, Any]:
    """state.values of a practice capture modal, filled in well."""
    return modal_values(**(PRACTICE_ANSWERS | overrides))
