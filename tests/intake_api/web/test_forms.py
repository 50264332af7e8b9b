"""The public forms through Flask's test client: every route, locale and error path."""

from __future__ import annotations

import re
from html import unescape

import pytest
from sqlmodel import Session, select

from intake_api.i18n import LOCALES, gettext
from models import Pledge, Practice, Registration, Submission
from tests.conftest import count_rows
from tests.factories import input_answers
from tests.web_helpers import hidden_fields, submit_form


@pytest.mark.parametrize("locale", LOCALES)
def test_input_form_renders_every_question_in_the_locale(client, locale):
    response = client.get(f"/{locale}/inputs/new")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert f'<html lang="{locale}" dir="{"rtl" if locale == "ar" else "ltr"}">' in page
    for field in (
        "review",
        "stakeholder_group",
        "country",
        "age_group",
        "gender",
        "theme",
        "objectives",
        "text",
        "contact_email",
        "consent_store",
        "consent_quote",
        "website",
    ):
        assert f'name="{field}"' in page, field
    assert page.count('name="objectives"') == 23
    assert gettext(locale, "Share your input") in page
    assert gettext(locale, "How we handle your input") in page
    consent_box = re.search(r'<input type="checkbox" name="consent_store"[^>]*>', page).group(0)
    assert "checked" not in consent_box


def test_every_input_is_labelled(client):
    page = client.get("/en/inputs/new").get_data(as_text=True)
    ids = set(re.findall(r'<(?:input|select|textarea)[^>]*\sid="([^"]+)"', page))
    labelled = set(re.findall(r'<label for="([^"]+)"', page))
    assert ids <= labelled


def test_review_is_preselected_from_the_query(client):
    page = client.get("/en/inputs/new?review=escwa").get_data(as_text=True)
    assert re.search(r'value="escwa" id="[^"]+"\s+checked', page)


@pytest.mark.parametrize("locale", ["en", "ar", "zh"])
def test_submission_redirects_to_a_receipt_page(client, engine, locale):
    response = submit_form(client, f"/{locale}/inputs/new", input_answers(locale))
    assert response.status_code == 303
    location = response.headers["Location"]
    assert re.fullmatch(rf"/{locale}/inputs/IN-[0-9A-Z]{{4}}-[0-9A-Z]{{4}}", location)
    receipt_page = client.get(location)
    code = location.rsplit("/", 1)[1]
    assert receipt_page.status_code == 200
    assert code in receipt_page.get_data(as_text=True)
    assert receipt_page.headers["Cache-Control"] == "no-store"
    with Session(engine) as session:
        stored = session.exec(select(Submission)).one()
    assert stored.receipt == code and stored.channel == "web" and stored.locale == locale
    assert stored.objectives == [3, 5]


def test_errors_keep_every_answer_and_store_nothing(client, engine):
    typed = input_answers(
        "fr",
        text="court",
        consent_store="",
        objectives=["3", "24"],
        contact_email="pas-une-adresse",
    )
    response = submit_form(client, "/fr/inputs/new", typed)
    page = unescape(response.get_data(as_text=True))
    assert response.status_code == 422
    assert count_rows(engine, "submission") == 0
    assert 'class="error-summary" role="alert"' in page
    assert 'href="#field-text"' in page and 'href="#field-consent_store"' in page
    assert gettext("fr", "Please check your answers") in page
    assert ">court</textarea>" in page
    assert 'value="pas-une-adresse"' in page
    assert re.search(r'value="escwa" id="[^"]+"\s+checked', page)
    assert re.search(r'value="3" id="[^"]+"\s+checked', page)
    assert 'aria-describedby="help-text error-text" aria-invalid="true"' in page
    assert (
        gettext(
            "fr", "We can only keep your input with your consent. Please tick the box to agree."
        )
        in page
    )


def test_double_click_stores_one_submission(client, engine):
    page = client.get("/en/inputs/new").get_data(as_text=True)
    data = {**hidden_fields(page), **input_answers()}
    first = client.post("/en/inputs/new", data=data)
    second = client.post("/en/inputs/new", data=data)
    assert first.headers["Location"] == second.headers["Location"]
    assert count_rows(engine, "submission") == 1


def test_the_same_form_sent_again_with_changes_is_a_new_input_not_the_first_receipt(client, engine):
    page = client.get("/es/inputs/new").get_data(as_text=True)
    fields = hidden_fields(page)
    first = client.post("/es/inputs/new", data={**fields, **input_answers("es")})
    assert first.status_code == 303
    # Back to the form, change the text, send it again: the first receipt must not answer it.
    changed = {
        **fields,
        **input_answers("es", text="Otra idea: ventanillas únicas para migrantes retornados."),
    }
    again = client.post("/es/inputs/new", data=changed)
    body = unescape(again.get_data(as_text=True))
    assert again.status_code == 409 and "Location" not in again.headers
    assert first.headers["Location"].rsplit("/", 1)[1] not in body
    assert (
        gettext(
            "es",
            "This form was already sent once. Your changed answers are kept below: please check them and send them again as a new input.",
        )
        in body
    )
    assert "ventanillas únicas" in body
    resent = client.post("/es/inputs/new", data={**changed, **hidden_fields(body)})
    assert resent.status_code == 303 and resent.headers["Location"] != first.headers["Location"]
    assert count_rows(engine, "submission") == 2


