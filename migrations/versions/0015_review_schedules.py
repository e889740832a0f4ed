"""the review bookkeeping moves out of the case rows (issue 22)

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-02 12:00:00

When a case's next review falls due, its review count, whether the last was late and how many were
missed lived on the wide case row, so the review sweep rewrote case rows (and every one of their
indexes) for bookkeeping. They move to review_schedules, one narrow row per open case with a review
cycle, indexed for the sweep; the case row and ix_cases_next_review lose them. Closed cases have no
row: their review number is the last review's (reviews.sequence), which is what the downgrade
restores for them.
"""

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None

OPEN_STATES = "('new', 'triaged', 'assigned', 'in_progress', 'returned')"


# SQLite drops and adds these columns in place (ALTER TABLE ... DROP COLUMN, SQLite 3.35+): copying
# the cases table and dropping the old one would trip the foreign keys that point at it.


def upgrade():
    op.create_table(
        "review_schedules",
        sa.Column("case_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("next_review_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("cycle", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("overdue", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("missed_cycles", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_review_schedules_case_id_cases"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("case_id", name=op.f("pk_review_schedules")),
    )
    op.execute(
        "INSERT INTO review_schedules (case_id, next_review_at, cycle, overdue, missed_cycles) "
        "SELECT id, next_review_at, review_sequence, overdue, missed_reviews FROM cases "
        f"WHERE next_review_at IS NOT NULL AND state IN {OPEN_STATES}"
    )
    # Built after the copy: one sort instead of a row-by-row insert into the index.
    op.create_index("ix_review_schedules_due", "review_schedules", ["next_review_at", "case_id"], unique=False)
    with op.batch_alter_table("cases", schema=None, recreate="never") as batch_op:
        batch_op.drop_index("ix_cases_next_review")
        batch_op.drop_column("missed_reviews")
        batch_op.drop_column("overdue")
        batch_op.drop_column("review_sequence")
        batch_op.drop_column("next_review_at")


def downgrade():
    with op.batch_alter_table("cases", schema=None, recreate="never") as batch_op:
        batch_op.add_column(sa.Column("next_review_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("review_sequence", sa.Integer(), server_default=sa.text("0"), nullable=False))
        batch_op.add_column(sa.Column("overdue", sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.add_column(sa.Column("missed_reviews", sa.Integer(), server_default=sa.text("0"), nullable=False))
    schedule = "SELECT r.{} FROM review_schedules r WHERE r.case_id = cases.id"
    op.execute(
        "UPDATE cases SET "
        f"next_review_at = ({schedule.format('next_review_at')}), "
        f"review_sequence = COALESCE(({schedule.format('cycle')}), "
        "(SELECT MAX(v.sequence) FROM reviews v WHERE v.case_id = cases.id), 0), "
        f"overdue = COALESCE(({schedule.format('overdue')}), false), "
        f"missed_reviews = COALESCE(({schedule.format('missed_cycles')}), 0)"
    )
    with op.batch_alter_table("cases", schema=None, recreate="never") as batch_op:
        batch_op.create_index("ix_cases_next_review", ["next_review_at", "id"], unique=False)
    op.drop_index("ix_review_schedules_due", table_name="review_schedules")
    op.drop_table("review_schedules")
