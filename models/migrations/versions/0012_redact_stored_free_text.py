"""redact stored free text

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-03

Free text of every kind of record is now stored with personal data masked (e-mail
addresses, phone numbers, ID numbers, ...), as inputs' texts always were. This masks what
was stored before: pledge organisations, titles and texts; practice titles, descriptions,
organisations and partners; registration organisations and reasons for travel support; and
input texts once more, with today's rules (their words as written stay sealed). What cannot
be read here (registrants' needs, encrypted with the deployment's key) is masked whenever
it is shown. No original is kept for the other kinds: nothing in them needs the words as
written, and one sealed copy fewer is one copy fewer to protect and purge.

A data migration needs the redaction rules themselves, so it imports them (at run time,
from the core): the one place the store's migrations reach up a layer.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0012'
down_revision: str | None = '0011'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# A snapshot of the free-text columns as of this revision.
COLUMNS = {
    'submission': ('text',),
    'pledge': ('organisation', 'title', 'text'),
    'practice': ('title', 'description', 'organisation', 'partners'),
    'registration': ('organisation', 'travel_reason'),
}
_BATCH = 500


def upgrade() -> None:
    from intake_api.redaction import redact

    connection = op.get_bind()
    for table, columns in COLUMNS.items():
        rows = sa.table(table, sa.column('id', sa.Integer), *(sa.column(c, sa.Text) for c in columns))
        last_id = 0
        while batch := connection.execute(
            sa.select(rows).where(rows.c.id > last_id).order_by(rows.c.id).limit(_BATCH)
        ).all():
            last_id = batch[-1].id
            for row in batch:
                masked = {c: redact(getattr(row, c)) for c in columns if getattr(row, c)}
                changed = {c: v for c, v in masked.items() if v != getattr(row, c)}
                if changed:
                    connection.execute(sa.update(rows).where(rows.c.id == row.id).values(**changed))


def downgrade() -> None:
    """Masked text stays masked: the words are not kept anywhere to restore them from."""
