"""the seams of the four-level model: per-category similarity, subjects, named leads, triage reasons

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01 22:59:25

Categories say what "the same problem" means (place within a radius, or the same subject); a case
may carry a pseudonymous subject reference, a lead organisation named by a person, and the reason it
was put in the triage queue; an organisation may ask that completing its level-one task does not
resolve the case; the outbox learns two new kinds of message.
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

OLD_KINDS = "kind IN ('review_due', 'review_overdue', 'task_offered')"
NEW_KINDS = "kind IN ('review_due', 'review_overdue', 'task_offered', 'task_declined', 'case_returned')"


def upgrade():
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.add_column(sa.Column("subject_ref", sa.String(length=40), nullable=True))
        batch_op.add_column(sa.Column("lead_organisation_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("triage_reason", sa.Text(), nullable=True))
        batch_op.create_index("ix_cases_postcode", ["category_id", "postcode", "created_at"], unique=False)
        batch_op.create_index("ix_cases_subject", ["category_id", "subject_ref", "created_at"], unique=False)
        batch_op.create_foreign_key(
            batch_op.f("fk_cases_lead_organisation_id_organisations"),
            "organisations",
            ["lead_organisation_id"],
            ["id"],
            ondelete="RESTRICT",
        )

    with op.batch_alter_table("categories", schema=None) as batch_op:
        batch_op.add_column(sa.Column("similarity", sa.String(length=10), server_default="place", nullable=False))
        batch_op.add_column(sa.Column("similar_radius_m", sa.Float(), nullable=True))
        batch_op.create_check_constraint("similarity", "similarity IN ('place', 'person')")
        batch_op.create_check_constraint("similar_radius_positive", "similar_radius_m IS NULL OR similar_radius_m > 0")

    with op.batch_alter_table("organisations", schema=None) as batch_op:
        batch_op.add_column(sa.Column("resolves_on_completion", sa.Boolean(), server_default=sa.true(), nullable=False))

    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_notifications_kind"), type_="check")
        batch_op.create_check_constraint("kind", NEW_KINDS)


def downgrade():
    op.execute("DELETE FROM notifications WHERE kind IN ('task_declined', 'case_returned')")
    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_notifications_kind"), type_="check")
        batch_op.create_check_constraint("kind", OLD_KINDS)

    with op.batch_alter_table("organisations", schema=None) as batch_op:
        batch_op.drop_column("resolves_on_completion")

    with op.batch_alter_table("categories", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_categories_similar_radius_positive"), type_="check")
        batch_op.drop_constraint(op.f("ck_categories_similarity"), type_="check")
        batch_op.drop_column("similar_radius_m")
        batch_op.drop_column("similarity")

    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_cases_lead_organisation_id_organisations"), type_="foreignkey")
        batch_op.drop_index("ix_cases_subject")
        batch_op.drop_index("ix_cases_postcode")
        batch_op.drop_column("triage_reason")
        batch_op.drop_column("lead_organisation_id")
        batch_op.drop_column("subject_ref")
