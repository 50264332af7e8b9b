"""the public version

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-05

One row counting the changes to the tables the public Hub shows (pledges, practices,
regional reviews), kept by triggers in the same transaction as each change
(``models.public_version``): the Hub's cache validators are built from it.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from models.public_version import drop_triggers, ensure_triggers

revision: str = '0018'
down_revision: str | None = '0017'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'public_version',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('version', sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint('id'),
    )
    ensure_triggers(op.get_bind())


def downgrade() -> None:
    drop_triggers(op.get_bind())
    op.drop_table('public_version')
