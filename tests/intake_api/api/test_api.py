"""The staff API against its own OpenAPI document: auth, scopes, pagination, downloads."""

from __future__ import annotations

import csv
import io
from concurrent.futures import ThreadPoolExecutor

import pytest
from openapi_core import OpenAPI
from openapi_core.contrib.werkzeug import WerkzeugOpenAPIRequest, WerkzeugOpenAPIResponse
from sqlmodel import Session, select

from intake_api.api.openapi import openapi_document
from intake_api.policies.authorization import OPERATOR
from intake_api.staff import add_staff, issue_token, revoke_tokens
from models import AuditEntry, Submission
from models.reference import AGE_GROUPS
from tests.conftest import count_rows
from tests.factories import input_answers

SPEC = OpenAPI.from_dict(openapi_document())


@pytest.fixture
def tokens(engine):  # type: ignore[no-untyped-def]
    admin = add_staff(engine, email="admin@un.example", role="admin", reviews=[])
    organiser = add_staff(engine, email="org@un.example", role="organiser", reviews=["escwa"])
    return {
        "admin": issue_token(engine, staff_id=admin.id),
        "escwa": issue_token(engine, staff_id=organiser.id),
    }


@pytest.fixture
def api(client, tokens):  # type: ignore[no-untyped-def]
    """Calls the API as a given staff member and checks the answer against the OpenAPI document."""

    def call(method: str, path: str, *, who: str | None = "admin", check: bool = True, **kwargs):  # type: ignore[no-untyped-def]
        headers = kwargs.pop("headers", {})
        if who:
            headers["Authorization"] = f"Bearer {tokens[who]}"
        response = getattr(client, method)(f"/api/v1{path}", headers=headers, **kwargs)
        if check:
            SPEC.validate_response(_Answered(response.request), WerkzeugOpenAPIResponse(response))
        return response

    return call


class _Answered(WerkzeugOpenAPIRequest):
    """The request after the app has read its body: only the response is validated."""

    @property
    def body(self) -> bytes:
        return b""


@pytest.fixture
def inputs(service):  # type: ignore[no-untyped-def]
    for n in range(7):
        service.submit_input(input_answers(), channel="web", message_id=f"a{n}", locale="en")
    for n in range(3):
        service.submit_input(
            input_answers(review="unece"), channel="web", message_id=f"b{n}", locale="fr"
        )


def test_openapi_document_is_valid(client):
    document = client.get("/api/v1/openapi.json").get_json()
    assert document["openapi"] == "3.1.0"
    OpenAPI.from_dict(document).check_spec()


@pytest.mark.parametrize("header", [None, "Bearer nope", "Bearer gcm_unknown", "Basic abc"])
def test_without_a_valid_token_401(api, client, header):
    response = client.get(
        "/api/v1/submissions", headers={"Authorization": header} if header else {}
    )
    assert response.status_code == 401 and response.get_json()["error"] == "unauthorized"


def test_revoked_token_401(api, engine, tokens):
    assert api("get", "/submissions").status_code == 200
    revoke_tokens(engine, email="admin@un.example")
    assert api("get", "/submissions").status_code == 401


def test_organiser_sees_only_their_reviews(api, inputs):
    mine = api("get", "/submissions", who="escwa").get_json()["items"]
    assert len(mine) == 7 and {i["review"] for i in mine} == {"escwa"}
    assert api("get", "/submissions?review=unece", who="escwa").status_code == 403
    assert api("get", "/reviews/unece/stats", who="escwa").status_code == 403
    other = api("get", "/submissions?review=unece").get_json()["items"][0]["receipt"]
    assert api("get", f"/submissions/{other}", who="escwa").status_code == 404


