"""The API takes an input with only what it needs (review, text, storage consent); a contact
address needs an adult age group, refused otherwise with the service's words in the body's language."""

from __future__ import annotations

import pytest

from intake_api.api.openapi import openapi_document
from intake_api.api.schemas import new_input
from intake_api.i18n import gettext
from intake_api.notices import CONTACT_NEEDS_AGE, minor_contact_refused
from tests.intake_api.api.test_api import api, api_input, tokens  # noqa: F401 - fixtures
from tests.intake_api.snapshots import changes, snapshot

PROFILE = ("stakeholder_group", "country", "age_group", "gender", "consent_quote")


def test_the_document_requires_only_the_core_of_an_input():
    new = openapi_document()["components"]["schemas"]["NewInput"]
    assert new["required"] == ["review", "text", "consent_store"]
    assert {"stakeholder_group", "theme", "objectives", "contact_email"} <= set(new["properties"])
    assert new_input(frozenset())["required"] == ["review", "text", "consent_store"]


def test_an_input_with_only_its_core_gets_a_receipt(api):  # noqa: F811
    body = {k: v for k, v in api_input().items() if k not in (*PROFILE, "theme", "objectives")}
    response = api("post", "/submissions", json=body, headers={"Idempotency-Key": "core-only"})
    assert response.status_code == 201, response.get_json()
    stored = api("get", f"/submissions/{response.get_json()['receipt']}").get_json()
    assert stored["stakeholder_group"] is None and stored["theme"] is None
    assert stored["objectives"] == []


@pytest.mark.parametrize("locale", ["fr", "ar"])
def test_a_contact_address_without_an_age_group_is_refused_in_the_bodys_language(
    api,  # noqa: F811
    engine,
    locale,
):
    body = api_input(locale=locale, contact_email="rana@example.org")
    del body["age_group"]
    before = snapshot(engine)
    response = api("post", "/submissions", json=body, headers={"Idempotency-Key": f"c-{locale}"})
    assert response.status_code == 422
    assert response.get_json()["errors"] == {"contact_email": gettext(locale, CONTACT_NEEDS_AGE)}
    assert changes(before, snapshot(engine)) == {}


def test_a_minors_contact_address_is_refused_in_the_bodys_language(api, engine, runtime):  # noqa: F811
    body = api_input(locale="es", age_group="13_15", contact_email="child@example.org")
    response = api("post", "/submissions", json=body, headers={"Idempotency-Key": "minor"})
    assert response.status_code == 422
    age = runtime.service.digital_consent_age
    assert response.get_json()["errors"] == {"contact_email": minor_contact_refused("es", age)}


def test_an_adults_contact_address_is_taken(api):  # noqa: F811
    body = api_input(age_group="25_34", contact_email="rana@example.org")
    response = api("post", "/submissions", json=body, headers={"Idempotency-Key": "adult"})
    assert response.status_code == 201, response.get_json()
