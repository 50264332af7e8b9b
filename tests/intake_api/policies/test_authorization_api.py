"""Every operation of the staff API × every kind of caller, from the API's own OpenAPI document.

Callers: an administrator, an organiser of the review the request is about (escwa), an
organiser of another review (unece), and callers who are not staff: no token, an unknown
token, a revoked token, a deactivated staff member's token. Each answer's status is checked;
a 2xx answer must not carry a record of a review outside the caller's scope; a refused
request must leave the store exactly as it was. An operation in the document without an
expectation row fails the test, so a new operation cannot ship without its authorization.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from sqlmodel import Session, select

from intake_api.api.openapi import openapi_document
from intake_api.runtime import Runtime
from intake_api.staff import add_staff, issue_token, revoke_tokens
from models import StaffMember
from tests.factories import input_answers
from tests.intake_api.snapshots import changes, snapshot

HERE, ELSEWHERE = "escwa", "unece"
MARK = {HERE: "Qalqilya", ELSEWHERE: "Tartu"}  # a word only the records of each review carry
STAFF_ROLES = ("admin", "organiser_here", "organiser_elsewhere")
NOT_STAFF = ("no_token", "unknown_token", "revoked_token", "deactivated")
ROLES = STAFF_ROLES + NOT_STAFF
_keys = itertools.count()


@dataclass
class World:
    runtime: Runtime
    tokens: dict[str, str | None]
    receipts: dict[str, list[str]] = field(default_factory=dict)

    def new_input(self, review: str = HERE) -> str:
        text = f"In {MARK[review]} the recruitment agencies keep our passports for months."
        return self.runtime.service.submit_input(
            input_answers(review=review, text=text),
            channel="web",
            message_id=f"m{next(_keys)}",
            locale="en",
        ).code

    def new_pledge(self, *, publish: bool = True) -> str:
        return self.runtime.service.submit_pledge(
            _pledge(HERE) | {"consent_publish": publish}, **_web()
        ).code

    def new_practice(self, *, publish: bool = True) -> str:
        return self.runtime.service.submit_practice(
            _practice(HERE) | {"consent_publish": publish}, **_web()
        ).code


def _web() -> dict[str, Any]:
    return {"channel": "web", "message_id": f"m{next(_keys)}", "locale": "en"}


def _pledge(review: str | None) -> dict[str, Any]:
    where = MARK[review] if review else "the capital"
    return {
        "organisation": f"{where} council",
        "stakeholder_group": "local_authority",
        **({"review": review} if review else {}),
        "title": f"Safe housing in {where}",
        "objectives": [15],
        "text": "We will open two shelters for migrant families by 2027.",
        "consent_store": True,
    }


def _practice(review: str | None) -> dict[str, Any]:
    where = MARK[review] if review else "the capital"
    return {
        "title": f"Legal clinic of {where}",
        "objectives": [7],
        "countries": ["JO"],
        "description": "Volunteer lawyers advise migrant workers every week, for free, "
        "in four languages, since 2019.",
        "consent_store": True,
        **({"review": review} if review else {}),
    }


def _create(path: str, body: dict[str, Any]) -> Request:
    return lambda w: (
        "post",
        path,
        {"json": body, "headers": {"Idempotency-Key": f"k-{next(_keys)}"}},
    )


def _publish(path: str, receipt: Callable[[World], str], published: bool = True) -> Request:
    return lambda w: ("patch", f"{path}/{receipt(w)}", {"json": {"published": published}})


def _staff_input(review: str) -> dict[str, Any]:
    return {
        "review": review,
        "stakeholder_group": "youth",
        "theme": "cooperation",
        "consent_store": True,
        "text": f"A partner heard this in {MARK[review]}: employers should pay recruitment fees.",
    }


Request = Callable[[World], tuple[str, str, dict[str, Any]]]


@dataclass(frozen=True)
class Row:
    """One request and the status each caller gets; every caller who is not staff gets 401."""

    request: Request
    admin: int
    organiser_here: int
    organiser_elsewhere: int

    def expected(self, role: str) -> int:
        return 401 if role in NOT_STAFF else int(getattr(self, role))


def _get(url: str) -> Request:
    return lambda world: ("get", url, {})


EXPECTATIONS: dict[tuple[str, str], list[Row]] = {
    ("get", "/submissions"): [
        Row(_get(f"/submissions?review={HERE}"), 200, 200, 403),
        Row(
            _get("/submissions"), 200, 200, 200
        ),  # each sees their own reviews only (checked below)
    ],
    ("post", "/submissions"): [
        Row(
            lambda w: (
                "post",
                "/submissions",
                {"json": _staff_input(HERE), "headers": {"Idempotency-Key": f"k-{next(_keys)}"}},
            ),
            201,
            201,
            403,
        ),
        # The review as a list (it once reached another review): refused before anyone is asked.
        Row(
            lambda w: (
                "post",
                "/submissions",
                {
                    "json": {**_staff_input(HERE), "review": [ELSEWHERE, HERE]},
                    "headers": {"Idempotency-Key": f"k-{next(_keys)}"},
                },
            ),
            422,
            422,
            422,
        ),
    ],
    ("get", "/submissions/{receipt}"): [
        Row(lambda w: ("get", f"/submissions/{w.new_input()}", {}), 200, 200, 404)
    ],
    ("patch", "/submissions/{receipt}"): [
        Row(
            lambda w: (
                "patch",
                f"/submissions/{w.new_input()}",
                {"json": {"status": "flagged", "objectives": [7]}},
            ),
            200,
            200,
            404,
        ),
    ],
    ("delete", "/submissions/{receipt}"): [
        Row(lambda w: ("delete", f"/submissions/{w.new_input()}", {}), 204, 403, 403)
    ],
    ("post", "/submissions/{receipt}/consents"): [
        Row(
            lambda w: (
                "post",
                f"/submissions/{w.new_input()}/consents",
                {"json": {"consent": "quote", "granted": False}},
            ),
            200,
            200,
            404,
        ),
    ],
    ("get", "/reviews/{slug}/stats"): [Row(_get(f"/reviews/{HERE}/stats"), 200, 200, 403)],
    ("get", "/reviews/{slug}/report"): [
        Row(_get(f"/reviews/{HERE}/report?format=md"), 200, 200, 403)
    ],
    ("get", "/exports/submissions"): [
        Row(_get(f"/exports/submissions?format=jsonl&review={HERE}"), 200, 200, 403),
        Row(_get("/exports/submissions?format=csv"), 200, 200, 200),
    ],
    ("get", "/pledges"): [
        Row(_get(f"/pledges?review={HERE}"), 200, 200, 403),
        Row(_get("/pledges"), 200, 200, 200),
    ],
    ("get", "/practices"): [
        Row(_get(f"/practices?review={HERE}"), 200, 200, 403),
        Row(_get("/practices"), 200, 200, 200),
    ],
    # Capture (Action.CAPTURE) in the caller's reviews; an item of no review: administrators only.
    ("post", "/pledges"): [
        Row(_create("/pledges", _pledge(HERE) | {"consent_publish": True}), 201, 201, 403),
        Row(_create("/pledges", _pledge(None)), 201, 403, 403),
    ],
    ("post", "/practices"): [
        Row(_create("/practices", _practice(HERE)), 201, 201, 403),
        Row(_create("/practices", _practice(None) | {"consent_publish": True}), 201, 403, 403),
    ],
    # Publication (Action.PUBLISH): never without the author's consent to publish.
    ("patch", "/pledges/{receipt}"): [
        Row(_publish("/pledges", lambda w: w.new_pledge()), 200, 200, 404),
        Row(_publish("/pledges", lambda w: w.new_pledge(), False), 200, 200, 404),
        Row(_publish("/pledges", lambda w: w.new_pledge(publish=False)), 409, 409, 404),
        Row(_publish("/pledges", lambda w: w.new_practice()), 404, 404, 404),
    ],
    ("patch", "/practices/{receipt}"): [
        Row(_publish("/practices", lambda w: w.new_practice()), 200, 200, 404),
        Row(_publish("/practices", lambda w: w.new_practice(publish=False)), 409, 409, 404),
        Row(_publish("/practices", lambda w: w.new_input()), 404, 404, 404),
    ],
    ("get", "/registrations"): [
        Row(_get(f"/registrations?review={HERE}"), 200, 200, 403),
        Row(_get("/registrations"), 200, 200, 200),
    ],
}

_METHODS = {"get", "put", "post", "patch", "delete", "head", "options", "trace"}


def test_every_operation_of_the_document_has_expectations():
    documented = {
        (method, path)
        for path, item in openapi_document()["paths"].items()
        for method in item
        if method in _METHODS
    }
    assert documented == set(EXPECTATIONS), "each API operation needs its rows in EXPECTATIONS"


@pytest.fixture
def world(runtime: Runtime) -> World:
    engine, service = runtime.engine, runtime.service
    tokens: dict[str, str | None] = {"no_token": None, "unknown_token": "gcm_" + "x" * 43}
    for role, staff_role, reviews in (
        ("admin", "admin", []),
        ("organiser_here", "organiser", [HERE]),
        ("organiser_elsewhere", "organiser", [ELSEWHERE]),
        ("revoked_token", "admin", []),
        ("deactivated", "admin", []),
    ):
        member = add_staff(engine, email=f"{role}@un.example", role=staff_role, reviews=reviews)
        tokens[role] = issue_token(engine, staff_id=member.id or 0)
    revoke_tokens(engine, email="revoked_token@un.example")
    with Session(engine) as session:
        member = session.exec(
            select(StaffMember).where(StaffMember.email == "deactivated@un.example")
        ).one()
        member.active = False
        session.add(member)
        session.commit()
    world = World(runtime, tokens)
    for review in (HERE, ELSEWHERE):
        world.new_input(review)
        service.submit_pledge(
            {
                "organisation": f"{MARK[review]} council",
                "stakeholder_group": "local_authority",
                "review": review,
                "title": f"Safe housing in {MARK[review]}",
                "objectives": ["15"],
                "text": "We will open two shelters for migrant families by 2027.",
                "consent_store": "on",
            },
            channel="web",
            message_id=f"p-{review}",
            locale="en",
        )
        service.submit_practice(
            {
                "title": f"Legal clinic of {MARK[review]}",
                "objectives": ["7"],
                "countries": ["JO"],
                "description": "Volunteer lawyers advise migrant workers every week, for free, "
                "in four languages, since 2019.",
                "consent_store": "on",
            }
            | {"review": review},
            channel="web",
            message_id=f"r-{review}",
            locale="en",
        )
        service.register(
            {
                "review": review,
                "name": f"Rana of {MARK[review]}",
                "stakeholder_group": "youth",
                "country": "LB",
                "contact_email": "rana@example.org",
                "attendance_mode": "virtual",
                "consent_store": "on",
            },
            channel="web",
            message_id=f"g-{review}",
            locale="en",
        )
    return world


def _call(client, world: World, role: str, request: tuple[str, str, dict[str, Any]]):  # type: ignore[no-untyped-def]
    method, url, kwargs = request
    token = world.tokens[role]
    headers = {
        **kwargs.pop("headers", {}),
        **({"Authorization": f"Bearer {token}"} if token else {}),
    }
    return getattr(client, method)(f"/api/v1{url}", headers=headers, **kwargs)


def _visible_reviews(role: str) -> set[str]:
    return {
        "admin": {HERE, ELSEWHERE},
        "organiser_here": {HERE},
        "organiser_elsewhere": {ELSEWHERE},
    }[role]


@pytest.mark.parametrize("role", ROLES)
def test_each_caller_gets_what_the_policy_allows_and_nothing_else(client, world, engine, role):
    for (method, path), rows in EXPECTATIONS.items():
        for row in rows:
            request = row.request(world)  # a fresh record to act on, if the row needs one
            before = snapshot(engine)
            response = _call(client, world, role, request)
            where = f"{role}: {method.upper()} {path} -> {response.status_code}"
            assert response.status_code == row.expected(role), where
            if response.status_code >= 400:
                assert response.is_json and response.get_json()["error"], where
                assert changes(before, snapshot(engine)) == {}, f"{where} changed the store"
                continue
            body = response.get_data(as_text=True)
            for review, mark in MARK.items():
                if review not in _visible_reviews(role):
                    assert mark not in body, f"{where} shows a record of {review}"
