"""Malformed requests get a JSON 4xx and change nothing; a write is all or nothing, even on a 5xx."""

from __future__ import annotations

import base64
import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from intake_api.policies.authorization import OPERATOR
from models import crud
from tests.factories import input_answers
from tests.intake_api.api.test_api import api, api_input, tokens  # noqa: F401 - fixtures
from tests.intake_api.snapshots import changes, snapshot

QUERY_ERRORS = [
    "cursor="
    + base64.urlsafe_b64encode(b"id:" + b"9" * 40).decode(),  # a cursor that decodes to a huge id
    "cursor=zzzzzzzzzzzzz",
    "cursor=ZZZ",
    "cursor=",
    "cursor=a&cursor=b",
    "limit=%C2%B2",
    "limit=" + "1" * 5000,
    "limit=",
    "limit=0",
    "limit=501",
    "limit=1.0",
    "limit=-1",
    "limit=+5",
    "limit=%D9%A3",  # an Arabic-Indic three: a digit to str.isdigit(), not to the document
    "review=",
    "review=escwa&review=unece",
    "review=ESCWA",
    "status=",
    "status=deleted",
    "since=",
    "since=2026-02-30",
    "since=yesterday",
    "since=2026-11-30T08:00:00",
]


@pytest.mark.parametrize("query", QUERY_ERRORS)
def test_malformed_parameters_are_a_json_400(api, query):  # noqa: F811
    response = api("get", f"/submissions?{query}")
    assert response.status_code == 400 and response.get_json()["error"] == "bad_request"


@pytest.mark.parametrize(
    "url",
    [
        "/exports/submissions?format=",
        "/exports/submissions?locale=",
        "/pledges?review=",
        "/practices?review=",
        "/registrations?review=",
        "/reviews/escwa/report?format=",
        "/reviews/escwa/report?locale=xx",
        "/exports/submissions?review=escwa&review=eca",
    ],
)
def test_empty_or_repeated_filters_are_refused_everywhere(api, url):  # noqa: F811
    assert api("get", url).status_code == 400


@pytest.fixture
def receipt(service):  # type: ignore[no-untyped-def]
    return service.submit_input(input_answers(), channel="web", message_id="one", locale="en").code


BAD_PATCHES = [
    ({"status": "included", "objectives": [99]}, 422),  # once: the status changed, then 422
    ({"status": "included", "objectives": [{"a": 1}]}, 422),  # once: the status changed, then 500
    ({"objectives": [True]}, 422),  # once: accepted and returned as true
    ({"objectives": [3, 3]}, 422),
    ({"objectives": [1.5]}, 422),
    ({"objectives": "3"}, 422),
    ({"objectives": {"3": True}}, 422),
    ({"status": ["included"]}, 422),
    ({"status": {"x": 1}}, 422),
    ({"status": "new"}, 422),
    ({"status": "included", "note": "x"}, 422),
    ({}, 422),
    ([{"status": "included"}], 400),
    ("included", 400),
    (0, 400),
]


@pytest.mark.parametrize(("body", "status"), BAD_PATCHES)
def test_a_refused_patch_changes_nothing(api, engine, receipt, body, status):  # noqa: F811
    before = snapshot(engine)
    response = api("patch", f"/submissions/{receipt}", json=body)
    assert response.status_code == status and response.get_json()["error"]
    assert changes(before, snapshot(engine)) == {}


def test_raw_bodies_that_are_not_one_json_object(api, engine, receipt):  # noqa: F811
    before = snapshot(engine)
    url = f"/submissions/{receipt}"
    for data, content_type, status in [
        ('{"status": "included"', "application/json", 400),
        ('{"status": NaN}', "application/json", 400),
        ('{"status": "included", "status": "flagged"}', "application/json", 400),
        ('{"objectives": [' + "9" * 5000 + "]}", "application/json", 400),
        ("[" * 5000 + "]" * 5000, "application/json", 400),
        (b"\xff\xfe{", "application/json", 400),
        ('{"status": "included"}', "text/plain", 415),
        ('{"status": "included"}', None, 415),
    ]:
        response = api("patch", url, data=data, content_type=content_type)
        assert response.status_code == status, (data[:20], response.status_code)
        assert response.is_json
    assert changes(before, snapshot(engine)) == {}


def test_a_patch_that_fails_midway_changes_nothing(api, engine, receipt, monkeypatch):  # noqa: F811
    """An error after the status is set (here: writing the tags' audit entry) rolls the status back."""
    write_audit = crud.write_audit

    def failing(session, **entry):  # type: ignore[no-untyped-def]
        if entry["action"] == "input.tagged":
            raise RuntimeError("the disk is full")
        return write_audit(session, **entry)

    monkeypatch.setattr(crud, "write_audit", failing)
    before = snapshot(engine)
    response = api(
        "patch", f"/submissions/{receipt}", json={"status": "included", "objectives": [16]}
    )
    assert response.status_code == 500 and response.get_json()["error"] == "internal_error"
    assert changes(before, snapshot(engine)) == {}


