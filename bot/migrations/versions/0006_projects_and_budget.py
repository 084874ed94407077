"""common projects, supports and volunteers, budget rounds, baskets and ballots

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-07 04:50:42.681445
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import bot.models.base


revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:

    op.create_table('budget_rounds',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('amount_cents', sa.Integer(), nullable=False),
    sa.Column('ends_at', bot.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', bot.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('closed_at', bot.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('day_before_sent_at', bot.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('hours_before_sent_at', bot.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['created_by_id'], ['people.id'], name=op.f('fk_budget_rounds_created_by_id_people'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_budget_rounds'))
    )
    with op.batch_alter_table('budget_rounds', schema=None) as batch_op:
        batch_op.create_index('ix_budget_rounds_status', ['status', 'ends_at'], unique=False)

    op.create_table('projects',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=80), nullable=False),
    sa.Column('description', sa.Text(), nullable=True),
    sa.Column('voice_file_id', sa.String(length=256), nullable=True),
    sa.Column('voice_seconds', sa.Integer(), nullable=True),
    sa.Column('cost_cents', sa.Integer(), nullable=True),
    sa.Column('author_id', sa.Integer(), nullable=True),
    sa.Column('leader_id', sa.Integer(), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('created_at', bot.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', bot.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('submitted_at', bot.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('published_at', bot.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['author_id'], ['people.id'], name=op.f('fk_projects_author_id_people'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['leader_id'], ['people.id'], name=op.f('fk_projects_leader_id_people'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_projects'))
    )
    with op.batch_alter_table('projects', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_projects_author_id'), ['author_id'], unique=False)
        batch_op.create_index('ix_projects_status', ['status', 'published_at'], unique=False)

    op.create_table('baskets',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('round_id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=True),
    sa.Column('changed_at', bot.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('confirmed_at', bot.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['person_id'], ['people.id'], name=op.f('fk_baskets_person_id_people'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['round_id'], ['budget_rounds.id'], name=op.f('fk_baskets_round_id_budget_rounds'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_baskets')),
    sa.UniqueConstraint('round_id', 'person_id', name=op.f('uq_baskets_round_id'))
    )
    op.create_table('project_changes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('project_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('by_id', sa.Integer(), nullable=True),
    sa.Column('at', bot.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['by_id'], ['people.id'], name=op.f('fk_project_changes_by_id_people'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['project_id'], ['projects.id'], name=op.f('fk_project_changes_project_id_projects'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_project_changes'))
    )
    with op.batch_alter_table('project_changes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_project_changes_project_id'), ['project_id'], unique=False)

    op.create_table('project_supports',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('project_id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=True),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('created_at', bot.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['person_id'], ['people.id'], name=op.f('fk_project_supports_person_id_people'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['project_id'], ['projects.id'], name=op.f('fk_project_supports_project_id_projects'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_project_supports')),
    sa.UniqueConstraint('project_id', 'person_id', 'kind', name=op.f('uq_project_supports_project_id'))
    )
    with op.batch_alter_table('project_supports', schema=None) as batch_op:
        batch_op.create_index('ix_project_supports_person', ['person_id'], unique=False)

    op.create_table('round_projects',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('round_id', sa.Integer(), nullable=False),
    sa.Column('project_id', sa.Integer(), nullable=False),
    sa.Column('cost_cents', sa.Integer(), nullable=False),
    sa.Column('paper_votes', sa.Integer(), nullable=False),
    sa.Column('selected', sa.Boolean(), nullable=True),
    sa.ForeignKeyConstraint(['project_id'], ['projects.id'], name=op.f('fk_round_projects_project_id_projects'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['round_id'], ['budget_rounds.id'], name=op.f('fk_round_projects_round_id_budget_rounds'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_round_projects')),
    sa.UniqueConstraint('round_id', 'project_id', name=op.f('uq_round_projects_round_id'))
    )
    op.create_table('ballots',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('basket_id', sa.Integer(), nullable=False),
    sa.Column('round_project_id', sa.Integer(), nullable=False),
    sa.Column('confirmed_at', bot.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['basket_id'], ['baskets.id'], name=op.f('fk_ballots_basket_id_baskets'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['round_project_id'], ['round_projects.id'], name=op.f('fk_ballots_round_project_id_round_projects'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ballots')),
    sa.UniqueConstraint('basket_id', 'round_project_id', name=op.f('uq_ballots_basket_id'))
    )
    with op.batch_alter_table('ballots', schema=None) as batch_op:
        batch_op.create_index('ix_ballots_round_project', ['round_project_id'], unique=False)

    op.create_table('basket_items',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('basket_id', sa.Integer(), nullable=False),
    sa.Column('round_project_id', sa.Integer(), nullable=False),
    sa.Column('added_at', bot.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['basket_id'], ['baskets.id'], name=op.f('fk_basket_items_basket_id_baskets'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['round_project_id'], ['round_projects.id'], name=op.f('fk_basket_items_round_project_id_round_projects'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_basket_items')),
    sa.UniqueConstraint('basket_id', 'round_project_id', name=op.f('uq_basket_items_basket_id'))
    )



def downgrade() -> None:

    op.drop_table('basket_items')
    with op.batch_alter_table('ballots', schema=None) as batch_op:
        batch_op.drop_index('ix_ballots_round_project')

    op.drop_table('ballots')
    op.drop_table('round_projects')
    with op.batch_alter_table('project_supports', schema=None) as batch_op:
        batch_op.drop_index('ix_project_supports_person')

    op.drop_table('project_supports')
    with op.batch_alter_table('project_changes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_project_changes_project_id'))

    op.drop_table('project_changes')
    op.drop_table('baskets')
    with op.batch_alter_table('projects', schema=None) as batch_op:
        batch_op.drop_index('ix_projects_status')
        batch_op.drop_index(batch_op.f('ix_projects_author_id'))

    op.drop_table('projects')
    with op.batch_alter_table('budget_rounds', schema=None) as batch_op:
        batch_op.drop_index('ix_budget_rounds_status')

    op.drop_table('budget_rounds')

