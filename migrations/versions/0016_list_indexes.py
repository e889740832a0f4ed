"""indexes for the lean list reads (issue 22)

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-02 12:00:00

A partner's page (its organisation's tasks, optionally of one state, newest first) read the
organisation's tasks by primary key backwards, filtering out other organisations' rows: an index on
(organisation, state, id) and one on (organisation, id) give the page straight off.

The triage queue is ordered case reviews first, then risk, then suggested level, then age
(tasking/services/triage.py, PRIORITY); ix_cases_triage_queue held only risk and age, so every
page sorted the area's whole queue. It is replaced by a partial index in the queue's full order.
"""

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None

WAITING = "state IN ('new', 'returned')"


def _review_first():
    # The queue sorts by the flag as a number (triage.PRIORITY); each dialect spells the cast its way,
    # PostgreSQL's as it reflects it, so that `flask db check` finds the model and the database alike.
    cast = (
        "CAST(case_review_flag AS INTEGER)" if op.get_bind().dialect.name == "sqlite" else "(case_review_flag::integer)"
    )
    return sa.text(f"{cast} DESC")


def upgrade():
    op.create_index("ix_tasks_org_state_id", "tasks", ["organisation_id", "state", "id"])
    op.create_index("ix_tasks_org_id", "tasks", ["organisation_id", "id"])
    op.drop_index("ix_cases_triage_queue", table_name="cases")
    op.create_index(
        "ix_cases_triage_priority",
        "cases",
        [
            "area_id",
            _review_first(),
            sa.text("risk_score DESC"),
            sa.text("suggested_level DESC"),
            "created_at",
            "id",
        ],
        postgresql_where=sa.text(WAITING),
        sqlite_where=sa.text(WAITING),
    )


def downgrade():
    op.drop_index("ix_cases_triage_priority", table_name="cases")
    op.create_index(
        "ix_cases_triage_queue",
        "cases",
        ["area_id", sa.text("risk_score DESC"), "created_at", "id"],
        postgresql_where=sa.text(WAITING),
        sqlite_where=sa.text(WAITING),
    )
    op.drop_index("ix_tasks_org_id", table_name="tasks")
    op.drop_index("ix_tasks_org_state_id", table_name="tasks")
