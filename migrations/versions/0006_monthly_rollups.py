"""Monthly twins of the daily rollups, a narrow day-by-day flow, profiles by category (issue 8).

Revision ID: 0006
Revises: 0005

A read of whole months sums one row a month instead of one a day: the dashboard over ten
years reads months, and days only at the edges of its range. The tables are written out as
they were at this revision; the triggers are generated from the declarations
(app/models/rollups.py), dropped and made again with the new tables in them.
"""
import sqlalchemy as sa
from alembic import op

from app.figures.rollups import drop_trigger_ddl, rebuild, trigger_ddl

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

DATE, INT, SMALL, S16 = sa.Date(), sa.Integer(), sa.SmallInteger(), sa.String(16)
COUNT = sa.BigInteger().with_variant(sa.Integer(), "sqlite")

TABLES = [
    ("flow_day", [("local_date", DATE), ("site_id", INT), ("kind", S16), ("destination_pole_id", INT)],
     ["persons", "entries"]),
    ("flow_profile_daily", [("local_date", DATE), ("site_id", INT), ("destination_pole_id", INT), ("category", S16), ("option_id", INT)],
     ["persons"]),
    ("interview_day", [("local_date", DATE), ("site_id", INT), ("pole_id", INT)],
     ["interviews"]),
    ("interview_profile_daily", [("local_date", DATE), ("site_id", INT), ("pole_id", INT), ("partner_id", INT), ("category", S16), ("option_id", INT)],
     ["interviews"]),
    ("flow_hourly_monthly", [("local_month", DATE), ("site_id", INT), ("local_hour", SMALL), ("destination_pole_id", INT), ("weekday", SMALL)],
     ["persons", "entries"]),
    ("flow_daily_monthly", [("local_month", DATE), ("site_id", INT), ("kind", S16), ("destination_kind", S16), ("destination_pole_id", INT), ("destination_partner_id", INT), ("event_type_id", INT), ("from_pole_id", INT), ("from_interview", SMALL), ("gender_id", INT)],
     ["persons", "entries"]),
    ("flow_profile_daily_monthly", [("local_month", DATE), ("site_id", INT), ("destination_pole_id", INT), ("category", S16), ("option_id", INT)],
     ["persons"]),
    ("interview_daily_monthly", [("local_month", DATE), ("site_id", INT), ("pole_id", INT), ("partner_id", INT), ("channel", S16), ("gender_id", INT)],
     ["interviews", "minutes"]),
    ("interview_duration_daily_monthly", [("local_month", DATE), ("site_id", INT), ("pole_id", INT), ("partner_id", INT), ("duration_min", SMALL)],
     ["interviews"]),
    ("interview_profile_daily_monthly", [("local_month", DATE), ("site_id", INT), ("pole_id", INT), ("partner_id", INT), ("category", S16), ("option_id", INT)],
     ["interviews"]),
    ("interview_theme_daily_monthly", [("local_month", DATE), ("site_id", INT), ("pole_id", INT), ("partner_id", INT), ("theme_id", INT)],
     ["interviews"]),
    ("interview_outcome_daily_monthly", [("local_month", DATE), ("site_id", INT), ("pole_id", INT), ("partner_id", INT), ("outcome_id", INT), ("target_pole_id", INT), ("target_partner_id", INT)],
     ["interviews"]),
]
# The profile rollups of 0003 held every category together: close to a row per arrival.
REPLACED = ["flow_profile_daily", "interview_profile_daily"]


def upgrade():
    bind = op.get_bind()
    for statement in drop_trigger_ddl(bind.dialect.name):
        bind.exec_driver_sql(statement)
    for name in REPLACED:
        op.drop_table(name)
    for name, keys, measures in TABLES:
        op.create_table(
            name,
            *[sa.Column(key, kind, primary_key=True, autoincrement=False) for key, kind in keys],
            *[sa.Column(m, COUNT, nullable=False, server_default="0") for m in measures],
        )
        op.create_index(f"ix_{name}_day_site", name, [keys[0][0], "site_id"])
    for statement in trigger_ddl(bind.dialect.name):
        bind.exec_driver_sql(statement)
    rebuild(bind)


def downgrade():
    bind = op.get_bind()
    for statement in drop_trigger_ddl(bind.dialect.name):
        bind.exec_driver_sql(statement)
    for name, _keys, _measures in reversed(TABLES):
        op.drop_table(name)
    # The profile rollups of 0003 come back in their old shape, empty: 0003 drops them.
    profile = [("status_id", INT), ("age_band_id", INT), ("gender_id", INT),
               ("first_visit_id", INT)]
    for name, keys in (("flow_profile_daily", [("destination_pole_id", INT)]),
                       ("interview_profile_daily", [("pole_id", INT), ("partner_id", INT)])):
        op.create_table(name, *[sa.Column(key, kind, primary_key=True, autoincrement=False)
                                for key, kind in [("local_date", DATE), ("site_id", INT),
                                                  *keys, *profile]],
                        sa.Column("persons" if name.startswith("flow") else "interviews",
                                  COUNT, nullable=False, server_default="0"))
