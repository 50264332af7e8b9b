"""Errors in the caller's format, a request id on every answer, no 500 from a request's shape."""

from __future__ import annotations

import json
import logging
import re

import pytest
from flask import request

from intake_api.i18n import gettext
from intake_api.policies.requests import MAX_JSON_DEPTH, JsonTooDeep, loads_bounded, request_id_from
from intake_api.staff import add_staff, issue_token
from intake_api.web.security import csrf

DEEP = "[" * 100_000 + "]" * 100_000
JUST_TOO_DEEP = "[" * (MAX_JSON_DEPTH + 1) + "]" * (MAX_JSON_DEPTH + 1)


@pytest.fixture
def admin_token(engine) -> str:
    add_staff(engine, email="admin@un.example", role="admin", reviews=[])
    return issue_token(engine, staff_id=1)


def test_loads_bounded():
    assert loads_bounded('{"a": [1, {"b": null}]}') == {"a": [1, {"b": None}]}
    assert loads_bounded("[" * MAX_JSON_DEPTH + "]" * MAX_JSON_DEPTH) is not None
    for deep in (DEEP, JUST_TOO_DEEP, '{"a":' * 5000 + "1" + "}" * 5000):
        with pytest.raises(JsonTooDeep):
            loads_bounded(deep)
    assert issubclass(JsonTooDeep, ValueError)  # what every JSON reader already refuses as invalid


@pytest.mark.parametrize(
    ("path", "method"),
    [
        ("/api/v1/submissions", "POST"),
        ("/api/v1/submissions/IN-0000-0000", "PATCH"),
        ("/api/v1/submissions/IN-0000-0000/consents", "POST"),
    ],
)
def test_json_nested_thousands_deep_is_a_400_in_json(client, admin_token, path, method):
    response = client.open(
        path,
        method=method,
        data=DEEP,
        headers={
            "Authorization": f"Bearer {admin_token}",
            "Content-Type": "application/json",
            "Idempotency-Key": "deep-1",
        },
    )
    assert response.status_code == 400
    assert response.is_json and response.get_json()["error"]


def _json_reader(app):  # type: ignore[no-untyped-def]
    """A machine route that reads its JSON strictly (authenticated elsewhere, like the webhooks)."""

    @app.post("/api/v1/_strict")
    @csrf.exempt
    def strict():  # type: ignore[no-untyped-def]
        return {"keys": len(request.get_json())}


def test_a_strict_json_reader_answers_400_too(app, client):
    _json_reader(app)
    assert client.post("/api/v1/_strict", json={"a": 1}).get_json() == {"keys": 1}
    response = client.post("/api/v1/_strict", data=DEEP, content_type="application/json")
    assert response.status_code == 400
    body = response.get_json()
    assert body["error"] == "bad_request" and body["request_id"] == response.headers["X-Request-Id"]


@pytest.mark.parametrize(
    "path", ["/api/v1/no/such/thing", "/api/v2/submissions", "/telegram/nope", "/slack/nope"]
)
def test_unknown_machine_paths_are_404_in_json(client, path):
    response = client.get(path, headers={"Accept-Language": "fr"})
    assert response.status_code == 404 and response.is_json
    body = response.get_json()
    assert body["error"] == "not_found" and body["message"]
    assert body["request_id"] == response.headers["X-Request-Id"]


@pytest.mark.parametrize(
    ("path", "allowed"),
    [
        ("/api/v1/submissions", {"GET", "HEAD", "OPTIONS", "POST"}),
        ("/telegram/webhook", {"POST", "OPTIONS"}),
        ("/slack/events", {"POST", "OPTIONS"}),
    ],
)
@pytest.mark.parametrize("method", ["TRACE", "PUT", "PROPFIND"])
def test_undeclared_methods_on_machine_paths_are_405_in_json_with_allow(
    client, path, allowed, method
):
    response = client.open(path, method=method)
    assert response.status_code == 405 and response.is_json
    assert response.get_json()["error"] == "method_not_allowed"
    assert set(response.headers["Allow"].split(", ")) == allowed


@pytest.mark.parametrize("locale", ["en", "ar"])
def test_undeclared_methods_on_pages_are_a_translated_405_with_allow(client, locale):
    response = client.open(f"/{locale}/inputs/new", method="TRACE")
    assert response.status_code == 405 and response.mimetype == "text/html"
    assert gettext(locale, "This page cannot be used that way") in response.get_data(as_text=True)
    assert set(response.headers["Allow"].split(", ")) == {"GET", "HEAD", "OPTIONS", "POST"}


