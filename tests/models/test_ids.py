"""Ids are never reused: the audit log and API cursors name rows by id, on both backends."""

from __future__ import annotations

from alembic import command
from sqlalchemy import text
from sqlmodel import Session, select

from intake_api.runtime import build_runtime
from intake_api.settings import Settings
from models import AuditEntry, Submission
from models.db import make_engine
from models.migrate import alembic_config, upgrade
from tests.factories import input_answers


def test_erasing_the_newest_input_does_not_free_its_id(service, engine, runtime):
    first = service.submit_input(input_answers(), channel="web", message_id="a", locale="en")
    newest = service.submit_input(input_answers(), channel="web", message_id="b", locale="en")
    with Session(engine) as session:
        erased_id = session.exec(
            select(Submission.id).where(Submission.receipt == newest.code)
        ).one()
    assert runtime.privacy.erase_record(receipt=newest.code, actor="staff:1")
    later = service.submit_input(input_answers(), channel="web", message_id="c", locale="en")
    with Session(engine) as session:
        later_id = session.exec(select(Submission.id).where(Submission.receipt == later.code)).one()
        subjects = session.exec(select(AuditEntry.action, AuditEntry.subject_id)).all()
    assert later_id > erased_id and first.code != later.code
    # The erased input's audit entries and the new input's name different subjects.
    assert [a for a, s in subjects if s == later_id] == ["input.created"]


def test_audit_entries_are_never_renumbered(service, engine):
    service.submit_input(input_answers(), channel="web", message_id="a", locale="en")
    with engine.begin() as connection:
        newest = connection.execute(text("SELECT max(id) FROM audit_entry")).scalar_one()
        connection.execute(text("DELETE FROM audit_entry WHERE id = :id"), {"id": newest})
    service.submit_input(input_answers(), channel="web", message_id="b", locale="en")
    with engine.connect() as connection:
        assert connection.execute(text("SELECT max(id) FROM audit_entry")).scalar_one() > newest


def test_upgrading_a_store_with_data_keeps_every_row_and_stops_reusing_ids(tmp_path):
    """0010 rebuilds tables that other rows point to: nothing may cascade away or dangle."""
    url = f"sqlite:///{tmp_path / 'old.db'}"
    engine = make_engine(url)
    config = alembic_config(engine)
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "0009")
    runtime = build_runtime(
        Settings(database_url=url, instance_path=tmp_path, secret_key="old-store-secret-key-xyz")
    )
    # what a 0009 store holds: an input with its objective links,
    with runtime.engine.begin() as connection:
        connection.execute(
            text(  # consent and audit entry, and a pledge with an address in its text
                "INSERT INTO submission (receipt, channel, channel_message_id, locale, consent_store, consent_version,"
                " created_at, review_slug, text, consent_quote, status, updated_at) VALUES ('IN-AAAA-AAAA', 'web', 'm1',"
                " 'en', 1, 'v', '2026-11-01', 'escwa', 'Write to me at rana@example.org please', 0, 'new', '2026-11-01')"
            )
        )
        connection.execute(
            text("INSERT INTO submission_objective (submission_id, objective_number) VALUES (1, 3)")
        )
        connection.execute(
            text(
                "INSERT INTO pledge (receipt, channel, channel_message_id, locale, consent_store,"
                " consent_version, created_at, organisation, title, text, objectives) VALUES"
                " ('PL-AAAA-AAAA', 'web', 'p1', 'en', 1, 'v', '2026-11-01', 'Call +41 22 917 12 34',"
                " 'Fair fees', 'Contact pledges@ministry.example.org for details.', '[6]')"
            )
        )
    upgrade(runtime.engine)
    with runtime.engine.connect() as connection:
        assert (
            connection.execute(text("SELECT count(*) FROM submission_objective")).scalar_one() == 1
        )
        sql = connection.execute(
            text("SELECT sql FROM sqlite_master WHERE name = 'submission'")
        ).scalar_one()
        assert "AUTOINCREMENT" in sql
        assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        pledge = connection.execute(text("SELECT organisation, text FROM pledge")).one()
        stored = connection.execute(text("SELECT text FROM submission")).scalar_one()
    assert (
        pledge == ("Call [phone]", "Contact [email] for details.")
        and stored == "Write to me at [email] please"
    )
    runtime.service.submit_input(input_answers(), channel="web", message_id="new", locale="en")
    with runtime.engine.connect() as connection:
        assert connection.execute(text("SELECT max(id) FROM submission")).scalar_one() == 2
    runtime.engine.dispose()
    engine.dispose()
