"""Erasure leaves no trace: not in any table, not in the SQLite file after VACUUM."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlmodel import Session, select

from intake_api.runtime import build_runtime
from intake_api.settings import Settings
from models import AuditEntry, Submission
from models.migrate import upgrade
from tests.conftest import count_rows
from tests.factories import input_answers

MARKER = "Quokkaberry"  # a word no other row contains


def _text(n: int) -> str:
    return f"{MARKER}{n} lives in our street; the landlord keeps our papers. Call +962 7 9555 01{n:02d}."


@pytest.fixture
def file_runtime(tmp_path: Path):  # type: ignore[no-untyped-def]
    settings = Settings(
        database_url=f"sqlite:///{tmp_path / 'store.db'}",
        instance_path=tmp_path / "instance",
        secret_key="test-secret-key-not-for-production",
    )
    runtime = build_runtime(settings)
    upgrade(runtime.engine)
    yield runtime
    runtime.engine.dispose()


def _file_bytes(runtime) -> bytes:  # type: ignore[no-untyped-def]
    """The database file and its WAL as they are on disk, after VACUUM."""
    path = Path(runtime.engine.url.database)
    runtime.engine.dispose()
    with closing(sqlite3.connect(path, isolation_level=None)) as connection:
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        connection.execute("VACUUM")
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return b"".join(p.read_bytes() for p in (path, Path(f"{path}-wal")) if p.exists())


def test_no_trace_in_the_sqlite_file_after_vacuum(file_runtime):
    service, keys = file_runtime.service, file_runtime.keys
    chat = [
        service.submit_input(
            input_answers(text=_text(n)),
            channel="telegram",
            message_id=f"u{n}",
            locale="en",
            platform_user_id=4242,
        ).code
        for n in range(3)
    ]
    web = service.submit_input(
        input_answers(text=_text(9), contact_email="amal@example.org"),
        channel="web",
        message_id="w9",
        locale="en",
    ).code
    keep = service.submit_input(
        input_answers(text="Kept: regular pathways matter."),
        channel="web",
        message_id="k",
        locale="en",
    ).code
    pseudonym = keys.pseudonym("telegram", 4242)
    assert MARKER.encode() in _file_bytes(file_runtime)

    assert file_runtime.privacy.erase_contributor(channel="telegram", platform_user_id=4242) == 3
    assert file_runtime.privacy.erase_record(receipt=web, actor="contributor:web")

    stored = _file_bytes(file_runtime)
    # "9555 01" and not "9555": four digits alone turn up in the microseconds of a timestamp.
    for needle in (MARKER, pseudonym, web, *chat, "9555 01", "amal@example.org"):
        assert needle.encode() not in stored, needle
    assert keep.encode() in stored and b"regular pathways" in stored
    with Session(file_runtime.engine) as session:  # the audit log says what happened, not to whom
        actions = [a.action for a in session.exec(select(AuditEntry))]
    assert "contributor.erased" in actions and "input.erased" in actions


def test_erasure_is_idempotent_and_removes_the_slack_message(service, engine, runtime):
    receipt = service.submit_input(input_answers(), channel="web", message_id="m", locale="en").code
    with Session(engine) as session:
        row = session.exec(select(Submission)).one()
        row.slack_channel, row.slack_ts = "CMOD", "1764000000.000001"
        session.add(row)
        session.commit()
    assert runtime.privacy.erase_record(receipt=receipt, actor="staff:1") is True
    assert runtime.privacy.erase_record(receipt=receipt, actor="staff:1") is False
    with engine.connect() as connection:
        assert connection.execute(text("SELECT channel, ts FROM slack_removal")).all() == [
            ("CMOD", "1764000000.000001")
        ]
    assert count_rows(engine, "submission") == 0 and count_rows(engine, "submission_objective") == 0


def test_withdrawing_quotes_for_a_chat_contributor_covers_all_their_inputs(
    service, engine, runtime
):
    for n in range(2):
        service.submit_input(
            input_answers(),
            channel="telegram",
            message_id=f"q{n}",
            locale="en",
            platform_user_id=77,
        )
    other = service.submit_input(
        input_answers(), channel="telegram", message_id="o", locale="en", platform_user_id=78
    )
    assert (
        runtime.consent.withdraw_for_contributor(
            channel="telegram", platform_user_id=77, consent="quote"
        )
        == 2
    )
    assert (
        runtime.consent.withdraw_for_contributor(
            channel="telegram", platform_user_id=77, consent="quote"
        )
        == 0
    )
    with Session(engine) as session:
        quoted = session.exec(
            select(Submission.receipt).where(Submission.consent_quote == True)  # noqa: E712
        ).all()
    assert quoted == [other.code]


def test_original_is_sealed_and_revealed_only_with_a_reason(service, engine, runtime):
    from intake_api.policies.authorization import OPERATOR

    receipt = service.submit_input(
        input_answers(text=_text(5)), channel="web", message_id="s", locale="en"
    ).code
    with Session(engine) as session:
        stored = session.exec(select(Submission)).one()
    assert "9555" not in stored.text and b"9555" not in stored.text_original
    with pytest.raises(ValueError):
        runtime.privacy.reveal_original(receipt=receipt, reason="", staff=OPERATOR)
    revealed = runtime.privacy.reveal_original(
        receipt=receipt, reason="Court order 2027/14 in case of X", staff=OPERATOR
    )
    assert revealed == _text(5)
    with Session(engine) as session:
        audit = session.exec(
            select(AuditEntry).where(AuditEntry.action == "input.original_revealed")
        ).one()
    assert audit.detail["reason"].startswith("Court order")


def test_only_administrators_unseal_an_original(service, engine, runtime):
    from intake_api.policies.authorization import NotAllowed
    from intake_api.staff import add_staff

    receipt = service.submit_input(
        input_answers(text=_text(6)), channel="web", message_id="s6", locale="en"
    ).code
    organiser = add_staff(engine, email="org@un.example", role="organiser", reviews=["escwa"])
    with pytest.raises(NotAllowed):
        runtime.privacy.reveal_original(
            receipt=receipt, reason="Court order 2027/14 in case of X", staff=organiser
        )
    with Session(engine) as session:
        assert (
            session.exec(
                select(AuditEntry).where(AuditEntry.action == "input.original_revealed")
            ).all()
            == []
        )
