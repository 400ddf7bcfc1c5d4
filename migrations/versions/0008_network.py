"""The regional network: site closures and services, accounts serving several sites, the
network director's role (issue 10).

Revision ID: 0008
Revises: 0007

Tables are written out as they are at this revision. Opening hours keep their JSON column:
a day now holds a list of ranges, and the old single range still reads (app.stats.calendar).
"""
import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

ROLES_BEFORE = "role IN ('agent', 'counsellor', 'director', 'admin')"
ROLES_AFTER = "role IN ('agent', 'counsellor', 'director', 'network-director', 'admin')"
DESTINATIONS = "destination_kind IN ('documentation', 'cyber', 'event', 'desk', 'partner')"


def upgrade():
    with op.batch_alter_table("sites") as batch:
        batch.add_column(sa.Column("offers_all_services", sa.Boolean(), nullable=False,
                                   server_default=sa.true()))
    op.create_table(
        "site_poles",
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("pole_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["site_id"], ["sites.id"], ondelete="CASCADE",
                                name=op.f("fk_site_poles_site_id_sites")),
        sa.ForeignKeyConstraint(["pole_id"], ["poles.id"], name=op.f("fk_site_poles_pole_id_poles")),
        sa.PrimaryKeyConstraint("site_id", "pole_id", name=op.f("pk_site_poles")),
    )
    op.create_table(
        "site_destinations",
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("destination_kind", sa.String(length=16), nullable=False),
        sa.CheckConstraint(DESTINATIONS, name=op.f("ck_site_destinations_destination_offered_known")),
        sa.ForeignKeyConstraint(["site_id"], ["sites.id"], ondelete="CASCADE",
                                name=op.f("fk_site_destinations_site_id_sites")),
        sa.PrimaryKeyConstraint("site_id", "destination_kind", name=op.f("pk_site_destinations")),
    )
    op.create_table(
        "site_closures",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("start_date", sa.Date(), nullable=False),
        sa.Column("end_date", sa.Date(), nullable=False),
        sa.Column("reason", sa.String(length=160), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("end_date >= start_date", name=op.f("ck_site_closures_ends_after_start")),
        sa.ForeignKeyConstraint(["site_id"], ["sites.id"], ondelete="CASCADE",
                                name=op.f("fk_site_closures_site_id_sites")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_site_closures")),
    )
    op.create_index(op.f("ix_site_closures_site_id"), "site_closures", ["site_id"])
    op.create_table(
        "user_sites",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], ondelete="CASCADE",
                                name=op.f("fk_user_sites_user_id_users")),
        sa.ForeignKeyConstraint(["site_id"], ["sites.id"], name=op.f("fk_user_sites_site_id_sites")),
        sa.PrimaryKeyConstraint("user_id", "site_id", name=op.f("pk_user_sites")),
    )
    _replace_role_check(ROLES_AFTER)


def downgrade():
    op.execute("DELETE FROM users WHERE role = 'network-director'")
    _replace_role_check(ROLES_BEFORE)
    op.drop_table("user_sites")
    op.drop_index(op.f("ix_site_closures_site_id"), table_name="site_closures")
    op.drop_table("site_closures")
    op.drop_table("site_destinations")
    op.drop_table("site_poles")
    with op.batch_alter_table("sites") as batch:
        batch.drop_column("offers_all_services")


def _replace_role_check(condition: str) -> None:
    # SQLite cannot alter a constraint: batch mode copies the table with the new one.
    with op.batch_alter_table("users") as batch:
        batch.drop_constraint(op.f("ck_users_role_known"), type_="check")
        batch.create_check_constraint("role_known", condition)
