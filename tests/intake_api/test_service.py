"""The intake service on SQLite and PostgreSQL: store, refuse, and store exactly once."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import text
from sqlmodel import Session, select

from intake_api.i18n import LOCALES, gettext
from intake_api.policies.authorization import OPERATOR
from intake_api.questionnaire import CONSENT_NOTICE_VERSION
from intake_api.service import InvalidAnswers
from models import (
    AuditEntry,
    ConsentRecord,
    Contributor,
    Pledge,
    Practice,
    Registration,
    Submission,
)
from tests.conftest import count_rows
from tests.factories import input_answers


@pytest.mark.parametrize("locale", LOCALES)
def test_input_is_stored_with_its_answers_and_consents(service, engine, locale):
    receipt = service.submit_input(
        input_answers(locale), channel="web", message_id=f"form-{locale}", locale=locale
    )

    assert not receipt.duplicate
    assert receipt.code.startswith("IN-") and len(receipt.code) == 12
    with Session(engine) as session:
        stored = session.exec(select(Submission)).one()
        assert stored.receipt == receipt.code
        assert (stored.review_slug, stored.stakeholder_group, stored.theme) == (
            "escwa",
            "youth",
            "priorities_gaps",
        )
        assert stored.objectives == [3, 5]
        assert stored.locale == locale and stored.status == "new"
        assert stored.consent_store and stored.consent_quote
        assert stored.consent_version == CONSENT_NOTICE_VERSION
        consents = {c.kind: c.granted for c in session.exec(select(ConsentRecord))}
        assert consents == {"store": True, "quote": True}
        audit = session.exec(select(AuditEntry)).one()
        assert (audit.action, audit.subject_id) == ("input.created", stored.id)


def test_same_message_twice_returns_the_first_receipt_and_stores_nothing(service, engine):
    first = service.submit_input(
        input_answers(), channel="telegram", message_id="update-7", locale="en"
    )
    again = service.submit_input(
        input_answers(), channel="telegram", message_id="update-7", locale="en"
    )

    assert again.code == first.code and again.duplicate
    assert count_rows(engine, "submission") == 1
    assert count_rows(engine, "consent_record") == 2
    assert count_rows(engine, "audit_entry") == 1


def test_same_message_id_on_another_channel_is_another_input(service, engine):
    service.submit_input(input_answers(), channel="telegram", message_id="42", locale="en")
    service.submit_input(
        input_answers(), channel="slack", message_id="42", locale="en", staff=OPERATOR
    )
    assert count_rows(engine, "submission") == 2


def test_twenty_concurrent_deliveries_store_one_row(service, engine):
    def deliver(_: int):
        return service.submit_input(
            input_answers(),
            channel="telegram",
            message_id="update-99",
            locale="ar",
            platform_user_id=555001,
        )

    with ThreadPoolExecutor(max_workers=20) as pool:
        receipts = list(pool.map(deliver, range(20)))

    assert len({r.code for r in receipts}) == 1
    assert sum(not r.duplicate for r in receipts) == 1
    assert count_rows(engine, "submission") == 1
    assert count_rows(engine, "submission_objective") == 2
    assert count_rows(engine, "contributor") == 1


def test_concurrent_different_inputs_all_stored(service, engine):
    with ThreadPoolExecutor(max_workers=10) as pool:
        receipts = list(
            pool.map(
                lambda n: service.submit_input(
                    input_answers(), channel="web", message_id=f"m{n}", locale="en"
                ),
                range(30),
            )
        )
    assert len({r.code for r in receipts}) == 30
    assert count_rows(engine, "submission") == 30
    with engine.connect() as connection:  # the same text, arriving together: still one group
        groups = (
            connection.execute(text("SELECT DISTINCT duplicate_group FROM submission"))
            .scalars()
            .all()
        )
    assert len(groups) == 1 and groups[0] is not None


INVALID = [
    ("consent_store", {"consent_store": ""}, "consent_required"),
    ("consent_store", {"consent_store": None}, "consent_required"),
    ("text", {"text": "too short"}, "too_short"),
    ("text", {"text": "x" * 5001}, "too_long"),
    ("text", {"text": "y" * 2_000_000}, "too_long"),
    ("text", {"text": "   "}, "required"),
    ("text", {"text": "has a NUL \x00 byte inside it"}, "invalid_characters"),
    ("text", {"text": b"\xff\xfe not utf-8 at all, really"}, "invalid_characters"),
    ("text", {"text": "lone surrogate \udc80 from a broken client"}, "invalid_characters"),
    ("review", {"review": "atlantis"}, "invalid_choice"),
    ("review", {"review": ""}, "required"),
    ("objectives", {"objectives": ["0"]}, "invalid_choice"),
    ("objectives", {"objectives": ["24"]}, "invalid_choice"),
    ("objectives", {"objectives": ["x"]}, "invalid_choice"),
    ("objectives", {"objectives": ["1", "2", "3", "4", "5", "6"]}, "too_many"),
    ("country", {"country": "XX"}, "invalid_country"),
    ("country", {"country": "EU"}, "invalid_country"),
    ("contact_email", {"contact_email": "not-an-address"}, "invalid_email"),
    ("contact_email", {"contact_email": "a@b"}, "invalid_email"),
    ("theme", {"theme": "weather"}, "invalid_choice"),
    ("stakeholder_group", {"stakeholder_group": "aliens"}, "invalid_choice"),  # optional now
]


@pytest.mark.parametrize(
    ("field", "override", "code"),
    INVALID,
    ids=[f"{f}-{c}-{i}" for i, (f, _, c) in enumerate(INVALID)],
)
def test_invalid_answer_gives_a_translated_field_error_and_stores_nothing(
    service, engine, field, override, code
):
    with pytest.raises(InvalidAnswers) as refused:
        service.submit_input(
            input_answers("fr", **override), channel="web", message_id="bad", locale="fr"
        )

    errors = {e.field: e for e in refused.value.errors}
    assert errors[field].code == code
    assert errors[field].message  # a sentence in French, not a code
    assert errors[field].message != code
    for table in (
        "submission",
        "submission_objective",
        "consent_record",
        "audit_entry",
        "contributor",
    ):
        assert count_rows(engine, table) == 0, table


def test_errors_are_in_the_contributors_language(service):
    with pytest.raises(InvalidAnswers) as refused:
        service.submit_input(
            input_answers("ar", consent_store=""), channel="web", message_id="1", locale="ar"
        )
    message = refused.value.by_field()["consent_store"]
    assert message == gettext(
        "ar", "We can only keep your input with your consent. Please tick the box to agree."
    )
    assert any("\u0600" <= ch <= "\u06ff" for ch in message)  # Arabic script


def test_length_error_states_the_limit(service):
    with pytest.raises(InvalidAnswers) as refused:
        service.submit_input(
            input_answers(text="z" * 6000), channel="web", message_id="1", locale="en"
        )
    assert "5000" in refused.value.by_field()["text"] and "6000" in refused.value.by_field()["text"]


def test_unknown_locale_falls_back_to_english(service, engine):
    receipt = service.submit_input(input_answers(), channel="web", message_id="1", locale="xx")
    with Session(engine) as session:
        assert session.exec(select(Submission.locale)).one() == "en"
    assert receipt.code


def test_raw_platform_ids_never_reach_the_store(service, engine):
    telegram_id, slack_id = 987654321012, "U07SLACKUSER"
    service.submit_input(
        input_answers(),
        channel="telegram",
        message_id="u1",
        locale="en",
        platform_user_id=telegram_id,
    )
    service.submit_input(
        input_answers(),
        channel="telegram",
        message_id="u2",
        locale="en",
        platform_user_id=telegram_id,
    )
    service.submit_input(
        input_answers(),
        channel="slack",
        message_id="v1",
        locale="en",
        platform_user_id=slack_id,
        staff=OPERATOR,
    )

    assert count_rows(engine, "contributor") == 2
    dump = _all_text(engine)
    assert str(telegram_id) not in dump
    assert slack_id not in dump and slack_id.lower() not in dump.lower()


def test_contributor_profile_is_remembered(service, engine):
    service.submit_input(
        input_answers(), channel="telegram", message_id="u1", locale="ru", platform_user_id=1
    )
    with Session(engine) as session:
        contributor = session.exec(select(Contributor)).one()
    assert (contributor.stakeholder_group, contributor.country, contributor.locale) == (
        "youth",
        "JO",
        "ru",
    )


def test_contact_email_is_encrypted_at_rest(service, engine, runtime):
    address = "amina.k@example.org"
    service.submit_input(
        input_answers(contact_email=address), channel="web", message_id="1", locale="en"
    )

    assert address not in _all_text(engine)
    assert "amina" not in _all_text(engine)
    with Session(engine) as session:
        sealed = session.exec(select(Submission.contact_email)).one()
        consents = {c.kind for c in session.exec(select(ConsentRecord))}
    assert runtime.keys.decrypt(sealed, context="input.contact_email") == address
    assert "contact" in consents
    if engine.dialect.name == "sqlite":
        engine.dispose()
        database_file = engine.url.database
        with open(database_file, "rb") as handle:
            raw = handle.read()
        for suffix in ("-wal",):
            try:
                with open(database_file + suffix, "rb") as handle:
                    raw += handle.read()
            except FileNotFoundError:
                pass
        assert address.encode() not in raw


def test_pledge_practice_and_registration_are_stored(service, engine, runtime):
    pledge = service.submit_pledge(
        {
            "organisation": "Ministry of Labour",
            "stakeholder_group": "government",
            "title": "Fair recruitment",
            "text": "We pledge to end recruitment fees for workers by 2027.",
            "objectives": ["6"],
            "consent_store": "on",
        },
        channel="web",
        message_id="p1",
        locale="en",
    )
    practice = service.submit_practice(
        {
            "title": "Mobile birth registration",
            "objectives": ["4"],
            "countries": ["ne", "TD"],
            "description": "Mobile teams register births in border communities so that children get a legal identity.",
            "link": "https://example.org/practice",
            "consent_store": "on",
        },
        channel="web",
        message_id="p2",
        locale="fr",
    )
    registration = service.register(
        {
            "review": "eca",
            "name": "Tendai Moyo",
            "stakeholder_group": "youth",
            "country": "ZW",
            "contact_email": "tendai@example.org",
            "attendance_mode": "in_person",
            "travel_support": "on",
            "travel_reason": "Our youth group has no travel budget.",
            "accessibility_needs": "Wheelchair access",
            "consent_store": "on",
        },
        channel="web",
        message_id="p3",
        locale="en",
    )
    assert (pledge.code[:2], practice.code[:2], registration.code[:2]) == ("PL", "PR", "RG")
    with Session(engine) as session:
        assert session.exec(select(Pledge.objectives)).one() == [6]
        assert session.exec(select(Practice.countries)).one() == ["NE", "TD"]
        stored = session.exec(select(Registration)).one()
    assert stored.travel_support
    assert runtime.keys.decrypt(stored.name, context="registration.name") == "Tendai Moyo"
    dump = _all_text(engine)
    assert "Tendai" not in dump and "Wheelchair" not in dump


def test_travel_support_needs_in_person_attendance_and_a_reason(service, engine):
    base = {
        "review": "eca",
        "name": "A participant",
        "stakeholder_group": "youth",
        "country": "ZW",
        "contact_email": "p@example.org",
        "consent_store": "on",
        "travel_support": "on",
    }
    with pytest.raises(InvalidAnswers) as virtual:
        service.register(
            {**base, "attendance_mode": "virtual"}, channel="web", message_id="r1", locale="es"
        )
    with pytest.raises(InvalidAnswers) as no_reason:
        service.register(
            {**base, "attendance_mode": "in_person"}, channel="web", message_id="r2", locale="es"
        )
    assert virtual.value.errors[0].code == "travel_needs_in_person"
    assert no_reason.value.by_field().keys() == {"travel_reason"}
    assert count_rows(engine, "registration") == 0


def _all_text(engine) -> str:
    """Every text, JSON and binary column of every table, as one string."""
    chunks: list[str] = []
    with engine.connect() as connection:
        tables = [t for t in _table_names(connection) if t != "alembic_version"]
        for table in tables:
            for row in connection.execute(text(f'SELECT * FROM "{table}"')):  # noqa: S608
                for value in row:
                    if isinstance(value, bytes | memoryview):
                        chunks.append(bytes(value).decode("latin-1"))
                    elif value is not None:
                        chunks.append(str(value))
    return "\n".join(chunks)


def _table_names(connection) -> list[str]:
    from sqlalchemy import inspect

    return inspect(connection).get_table_names()


def test_government_travel_support_is_for_least_developed_countries(service, engine):
    base = {
        "review": "eca",
        "name": "An official",
        "stakeholder_group": "government",
        "contact_email": "o@example.org",
        "attendance_mode": "in_person",
        "travel_support": "on",
        "travel_reason": "No budget line for regional meetings.",
        "consent_store": "on",
    }
    with pytest.raises(InvalidAnswers) as refused:
        service.register({**base, "country": "ZA"}, channel="web", message_id="g1", locale="en")
    assert refused.value.errors[0].code == "travel_not_eligible"
    assert not service.register(
        {**base, "country": "MW"}, channel="web", message_id="g2", locale="en"
    ).duplicate
    assert count_rows(engine, "registration") == 1


@pytest.mark.parametrize("age_group", ["under_13", "13_15"])
def test_minors_are_never_quoted_and_give_no_contact(service, engine, age_group):
    refused = pytest.raises(InvalidAnswers)
    with refused as error:
        service.submit_input(
            input_answers("es", age_group=age_group, contact_email="kid@example.org"),
            channel="web",
            message_id="m1",
            locale="es",
        )
    assert error.value.errors[0].code == "minor_contact" and "16" in error.value.errors[0].message
    service.submit_input(
        input_answers(age_group=age_group, consent_quote="on"),
        channel="web",
        message_id="m2",
        locale="en",
    )
    with Session(engine) as session:
        stored = session.exec(select(Submission)).one()
        quote_consent = session.exec(
            select(ConsentRecord).where(ConsentRecord.kind == "quote")
        ).one()
    assert stored.consent_quote is False and quote_consent.granted is False
    assert stored.contact_email is None


def test_sixteen_and_over_may_be_quoted(service, engine):
    service.submit_input(
        input_answers(age_group="16_17", consent_quote="on"),
        channel="web",
        message_id="m3",
        locale="en",
    )
    with Session(engine) as session:
        assert session.exec(select(Submission.consent_quote)).one() is True


def _pledge(**overrides):  # type: ignore[no-untyped-def]
    return {
        "organisation": "Ministry of Labour",
        "stakeholder_group": "government",
        "title": "Fair recruitment",
        "text": "We will abolish recruitment fees for migrant workers by 2027.",
        "objectives": ["6"],
        "consent_store": "on",
        **overrides,
    }


@pytest.mark.parametrize(
    ("submit", "answers", "changed"),
    [
        ("submit_input", input_answers(), {"theme": "governance"}),
        ("submit_input", input_answers(), {"text": input_answers()["text"] + " And work permits."}),
        ("submit_pledge", _pledge(), {"title": "Fair recruitment now"}),
    ],
)
def test_a_message_id_used_again_with_other_answers_is_refused(
    service, engine, submit, answers, changed
):
    from intake_api.service import IdempotencyConflict

    first = getattr(service, submit)(answers, channel="web", message_id="key-1", locale="en")
    again = getattr(service, submit)(dict(answers), channel="web", message_id="key-1", locale="en")
    assert again.duplicate and again.code == first.code  # a redelivery: the same answers
    before = {
        table: count_rows(engine, table)
        for table in ("submission", "pledge", "consent_record", "audit_entry")
    }
    with pytest.raises(IdempotencyConflict) as refused:
        getattr(service, submit)(
            {**answers, **changed}, channel="web", message_id="key-1", locale="en"
        )
    assert refused.value.receipt == first.code  # for the channel's log, never shown to the sender
    assert {table: count_rows(engine, table) for table in before} == before


def test_records_stored_before_fingerprints_stay_duplicates(service, engine):
    first = service.submit_input(input_answers(), channel="web", message_id="old", locale="en")
    with engine.begin() as connection:
        connection.execute(text("UPDATE submission SET answers_fingerprint = NULL"))
    again = service.submit_input(
        input_answers(theme="governance"), channel="web", message_id="old", locale="en"
    )
    assert again.duplicate and again.code == first.code


def test_free_text_of_every_kind_is_stored_masked(service, engine):
    written = "Reach us at amina.k@example.org or +962 79 123 4567 any day."
    service.submit_pledge(
        _pledge(title="Call +962 79 123 4567", text=written),
        channel="web",
        message_id="p",
        locale="en",
    )
    service.submit_practice(
        {
            "title": "Clinic amina.k@example.org",
            "description": written * 2,
            "objectives": ["7"],
            "countries": ["JO"],
            "organisation": "Legal aid, +962 79 123 4567",
            "partners": "amina.k@example.org",
            "consent_store": "on",
        },
        channel="web",
        message_id="r",
        locale="en",
    )
    service.register(
        {
            "review": "escwa",
            "name": "Rana K.",
            "stakeholder_group": "youth",
            "country": "AF",
            "contact_email": "rana@example.org",
            "attendance_mode": "in_person",
            "travel_support": "on",
            "travel_reason": written,
            "organisation": "amina.k@example.org",
            "consent_store": "on",
        },
        channel="web",
        message_id="g",
        locale="en",
    )
    with Session(engine) as session:
        pledge, practice = session.exec(select(Pledge)).one(), session.exec(select(Practice)).one()
        registration = session.exec(select(Registration)).one()
    assert (pledge.title, pledge.text) == (
        "Call [phone]",
        "Reach us at [email] or [phone] any day.",
    )
    assert (practice.title, practice.organisation, practice.partners) == (
        "Clinic [email]",
        "Legal aid, [phone]",
        "[email]",
    )
    assert "[email]" in practice.description and "@" not in practice.description
    assert registration.travel_reason == "Reach us at [email] or [phone] any day."
    assert registration.organisation == "[email]"
