"""publishable pledges and practices

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-04

Pledges and practices carry their author's consent to publish, the moment staff
published them (none: not public) and their moderation post in Slack. Items stored
before have no consent to publish and are never shown. A review's summary report is
public on its page once staff publish it.
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op


revision: str = '0016'
down_revision: str | None = '0015'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = ('pledge', 'practice')


def upgrade() -> None:
    for table in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column('consent_publish', sa.Boolean(), nullable=False, server_default=sa.false()))
            batch_op.add_column(sa.Column('published_at', sa.DateTime(timezone=True), nullable=True))
            batch_op.add_column(sa.Column('slack_channel', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True))
            batch_op.add_column(sa.Column('slack_ts', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True))
            batch_op.create_index(batch_op.f(f'ix_{table}_published_at'), ['published_at'], unique=False)
    with op.batch_alter_table('regional_review', schema=None) as batch_op:
        batch_op.add_column(sa.Column('report_published_at', sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('regional_review', schema=None) as batch_op:
        batch_op.drop_column('report_published_at')
    for table in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_index(batch_op.f(f'ix_{table}_published_at'))
            batch_op.drop_column('slack_ts')
            batch_op.drop_column('slack_channel')
            batch_op.drop_column('published_at')
            batch_op.drop_column('consent_publish')
