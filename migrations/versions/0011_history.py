"""The past years: imported monthly aggregates and their import batches (issue 12).

Revision ID: 0011
Revises: 0010
"""
import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

MEASURES = ("visitors", "orientations", "interviews", "events", "attendance")
STATUSES = ("pending", "applied", "discarded")


def upgrade():
    op.create_table(
        "history_batches",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("token", sa.String(64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("user_id", sa.Integer(), sa.ForeignKey("users.id"), nullable=True),
        sa.Column("source", sa.String(16), nullable=False),
        sa.Column("filename", sa.String(255), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("rows", sa.JSON(), nullable=False),
        sa.Column("added", sa.Integer(), nullable=False),
        sa.Column("replaced", sa.Integer(), nullable=False),
        sa.Column("unchanged", sa.Integer(), nullable=False),
        sa.Column("captured_months", sa.Integer(), nullable=False),
        sa.Column("applied_at", sa.DateTime(timezone=True), nullable=True),
        sa.UniqueConstraint("token"),
        sa.CheckConstraint(f"status IN {STATUSES!r}", name="history_batch_status_known"),
    )
    op.create_table(
        "history_months",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("site_id", sa.Integer(), sa.ForeignKey("sites.id"), nullable=False),
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("measure", sa.String(16), nullable=False),
        sa.Column("key", sa.String(40), nullable=False),
        sa.Column("destination", sa.String(16), nullable=True),
        sa.Column("pole_id", sa.Integer(), sa.ForeignKey("poles.id"), nullable=True),
        sa.Column("event_type_id", sa.Integer(), sa.ForeignKey("event_types.id"), nullable=True),
        sa.Column("value", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("batch_id", sa.Integer(), sa.ForeignKey("history_batches.id"), nullable=False),
        sa.UniqueConstraint("site_id", "month", "measure", "key", name="uq_history_months_key"),
        sa.CheckConstraint(f"measure IN {MEASURES!r}", name="history_measure_known"),
        sa.CheckConstraint("value >= 0", name="history_value_not_negative"),
    )
    op.create_index("ix_history_months_month_site", "history_months", ["month", "site_id"])


def downgrade():
    op.drop_index("ix_history_months_month_site", table_name="history_months")
    op.drop_table("history_months")
    op.drop_table("history_batches")
