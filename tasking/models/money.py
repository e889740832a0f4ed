"""Money aggregates: quick-win budgets and their ledger, unit costs, and cost-avoided claims.
Every amount is integer pence."""

from datetime import date, datetime
from decimal import Decimal
from fractions import Fraction

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
    false,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tasking.domain.cost_avoided import CLAIM_STATES
from tasking.models.base import Base, in_list_check
from tasking.models.cases import Case
from tasking.models.reference import Area
from tasking.models.types import FractionText, UTCDateTime, utcnow
from tasking.models.users import User


class BudgetAllocation(Base):
    """An area's quick-win allocation for one financial year (the year it starts in)."""

    __tablename__ = "budget_allocations"

    id: Mapped[int] = mapped_column(primary_key=True)
    area_id: Mapped[int] = mapped_column(ForeignKey("areas.id", ondelete="RESTRICT"))
    year: Mapped[int] = mapped_column(Integer)
    amount_pence: Mapped[int] = mapped_column(BigInteger)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1)

    area: Mapped[Area] = relationship()

    __table_args__ = (
        UniqueConstraint("area_id", "year"),
        CheckConstraint("amount_pence >= 0", name="amount_not_negative"),
    )


class FinancialYearClosure(Base):
    """A financial year an admin has closed: no spend may be dated in it any more. Until then the
    year before the current one stays open for spends keyed late (docs/money.md, "Spend dates")."""

    __tablename__ = "financial_year_closures"

    year: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    closed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    closed_by_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))


class Spend(Base):
    """One line of the append-only quick-win ledger: a spend, or the reversal of one."""

    __tablename__ = "spends"

    id: Mapped[int] = mapped_column(primary_key=True)
    area_id: Mapped[int] = mapped_column(ForeignKey("areas.id", ondelete="RESTRICT"))
    year: Mapped[int] = mapped_column(Integer)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="RESTRICT"))
    kind: Mapped[str] = mapped_column(String(10))
    amount_pence: Mapped[int] = mapped_column(BigInteger)
    description: Mapped[str] = mapped_column(Text)
    supplier: Mapped[str | None] = mapped_column(String(200))
    spent_on: Mapped[date] = mapped_column(Date)
    reverses_id: Mapped[int | None] = mapped_column(ForeignKey("spends.id", ondelete="RESTRICT"), unique=True)
    reason: Mapped[str | None] = mapped_column(Text)
    # For the Local Government Transparency Code export (docs/money.md, "Transparency").
    irrecoverable_vat_pence: Mapped[int | None] = mapped_column(BigInteger)
    merchant_category: Mapped[str | None] = mapped_column(String(120))
    # A supplier who is a private individual is named to area staff only, never in an export.
    supplier_is_individual: Mapped[bool] = mapped_column(default=False, server_default=false())
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    created_by: Mapped[User] = relationship()
    # The ledger names each spend by its case's reference, never the database id.
    case: Mapped["Case"] = relationship(lazy="raise")

    __table_args__ = (
        CheckConstraint(
            "(kind = 'spend' AND amount_pence > 0 AND reverses_id IS NULL) OR "
            "(kind = 'reversal' AND amount_pence < 0 AND reverses_id IS NOT NULL AND reason IS NOT NULL)",
            name="spend_or_reversal",
        ),
        CheckConstraint("irrecoverable_vat_pence IS NULL OR irrecoverable_vat_pence >= 0", name="vat_not_negative"),
        Index("ix_spends_area_year", "area_id", "year", "id"),
        Index("ix_spends_case", "case_id"),
        Index("ix_spends_spent_on", "spent_on"),
    )


class UnitCost(Base):
    """A common figure, so people stop retyping it (for example a week of foster care)."""

    __tablename__ = "unit_costs"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    amount_pence: Mapped[int] = mapped_column(BigInteger)
    unit: Mapped[str] = mapped_column(String(80))
    source: Mapped[str] = mapped_column(Text)
    year: Mapped[int] = mapped_column(Integer)  # the price year of the amount
    # How far the figure can be trusted, 1 (best) to 6 (GMCA cost-benefit confidence grades); the
    # optimism-bias correction per grade is configuration (docs/money.md, "The value method").
    confidence_grade: Mapped[int | None] = mapped_column(Integer)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (
        CheckConstraint("amount_pence >= 0", name="amount_not_negative"),
        CheckConstraint("confidence_grade IS NULL OR confidence_grade BETWEEN 1 AND 6", name="confidence_grade"),
    )


