"""a review's latest flagged inputs indexed

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-06

App Home lists each review's five latest flagged inputs on every open; with only the status
index it read and sorted every flagged input (20,000 of a million: 68 of App Home's 92 ms).
A partial index of flagged inputs by review and time gives the five directly.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0022'
down_revision: str | None = '0021'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

FLAGGED = sa.text("status = 'flagged'")  # models.submission.FLAGGED, as it was here


def upgrade() -> None:
    op.create_index(
        'ix_submission_flagged_latest',
        'submission',
        ['review_slug', 'updated_at'],
        unique=False,
        sqlite_where=FLAGGED,
        postgresql_where=FLAGGED,
    )


def downgrade() -> None:
    op.drop_index('ix_submission_flagged_latest', table_name='submission')
