"""Reference labels per language: an optional English label beside the French one (issue 13).

Revision ID: 0005
Revises: 0004
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

# Every table of the reference mixin; NULL means "use the French label".
TABLES = ("sites", "reception_points", "poles", "partners", "profile_options", "event_types",
          "themes", "outcomes")


def upgrade():
    for table in TABLES:
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column("label_en", sa.String(160), nullable=True))
    with op.batch_alter_table("poles") as batch:
        batch.add_column(sa.Column("short_label_en", sa.String(60), nullable=True))


def downgrade():
    with op.batch_alter_table("poles") as batch:
        batch.drop_column("short_label_en")
    for table in reversed(TABLES):
        with op.batch_alter_table(table) as batch:
            batch.drop_column("label_en")