def test_pagination_is_stable_under_concurrent_inserts(api, inputs, service):
    seen: list[str] = []
    page = api("get", "/submissions?limit=3").get_json()
    seen += [i["receipt"] for i in page["items"]]
    with ThreadPoolExecutor(4) as pool:
        list(
            pool.map(
                lambda n: service.submit_input(
                    input_answers(), channel="api", message_id=f"c{n}", locale="en", staff=OPERATOR
                ),
                range(8),
            )
        )
    while page["next_cursor"]:
        page = api("get", f"/submissions?limit=3&cursor={page['next_cursor']}").get_json()
        seen += [i["receipt"] for i in page["items"]]
    assert len(seen) == len(set(seen)) == 18  # no input twice, none skipped


def test_bad_parameters_are_400(api):
    assert api("get", "/submissions?limit=0").status_code == 400
    assert api("get", "/submissions?cursor=%%%").status_code == 400
    assert api("get", "/submissions?status=lost").status_code == 400
    assert api("get", "/reviews/escwa/report?format=pdf").status_code == 400


def test_get_and_patch_an_input_is_audited(api, inputs, engine):
    receipt = api("get", "/submissions?limit=1").get_json()["items"][0]["receipt"]
    assert api("get", f"/submissions/{receipt}").get_json()["receipt"] == receipt
    updated = api(
        "patch", f"/submissions/{receipt}", json={"status": "included", "objectives": [16]}
    ).get_json()
    assert updated["status"] == "included" and updated["objectives"] == [3, 5, 16]
    assert api("patch", f"/submissions/{receipt}", json={"status": "deleted"}).status_code == 422
    with Session(engine) as session:
        actions = set(session.exec(select(AuditEntry.action)))
    assert {"inputs.listed", "input.read", "input.included", "input.tagged"} <= actions


def test_staff_set_the_theme_an_input_left_open(api, inputs, engine):
    """A contributor may skip the theme: the text's suggestion is shown until staff set one."""
    receipt = api("get", "/submissions?limit=1").get_json()["items"][0]["receipt"]
    with Session(engine) as session:
        row = session.exec(select(Submission).where(Submission.receipt == receipt)).one()
        row.theme, row.suggested_theme = None, "governance"
        session.add(row)
        session.commit()
    shown = api("get", f"/submissions/{receipt}").get_json()
    assert (shown["theme"], shown["suggested_theme"]) == (None, "governance")
    updated = api("patch", f"/submissions/{receipt}", json={"theme": "governance"}).get_json()
    assert (updated["theme"], updated["suggested_theme"]) == ("governance", None)
    assert api("patch", f"/submissions/{receipt}", json={"theme": "other"}).status_code == 422
    with Session(engine) as session:
        (audit,) = session.exec(select(AuditEntry).where(AuditEntry.action == "input.theme_set"))
    assert audit.detail["confirmed"] is True and audit.detail["before"] is None


def api_input(**overrides):  # type: ignore[no-untyped-def]
    """An input as a partner system posts it: the document's exact types."""
    body = {
        "review": "escwa",
        "stakeholder_group": "youth",
        "country": "JO",
        "age_group": "18_24",
        "gender": "woman",
        "theme": "priorities_gaps",
        "objectives": [3, 5],
        "text": input_answers()["text"],
        "consent_store": True,
        "consent_quote": True,
        "locale": "es",
    }
    return {**body, **overrides}


def test_partner_post_with_idempotency_key(api, engine):
    body = api_input()
    first = api("post", "/submissions", json=body, headers={"Idempotency-Key": "partner-42"})
    again = api("post", "/submissions", json=body, headers={"Idempotency-Key": "partner-42"})
    assert first.status_code == 201 and again.status_code == 200
    assert first.get_json()["receipt"] == again.get_json()["receipt"]
    assert count_rows(engine, "submission") == 1
    assert api("post", "/submissions", json=body).status_code == 400
    refused = api(
        "post", "/submissions", json={**body, "text": "x"}, headers={"Idempotency-Key": "k2"}
    )
    assert refused.status_code == 422 and "text" in refused.get_json()["errors"]
    assert count_rows(engine, "submission") == 1
    with Session(engine) as session:
        assert session.exec(select(Submission.channel)).one() == "api"