def test_machine_paths_get_json_for_too_large_bodies(app, client):
    _json_reader(app)
    response = client.post("/api/v1/_strict", data="x" * 400_000, content_type="application/json")
    assert response.status_code == 413 and response.is_json


def test_every_response_has_a_request_id(client):
    seen = set()
    for path in (
        "/",
        "/en/",
        "/en/inputs/new",
        "/healthz",
        "/static/site.css",
        "/en/no/such",
        "/api/v1/x",
    ):
        with client.get(path) as response:
            request_id = response.headers["X-Request-Id"]
        assert re.fullmatch(r"[0-9a-f]{16}", request_id), request_id
        seen.add(request_id)
    assert len(seen) == 7
    assert client.head("/en/").headers["X-Request-Id"]
    assert client.options("/en/").headers["X-Request-Id"]


def test_a_sane_incoming_request_id_is_kept_and_anything_else_replaced(client):
    assert (
        client.get("/en/", headers={"X-Request-Id": "nginx-5f2a9c01"}).headers["X-Request-Id"]
        == "nginx-5f2a9c01"
    )
    for insane in (
        "short",
        "x" * 65,
        "a b c d e f g h",
        "<script>alert(1)</script>",
        "amina@example.org",
        "id%0aforged",
    ):
        answered = client.get("/en/", headers={"X-Request-Id": insane}).headers["X-Request-Id"]
        assert answered != insane and re.fullmatch(r"[0-9a-f]{16}", answered)
    assert request_id_from(None) != request_id_from(None)


PERSONAL = "amina.k@example.org said: I crossed at night"


def _boom(app):  # type: ignore[no-untyped-def]
    @app.get("/<locale>/boom/<receipt>")
    def boom(receipt: str):  # type: ignore[no-untyped-def]
        raise RuntimeError(f"{PERSONAL} ({receipt})")

    @app.post("/api/v1/_boom")
    @csrf.exempt
    def api_boom():  # type: ignore[no-untyped-def]
        try:
            raise KeyError(PERSONAL)
        except KeyError as error:
            raise ValueError(PERSONAL) from error


def test_a_500_page_shows_the_request_id_and_the_log_has_it_once_without_personal_data(
    app, client, caplog
):
    _boom(app)
    caplog.set_level(logging.INFO)
    response = client.get("/es/boom/IN-7K3M-9QXR")
    page = response.get_data(as_text=True)
    request_id = response.headers["X-Request-Id"]
    assert response.status_code == 500
    assert gettext("es", "Something went wrong on our side") in page
    assert gettext("es", "Reference: %(request_id)s", request_id=request_id) in page
    assert "I crossed" not in page and "Traceback" not in page
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert len(errors) == 1
    logged = errors[0].getMessage() + (errors[0].exc_text or "")
    assert (
        request_id in logged
        and "builtins.RuntimeError" in logged
        and "/<locale>/boom/<receipt>" in logged
    )
    assert (
        'raise RuntimeError(f"{PERSONAL} ({receipt})")' in logged
    )  # the code's frames, to find the fault
    for private in ("amina", "crossed at night", "7K3M", "example.org"):
        assert private not in logged and private not in caplog.text


def test_a_500_on_a_machine_path_is_json_with_the_request_id(app, client, caplog):
    _boom(app)
    response = client.post("/api/v1/_boom", headers={"X-Request-Id": "partner-call-0001"})
    assert response.status_code == 500 and response.is_json
    body = response.get_json()
    assert body == {
        "error": "internal_server_error",
        "message": body["message"],
        "request_id": "partner-call-0001",
    }
    assert "crossed" not in json.dumps(body)
    (logged,) = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert "partner-call-0001" in logged.getMessage()
    assert "builtins.ValueError caused by builtins.KeyError" in logged.getMessage()
    assert "crossed" not in caplog.text


def test_a_request_id_reads_the_same_in_the_log_as_on_the_page():
    """The log masks nine digits in a row as a number: no id may have them, or the two would not match."""
    from intake_api.log_privacy import redact

    made = {request_id_from(None) for _ in range(2000)}  # about 200 random ones would have them
    assert all(redact(request_id) == request_id for request_id in made)
    assert request_id_from("nginx-5f2a9c01") == "nginx-5f2a9c01"
    assert request_id_from("req-123456789012") != "req-123456789012"
