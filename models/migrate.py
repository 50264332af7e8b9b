"""Bring a store to the latest schema, from empty or from any earlier revision."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine

from models import input_tally, public_version
from models.full_text import ensure_sqlite_index

MIGRATIONS_DIR = Path(__file__).parent / "migrations"


def alembic_config(engine: Engine | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    if engine is not None:
        config.set_main_option(
            "sqlalchemy.url", engine.url.render_as_string(hide_password=False).replace("%", "%%")
        )
    return config


def upgrade(engine: Engine) -> None:
    """Apply every pending migration in one transaction per migration run.

    On SQLite, foreign keys are off while migrations run: rebuilding a table (Alembic's
    batch mode: copy, drop, rename) would otherwise cascade the drop into the rows that
    point to it. They are checked before the transaction commits, and on again after.
    """
    config = alembic_config(engine)
    with engine.connect() as connection:
        sqlite = connection.dialect.name == "sqlite"
        if sqlite:  # outside any transaction: SQLite ignores this pragma inside one
            connection.connection.driver_connection.execute("PRAGMA foreign_keys=OFF")  # type: ignore[union-attr]
        try:
            with connection.begin():
                config.attributes["connection"] = connection
                command.upgrade(config, "head")
                if sqlite:  # a migration that rebuilt a table dropped its triggers
                    ensure_sqlite_index(connection)
                    public_version.ensure_triggers(connection)
                    input_tally.ensure_triggers(connection)
                if sqlite and (
                    broken := connection.exec_driver_sql("PRAGMA foreign_key_check").all()
                ):
                    raise RuntimeError(f"migration left {len(broken)} rows pointing nowhere")
        finally:
            if sqlite:
                connection.connection.driver_connection.execute("PRAGMA foreign_keys=ON")  # type: ignore[union-attr]


def current_revision(engine: Engine) -> str | None:
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def new_revision(engine: Engine, message: str) -> str:
    """Autogenerate the next migration from the models against an up-to-date store; its path.

    Numbered like the others (0001, 0002, ...), so the files sort in the order they apply.
    """
    from alembic.script import ScriptDirectory

    config = alembic_config(engine)
    head = ScriptDirectory.from_config(config).get_current_head()
    number = f"{int(head or 0) + 1:04d}"
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        script = command.revision(config, message=message, autogenerate=True, rev_id=number)
    if script is None or isinstance(script, list):  # pragma: no cover - one script, one head
        raise RuntimeError("alembic made no single revision")
    return str(script.path)
