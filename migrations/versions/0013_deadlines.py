"""deadlines: local holidays, targets, clocks and the waits that pause them

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-02 07:00:00

local_holidays: days the offices close besides the bank holidays (admins add them). targets: working
days per clock kind, keyed on level, category and level, or organisation (docs/deadlines.md).
clocks: one deadline kept for a case or a partner's task, with its start, due and warning times,
its pauses and the times it was warned and breached (each once). case_waits: a case waiting on
someone outside the service, which pauses its clocks. Cases open at the upgrade get no clocks: the
clocks start with the next event that starts one (docs/deadlines.md, "Upgrading").
"""

import sqlalchemy as sa
from alembic import op

_KINDS = "'review_due', 'review_overdue', 'task_offered', 'task_declined', 'case_returned', 'follow_up_due'"
OLD_KINDS = f"kind IN ({_KINDS})"
NEW_KINDS = f"kind IN ({_KINDS}, 'clock_warned', 'clock_breached')"

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_notifications_kind"), type_="check")
        batch_op.create_check_constraint("kind", NEW_KINDS)
    op.create_table(
        "local_holidays",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("added_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("name <> ''", name=op.f("ck_local_holidays_has_name")),
        sa.ForeignKeyConstraint(
            ["added_by_id"], ["users.id"], name=op.f("fk_local_holidays_added_by_id_users"), ondelete="RESTRICT"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_local_holidays")),
        sa.UniqueConstraint("day", name=op.f("uq_local_holidays_day")),
    )
    op.create_table(
        "targets",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("level", sa.Integer(), nullable=True),
        sa.Column("category_id", sa.Integer(), nullable=True),
        sa.Column("organisation_id", sa.Integer(), nullable=True),
        sa.Column("working_days", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "kind IN ('first_response', 'task_accept', 'task_complete', 'councillor_acknowledge', 'councillor_answer', 'councillor_follow_up')",
            name=op.f("ck_targets_kind"),
        ),
        sa.CheckConstraint("level IS NULL OR level BETWEEN 1 AND 4", name=op.f("ck_targets_level_in_range")),
        sa.CheckConstraint("working_days > 0 AND working_days <= 400", name=op.f("ck_targets_working_days_in_range")),
        sa.ForeignKeyConstraint(
            ["category_id"], ["categories.id"], name=op.f("fk_targets_category_id_categories"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_targets_organisation_id_organisations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_targets")),
    )
    with op.batch_alter_table("targets", schema=None) as batch_op:
        batch_op.create_index("ix_targets_kind", ["kind"], unique=False)

    op.create_table(
        "case_waits",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("waiting_on", sa.String(length=20), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("started_by_id", sa.Integer(), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("ended_by_id", sa.Integer(), nullable=True),
        sa.CheckConstraint("reason <> ''", name=op.f("ck_case_waits_has_reason")),
        sa.CheckConstraint(
            "waiting_on IN ('resident', 'court', 'agency', 'other')", name=op.f("ck_case_waits_waiting_on")
        ),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_case_waits_case_id_cases"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["ended_by_id"], ["users.id"], name=op.f("fk_case_waits_ended_by_id_users"), ondelete="RESTRICT"
        ),
        sa.ForeignKeyConstraint(
            ["started_by_id"], ["users.id"], name=op.f("fk_case_waits_started_by_id_users"), ondelete="RESTRICT"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_waits")),
    )
    with op.batch_alter_table("case_waits", schema=None) as batch_op:
        batch_op.create_index("ix_case_waits_case", ["case_id", "ended_at"], unique=False)

    op.create_table(
        "clocks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("task_id", sa.Integer(), nullable=True),
        sa.Column("organisation_id", sa.Integer(), nullable=True),
        sa.Column("area_id", sa.Integer(), nullable=False),
        sa.Column("level", sa.Integer(), nullable=True),
        sa.Column("target_working_days", sa.Integer(), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("warn_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("paused_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("paused_seconds", sa.Integer(), nullable=False),
        sa.Column("stopped_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("elapsed_seconds", sa.Integer(), nullable=True),
        sa.Column("warned_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("breached_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("cancelled", sa.Boolean(), server_default=sa.text("false"), nullable=False),
        sa.CheckConstraint(
            "kind IN ('first_response', 'task_accept', 'task_complete', 'councillor_acknowledge', 'councillor_answer')",
            name=op.f("ck_clocks_kind"),
        ),
        sa.CheckConstraint("due_at >= started_at", name=op.f("ck_clocks_due_after_start")),
        sa.CheckConstraint("paused_seconds >= 0", name=op.f("ck_clocks_paused_not_negative")),
        sa.ForeignKeyConstraint(["area_id"], ["areas.id"], name=op.f("fk_clocks_area_id_areas"), ondelete="RESTRICT"),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"], name=op.f("fk_clocks_case_id_cases"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_clocks_organisation_id_organisations"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(["task_id"], ["tasks.id"], name=op.f("fk_clocks_task_id_tasks"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_clocks")),
    )
    with op.batch_alter_table("clocks", schema=None) as batch_op:
        batch_op.create_index("ix_clocks_area", ["area_id", "started_at"], unique=False)
        batch_op.create_index("ix_clocks_case", ["case_id", "kind"], unique=False)
        batch_op.create_index("ix_clocks_org", ["organisation_id", "started_at"], unique=False)
        batch_op.create_index("ix_clocks_running_due", ["due_at"], unique=False)
        batch_op.create_index("ix_clocks_running_warn", ["warn_at"], unique=False)
        batch_op.create_index("ix_clocks_task", ["task_id"], unique=False)


def downgrade():
    op.execute("DELETE FROM notifications WHERE kind IN ('clock_warned', 'clock_breached')")
    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_notifications_kind"), type_="check")
        batch_op.create_check_constraint("kind", OLD_KINDS)
    with op.batch_alter_table("clocks", schema=None) as batch_op:
        batch_op.drop_index("ix_clocks_task")
        batch_op.drop_index("ix_clocks_running_warn")
        batch_op.drop_index("ix_clocks_running_due")
        batch_op.drop_index("ix_clocks_org")
        batch_op.drop_index("ix_clocks_case")
        batch_op.drop_index("ix_clocks_area")

    op.drop_table("clocks")
    with op.batch_alter_table("case_waits", schema=None) as batch_op:
        batch_op.drop_index("ix_case_waits_case")

    op.drop_table("case_waits")
    with op.batch_alter_table("targets", schema=None) as batch_op:
        batch_op.drop_index("ix_targets_kind")

    op.drop_table("targets")
    op.drop_table("local_holidays")
