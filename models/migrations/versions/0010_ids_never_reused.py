"""ids never reused

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-03

On SQLite a table without AUTOINCREMENT gives the id of its deleted newest row to the next
row, so the audit entries of an erased input and of a new one shared a subject, and a
pagination cursor could skip. The tables whose ids other rows, the audit log or cursors
name are rebuilt with AUTOINCREMENT (data, indexes and constraints kept; models.migrate
turns foreign keys off around the rebuild and checks them after). PostgreSQL's sequences
never reuse an id: nothing to do there.
"""

from collections.abc import Sequence

from alembic import op


revision: str = '0010'
down_revision: str | None = '0009'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# A snapshot: the tables as of this revision, not whatever the models say later.
TABLES = (
    'submission', 'pledge', 'practice', 'registration', 'audit_entry', 'consent_record', 'contributor',
    'staff_member', 'digest_subscription', 'broadcast',
)


def _rebuild(autoincrement: bool) -> None:
    if op.get_bind().dialect.name != 'sqlite':
        return
    for table in TABLES:
        with op.batch_alter_table(table, recreate='always', table_kwargs={'sqlite_autoincrement': autoincrement}):
            pass


def upgrade() -> None:
    _rebuild(True)


def downgrade() -> None:
    _rebuild(False)
