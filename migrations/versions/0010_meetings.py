"""tasking meetings and their minutes: who attended, and the review decisions taken at each

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-02 02:00:00

A meeting is one per area and date, with its attendees as typed lines (partners' people have no
accounts) and the user who recorded it. A review decided at a meeting points to it, and every
decided review now keeps the case's level once decided and the reason given, so that the minutes
need not be read back out of the audit trail. Reviews decided before this revision were decided at
no recorded meeting; their level and reason stay in the audit trail only (the columns are empty).
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

LEVEL = "level IS NULL OR level IN (1, 2, 3, 4)"


def upgrade():
    op.create_table(
        "meetings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("area_id", sa.Integer(), nullable=False),
        sa.Column("held_on", sa.Date(), nullable=False),
        sa.Column("attendees", sa.Text(), nullable=False),
        sa.Column("chaired_by", sa.String(length=200), nullable=True),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column("recorded_by_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("attendees <> ''", name=op.f("ck_meetings_has_attendees")),
        sa.ForeignKeyConstraint(["area_id"], ["areas.id"], name=op.f("fk_meetings_area_id_areas"), ondelete="RESTRICT"),
        sa.ForeignKeyConstraint(
            ["recorded_by_id"], ["users.id"], name=op.f("fk_meetings_recorded_by_id_users"), ondelete="RESTRICT"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_meetings")),
        sa.UniqueConstraint("area_id", "held_on", name=op.f("uq_meetings_area_id_held_on")),
    )
    with op.batch_alter_table("reviews", schema=None) as batch_op:
        batch_op.add_column(sa.Column("level", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("reason", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("meeting_id", sa.Integer(), nullable=True))
        batch_op.create_check_constraint("level", LEVEL)
        batch_op.create_index(batch_op.f("ix_reviews_meeting_id"), ["meeting_id"], unique=False)
        batch_op.create_foreign_key(
            batch_op.f("fk_reviews_meeting_id_meetings"), "meetings", ["meeting_id"], ["id"], ondelete="RESTRICT"
        )


def downgrade():
    with op.batch_alter_table("reviews", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_reviews_meeting_id_meetings"), type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_reviews_meeting_id"))
        batch_op.drop_constraint(op.f("ck_reviews_level"), type_="check")
        batch_op.drop_column("meeting_id")
        batch_op.drop_column("reason")
        batch_op.drop_column("level")
    op.drop_table("meetings")
