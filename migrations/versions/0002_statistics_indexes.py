"""Indexes for the network-wide statistics (measured by bench/stats.py).

Revision ID: 0002
Revises: 0001
"""
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade():
    op.create_index("ix_flow_entries_kind_day", "flow_entries", ["kind", "local_date"])
    op.create_index("ix_interviews_day_cover", "interviews", ["local_date", "deleted_at", "id"])


def downgrade():
    op.drop_index("ix_interviews_day_cover", table_name="interviews")
    op.drop_index("ix_flow_entries_kind_day", table_name="flow_entries")
