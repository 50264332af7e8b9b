"""answers fingerprint

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-03

A keyed digest of each intake's clean answers, so that the same channel message id (a
partner's Idempotency-Key, a form's submission key) with other answers is refused instead
of answered with the first receipt. Rows stored before have none: they stay duplicates.
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op


revision: str = '0011'
down_revision: str | None = '0010'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = ('submission', 'pledge', 'practice', 'registration')


def upgrade() -> None:
    for table in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column('answers_fingerprint', sqlmodel.sql.sqltypes.AutoString(length=64),
                                          nullable=True))


def downgrade() -> None:
    for table in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column('answers_fingerprint')
