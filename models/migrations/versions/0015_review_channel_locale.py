"""review channel locale

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-04

The language of a review's moderation and safeguarding channels, set with the channel
(``/gcm channel REVIEW [LANG]``), so staff of a region read the feed in their language.
Channels set before have none and keep posting in English.
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op


revision: str = '0015'
down_revision: str | None = '0014'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('regional_review', schema=None) as batch_op:
        batch_op.add_column(sa.Column('slack_locale', sqlmodel.sql.sqltypes.AutoString(length=8), nullable=True))
        batch_op.add_column(sa.Column('safeguarding_locale', sqlmodel.sql.sqltypes.AutoString(length=8), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('regional_review', schema=None) as batch_op:
        batch_op.drop_column('safeguarding_locale')
        batch_op.drop_column('slack_locale')
