"""lease table

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-03

The table of leases was named for its first user, the scheduler, though the Telegram
reply sender and the broadcast sender hold their leases there too: it is ``lease`` now,
one row per named piece of work (``intake_api.leases``). Held leases are kept.
"""

from collections.abc import Sequence

from alembic import op


revision: str = '0014'
down_revision: str | None = '0013'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.rename_table('scheduler_lease', 'lease')
    if op.get_bind().dialect.name == 'postgresql':
        op.execute('ALTER TABLE lease RENAME CONSTRAINT pk_scheduler_lease TO pk_lease')


def downgrade() -> None:
    if op.get_bind().dialect.name == 'postgresql':
        op.execute('ALTER TABLE lease RENAME CONSTRAINT pk_lease TO pk_scheduler_lease')
    op.rename_table('lease', 'scheduler_lease')
