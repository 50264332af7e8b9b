"""Redaction of personal data in free text, in the seven languages."""

from __future__ import annotations

import pytest

from intake_api.redaction import redact

CASES = [
    (
        "Call me on +962 7 9123 4567 or 079 123 4567, email amina@example.org",
        "Call me on [phone] or [phone], email [email]",
    ),
    (
        "Mi pasaporte P1234567 lo tiene el empleador. Vivo en Calle 45 # 12-30, Bogotá.",
        "Mi pasaporte [id] lo tiene el empleador. Vivo en [address], Bogotá.",
    ),
    (
        "IBAN JO94CBJO0010000000000131000302, see https://www.iom.int and facebook.com/some.one @mariam_k",
        "IBAN [iban], see https://www.iom.int and [url] [handle]",
    ),
    (
        "我的护照号码是E12345678，住在北京市朝阳区建国路88号。电话138 0013 8000",
        "我的护照号码是[id]，[address]。电话[phone]",
    ),
    (
        "Мой паспорт 4510 123456, адрес ул. Ленина, д. 5, кв. 12, тел. +7 (701) 123-45-67",
        "Мой паспорт [id], адрес [address], тел. [phone]",
    ),
    ("رقم جوازي N1234567 وأسكن في شارع الملك حسين، بناية 14", "رقم جوازي [id] وأسكن في [address]"),
    (
        "Meu celular é (55) 11 91234-5678 e o CPF 123.456.789-09",
        "Meu celular é [phone] e o CPF [id]",
    ),
]

NOT_PERSONAL = [
    "Objective 23 and A/RES/73/195 were adopted in 2018; Law 18.250 of 2008.",
    "3,000 workers paid USD 1,500 in fees; 12/03/2025 and 2025-03-12; 45% of them women.",
    "See https://www.iom.int and https://migrationnetwork.un.org/hub #GCM",
]


@pytest.mark.parametrize(("text", "expected"), CASES)
def test_personal_data_is_masked(text, expected):
    assert redact(text) == expected


@pytest.mark.parametrize("text", NOT_PERSONAL)
def test_policy_language_is_left_alone(text):
    assert redact(text) == text


# Not a disclosure of a protection risk (those are never quoted: tests/intake_api/policies/test_publication.py).
SECRET_TEXT = "Happy to speak at the consultation; my passport P1234567 is for the visa letter. Call me on +962 7 9123 4567 or write to amina@example.org."


def test_staff_facing_outputs_show_the_masked_text(service, engine, runtime):
    """Slack moderation and the API (InputView), digests, reports and exports never show the numbers."""
    from datetime import UTC, datetime, timedelta

    from intake_api.digests import digest_for
    from intake_api.exports import ExportFilter, iter_rows
    from intake_api.reports import build_report
    from intake_api.staff import add_staff
    from tests.factories import input_answers

    receipt = service.submit_input(
        input_answers(text=SECRET_TEXT), channel="web", message_id="r", locale="en"
    ).code
    admin = add_staff(engine, email="admin@un.example", role="admin", reviews=[])
    runtime.moderation.moderate(receipt=receipt, action="include", actor=admin)
    now = datetime.now(UTC)
    shown = [
        runtime.moderation.find_input(receipt=receipt).text,
        *(
            w
            for _, w in digest_for(
                engine,
                review_slug="escwa",
                since=now - timedelta(days=1),
                until=now + timedelta(minutes=1),
            ).quotes
        ),
        *(
            t
            for quotes in build_report(engine, review_slug="escwa").quotes.values()
            for _, t in quotes
        ),
        *(row["text"] for row in iter_rows(engine, ExportFilter(), "en")),
    ]
    assert len(shown) == 4
    for text in shown:
        assert "P1234567" not in text and "9123" not in text and "amina" not in text
        assert "[phone]" in text and "[email]" in text and "[id]" in text


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Mi perfil: WWW.FACEBOOK.COM", "Mi perfil: [url]"),  # no slash, upper case
        (
            "Passport N 12345 was taken",
            "Passport N [id] was taken",
        ),  # the fewest digits an ID may have
        ("Write to a@b.org", "Write to [email]"),
        ("Call +962 79 123 4567 today", "Call [phone] today"),
    ],
)
def test_detectors_skipped_only_when_they_cannot_match(text, expected):
    # find_personal_data skips a detector when the text lacks what all its matches need.
    assert redact(text) == expected
