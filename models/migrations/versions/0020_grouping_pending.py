"""inputs waiting to join their near-duplicate group

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-06

Grouping ran in every intake's transaction under one lock for the whole store, so intakes
ran one at a time. An input now only records that it is waiting, in its own transaction;
a worker groups the waiting inputs one after another, off the request. Inputs already
stored were grouped at their intake: none is waiting.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0020'
down_revision: str | None = '0019'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'grouping_pending',
        sa.Column('submission_id', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ['submission_id'],
            ['submission.id'],
            name=op.f('fk_grouping_pending_submission_id_submission'),
            ondelete='CASCADE',
        ),
        sa.PrimaryKeyConstraint('submission_id', name=op.f('pk_grouping_pending')),
    )


def downgrade() -> None:
    op.drop_table('grouping_pending')
