"""Events and their attendance; an arrival names the event it came for (issue 9).

Revision ID: 0007
Revises: 0006

Small tables, read directly by app/figures/events.py: no rollup, no trigger. The tables are
written out as they are at this revision.
"""
import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

INSTANT = sa.DateTime(timezone=True)


def upgrade():
    op.create_table(
        "events",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("event_type_id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=160), nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("starts_at", INSTANT, nullable=False),
        sa.Column("ends_at", INSTANT, nullable=False),
        sa.Column("start_date", sa.Date(), nullable=False),
        sa.Column("end_date", sa.Date(), nullable=False),
        sa.Column("location", sa.String(length=10), nullable=False),
        sa.Column("place", sa.String(length=160), nullable=False),
        sa.Column("capacity", sa.Integer(), nullable=True),
        sa.Column("registered", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("series_id", sa.Uuid(), nullable=True),
        sa.Column("attendance", sa.Integer(), nullable=True),
        sa.Column("attendance_at", INSTANT, nullable=True),
        sa.Column("attendance_by_id", sa.Integer(), nullable=True),
        sa.Column("payload_digest", sa.String(length=64), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", INSTANT, nullable=False),
        sa.CheckConstraint("status IN ('planned', 'held', 'cancelled')",
                           name=op.f("ck_events_status_known")),
        sa.CheckConstraint("location IN ('centre', 'outside')", name=op.f("ck_events_location_known")),
        sa.CheckConstraint("ends_at > starts_at", name=op.f("ck_events_ends_after_start")),
        sa.CheckConstraint("attendance IS NULL OR attendance >= 0",
                           name=op.f("ck_events_attendance_positive")),
        sa.ForeignKeyConstraint(["event_type_id"], ["event_types.id"],
                                name=op.f("fk_events_event_type_id_event_types")),
        sa.ForeignKeyConstraint(["site_id"], ["sites.id"], name=op.f("fk_events_site_id_sites")),
        sa.ForeignKeyConstraint(["attendance_by_id"], ["users.id"],
                                name=op.f("fk_events_attendance_by_id_users")),
        sa.ForeignKeyConstraint(["created_by_id"], ["users.id"],
                                name=op.f("fk_events_created_by_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_events")),
    )
    op.create_index("ix_events_site_days", "events", ["site_id", "start_date", "end_date"])
    op.create_index(op.f("ix_events_series_id"), "events", ["series_id"])
    op.create_table(
        "event_poles",
        sa.Column("event_id", sa.Uuid(), nullable=False),
        sa.Column("pole_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["event_id"], ["events.id"], ondelete="CASCADE",
                                name=op.f("fk_event_poles_event_id_events")),
        sa.ForeignKeyConstraint(["pole_id"], ["poles.id"], name=op.f("fk_event_poles_pole_id_poles")),
        sa.PrimaryKeyConstraint("event_id", "pole_id", name=op.f("pk_event_poles")),
    )
    op.create_table(
        "event_partners",
        sa.Column("event_id", sa.Uuid(), nullable=False),
        sa.Column("partner_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["event_id"], ["events.id"], ondelete="CASCADE",
                                name=op.f("fk_event_partners_event_id_events")),
        sa.ForeignKeyConstraint(["partner_id"], ["partners.id"],
                                name=op.f("fk_event_partners_partner_id_partners")),
        sa.PrimaryKeyConstraint("event_id", "partner_id", name=op.f("pk_event_partners")),
    )
    op.create_table(
        "event_attendance_splits",
        sa.Column("event_id", sa.Uuid(), nullable=False),
        sa.Column("category", sa.String(length=20), nullable=False),
        sa.Column("option_id", sa.Integer(), nullable=False),
        sa.Column("persons", sa.Integer(), nullable=False),
        sa.CheckConstraint("persons >= 0", name=op.f("ck_event_attendance_splits_persons_positive")),
        sa.ForeignKeyConstraint(["event_id"], ["events.id"], ondelete="CASCADE",
                                name=op.f("fk_event_attendance_splits_event_id_events")),
        sa.ForeignKeyConstraint(["option_id"], ["profile_options.id"],
                                name=op.f("fk_event_attendance_splits_option_id_profile_options")),
        sa.PrimaryKeyConstraint("event_id", "category", "option_id",
                                name=op.f("pk_event_attendance_splits")),
    )
    # A plain ADD COLUMN: a batch copy of flow_entries on SQLite would drop its rollup triggers.
    op.add_column("flow_entries", sa.Column(
        "event_id", sa.Uuid(),
        sa.ForeignKey("events.id", name="fk_flow_entries_event_id_events"), nullable=True),
        inline_references=True)
    op.create_index(op.f("ix_flow_entries_event_id"), "flow_entries", ["event_id"])


def downgrade():
    op.drop_index(op.f("ix_flow_entries_event_id"), table_name="flow_entries")
    op.drop_column("flow_entries", "event_id")
    op.drop_table("event_attendance_splits")
    op.drop_table("event_partners")
    op.drop_table("event_poles")
    op.drop_index(op.f("ix_events_series_id"), table_name="events")
    op.drop_index("ix_events_site_days", table_name="events")
    op.drop_table("events")
