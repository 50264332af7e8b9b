"""The public version: a number that changes whenever anything the public Hub shows may change.

The Hub's pages are the same for every reader until a pledge, a practice or a review
changes (an item published, unpublished, edited, withdrawn by its author or erased; a
report published). A cache validator built from this number is known before any page is
built, so a conditional request is answered with a 304 after reading one row.

The database keeps it, not the application: triggers on every table the Hub reads add one
in the same transaction as the change, so no code path (a web form, the API, Slack, the
CLI, erasure, a bulk statement or a hand-written repair) can change what is public without
changing the number, and a reader that sees the new number sees the change too (it is
read before the page's own queries). Inputs are not among the tables: a review's page
counts them, and it keeps a validator of its own content.

Like the full-text index, the triggers are the database's objects: ``ensure_triggers``
runs after every migration, since SQLite drops a table's triggers when a migration
rebuilds it.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, Connection, inspect, text
from sqlmodel import Field, SQLModel

# The tables whose rows the Hub shows: any insert, update or delete in them counts.
WATCHED = ("pledge", "practice", "regional_review")
ROW_ID = 1
_FUNCTION = "bump_public_version"


class PublicVersion(SQLModel, table=True):
    """One row: how many changes the Hub's tables have seen."""

    __tablename__ = "public_version"

    id: int = Field(default=ROW_ID, primary_key=True)
    version: int = Field(default=0, sa_type=BigInteger)


_BUMP = f"UPDATE public_version SET version = version + 1 WHERE id = {ROW_ID}"  # noqa: S608


def _sqlite_triggers(table: str) -> dict[str, str]:
    """Three row triggers per table: SQLite has no statement-level ones."""
    return {
        f"{table}_public_version_{event.lower()}": f"AFTER {event} ON {table} BEGIN {_BUMP}; END"
        for event in ("INSERT", "UPDATE", "DELETE")
    }


def ensure_triggers(connection: Connection) -> None:
    """The version row and every watched table's trigger, where missing.

    Runs at every start (after migrations): on an up-to-date store it only reads, so a
    command starting beside a busy server never needs SQLite's write lock.
    """
    existing_tables = set(inspect(connection).get_table_names())
    if "public_version" not in existing_tables:
        return  # a store before the migration that made it
    row = connection.execute(
        text("SELECT 1 FROM public_version WHERE id = :id"), {"id": ROW_ID}
    ).first()
    if row is None:
        connection.execute(
            text("INSERT INTO public_version (id, version) VALUES (:id, 0)"), {"id": ROW_ID}
        )
    watched = [table for table in WATCHED if table in existing_tables]
    if connection.dialect.name == "sqlite":
        triggers = set(
            connection.exec_driver_sql(
                "SELECT name FROM sqlite_master WHERE type = 'trigger'"
            ).scalars()
        )
        for table in watched:
            for name, body in _sqlite_triggers(table).items():
                if name not in triggers:
                    connection.exec_driver_sql(f"CREATE TRIGGER {name} {body}")
        return
    connection.exec_driver_sql(
        f"CREATE OR REPLACE FUNCTION {_FUNCTION}() RETURNS trigger LANGUAGE plpgsql AS $$ "
        f"BEGIN {_BUMP}; RETURN NULL; END $$"
    )
    for table in watched:
        # One bump per statement, however many rows it changed.
        connection.exec_driver_sql(f"DROP TRIGGER IF EXISTS {table}_public_version ON {table}")
        connection.exec_driver_sql(
            f"CREATE TRIGGER {table}_public_version "
            f"AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON {table} "
            f"FOR EACH STATEMENT EXECUTE FUNCTION {_FUNCTION}()"
        )


def drop_triggers(connection: Connection) -> None:
    if connection.dialect.name == "sqlite":
        for table in WATCHED:
            for name in _sqlite_triggers(table):
                connection.exec_driver_sql(f"DROP TRIGGER IF EXISTS {name}")
        return
    for table in WATCHED:
        connection.exec_driver_sql(f"DROP TRIGGER IF EXISTS {table}_public_version ON {table}")
    connection.exec_driver_sql(f"DROP FUNCTION IF EXISTS {_FUNCTION}()")


def current(connection: Connection) -> int | None:
    """The version now; None for a store without its row (pages are then validated by their
    content, never by a number that would not change)."""
    value = connection.execute(
        text("SELECT version FROM public_version WHERE id = :id"), {"id": ROW_ID}
    ).scalar()
    return int(value) if value is not None else None
