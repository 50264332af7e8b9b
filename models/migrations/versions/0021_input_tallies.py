"""inputs counted as they are stored

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-06

Staff screens counted a review's inputs from every row on every open (App Home: 3.7 s on
SQLite at a million inputs). Two tallies, per review, group, age and flag and per review and
hour, are kept by triggers on the inputs (``models.input_tally``) and counted once here from
the inputs already stored.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from models.base import Timestamp
from models.input_tally import drop_triggers, ensure_triggers

revision: str = '0021'
down_revision: str | None = '0020'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'input_tally',
        sa.Column('review_slug', sa.String(length=16), nullable=False),
        sa.Column('stakeholder_group', sa.String(length=32), nullable=False),
        sa.Column('age_group', sa.String(length=16), nullable=False),
        sa.Column('flagged', sa.Boolean(), nullable=False),
        sa.Column('n', sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint(
            'review_slug', 'stakeholder_group', 'age_group', 'flagged', name=op.f('pk_input_tally')
        ),
    )
    op.create_table(
        'input_hourly',
        sa.Column('review_slug', sa.String(length=16), nullable=False),
        sa.Column('hour', Timestamp, nullable=False),
        sa.Column('n', sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint('review_slug', 'hour', name=op.f('pk_input_hourly')),
    )
    ensure_triggers(op.get_bind())  # makes every trigger, so it counts the stored inputs


def downgrade() -> None:
    drop_triggers(op.get_bind())
    op.drop_table('input_hourly')
    op.drop_table('input_tally')
