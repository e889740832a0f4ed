"""money finance can sign off: exact shares, the value method's adjustments, follow-up checks,
transparency fields

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-01 23:50:29

Probabilities become exact fractions kept as text in lowest terms ("1/6"); each existing decimal is
carried over exactly. Outcome lines gain the value method's adjustments at their neutral values,
with adjusted, low and high figures equal to today's expected value, so every stored claim keeps its
figures; a claim's net is its adjusted figure less its costs (the same number for stored claims).
Unit costs gain a confidence grade, spends the Transparency Code's fields, and verified claims their
follow-up checks.
"""

from decimal import Decimal
from fractions import Fraction

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

OLD_KINDS = "kind IN ('review_due', 'review_overdue', 'task_offered', 'task_declined', 'case_returned')"
NEW_KINDS = (
    "kind IN ('review_due', 'review_overdue', 'task_offered', 'task_declined', 'case_returned', 'follow_up_due')"
)
GRADE = "confidence_grade IS NULL OR confidence_grade BETWEEN 1 AND 6"
RANGE = "low_pence <= adjusted_pence AND adjusted_pence <= high_pence"


def upgrade():
    op.create_table(
        "claim_follow_ups",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("claim_id", sa.Integer(), nullable=False),
        sa.Column("months", sa.Integer(), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("decided_by_id", sa.Integer(), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "(state = 'pending') = (decided_at IS NULL)", name=op.f("ck_claim_follow_ups_decided_has_time")
        ),
        sa.CheckConstraint(
            "state IN ('pending', 'confirmed', 'not_confirmed')", name=op.f("ck_claim_follow_ups_state")
        ),
        sa.ForeignKeyConstraint(
            ["claim_id"],
            ["cost_avoided_claims.id"],
            name=op.f("fk_claim_follow_ups_claim_id_cost_avoided_claims"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["decided_by_id"], ["users.id"], name=op.f("fk_claim_follow_ups_decided_by_id_users"), ondelete="RESTRICT"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_claim_follow_ups")),
        sa.UniqueConstraint("claim_id", "months", name=op.f("uq_claim_follow_ups_claim_id_months")),
    )
    with op.batch_alter_table("claim_follow_ups", schema=None) as batch_op:
        batch_op.create_index("ix_claim_follow_ups_state_due", ["state", "due_on"], unique=False)

    with op.batch_alter_table("claim_outcomes", schema=None) as batch_op:
        batch_op.add_column(sa.Column("probability_exact", sa.String(length=40), nullable=True))
        batch_op.add_column(sa.Column("deadweight", sa.String(length=40), server_default="0", nullable=False))
        batch_op.add_column(sa.Column("deadweight_reason", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("attribution", sa.String(length=40), server_default="1", nullable=False))
        batch_op.add_column(sa.Column("confidence_grade", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("price_year", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("benefit_years", sa.Integer(), server_default=sa.text("1"), nullable=False))
        batch_op.add_column(sa.Column("drop_off", sa.String(length=40), server_default="0", nullable=False))
        batch_op.add_column(sa.Column("cashable", sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.add_column(sa.Column("adjusted_pence", sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column("low_pence", sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column("high_pence", sa.BigInteger(), nullable=True))

    bind = op.get_bind()
    outcomes = sa.table(
        "claim_outcomes",
        sa.column("id", sa.Integer),
        sa.column("probability", sa.Numeric(5, 4)),
        sa.column("probability_exact", sa.String),
    )
    for row_id, probability in bind.execute(sa.select(outcomes.c.id, outcomes.c.probability)).all():
        exact = str(Fraction(Decimal(str(probability))))
        bind.execute(outcomes.update().where(outcomes.c.id == row_id).values(probability_exact=exact))
    op.execute(
        "UPDATE claim_outcomes SET adjusted_pence = expected_pence, low_pence = expected_pence, "
        "high_pence = expected_pence"
    )

    with op.batch_alter_table("claim_outcomes", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_claim_outcomes_probability"), type_="check")
        batch_op.drop_column("probability")
        batch_op.alter_column(
            "probability_exact", new_column_name="probability", existing_type=sa.String(length=40), nullable=False
        )
        for name in ("adjusted_pence", "low_pence", "high_pence"):
            batch_op.alter_column(name, existing_type=sa.BigInteger(), nullable=False)
        batch_op.create_check_constraint("benefit_years", "benefit_years >= 1")
        batch_op.create_check_constraint("confidence_grade", GRADE)
        batch_op.create_check_constraint("range_ordered", RANGE)

    with op.batch_alter_table("cost_avoided_claims", schema=None) as batch_op:
        batch_op.add_column(sa.Column("adjusted_pence", sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column("low_pence", sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column("high_pence", sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column("cashable_pence", sa.BigInteger(), server_default=sa.text("0"), nullable=False))
    op.execute(
        "UPDATE cost_avoided_claims SET adjusted_pence = gross_pence, low_pence = gross_pence, high_pence = gross_pence"
    )
    with op.batch_alter_table("cost_avoided_claims", schema=None) as batch_op:
        for name in ("adjusted_pence", "low_pence", "high_pence"):
            batch_op.alter_column(name, existing_type=sa.BigInteger(), nullable=False)
        batch_op.drop_constraint(op.f("ck_cost_avoided_claims_net_adds_up"), type_="check")
        batch_op.create_check_constraint(
            "net_adds_up", "net_pence = adjusted_pence - quick_win_pence - other_costs_pence"
        )
        batch_op.create_check_constraint("range_ordered", RANGE)

    with op.batch_alter_table("spends", schema=None) as batch_op:
        batch_op.add_column(sa.Column("irrecoverable_vat_pence", sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column("merchant_category", sa.String(length=120), nullable=True))
        batch_op.add_column(
            sa.Column("supplier_is_individual", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
        batch_op.create_check_constraint(
            "vat_not_negative", "irrecoverable_vat_pence IS NULL OR irrecoverable_vat_pence >= 0"
        )

    with op.batch_alter_table("unit_costs", schema=None) as batch_op:
        batch_op.add_column(sa.Column("confidence_grade", sa.Integer(), nullable=True))
        batch_op.create_check_constraint("confidence_grade", GRADE)

    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_notifications_kind"), type_="check")
        batch_op.create_check_constraint("kind", NEW_KINDS)


def downgrade():
    op.execute("DELETE FROM notifications WHERE kind = 'follow_up_due'")
    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_notifications_kind"), type_="check")
        batch_op.create_check_constraint("kind", OLD_KINDS)

    with op.batch_alter_table("unit_costs", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_unit_costs_confidence_grade"), type_="check")
        batch_op.drop_column("confidence_grade")

    with op.batch_alter_table("spends", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_spends_vat_not_negative"), type_="check")
        batch_op.drop_column("supplier_is_individual")
        batch_op.drop_column("merchant_category")
        batch_op.drop_column("irrecoverable_vat_pence")

    # Back to the old arithmetic: net is gross less costs; adjusted figures are dropped.
    op.execute("UPDATE cost_avoided_claims SET net_pence = gross_pence - quick_win_pence - other_costs_pence")
    with op.batch_alter_table("cost_avoided_claims", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_cost_avoided_claims_range_ordered"), type_="check")
        batch_op.drop_constraint(op.f("ck_cost_avoided_claims_net_adds_up"), type_="check")
        batch_op.create_check_constraint("net_adds_up", "net_pence = gross_pence - quick_win_pence - other_costs_pence")
        for name in ("cashable_pence", "high_pence", "low_pence", "adjusted_pence"):
            batch_op.drop_column(name)

    with op.batch_alter_table("claim_outcomes", schema=None) as batch_op:
        batch_op.add_column(sa.Column("probability_decimal", sa.Numeric(5, 4), nullable=True))
    bind = op.get_bind()
    outcomes = sa.table(
        "claim_outcomes",
        sa.column("id", sa.Integer),
        sa.column("probability", sa.String),
        sa.column("probability_decimal", sa.Numeric(5, 4)),
    )
    for row_id, probability in bind.execute(sa.select(outcomes.c.id, outcomes.c.probability)).all():
        fraction = Fraction(probability)
        # The old column holds four places: a fraction such as 1/6 can only go back rounded.
        decimal = (Decimal(fraction.numerator) / Decimal(fraction.denominator)).quantize(Decimal("0.0001"))
        bind.execute(outcomes.update().where(outcomes.c.id == row_id).values(probability_decimal=decimal))
    with op.batch_alter_table("claim_outcomes", schema=None) as batch_op:
        for name in ("range_ordered", "confidence_grade", "benefit_years"):
            batch_op.drop_constraint(op.f(f"ck_claim_outcomes_{name}"), type_="check")
        batch_op.drop_column("probability")
        batch_op.alter_column(
            "probability_decimal", new_column_name="probability", existing_type=sa.Numeric(5, 4), nullable=False
        )
        batch_op.create_check_constraint("probability", "probability >= 0 AND probability <= 1")
        for name in (
            "high_pence",
            "low_pence",
            "adjusted_pence",
            "cashable",
            "drop_off",
            "benefit_years",
            "price_year",
            "confidence_grade",
            "attribution",
            "deadweight_reason",
            "deadweight",
        ):
            batch_op.drop_column(name)

    with op.batch_alter_table("claim_follow_ups", schema=None) as batch_op:
        batch_op.drop_index("ix_claim_follow_ups_state_due")
    op.drop_table("claim_follow_ups")
