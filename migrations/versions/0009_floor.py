"""The floor, live: counsellors' status, spaces and occupancy rounds, the exit kiosk (issue 11).

Revision ID: 0009
Revises: 0008

Adds the kiosk role to the accounts' role check (with network-director, which issue 10
adds in 0008: whichever migration runs last leaves both allowed).
"""
from alembic import op
import sqlalchemy as sa


revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

ROLES_BEFORE = ("agent", "counsellor", "director", "network-director", "admin")
ROLES_AFTER = ("agent", "counsellor", "director", "network-director", "admin", "kiosk")


def _role_check(roles):
    """Recreate the accounts' role check (batch mode: SQLite rebuilds the table)."""
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_users_role_known"), type_="check")
        batch_op.create_check_constraint(op.f("ck_users_role_known"), f"role IN {roles!r}")


def upgrade():
    op.create_table('round_schedules',
    sa.Column('site_id', sa.Integer(), nullable=False),
    sa.Column('every_minutes', sa.SmallInteger(), nullable=False),
    sa.Column('first_hour', sa.SmallInteger(), nullable=False),
    sa.Column('last_hour', sa.SmallInteger(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.CheckConstraint('every_minutes BETWEEN 15 AND 240', name=op.f('ck_round_schedules_every_minutes_range')),
    sa.ForeignKeyConstraint(['site_id'], ['sites.id'], name=op.f('fk_round_schedules_site_id_sites')),
    sa.PrimaryKeyConstraint('site_id', name=op.f('pk_round_schedules'))
    )
    op.create_table('spaces',
    sa.Column('site_id', sa.Integer(), nullable=False),
    sa.Column('capacity', sa.Integer(), nullable=True),
    sa.Column('pole_id', sa.Integer(), nullable=True),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=64), nullable=False),
    sa.Column('label', sa.String(length=160), nullable=False),
    sa.Column('label_en', sa.String(length=160), nullable=True),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('customised', sa.Boolean(), nullable=False),
    sa.CheckConstraint('capacity IS NULL OR capacity >= 0', name=op.f('ck_spaces_capacity_not_negative')),
    sa.ForeignKeyConstraint(['pole_id'], ['poles.id'], name=op.f('fk_spaces_pole_id_poles')),
    sa.ForeignKeyConstraint(['site_id'], ['sites.id'], name=op.f('fk_spaces_site_id_sites')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_spaces')),
    sa.UniqueConstraint('code', name=op.f('uq_spaces_code'))
    )
    with op.batch_alter_table('spaces', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_spaces_site_id'), ['site_id'], unique=False)

    op.create_table('counsellor_presence',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('site_id', sa.Integer(), nullable=False),
    sa.Column('pole_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('since', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("status IN ('available', 'in_interview', 'away')", name=op.f('ck_counsellor_presence_status_known')),
    sa.ForeignKeyConstraint(['pole_id'], ['poles.id'], name=op.f('fk_counsellor_presence_pole_id_poles')),
    sa.ForeignKeyConstraint(['site_id'], ['sites.id'], name=op.f('fk_counsellor_presence_site_id_sites')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_counsellor_presence_user_id_users')),
    sa.PrimaryKeyConstraint('user_id', name=op.f('pk_counsellor_presence'))
    )
    with op.batch_alter_table('counsellor_presence', schema=None) as batch_op:
        batch_op.create_index('ix_counsellor_presence_site', ['site_id', 'since'], unique=False)

    op.create_table('occupancy_rounds',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('taken_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('local_date', sa.Date(), nullable=False),
    sa.Column('local_hour', sa.SmallInteger(), nullable=False),
    sa.Column('site_id', sa.Integer(), nullable=False),
    sa.Column('payload_digest', sa.String(length=64), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=False),
    sa.Column('received_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_occupancy_rounds_created_by_id_users')),
    sa.ForeignKeyConstraint(['site_id'], ['sites.id'], name=op.f('fk_occupancy_rounds_site_id_sites')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_occupancy_rounds'))
    )
    with op.batch_alter_table('occupancy_rounds', schema=None) as batch_op:
        batch_op.create_index('ix_occupancy_rounds_site_day', ['site_id', 'local_date'], unique=False)

    op.create_table('presence_changes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('site_id', sa.Integer(), nullable=False),
    sa.Column('pole_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('local_date', sa.Date(), nullable=False),
    sa.CheckConstraint("status IN ('available', 'in_interview', 'away')", name=op.f('ck_presence_changes_status_known')),
    sa.ForeignKeyConstraint(['pole_id'], ['poles.id'], name=op.f('fk_presence_changes_pole_id_poles')),
    sa.ForeignKeyConstraint(['site_id'], ['sites.id'], name=op.f('fk_presence_changes_site_id_sites')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_presence_changes_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_presence_changes'))
    )
    with op.batch_alter_table('presence_changes', schema=None) as batch_op:
        batch_op.create_index('ix_presence_changes_site_day', ['site_id', 'local_date'], unique=False)

    op.create_table('satisfaction_answers',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('answered_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('local_date', sa.Date(), nullable=False),
    sa.Column('site_id', sa.Integer(), nullable=False),
    sa.Column('score', sa.SmallInteger(), nullable=False),
    sa.Column('pole_id', sa.Integer(), nullable=True),
    sa.Column('kiosk_id', sa.Integer(), nullable=False),
    sa.Column('throttled', sa.Boolean(), nullable=False),
    sa.Column('payload_digest', sa.String(length=64), nullable=False),
    sa.Column('received_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('score BETWEEN 1 AND 4', name=op.f('ck_satisfaction_answers_score_range')),
    sa.ForeignKeyConstraint(['kiosk_id'], ['users.id'], name=op.f('fk_satisfaction_answers_kiosk_id_users')),
    sa.ForeignKeyConstraint(['pole_id'], ['poles.id'], name=op.f('fk_satisfaction_answers_pole_id_poles')),
    sa.ForeignKeyConstraint(['site_id'], ['sites.id'], name=op.f('fk_satisfaction_answers_site_id_sites')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_satisfaction_answers'))
    )
    with op.batch_alter_table('satisfaction_answers', schema=None) as batch_op:
        batch_op.create_index('ix_satisfaction_answers_kiosk', ['kiosk_id', 'answered_at'], unique=False)
        batch_op.create_index('ix_satisfaction_answers_site_day', ['site_id', 'local_date'], unique=False)

    op.create_table('occupancy_counts',
    sa.Column('round_id', sa.Uuid(), nullable=False),
    sa.Column('space_id', sa.Integer(), nullable=False),
    sa.Column('people', sa.Integer(), nullable=False),
    sa.CheckConstraint('people >= 0', name=op.f('ck_occupancy_counts_people_not_negative')),
    sa.ForeignKeyConstraint(['round_id'], ['occupancy_rounds.id'], name=op.f('fk_occupancy_counts_round_id_occupancy_rounds'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['space_id'], ['spaces.id'], name=op.f('fk_occupancy_counts_space_id_spaces')),
    sa.PrimaryKeyConstraint('round_id', 'space_id', name=op.f('pk_occupancy_counts'))
    )
    _role_check(ROLES_AFTER)


def downgrade():
    _role_check(ROLES_BEFORE)
    op.drop_table('occupancy_counts')
    with op.batch_alter_table('satisfaction_answers', schema=None) as batch_op:
        batch_op.drop_index('ix_satisfaction_answers_site_day')
        batch_op.drop_index('ix_satisfaction_answers_kiosk')

    op.drop_table('satisfaction_answers')
    with op.batch_alter_table('presence_changes', schema=None) as batch_op:
        batch_op.drop_index('ix_presence_changes_site_day')

    op.drop_table('presence_changes')
    with op.batch_alter_table('occupancy_rounds', schema=None) as batch_op:
        batch_op.drop_index('ix_occupancy_rounds_site_day')

    op.drop_table('occupancy_rounds')
    with op.batch_alter_table('counsellor_presence', schema=None) as batch_op:
        batch_op.drop_index('ix_counsellor_presence_site')

    op.drop_table('counsellor_presence')
    with op.batch_alter_table('spaces', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_spaces_site_id'))

    op.drop_table('spaces')
    op.drop_table('round_schedules')