BAD_POSTS = [
    ({"review": ["unece", "escwa"]}, 422),
    ({"review": "atlantis"}, 422),
    ({"objectives": [True]}, 422),
    ({"objectives": ["3"]}, 422),
    ({"consent_store": "on"}, 422),
    ({"consent_store": False}, 422),
    ({"text": "   short   "}, 422),
    ({"text": "ten chars\x00 and a NUL byte"}, 422),
    ({"source": "email"}, 422),
    ({"country": "jo"}, 422),
    ({"contact_email": "not an address"}, 422),
    (
        {"age_group": "13_15", "contact_email": "child@example.org"},
        422,
    ),  # no contact kept for minors
]


@pytest.mark.parametrize(("change", "status"), BAD_POSTS)
def test_a_refused_post_stores_nothing(api, engine, change, status):  # noqa: F811
    before = snapshot(engine)
    response = api(
        "post", "/submissions", json=api_input(**change), headers={"Idempotency-Key": "k-1"}
    )
    assert response.status_code == status and response.get_json()["errors"]
    assert changes(before, snapshot(engine)) == {}


@pytest.mark.parametrize("key", [None, "", "x" * 101, "has space", "ключ"])
def test_a_post_without_a_well_formed_idempotency_key_stores_nothing(api, engine, key):  # noqa: F811
    before = snapshot(engine)
    headers = {} if key is None else {"Idempotency-Key": key}
    response = api("post", "/submissions", json=api_input(), headers=headers)
    assert (
        response.status_code == 400 and response.get_json()["error"] == "idempotency_key_required"
    )
    assert changes(before, snapshot(engine)) == {}


def test_the_same_idempotency_key_with_other_answers_is_refused(api, engine):  # noqa: F811
    first = api(
        "post", "/submissions", json=api_input(), headers={"Idempotency-Key": "batch-7/row-1"}
    )
    again = api(
        "post", "/submissions", json=api_input(), headers={"Idempotency-Key": "batch-7/row-1"}
    )
    assert (first.status_code, again.status_code) == (201, 200)
    before = snapshot(engine)
    other = api(
        "post",
        "/submissions",
        json=api_input(theme="governance"),
        headers={"Idempotency-Key": "batch-7/row-1"},
    )
    assert other.status_code == 422 and other.get_json()["error"] == "idempotency_key_reused"
    assert first.get_json()["receipt"] not in other.get_data(as_text=True)  # no one else's receipt
    assert changes(before, snapshot(engine)) == {}


@pytest.mark.parametrize(
    ("url", "body", "status"),
    [
        ("/submissions/{r}/consents", {"consent": "quote", "granted": True}, 422),
        ("/submissions/{r}/consents", {"consent": "store", "granted": False}, 422),
        ("/submissions/{r}/consents", {"consent": "quote"}, 422),
        ("/submissions/{r}/consents", {"consent": "quote", "granted": False, "why": "asked"}, 422),
        ("/submissions/{r}/consents", ["quote"], 400),
        ("/submissions/in-{r}/consents", {"consent": "quote", "granted": False}, 404),
    ],
)
def test_a_refused_withdrawal_changes_nothing(api, engine, receipt, url, body, status):  # noqa: F811
    before = snapshot(engine)
    response = api("post", url.format(r=receipt), json=body)
    assert response.status_code == status and response.get_json()["error"]
    assert changes(before, snapshot(engine)) == {}


def test_a_refused_erasure_changes_nothing(api, engine, receipt):  # noqa: F811
    before = snapshot(engine)
    assert api("delete", f"/submissions/{receipt}", who="escwa").status_code == 403
    assert api("delete", f"/submissions/{receipt.lower()}").status_code == 404
    assert api("delete", "/submissions/IN-0000-0000").status_code == 404
    assert changes(before, snapshot(engine)) == {}


_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=12,
)


@settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))
@given(body=_JSON | st.fixed_dictionaries({}, optional={"status": _JSON, "objectives": _JSON}))
def test_any_json_body_is_answered_and_only_a_valid_one_changes_anything(
    client,
    tokens,  # noqa: F811
    service,
    engine,
    body,
):
    receipt = service.submit_input(
        input_answers(), channel="api", message_id="prop", locale="en", staff=OPERATOR
    ).code
    before = snapshot(engine)
    response = client.patch(
        f"/api/v1/submissions/{receipt}",
        data=json.dumps(body),
        content_type="application/json",
        headers={"Authorization": f"Bearer {tokens['admin']}"},
    )
    assert response.status_code in (200, 400, 422) and response.is_json
    if response.status_code != 200:
        assert changes(before, snapshot(engine)) == {}


@settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    query=st.dictionaries(
        st.sampled_from(["review", "status", "since", "limit", "cursor", "x"]),
        st.text(max_size=30),
        max_size=4,
    )
)
def test_any_query_is_answered_200_or_400_in_json(client, tokens, query):  # noqa: F811
    response = client.get(
        "/api/v1/submissions",
        query_string=query,
        headers={"Authorization": f"Bearer {tokens['admin']}"},
    )
    assert response.status_code in (200, 400) and response.is_json
