"""A contributor's own input on the web: the access code, seeing it, withdrawing, erasing."""

from __future__ import annotations

import re

import pytest
from sqlmodel import Session, select

from intake_api.i18n import gettext
from intake_api.reports import build_report
from models import ConsentRecord, Submission
from tests.conftest import count_rows
from tests.factories import input_answers
from tests.web_helpers import hidden_fields, submit_form

ACCESS = re.compile(r'class="access-code">([A-Z2-7-]+)<')
WRITTEN = (
    "Our shelter needs interpreters. Write to me at nadia.q@example.org or call +962 7 9555 0101."
)


def send(client, locale="en", **answers):  # type: ignore[no-untyped-def]
    response = submit_form(client, f"/{locale}/inputs/new", input_answers(**answers))
    assert response.status_code == 303, response.status_code
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    receipt = re.search(r"(IN-[0-9A-Z]{4}-[0-9A-Z]{4})", page).group(1)
    found = ACCESS.search(page)
    return receipt, found.group(1) if found else None, page


def my_input(client, locale="en", **form):  # type: ignore[no-untyped-def]
    page = client.get(f"/{locale}/my-input").get_data(as_text=True)
    return client.post(f"/{locale}/my-input", data={**hidden_fields(page), **form})


def test_access_code_is_shown_only_to_the_browser_that_sent(app, client):
    receipt, code, _page = send(client)
    assert code and len(code.replace("-", "")) == 16
    stranger = app.test_client()
    page = stranger.get(f"/en/inputs/{receipt}").get_data(as_text=True)
    assert receipt in page and code not in page and not ACCESS.search(page)


def test_see_the_original_text_with_both_codes(client, engine):
    receipt, code, _ = send(client, text=WRITTEN, contact_email="nadia.q@example.org")
    with Session(engine) as session:
        stored = session.exec(select(Submission)).one()
    assert (
        "[email]" in stored.text and "nadia" not in stored.text and stored.text_original is not None
    )

    page = my_input(
        client, receipt=receipt.lower().replace("-", " "), access_code=code.lower(), action="open"
    )
    assert page.status_code == 200
    body = page.get_data(as_text=True)
    assert "nadia.q@example.org" in body  # the author sees what they wrote
    # in its own direction, whatever the page's: an English text on an Arabic page too
    assert '<blockquote class="my-text" dir="auto">' in body
    assert 'value="stop_quote"' in body and 'value="forget_contact"' in body


@pytest.mark.parametrize("locale", ["en", "ar", "zh"])
def test_wrong_code_and_unknown_receipt_look_the_same(client, locale):
    receipt, code, _ = send(client)
    wrong = my_input(
        client, locale, receipt=receipt, access_code="AAAA-BBBB-CCCC-DDDD", action="open"
    )
    unknown = my_input(client, locale, receipt="IN-0000-0000", access_code=code, action="open")
    message = gettext(
        locale, "We found nothing with this receipt code and access code. Please check both codes."
    )
    for response in (wrong, unknown):
        assert response.status_code == 404
        body = response.get_data(as_text=True)
        assert message in body
        assert receipt in body if response is wrong else True  # what was typed is kept


def test_stop_quotes_takes_effect_in_the_next_report(client, engine, runtime):
    from intake_api.staff import add_staff

    receipt, code, _ = send(
        client, consent_quote="on", text="Regular pathways for young workers must open now."
    )
    admin = add_staff(engine, email="admin@un.example", role="admin", reviews=[])
    runtime.moderation.moderate(
        receipt=receipt, action="include", actor=admin
    )  # staff chose it for the report
    before = build_report(engine, review_slug="escwa").quotes
    assert any(receipt == r for quotes in before.values() for r, _ in quotes)

    response = my_input(client, receipt=receipt, access_code=code, action="stop_quote")
    assert "We will not quote this input" in response.get_data(as_text=True)
    after = build_report(engine, review_slug="escwa").quotes
    assert not any(receipt == r for quotes in after.values() for r, _ in quotes)
    with Session(engine) as session:
        withdrawn = session.exec(
            select(ConsentRecord)
            .where(ConsentRecord.kind == "quote")
            .order_by(ConsentRecord.id.desc())
        ).first()  # type: ignore[union-attr]
    assert (withdrawn.granted, withdrawn.channel) == (False, "web")


def test_forget_contact_deletes_the_encrypted_address(client, engine):
    receipt, code, _ = send(client, contact_email="someone@example.org")
    my_input(client, receipt=receipt, access_code=code, action="forget_contact")
    with Session(engine) as session:
        assert session.exec(select(Submission.contact_email)).one() is None


def test_erase_asks_once_more_then_erases(client, engine):
    receipt, code, _ = send(client)
    confirm = my_input(client, receipt=receipt, access_code=code, action="erase")
    assert 'value="erase_confirmed"' in confirm.get_data(as_text=True)
    assert count_rows(engine, "submission") == 1
    done = my_input(client, receipt=receipt, access_code=code, action="erase_confirmed")
    assert "What you sent is erased" in done.get_data(as_text=True)
    assert count_rows(engine, "submission") == 0 and count_rows(engine, "consent_record") == 0
    again = my_input(client, receipt=receipt, access_code=code, action="erase_confirmed")
    assert again.status_code == 404  # idempotent: nothing left to erase


def test_guessing_is_rate_limited(client):
    statuses = [
        my_input(
            client, receipt="IN-0000-0000", access_code=f"AAAA-{n:04d}", action="open"
        ).status_code
        for n in range(12)
    ]
    assert statuses[:10] == [404] * 10 and statuses[-1] == 429


def test_registration_form_shows_its_own_notice(client):
    page = client.get("/fr/reviews/eca/register").get_data(as_text=True)
    assert gettext("fr", "They are stored encrypted; only the organisers see them.") in page
    assert (
        gettext(
            "fr",
            "We store your answers to prepare the regional review of the Global Compact for Migration. We do not ask for your name.",
        )
        not in page
    )


def test_a_disclosure_on_the_web_gets_help_on_the_receipt_page(app, client, engine):
    receipt, _code, page = send(
        client, "ar", text="My employer took my passport and I cannot leave the house."
    )
    assert gettext("ar", "You are not alone. If you are in danger, please seek help now.") in page
    assert (
        gettext(
            "ar",
            "Local emergency services, IOM or UNHCR offices, and trusted organisations near you can help. Your input is marked for the organisers to read first.",
        )
        in page
    )
    stranger = app.test_client().get(f"/ar/inputs/{receipt}").get_data(as_text=True)
    assert (
        gettext("ar", "You are not alone. If you are in danger, please seek help now.")
        not in stranger
    )
