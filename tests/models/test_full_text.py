"""The full-text index: the words it holds, and its place in migrations on both backends."""

from __future__ import annotations

from alembic import command
from sqlalchemy import text
from sqlmodel import Session, select

from intake_api.search import text_matches
from models.db import make_engine
from models.full_text import document_words, query_words
from models.migrate import alembic_config, upgrade
from models.pledge import Pledge

OLD_PLEDGES = [  # (receipt, locale, title, text), as a 0016 store holds them
    ("PL-AAAA-AAAA", "fr", "Accueil digne", "Nous accueillerons les travailleurs migrants."),
    ("PL-BBBB-BBBB", "zh", "法律援助", "我们将保护移民工人的权利。"),
]


def test_documents_and_queries_are_cut_the_same_way():
    assert document_words("Réfugiés, RÉFUGIÉS!") == ["refugies", "refugies"]
    assert document_words("移民工人") == ["移", "民", "工", "人", "移民", "民工", "工人"]
    assert query_words("移民工人") == ["移民", "民工", "工人"]
    assert query_words("民") == ["民"]
    assert query_words("«المُهَاجِرِينَ» أطفال مدرسة") == ["المهاجرين", "اطفال", "مدرسه"]
    assert query_words("عامـــل") == ["عامل"]
    assert query_words("٢٠٢٦ ２０２６ 2026") == ["2026"]
    assert query_words("Новый ёж") == ["новый", "ёж"]  # Cyrillic letters keep their marks
    assert query_words('"AND" NEAR(a*) -b') == ["and", "near", "a", "b"]


def _store_at_0016(url: str):  # type: ignore[no-untyped-def]
    engine = make_engine(url)
    config = alembic_config(engine)
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "0016")
    with engine.begin() as connection:
        for receipt, locale, title, body in OLD_PLEDGES:
            connection.execute(
                text(
                    "INSERT INTO pledge (receipt, channel, channel_message_id, locale, consent_store,"
                    " consent_version, created_at, organisation, title, text, objectives,"
                    " consent_publish) VALUES (:receipt, 'web', :receipt, :locale, true, 'v',"
                    " '2026-11-01', 'Org', :title, :text, '[6]', false)"
                ),
                {"receipt": receipt, "locale": locale, "title": title, "text": body},
            )
    return engine


def _found(engine, query: str) -> list[str]:  # type: ignore[no-untyped-def]
    with Session(engine) as session:
        condition = text_matches(Pledge, query, dialect=engine.dialect.name)
        return list(session.exec(select(Pledge.receipt).where(condition)).all())


def test_pledges_stored_before_the_index_are_found_after_the_upgrade(database_url):
    engine = _store_at_0016(database_url)
    upgrade(engine)
    assert _found(engine, "travailleurs") == ["PL-AAAA-AAAA"]
    assert _found(engine, "工人") == ["PL-BBBB-BBBB"]
    engine.dispose()


def test_the_index_goes_down_and_comes_back_with_its_migration(database_url):
    engine = make_engine(database_url)
    upgrade(engine)
    config = alembic_config(engine)
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "0016")
    with engine.connect() as connection:
        columns = {
            row[0]
            for row in connection.execute(
                text("SELECT * FROM pledge WHERE 1 = 0")
            ).cursor.description  # type: ignore[union-attr]
        }
    assert "search_document" not in columns and "search_vector" not in columns
    upgrade(engine)
    assert _found(engine, "anything") == []
    engine.dispose()


def test_a_rebuilt_table_gets_its_index_triggers_back_on_upgrade(tmp_path):
    """Alembic's batch mode on SQLite copies a table and drops the old one, with its triggers."""
    engine = _store_at_0016(f"sqlite:///{tmp_path / 'store.db'}")
    upgrade(engine)
    with engine.begin() as connection:
        for event in ("insert", "update", "delete"):
            connection.exec_driver_sql(f"DROP TRIGGER pledge_fts_{event}")
        connection.exec_driver_sql(
            "UPDATE pledge SET text = 'Refuges pour enfants.', search_document = 'refuges pour enfants'"
            " WHERE receipt = 'PL-AAAA-AAAA'"
        )
    upgrade(engine)
    assert _found(engine, "enfants") == ["PL-AAAA-AAAA"]
    assert _found(engine, "travailleurs") == []
    engine.dispose()