def test_honeypot_gets_a_normal_reply_and_stores_nothing(client, engine):
    response = submit_form(
        client, "/en/inputs/new", {**input_answers(), "website": "http://spam.example"}
    )
    assert response.status_code == 200
    assert gettext("en", "Thank you") in response.get_data(as_text=True)
    assert count_rows(engine, "submission") == 0


def test_expired_csrf_token_keeps_the_answers(client, engine):
    data = {
        **input_answers("es", text="Mi aporte sobre la inclusión de jóvenes migrantes."),
        "csrf_token": "expired",
    }
    response = client.post("/es/inputs/new", data=data)
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Mi aporte sobre la inclusión de jóvenes migrantes." in page
    assert 'name="csrf_token" value="' in page  # a fresh token to send again
    assert count_rows(engine, "submission") == 0
    retry = client.post("/es/inputs/new", data={**data, **hidden_fields(page)})
    assert retry.status_code == 303


def test_unknown_receipt_is_404(client):
    assert client.get("/en/inputs/IN-0000-0000").status_code == 404
    assert client.get("/en/inputs/PL-0000-0000").status_code == 404


def test_pledge_form(client, engine):
    response = submit_form(
        client,
        "/pt/pledges/new",
        {
            "organisation": "Câmara Municipal",
            "stakeholder_group": "local_authority",
            "title": "Cidades acolhedoras",
            "text": "Comprometemo-nos a abrir centros de informação para migrantes até 2027.",
            "objectives": ["3", "16"],
            "consent_store": "on",
        },
    )
    assert response.status_code == 303 and "/pt/pledges/PL-" in response.headers["Location"]
    assert client.get(response.headers["Location"]).status_code == 200
    with Session(engine) as session:
        assert session.exec(select(Pledge.objectives)).one() == [3, 16]


def test_practice_form(client, engine):
    response = submit_form(
        client,
        "/en/practices/new",
        {
            "title": "Mobile birth registration",
            "objectives": ["4"],
            "countries": ["NE", "TD"],
            "description": "Mobile teams register births in border communities so that children get a legal identity.",
            "partners": "UNICEF, local NGOs",
            "link": "https://example.org/practice",
            "consent_store": "on",
        },
    )
    assert response.status_code == 303
    with Session(engine) as session:
        assert session.exec(select(Practice.countries)).one() == ["NE", "TD"]


def test_registration_with_travel_support(client, engine):
    response = submit_form(
        client,
        "/en/reviews/eca/register",
        {
            "name": "Tendai Moyo",
            "stakeholder_group": "youth",
            "country": "MW",
            "contact_email": "tendai@example.org",
            "attendance_mode": "in_person",
            "travel_support": "on",
            "travel_reason": "Our youth group has no travel budget.",
            "consent_store": "on",
            "review": "escwa",  # the URL decides the review, not a tampered field
        },
    )
    assert response.status_code == 303
    assert response.headers["Location"].startswith("/en/reviews/eca/registrations/RG-")
    assert client.get(response.headers["Location"]).status_code == 200
    with Session(engine) as session:
        stored = session.exec(select(Registration)).one()
    assert stored.review_slug == "eca" and stored.travel_support


def test_registration_error_for_travel_support_without_reason(client, engine):
    response = submit_form(
        client,
        "/ru/reviews/unece/register",
        {
            "name": "Участник",
            "stakeholder_group": "academia",
            "country": "KZ",
            "contact_email": "p@example.org",
            "attendance_mode": "in_person",
            "travel_support": "on",
            "consent_store": "on",
        },
    )
    assert response.status_code == 422
    assert 'value="Участник"' in response.get_data(as_text=True)
    assert count_rows(engine, "registration") == 0


def test_registration_for_unknown_review_is_404(client):
    assert client.get("/en/reviews/atlantis/register").status_code == 404


@pytest.mark.parametrize(
    "path", ["/{}/inputs/new", "/{}/pledges/new", "/{}/practices/new", "/{}/reviews/eca/register"]
)
def test_language_switcher_keeps_the_page(client, path):
    page = client.get(path.format("en") + "?review=eca").get_data(as_text=True)
    assert f'href="{path.format("ar")}' in page


def test_countries_are_localized_and_sorted(client):
    page = client.get("/fr/inputs/new").get_data(as_text=True)
    assert page.index(">Égypte<") < page.index(">Espagne<") < page.index(">Zambie<")


def test_input_form_tells_minors_what_changes_for_them(client):
    page = unescape(client.get("/ar/inputs/new").get_data(as_text=True))
    assert "إذا كان عمرك أقل من 16 عامًا، فلن نحفظ أي عنوان بريد إلكتروني" in page