class CostAvoidedClaim(Base):
    __tablename__ = "cost_avoided_claims"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="RESTRICT"))
    state: Mapped[str] = mapped_column(String(20), default="estimated")
    gross_pence: Mapped[int] = mapped_column(BigInteger)
    # The outcome lines after the value method's adjustments (central, low and high), and the
    # cashable part of the central figure; with neutral adjustments adjusted = low = high = gross.
    adjusted_pence: Mapped[int] = mapped_column(BigInteger)
    low_pence: Mapped[int] = mapped_column(BigInteger)
    high_pence: Mapped[int] = mapped_column(BigInteger)
    cashable_pence: Mapped[int] = mapped_column(BigInteger, default=0, server_default=text("0"))
    quick_win_pence: Mapped[int] = mapped_column(BigInteger)
    other_costs_pence: Mapped[int] = mapped_column(BigInteger)
    net_pence: Mapped[int] = mapped_column(BigInteger)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decision_reason: Mapped[str | None] = mapped_column(Text)
    version: Mapped[int] = mapped_column(Integer, default=1)

    outcomes: Mapped[list["ClaimOutcome"]] = relationship(order_by="ClaimOutcome.id", cascade="all, delete-orphan")
    costs: Mapped[list["ClaimCost"]] = relationship(order_by="ClaimCost.id", cascade="all, delete-orphan")
    # Read only: a claim shows of its case only its reference, area, level and category
    # (docs/roles.md, "Claims on confidential cases").
    case: Mapped[Case] = relationship(viewonly=True)

    __mapper_args__ = {"version_id_col": version}

    __table_args__ = (
        CheckConstraint(in_list_check("state", CLAIM_STATES), name="state"),
        CheckConstraint("net_pence = adjusted_pence - quick_win_pence - other_costs_pence", name="net_adds_up"),
        CheckConstraint("low_pence <= adjusted_pence AND adjusted_pence <= high_pence", name="range_ordered"),
        CheckConstraint("state = 'estimated' OR decided_at IS NOT NULL", name="decided_has_time"),
        Index("ix_cost_avoided_claims_case", "case_id"),
        Index("ix_cost_avoided_claims_created", "created_at"),
    )


class ClaimOutcome(Base):
    __tablename__ = "claim_outcomes"

    id: Mapped[int] = mapped_column(primary_key=True)
    claim_id: Mapped[int] = mapped_column(ForeignKey("cost_avoided_claims.id", ondelete="CASCADE"), index=True)
    description: Mapped[str] = mapped_column(Text)
    unit_cost_id: Mapped[int | None] = mapped_column(ForeignKey("unit_costs.id", ondelete="RESTRICT"))
    unit_cost_pence: Mapped[int] = mapped_column(BigInteger)
    quantity: Mapped[Decimal] = mapped_column(Numeric(14, 4))
    probability: Mapped[Fraction] = mapped_column(FractionText)
    expected_pence: Mapped[int] = mapped_column(BigInteger)
    # The value method's adjustments (docs/money.md, "The value method"); the defaults are neutral.
    deadweight: Mapped[Fraction] = mapped_column(FractionText, default=Fraction(0), server_default="0")
    deadweight_reason: Mapped[str | None] = mapped_column(Text)
    attribution: Mapped[Fraction] = mapped_column(FractionText, default=Fraction(1), server_default="1")
    confidence_grade: Mapped[int | None] = mapped_column(Integer)
    price_year: Mapped[int | None] = mapped_column(Integer)
    benefit_years: Mapped[int] = mapped_column(Integer, default=1, server_default=text("1"))
    drop_off: Mapped[Fraction] = mapped_column(FractionText, default=Fraction(0), server_default="0")
    cashable: Mapped[bool] = mapped_column(default=False, server_default=false())
    adjusted_pence: Mapped[int] = mapped_column(BigInteger)
    low_pence: Mapped[int] = mapped_column(BigInteger)
    high_pence: Mapped[int] = mapped_column(BigInteger)

    __table_args__ = (
        CheckConstraint("quantity >= 0 AND unit_cost_pence >= 0", name="not_negative"),
        CheckConstraint("benefit_years >= 1", name="benefit_years"),
        CheckConstraint("confidence_grade IS NULL OR confidence_grade BETWEEN 1 AND 6", name="confidence_grade"),
        CheckConstraint("low_pence <= adjusted_pence AND adjusted_pence <= high_pence", name="range_ordered"),
    )


class ClaimCost(Base):
    __tablename__ = "claim_costs"

    id: Mapped[int] = mapped_column(primary_key=True)
    claim_id: Mapped[int] = mapped_column(ForeignKey("cost_avoided_claims.id", ondelete="CASCADE"), index=True)
    description: Mapped[str] = mapped_column(Text)
    hours: Mapped[Decimal | None] = mapped_column(Numeric(10, 2))
    rate_pence: Mapped[int | None] = mapped_column(BigInteger)
    amount_pence: Mapped[int] = mapped_column(BigInteger)

    __table_args__ = (CheckConstraint("amount_pence >= 0", name="amount_not_negative"),)


FOLLOW_UP_STATES = ("pending", "confirmed", "not_confirmed")


class ClaimFollowUp(Base):
    """Did the saving happen? A check on a verified claim some months after it was verified,
    created once by the sweep and answered by finance (docs/money.md, "Follow-up checks")."""

    __tablename__ = "claim_follow_ups"

    id: Mapped[int] = mapped_column(primary_key=True)
    claim_id: Mapped[int] = mapped_column(ForeignKey("cost_avoided_claims.id", ondelete="CASCADE"))
    months: Mapped[int] = mapped_column(Integer)
    due_on: Mapped[date] = mapped_column(Date)
    state: Mapped[str] = mapped_column(String(20), default="pending")
    notes: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    version: Mapped[int] = mapped_column(Integer, default=1)

    claim: Mapped[CostAvoidedClaim] = relationship()

    __mapper_args__ = {"version_id_col": version}

    __table_args__ = (
        UniqueConstraint("claim_id", "months"),
        CheckConstraint(in_list_check("state", FOLLOW_UP_STATES), name="state"),
        CheckConstraint("(state = 'pending') = (decided_at IS NULL)", name="decided_has_time"),
        Index("ix_claim_follow_ups_state_due", "state", "due_on"),
    )
