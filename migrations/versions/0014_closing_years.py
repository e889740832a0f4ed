"""closing a financial year: an admin's action after which no spend may be dated in it

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-02 07:00:00

financial_year_closures holds each financial year an admin has closed (the year it starts in). A
spend may be dated in the current year or, until it is closed, the year before (docs/money.md,
"Spend dates"). No year is closed at the upgrade.
"""

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "financial_year_closures",
        sa.Column("year", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("closed_by_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["closed_by_id"],
            ["users.id"],
            name=op.f("fk_financial_year_closures_closed_by_id_users"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("year", name=op.f("pk_financial_year_closures")),
    )


def downgrade():
    op.drop_table("financial_year_closures")
