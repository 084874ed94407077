"""mood check-ins, their consent, and the WHO-5 well-being scores

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-07 05:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import bot.models.base


revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'check_ins',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('person_id', sa.Integer(), nullable=False),
        sa.Column('local_date', sa.Date(), nullable=False),
        sa.Column('mood', sa.Integer(), nullable=False),
        sa.Column('occurrence_id', sa.Integer(), nullable=True),
        sa.Column('note', sa.Text(), nullable=True),
        sa.Column('voice_file_id', sa.String(length=256), nullable=True),
        sa.Column('shared', sa.Boolean(), nullable=False),
        sa.Column('created_at', bot.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column('updated_at', bot.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ['occurrence_id'], ['occurrences.id'],
            name=op.f('fk_check_ins_occurrence_id_occurrences'), ondelete='SET NULL',
        ),
        sa.ForeignKeyConstraint(
            ['person_id'], ['people.id'],
            name=op.f('fk_check_ins_person_id_people'), ondelete='CASCADE',
        ),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_check_ins')),
        sa.UniqueConstraint('person_id', 'local_date', name=op.f('uq_check_ins_person_id')),
    )
    op.create_index('ix_check_ins_local_date', 'check_ins', ['local_date'], unique=False)
    op.create_index(
        op.f('ix_check_ins_occurrence_id'), 'check_ins', ['occurrence_id'], unique=False
    )
    op.create_table(
        'wellbeing_checks',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('person_id', sa.Integer(), nullable=False),
        sa.Column('local_date', sa.Date(), nullable=False),
        sa.Column('score', sa.Integer(), nullable=False),
        sa.Column('created_at', bot.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ['person_id'], ['people.id'],
            name=op.f('fk_wellbeing_checks_person_id_people'), ondelete='CASCADE',
        ),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_wellbeing_checks')),
        sa.UniqueConstraint(
            'person_id', 'local_date', name=op.f('uq_wellbeing_checks_person_id')
        ),
    )
    op.create_index(
        op.f('ix_wellbeing_checks_local_date'), 'wellbeing_checks', ['local_date'], unique=False
    )
    with op.batch_alter_table('people') as batch:
        for name in ('mood_consent_at', 'mood_declined_at', 'wellbeing_since',
                     'wellbeing_prompted_at'):
            batch.add_column(
                sa.Column(name, bot.models.base.UTCDateTime(timezone=True), nullable=True)
            )
    with op.batch_alter_table('occurrences') as batch:
        batch.add_column(
            sa.Column('mood_prompted_at', bot.models.base.UTCDateTime(timezone=True),
                      nullable=True)
        )


def downgrade() -> None:
    with op.batch_alter_table('occurrences') as batch:
        batch.drop_column('mood_prompted_at')
    with op.batch_alter_table('people') as batch:
        for name in ('wellbeing_prompted_at', 'wellbeing_since', 'mood_declined_at',
                     'mood_consent_at'):
            batch.drop_column(name)
    op.drop_index(op.f('ix_wellbeing_checks_local_date'), table_name='wellbeing_checks')
    op.drop_table('wellbeing_checks')
    op.drop_index(op.f('ix_check_ins_occurrence_id'), table_name='check_ins')
    op.drop_index('ix_check_ins_local_date', table_name='check_ins')
    op.drop_table('check_ins')
