"""Money aggregates: quick-win budgets and their ledger, unit costs, and cost-avoided claims.
Every amount is integer pence."""

from datetime import date, datetime
from decimal import Decimal

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
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tasking.domain.cost_avoided import CLAIM_STATES
from tasking.models.base import Base, in_list_check
from tasking.models.reference import Area
from tasking.models.types import UTCDateTime, utcnow
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
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    created_by: Mapped[User] = relationship()

    __table_args__ = (
        CheckConstraint(
            "(kind = 'spend' AND amount_pence > 0 AND reverses_id IS NULL) OR "
            "(kind = 'reversal' AND amount_pence < 0 AND reverses_id IS NOT NULL AND reason IS NOT NULL)",
            name="spend_or_reversal",
        ),
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
    year: Mapped[int] = mapped_column(Integer)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (CheckConstraint("amount_pence >= 0", name="amount_not_negative"),)


class CostAvoidedClaim(Base):
    __tablename__ = "cost_avoided_claims"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="RESTRICT"))
    state: Mapped[str] = mapped_column(String(20), default="estimated")
    gross_pence: Mapped[int] = mapped_column(BigInteger)
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

    __mapper_args__ = {"version_id_col": version}

    __table_args__ = (
        CheckConstraint(in_list_check("state", CLAIM_STATES), name="state"),
        CheckConstraint("net_pence = gross_pence - quick_win_pence - other_costs_pence", name="net_adds_up"),
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
    probability: Mapped[Decimal] = mapped_column(Numeric(5, 4))
    expected_pence: Mapped[int] = mapped_column(BigInteger)

    __table_args__ = (
        CheckConstraint("probability >= 0 AND probability <= 1", name="probability"),
        CheckConstraint("quantity >= 0 AND unit_cost_pence >= 0", name="not_negative"),
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
