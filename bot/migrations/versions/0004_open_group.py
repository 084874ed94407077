"""open group: people without Telegram, choices kept as keys, when a session got its time

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-02 14:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import bot.models.base


revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('people') as batch:
        batch.alter_column('telegram_id', existing_type=sa.BigInteger(), nullable=True)
        batch.add_column(sa.Column('phone', sa.String(length=32), nullable=True))
        batch.add_column(sa.Column('added_by_id', sa.Integer(), nullable=True))
        batch.create_foreign_key(
            op.f('fk_people_added_by_id_people'), 'people', ['added_by_id'], ['id'],
            ondelete='SET NULL',
        )
    with op.batch_alter_table('series') as batch:
        batch.add_column(sa.Column('title_key', sa.String(length=40), nullable=True))
        batch.add_column(sa.Column('group_language', sa.String(length=8), nullable=True))
    with op.batch_alter_table('occurrences') as batch:
        batch.add_column(sa.Column('title_key', sa.String(length=40), nullable=True))
        batch.add_column(sa.Column('cancel_reason_key', sa.String(length=40), nullable=True))
        batch.add_column(
            sa.Column('scheduled_at', bot.models.base.UTCDateTime(timezone=True), nullable=True)
        )
    # Existing sessions got their time when they were created (or last moved).
    op.execute('UPDATE occurrences SET scheduled_at = created_at')
    with op.batch_alter_table('occurrences') as batch:
        batch.alter_column(
            'scheduled_at',
            existing_type=bot.models.base.UTCDateTime(timezone=True),
            nullable=False,
        )


def downgrade() -> None:
    with op.batch_alter_table('occurrences') as batch:
        batch.drop_column('scheduled_at')
        batch.drop_column('cancel_reason_key')
        batch.drop_column('title_key')
    with op.batch_alter_table('series') as batch:
        batch.drop_column('group_language')
        batch.drop_column('title_key')
    with op.batch_alter_table('people') as batch:
        batch.drop_constraint(op.f('fk_people_added_by_id_people'), type_='foreignkey')
        batch.drop_column('added_by_id')
        batch.drop_column('phone')
        batch.alter_column('telegram_id', existing_type=sa.BigInteger(), nullable=False)
