"""full-text search over pledges and practices

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-04

Pledges and practices carry a ``search_document``: their searched columns' words as the
index reads them (``models.full_text``), filled here for the rows stored before. SQLite
indexes it in an external-content FTS5 table per kind kept in step by triggers;
PostgreSQL in a generated ``tsvector`` column (the record language's configuration and
'simple') with a GIN index.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from models.full_text import (
    SEARCHED,
    create_postgresql_index,
    drop_postgresql_index,
    drop_sqlite_index,
    ensure_sqlite_index,
    search_document,
)

revision: str = '0017'
down_revision: str | None = '0016'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    for model in SEARCHED:
        table = model.__tablename__
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column('search_document', sa.Text(), nullable=False, server_default=''))
    connection = op.get_bind()
    for model, columns in SEARCHED.items():
        _backfill(connection, model, columns)
    if connection.dialect.name == 'sqlite':
        ensure_sqlite_index(connection)
    else:
        create_postgresql_index(connection)


def _backfill(connection: sa.Connection, model: type, columns: tuple[str, ...]) -> None:
    table = sa.table(model.__tablename__, sa.column('id'), sa.column('search_document'), *map(sa.column, columns))
    rows = connection.execute(sa.select(table.c.id, *(table.c[name] for name in columns))).mappings().all()
    for row in rows:
        connection.execute(
            table.update().where(table.c.id == row['id']).values(search_document=search_document(model, row))
        )


def downgrade() -> None:
    connection = op.get_bind()
    if connection.dialect.name == 'sqlite':
        drop_sqlite_index(connection)
    else:
        drop_postgresql_index(connection)
    for model in SEARCHED:
        with op.batch_alter_table(model.__tablename__, schema=None) as batch_op:
            batch_op.drop_column('search_document')