def test_stats_report_and_export_downloads(api, inputs):
    stats = api("get", "/reviews/escwa/stats", who="escwa").get_json()
    assert stats["total"] == {"count": 7, "shown": "7", "suppressed": None}
    assert {g: c["count"] for g, c in stats["by_stakeholder_group"].items() if c["count"]} == {
        "youth": 7
    }
    assert {c["shown"] for g, c in stats["by_stakeholder_group"].items() if g != "youth"} == {"0"}
    # Counted by age group too, an age not given under "unknown" (App Home's "Not given").
    assert {a: c["count"] for a, c in stats["by_age_group"].items() if c["count"]} == {"18_24": 7}
    assert set(stats["by_age_group"]) == {*AGE_GROUPS, "unknown"}
    report = api("get", "/reviews/escwa/report?format=docx&locale=fr", who="escwa")
    assert report.status_code == 200 and report.data[:2] == b"PK"
    html = api("get", "/reviews/escwa/report?format=html&locale=ar", who="escwa")
    assert 'dir="rtl"' in html.get_data(as_text=True)
    export = api("get", "/exports/submissions?format=csv", who="escwa")
    rows = list(csv.reader(io.StringIO(export.get_data(as_text=True).lstrip("\ufeff"))))
    assert len(rows) == 8 and all(row[1] == "escwa" for row in rows[1:])
    xlsx = api("get", "/exports/submissions?format=xlsx&review=unece", who="admin")
    assert xlsx.data[:2] == b"PK"
    jsonl = api("get", "/exports/submissions?format=jsonl", who="admin")
    assert len(jsonl.get_data(as_text=True).splitlines()) == 10


def test_pledges_practices_registrations(api, service, engine):
    service.register(
        {
            "review": "escwa",
            "name": "Rana K.",
            "stakeholder_group": "youth",
            "country": "LB",
            "contact_email": "r@example.org",
            "attendance_mode": "virtual",
            "consent_store": "on",
        },
        channel="web",
        message_id="reg",
        locale="ar",
    )
    registrations = api("get", "/registrations", who="escwa").get_json()["items"]
    assert registrations[0]["name"] == "Rana K."
    assert api("get", "/pledges").get_json() == {"items": []}
    assert api("get", "/practices?review=eca").get_json() == {"items": []}
    with Session(engine) as session:
        assert session.exec(
            select(AuditEntry).where(AuditEntry.action == "registrations.read")
        ).first()


@pytest.mark.parametrize(
    ("since", "count"),
    [
        ("2000-01-01", 10),
        ("2999-01-01", 0),
        ("0001-01-01T00:30:00+01:00", 10),
        ("9999-12-31T23:00:00-05:00", 0),
        ("2000-02-29T10:00:00.123456789Z", 10),
    ],
)
def test_since_filters_by_the_moment_given(api, inputs, since, count):
    page = api("get", f"/submissions?since={since.replace('+', '%2B')}&limit=500").get_json()
    assert len(page["items"]) == count


def test_the_csv_export_says_its_charset_once(api, inputs):
    assert (
        api("get", "/exports/submissions?format=csv").headers["Content-Type"]
        == "text/csv; charset=utf-8"
    )
    assert (
        api("get", "/reviews/escwa/report?format=md").headers["Content-Type"]
        == "text/markdown; charset=utf-8"
    )


@pytest.mark.parametrize(
    "cursor", ["zzzzzzzzzzzz", "ssgxhg8mxp", "2lkcb1"]
)  # ids beyond any stored (and any int4)
def test_a_cursor_past_every_id_is_an_empty_last_page(api, inputs, cursor):
    assert api("get", f"/submissions?cursor={cursor}").get_json() == {
        "items": [],
        "next_cursor": None,
    }
