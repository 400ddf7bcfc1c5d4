"""Daily rollups of the visitor flow and the interviews, kept by triggers (issue 8).

Revision ID: 0003
Revises: 0002

The tables are written out here as they were at this revision. The triggers are generated
from the rollup declarations (app/models/rollups.py) by the latest migration that changes
them (0006), which drops and recreates them and rebuilds the rollups.
"""
import sqlalchemy as sa
from alembic import op

from app.figures.rollups import drop_trigger_ddl

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

DATE, INT, SMALL, S16 = sa.Date(), sa.Integer(), sa.SmallInteger(), sa.String(16)
COUNT = sa.BigInteger().with_variant(sa.Integer(), "sqlite")

TABLES = [
    ("flow_hourly", [("local_date", DATE), ("site_id", INT), ("reception_point_id", INT), ("local_hour", SMALL), ("destination_pole_id", INT)],
     ["persons", "entries"]),
    ("flow_daily", [("local_date", DATE), ("site_id", INT), ("kind", S16), ("destination_kind", S16), ("destination_pole_id", INT), ("destination_partner_id", INT), ("event_type_id", INT), ("from_pole_id", INT), ("from_interview", SMALL), ("gender_id", INT)],
     ["persons", "entries"]),
    ("flow_profile_daily", [("local_date", DATE), ("site_id", INT), ("destination_pole_id", INT), ("status_id", INT), ("age_band_id", INT), ("gender_id", INT), ("first_visit_id", INT)],
     ["persons"]),
    ("interview_daily", [("local_date", DATE), ("site_id", INT), ("pole_id", INT), ("partner_id", INT), ("channel", S16), ("gender_id", INT)],
     ["interviews", "minutes"]),
    ("interview_duration_daily", [("local_date", DATE), ("site_id", INT), ("pole_id", INT), ("partner_id", INT), ("duration_min", SMALL)],
     ["interviews"]),
    ("interview_profile_daily", [("local_date", DATE), ("site_id", INT), ("pole_id", INT), ("partner_id", INT), ("status_id", INT), ("age_band_id", INT), ("gender_id", INT), ("first_visit_id", INT)],
     ["interviews"]),
    ("interview_theme_daily", [("local_date", DATE), ("site_id", INT), ("pole_id", INT), ("partner_id", INT), ("theme_id", INT)],
     ["interviews"]),
    ("interview_outcome_daily", [("local_date", DATE), ("site_id", INT), ("pole_id", INT), ("partner_id", INT), ("outcome_id", INT), ("target_pole_id", INT), ("target_partner_id", INT)],
     ["interviews"]),
]


def upgrade():
    for name, keys, measures in TABLES:
        op.create_table(
            name,
            *[sa.Column(key, kind, primary_key=True, autoincrement=False) for key, kind in keys],
            *[sa.Column(m, COUNT, nullable=False, server_default="0") for m in measures],
        )
        op.create_index(f"ix_{name}_day_site", name, ["local_date", "site_id"])
    op.create_table("rollup_pause", sa.Column("id", sa.Integer(), primary_key=True,
                                              autoincrement=False))
    op.create_table(
        "retention_runs",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("ran_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("before", sa.Date(), nullable=False),
        sa.Column("flow_entries", sa.Integer(), nullable=False),
        sa.Column("interviews", sa.Integer(), nullable=False),
        sa.Column("run_by", sa.String(120), nullable=False),
    )
    # The triggers that keep these tables, and their first fill, come with 0006, which
    # generates them for every rollup declared (the monthly twins included).


def downgrade():
    bind = op.get_bind()
    for statement in drop_trigger_ddl(bind.dialect.name):
        bind.exec_driver_sql(statement)
    op.drop_table("retention_runs")
    op.drop_table("rollup_pause")
    for name, _keys, _measures in reversed(TABLES):
        op.drop_table(name)
