"""when a person was warned that a long absence will erase them

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-07 07:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import bot.models.base


revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('people') as batch:
        batch.add_column(
            sa.Column('inactive_warned_at', bot.models.base.UTCDateTime(timezone=True),
                      nullable=True)
        )


def downgrade() -> None:
    with op.batch_alter_table('people') as batch:
        batch.drop_column('inactive_warned_at')
