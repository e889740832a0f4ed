"""partial indexes over the optional values the similar-case search and owners' lists look up (issue 22)

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-03 07:20:00

The indexes on a case's coordinates, postcode, subject, barrier and owning officer are looked up
only with a value (`=` or `BETWEEN`), which implies the value is there; most cases have none of
some of them, and those rows were sorted into each index, built with it and updated on every raise
for nothing. Each index now covers only the rows that have the value. Same names and columns.
"""

import sqlalchemy as sa
from alembic import op

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None

# name: (columns, the rows it covers)
INDEXES = {
    "ix_cases_category_coords": (
        ["category_id", "latitude", "longitude", "created_at"],
        "latitude IS NOT NULL AND longitude IS NOT NULL",
    ),
    "ix_cases_subject": (["category_id", "subject_ref", "created_at"], "subject_ref IS NOT NULL"),
    "ix_cases_postcode": (["category_id", "postcode", "created_at"], "postcode IS NOT NULL"),
    "ix_cases_barrier_id": (["barrier_id"], "barrier_id IS NOT NULL"),
    "ix_cases_owner_user_state": (["owner_user_id", "state"], "owner_user_id IS NOT NULL"),
}


def upgrade():
    for name, (columns, condition) in INDEXES.items():
        op.drop_index(name, table_name="cases")
        op.create_index(name, "cases", columns, postgresql_where=sa.text(condition), sqlite_where=sa.text(condition))


def downgrade():
    for name, (columns, _) in INDEXES.items():
        op.drop_index(name, table_name="cases")
        op.create_index(name, "cases", columns)
