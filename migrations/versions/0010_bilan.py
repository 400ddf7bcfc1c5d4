"""The bilan's foreword, report subscriptions and deliveries, report fingerprints (issue 12).

Revision ID: 0010
Revises: 0009
"""
import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

INSTANT = sa.DateTime(timezone=True)


def upgrade():
    op.create_table(
        "bilan_forewords",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("scope", sa.String(40), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("updated_at", INSTANT, nullable=False),
        sa.Column("updated_by_id", sa.Integer(), sa.ForeignKey("users.id"), nullable=True),
        sa.UniqueConstraint("year", "scope"),
    )
    op.create_table(
        "report_subscriptions",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("email", sa.String(254), nullable=False),
        sa.Column("report", sa.String(16), nullable=False),
        sa.Column("edition", sa.String(16), nullable=False),
        sa.Column("scope", sa.String(40), nullable=False),
        sa.Column("fmt", sa.String(8), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", INSTANT, nullable=False),
        sa.Column("created_by_id", sa.Integer(), sa.ForeignKey("users.id"), nullable=True),
    )
    op.create_table(
        "report_deliveries",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("subscription_id", sa.Integer(), sa.ForeignKey("report_subscriptions.id"),
                  nullable=False),
        sa.Column("period_key", sa.String(40), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("error", sa.Text(), nullable=False),
        sa.Column("attachment", sa.String(200), nullable=False),
        sa.Column("updated_at", INSTANT, nullable=False),
        sa.Column("next_attempt_at", INSTANT, nullable=True),
        sa.Column("sent_at", INSTANT, nullable=True),
        sa.UniqueConstraint("subscription_id", "period_key"),
    )
    op.create_index("ix_report_deliveries_subscription_id", "report_deliveries",
                    ["subscription_id"])
    op.create_table(
        "report_stamps",
        sa.Column("run_id", sa.Integer(), sa.ForeignKey("job_runs.id"), primary_key=True),
        sa.Column("fingerprint", sa.String(64), nullable=False),
        sa.Column("stale_since", INSTANT, nullable=True),
    )


def downgrade():
    op.drop_table("report_stamps")
    op.drop_index("ix_report_deliveries_subscription_id", "report_deliveries")
    op.drop_table("report_deliveries")
    op.drop_table("report_subscriptions")
    op.drop_table("bilan_forewords")
