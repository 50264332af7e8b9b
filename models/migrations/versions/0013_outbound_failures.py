"""outbound failures

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-03

Outbound messages (Telegram replies and broadcasts, Slack moderation posts, digests by
Slack and e-mail) that could not be sent by their deadline are recorded as failed, where
staff see them (``gcm-intake failures``); moderation posts and digests keep their retry
state in the same table. A digest period remembers which of its channels it reached, so
a retry sends only what is missing.
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op


revision: str = '0013'
down_revision: str | None = '0012'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('outbound_failure',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('ref', sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
    sa.Column('cause', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('first_tried_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('next_try_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('failed_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_outbound_failure')),
    sa.UniqueConstraint('kind', 'ref', name=op.f('uq_outbound_failure_kind_ref'))
    )
    with op.batch_alter_table('outbound_failure', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_outbound_failure_kind'), ['kind'], unique=False)
        batch_op.create_index(batch_op.f('ix_outbound_failure_failed_at'), ['failed_at'], unique=False)
    with op.batch_alter_table('digest_delivery', schema=None) as batch_op:
        batch_op.add_column(sa.Column('slack_sent_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('email_sent_at', sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('digest_delivery', schema=None) as batch_op:
        batch_op.drop_column('email_sent_at')
        batch_op.drop_column('slack_sent_at')
    with op.batch_alter_table('outbound_failure', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_outbound_failure_failed_at'))
        batch_op.drop_index(batch_op.f('ix_outbound_failure_kind'))
    op.drop_table('outbound_failure')
