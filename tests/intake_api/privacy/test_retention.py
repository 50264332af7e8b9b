"""Retention: the purge removes what its purpose no longer needs, and survives a crash midway."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from click.testing import CliRunner
from sqlmodel import Session, select

from intake_api.cli import main
from intake_api.retention import Policy, Retention
from models import (
    BroadcastDelivery,
    ChatContact,
    ChatSession,
    RegionalReview,
    Registration,
    Submission,
)

POLICY = Policy(contact_retention_days=30, conversation_retention_days=30)


def _fill(service, n: int = 7) -> None:  # type: ignore[no-untyped-def]
    from tests.factories import input_answers

    for i in range(n):
        service.submit_input(
            input_answers(
                contact_email=f"p{i}@example.org",
                text=f"Call me on +962 7 9555 01{i:02d} please, about work permits.",
            ),
            channel="web",
            message_id=f"r{i}",
            locale="en",
        )
    service.submit_input(
        input_answers(review="unece", contact_email="kept@example.org"),
        channel="web",
        message_id="unece",
        locale="en",
    )
    service.register(
        {
            "review": "escwa",
            "name": "Leila Haddad",
            "stakeholder_group": "civil_society",
            "country": "LB",
            "contact_email": "leila@example.org",
            "attendance_mode": "in_person",
            "accessibility_needs": "Arabic interpretation",
            "consent_store": "on",
        },
        channel="web",
        message_id="reg",
        locale="en",
    )


def _after_escwa_consultation(engine, days: int) -> datetime:  # type: ignore[no-untyped-def]
    with Session(engine) as session:
        consultation: date = session.get_one(RegionalReview, "escwa").consultation_on
    return datetime.combine(consultation + timedelta(days=days), datetime.min.time(), tzinfo=UTC)


def test_nothing_is_due_before_the_retention_period_ends(service, engine):
    _fill(service)
    assert (
        sum(Retention(engine, POLICY).plan(now=_after_escwa_consultation(engine, 30)).values()) == 0
    )


def test_purge_keeps_the_redacted_text_and_drops_contacts_originals_and_names(service, engine):
    _fill(service)
    now = _after_escwa_consultation(engine, 31)
    due = Retention(engine, POLICY).plan(now=now)
    assert due["submission.contact_email"] == 7 and due["submission.text_original"] == 7
    assert due["registration.contact_email"] == 1 and due["registration.name_and_needs"] == 1

    done = Retention(engine, POLICY).purge(now=now, batch=3)
    assert done == due
    with Session(engine) as session:
        escwa = session.exec(select(Submission).where(Submission.review_slug == "escwa")).all()
        later = session.exec(select(Submission).where(Submission.review_slug == "unece")).one()
        registration = session.exec(select(Registration)).one()
    assert all(
        s.contact_email is None and s.text_original is None and "[phone]" in s.text for s in escwa
    )
    assert later.contact_email is not None  # its consultation is a week later: not due yet
    assert registration.name == b"" and registration.accessibility_needs is None
    assert registration.attendance_mode == "in_person"  # counts for the report stay
    assert sum(Retention(engine, POLICY).plan(now=now).values()) == 0


def test_a_purge_that_crashes_midway_finishes_on_the_next_run(service, engine):
    _fill(service)
    now = _after_escwa_consultation(engine, 31)
    due = Retention(engine, POLICY).plan(now=now)
    batches = []

    def crash_after_two(_step: str, count: int) -> None:
        batches.append(count)
        if len(batches) == 2:
            raise KeyboardInterrupt("power cut")

    with pytest.raises(KeyboardInterrupt):
        Retention(engine, POLICY).purge(now=now, batch=2, progress=crash_after_two)
    left = Retention(engine, POLICY).plan(now=now)
    assert sum(left.values()) == sum(due.values()) - 4  # two committed batches of two
    Retention(engine, POLICY).purge(now=now, batch=2)
    assert sum(Retention(engine, POLICY).plan(now=now).values()) == 0


def test_idle_conversations_go_after_the_retention_period(engine):
    old = datetime.now(UTC) - timedelta(days=31)
    with Session(engine) as session:
        session.add(
            ChatSession(
                channel="telegram",
                pseudonym="a" * 64,
                step="q:text",
                data={"answers": {"text": "draft"}},
                updated_at=old,
            )
        )
        session.add(ChatSession(channel="telegram", pseudonym="b" * 64, step="idle"))
        session.commit()
    assert Retention(engine, POLICY).purge()["chat_session.idle"] == 1
    with Session(engine) as session:
        assert [c.pseudonym[0] for c in session.exec(select(ChatSession))] == ["b"]


def test_replies_never_sent_go_after_a_day(engine):
    from models import ChatReply

    with Session(engine) as session:
        session.add(
            ChatReply(
                channel="telegram",
                chat_key="a" * 64,
                call=b"sealed",
                created_at=datetime.now(UTC) - timedelta(days=2),
            )
        )
        session.add(ChatReply(channel="telegram", chat_key="b" * 64, call=b"sealed"))
        session.commit()
    assert Retention(engine, POLICY).purge()["chat_reply.unsent"] == 1
    with Session(engine) as session:
        assert [r.chat_key[0] for r in session.exec(select(ChatReply))] == ["b"]


def test_cli_dry_run_shows_what_would_go_and_changes_nothing(runtime, service, engine, monkeypatch):
    _fill(service)
    with Session(engine) as session:  # a review whose consultation is long past
        review = session.get_one(RegionalReview, "escwa")
        review.consultation_on = date(2020, 1, 1)
        session.add(review)
        session.commit()
    monkeypatch.setenv("INTAKE_DATABASE_URL", runtime.settings.database_url)
    monkeypatch.setenv("INTAKE_SECRET_KEY", runtime.settings.secret_key)
    result = CliRunner().invoke(main, ["purge", "--dry-run"])
    assert result.exit_code == 0, result.output
    assert "submission.contact_email" in result.output and "7 would go" in result.output
    with Session(engine) as session:
        assert all(s.contact_email is not None for s in session.exec(select(Submission)))
    result = CliRunner().invoke(main, ["purge"])
    assert result.exit_code == 0, result.output
    with Session(engine) as session:
        assert all(
            s.contact_email is None
            for s in session.exec(select(Submission).where(Submission.review_slug == "escwa"))
        )


def test_a_review_can_keep_contacts_for_less_time(service, engine):

    _fill(service)
    now = _after_escwa_consultation(engine, 8)
    assert Retention(engine, POLICY).plan(now=now)["submission.contact_email"] == 0
    Retention(engine, POLICY).set_review_retention(review_slug="escwa", days=7, actor="test")
    assert Retention(engine, POLICY).plan(now=now)["submission.contact_email"] == 7


def test_chats_kept_for_messages_go_with_the_contact_details(service, engine, runtime):
    from intake_api.broadcasts import create_broadcast
    from tests.factories import input_answers

    for n, review in enumerate(("escwa", "escwa", "unece")):
        receipt = service.submit_input(
            input_answers(review=review),
            channel="telegram",
            message_id=f"t{n}",
            locale="en",
            platform_user_id=70_300 + n,
        ).code
        runtime.consent.record_message(
            receipt=receipt, chat_id=70_300 + n, granted=True, channel="telegram", locale="en"
        )
    create_broadcast(
        engine,
        runtime.keys,
        review_slug="escwa",
        messages={"*": "The consultation is on Monday."},
        actor="test",
    )
    now = _after_escwa_consultation(engine, 31)
    due = Retention(engine, POLICY).plan(now=now)
    assert due["chat_contact.review_ended"] == 2 and due["broadcast_delivery.review_ended"] == 2
    Retention(engine, POLICY).purge(now=now)
    with Session(engine) as session:
        assert [c.review_slug for c in session.exec(select(ChatContact))] == ["unece"]
        assert session.exec(select(BroadcastDelivery)).all() == []
