"""The quick-win budget: spend at the area manager's discretion, never past the allocation, even
when two spends race; the ledger is append-only, mistakes are reversed."""

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, joinedload

from tasking.domain import budget as rules
from tasking.domain import lifecycle
from tasking.domain.errors import Conflict, NotFound, TransitionRefused, ValidationFailed
from tasking.domain.money import check_closing, check_spend_date, financial_year, financial_year_label, pounds, uk_date
from tasking.domain.permissions import Target, can, require
from tasking.domain.policy import Policy
from tasking.domain.principal import Principal
from tasking.domain.text import required_reason
from tasking.models import Area, BudgetAllocation, Case, FinancialYearClosure, Spend
from tasking.services import audit, claim_costs
from tasking.services.cases import get_case

# The advisory lock of a financial year (PostgreSQL's two-key form: this, and the year).
YEAR_LOCK = 72_603_113


@dataclass
class Budget:
    area: Area
    year: int
    allocation_pence: int
    spent_pence: int
    entries: list  # Spend, or SupplierWithheld for a reader who may not see personal details

    @property
    def remaining_pence(self) -> int:
        return rules.remaining(self.allocation_pence, self.spent_pence)


# What a reader who may not see personal details sees of a supplier who is a private individual.
SUPPLIER_WITHHELD = "Withheld: a private individual"


def spend_snapshot(entry: Spend) -> dict:
    """The audit record of a spend. A private individual's name stays in the ledger row, shown only to
    area staff, and is not copied into the case's history, which more people read."""
    return {
        "case_id": entry.case_id,
        "kind": entry.kind,
        "amount_pence": entry.amount_pence,
        "year": entry.year,
        "description": entry.description,
        "supplier": SUPPLIER_WITHHELD if entry.supplier_is_individual else entry.supplier,
        "supplier_is_individual": bool(entry.supplier_is_individual),
        "irrecoverable_vat_pence": entry.irrecoverable_vat_pence,
        "merchant_category": entry.merchant_category,
        "spent_on": entry.spent_on.isoformat(),
        "reverses_id": entry.reverses_id,
        "reason": entry.reason,
    }


class SupplierWithheld:
    """A ledger entry as seen by a reader who may not see personal details (docs/money.md,
    "Transparency"): the entry, with its supplier withheld when that is a private individual."""

    supplier = SUPPLIER_WITHHELD

    def __init__(self, entry: Spend):
        self._entry = entry

    def __getattr__(self, name):
        return getattr(self._entry, name)


def as_seen_by(principal: Principal, entry: Spend) -> Spend | SupplierWithheld:
    if entry.supplier_is_individual and not can(principal, "personal.read", Target(area_id=entry.area_id)):
        return SupplierWithheld(entry)
    return entry


def _spent(session: Session, area_id: int, year: int) -> int:
    # PostgreSQL sums bigints as numeric: back to int, so money stays integer pence.
    return int(
        session.scalar(
            select(func.coalesce(func.sum(Spend.amount_pence), 0)).where(Spend.area_id == area_id, Spend.year == year)
        )
        or 0
    )


def _locked_allocation(session: Session, area_id: int, year: int, default_pence: int) -> BudgetAllocation:
    """The allocation row, created at the default if new, and locked for the rest of the transaction:
    FOR UPDATE on PostgreSQL; on SQLite a write takes the database's single write lock."""
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    session.execute(
        insert(BudgetAllocation)
        .values(area_id=area_id, year=year, amount_pence=default_pence, version=1)
        .on_conflict_do_nothing(index_elements=["area_id", "year"])
    )
    where = (BudgetAllocation.area_id == area_id, BudgetAllocation.year == year)
    if dialect == "postgresql":
        return session.scalars(
            select(BudgetAllocation).where(*where).with_for_update().execution_options(populate_existing=True)
        ).one()
    session.execute(update(BudgetAllocation).where(*where).values(version=BudgetAllocation.version))
    return session.scalars(select(BudgetAllocation).where(*where).execution_options(populate_existing=True)).one()


def _lock_year(session: Session, year: int) -> None:
    """Held until the transaction ends: a spend dated last year and the closing of that year wait
    for each other (PostgreSQL: an advisory lock on the year; SQLite: its one write lock)."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(select(func.pg_advisory_xact_lock(YEAR_LOCK, year)))
    else:
        session.execute(update(BudgetAllocation).where(BudgetAllocation.id == -1).values(version=1))


def _year_open(session: Session, year: int) -> bool:
    return session.get(FinancialYearClosure, year) is None


def close_year(session: Session, principal: Principal, year: int, *, now: datetime) -> FinancialYearClosure:
    """Close a financial year that has ended: no spend may be dated in it from now on (docs/money.md,
    "Spend dates"). Reversals of its spends are still made, in their own year."""
    require(principal, "budget.allocate", message="Only an admin closes a financial year.")
    check_closing(year, today=uk_date(now))
    _lock_year(session, year)  # two admins at once: the second finds it closed (409), never a 500
    if not _year_open(session, year):
        raise Conflict(f"{financial_year_label(year)} is already closed.", code="year_closed")
    closure = FinancialYearClosure(year=year, closed_at=now, closed_by_id=principal.user_id)
    session.add(closure)
    session.flush()
    audit.record(
        session,
        principal,
        "financial_year.closed",
        "financial_year",
        year,
        now=now,
        after={"year": year, "label": financial_year_label(year)},
    )
    return closure


def closed_case_refuses(case, doing: str) -> None:
    """No money moves on a resolved, closed, duplicate or withdrawn case: reopen it first (409)."""
    if not lifecycle.is_open(case.state):
        raise TransitionRefused(
            f"{case.reference} is {case.state.replace('_', ' ')}: reopen it before you {doing}.", code="case_closed"
        )


def record_spend(
    session: Session, principal: Principal, case_key, data: dict, *, now: datetime, policy: Policy
) -> Spend:
    case = get_case(session, principal, case_key)
    require(
        principal, "budget.spend", Target(area_id=case.area_id), "Only the area's manager spends its quick-win budget."
    )
    # The quick-win budget pays for work still to be done: a closed case is a record (docs/money.md).
    closed_case_refuses(case, "spend quick-win money on it")
    spent_on: date = data["spent_on"]
    # Within an open financial year, not after today, never before the case (docs/money.md).
    today = uk_date(now)
    if financial_year(spent_on) == financial_year(today) - 1:
        # Last year may be closing at this moment: whichever of the two takes the year's lock first
        # goes first, so no spend lands in a year once it is closed.
        _lock_year(session, financial_year(spent_on))
    check_spend_date(
        spent_on,
        today=today,
        case_opened=uk_date(case.created_at),
        previous_year_open=_year_open(session, financial_year(today) - 1),
    )
    year, amount = financial_year(spent_on), data["amount_pence"]
    vat = data.get("irrecoverable_vat_pence")
    if vat is not None and not (0 <= vat <= amount):
        raise ValidationFailed(
            "Irrecoverable VAT is part of the amount: between nothing and the whole of it.",
            {"irrecoverable_vat_pence": ["Must not be more than the amount."]},
        )
    allocation = _locked_allocation(session, case.area_id, year, policy.quick_win_allocation_pence)
    try:
        rules.check_spend(allocation.amount_pence, _spent(session, case.area_id, year), amount)
    except rules.BudgetExceeded as refused:
        raise Conflict(
            f"Spending {pounds(amount)} would take the {year}-{(year + 1) % 100:02d} quick-win "
            f"budget past its allocation: {pounds(refused.remaining)} remains."
        ) from refused
    entry = Spend(
        area_id=case.area_id,
        year=year,
        case_id=case.id,
        kind="spend",
        amount_pence=amount,
        description=data["description"],
        supplier=data.get("supplier"),
        supplier_is_individual=bool(data.get("supplier_is_individual")),
        irrecoverable_vat_pence=vat,
        merchant_category=(data.get("merchant_category") or "").strip() or None,
        spent_on=spent_on,
        created_by_id=principal.user_id,
        created_at=now,
    )
    session.add(entry)
    session.flush()
    audit.record(
        session, principal, "spend.recorded", "spend", entry.id, now=now, case_id=case.id, after=spend_snapshot(entry)
    )
    session.flush()
    # The case's spend is netted once, by the claim that carries it (docs/money.md, "Costs counted once").
    claim_costs.count_once(session, principal, case.id, now=now)
    return entry


def reverse_spend(
    session: Session, principal: Principal, spend_id: int, *, reason: str, now: datetime, policy: Policy
) -> Spend:
    original = session.scalar(select(Spend).where(Spend.id == spend_id))
    if original is None or not can(principal, "budget.read", Target(area_id=original.area_id)):
        raise NotFound("No such spend.")
    require(
        principal,
        "budget.spend",
        Target(area_id=original.area_id),
        "Only the area's manager corrects its quick-win ledger.",
    )
    if original.kind != "spend":
        raise Conflict("A reversal cannot itself be reversed; record a new spend instead.")
    reason = required_reason(reason, "reversing a spend")
    try:
        _locked_allocation(session, original.area_id, original.year, policy.quick_win_allocation_pence)
        if session.scalar(select(Spend.id).where(Spend.reverses_id == original.id)) is not None:
            raise Conflict("This spend has already been reversed.")
        # Dated as the spend it corrects, so every period's totals leave the mistake out.
        entry = Spend(
            area_id=original.area_id,
            year=original.year,
            case_id=original.case_id,
            kind="reversal",
            amount_pence=-original.amount_pence,
            description=f"Reversal of spend {original.id}",
            supplier=original.supplier,
            # The Transparency Code fields as the spend's; the export shows the VAT with the credit's sign.
            supplier_is_individual=original.supplier_is_individual,
            irrecoverable_vat_pence=original.irrecoverable_vat_pence,
            merchant_category=original.merchant_category,
            spent_on=original.spent_on,
            reverses_id=original.id,
            reason=reason,
            created_by_id=principal.user_id,
            created_at=now,
        )
        session.add(entry)
        session.flush()
        audit.record(
            session,
            principal,
            "spend.reversed",
            "spend",
            entry.id,
            now=now,
            case_id=original.case_id,
            after=spend_snapshot(entry),
        )
        session.flush()
    except IntegrityError as duplicate:  # two reversals raced; the unique reverses_id kept one
        raise Conflict("This spend has already been reversed.") from duplicate
    claim_costs.count_once(session, principal, original.case_id, now=now)
    return entry


def _area(session: Session, principal: Principal, code: str | None) -> Area:
    require(principal, "budget.read", message="Your role cannot see quick-win budgets.")
    if code is None:
        if not principal.area_ids:
            raise ValidationFailed("Say which area.", {"area": ["Required."]})
        return session.get_one(Area, min(principal.area_ids))
    area = session.scalar(select(Area).where(Area.code == code.upper()))
    if area is None or not can(principal, "budget.read", Target(area_id=area.id)):
        raise NotFound("No such area.")
    return area


def budget(
    session: Session, principal: Principal, *, area_code: str | None, year: int | None, today: date, policy: Policy
) -> Budget:
    area = _area(session, principal, area_code)
    year = financial_year(today) if year is None else year
    allocation = session.scalar(
        select(BudgetAllocation.amount_pence).where(BudgetAllocation.area_id == area.id, BudgetAllocation.year == year)
    )
    entries = list(
        session.scalars(
            select(Spend)
            .options(joinedload(Spend.created_by), joinedload(Spend.case).load_only(Case.reference))
            .where(Spend.area_id == area.id, Spend.year == year)
            # In date order, as a ledger is read; a reversal dated the same day follows its spend.
            .order_by(Spend.spent_on, Spend.id)
        )
    )
    return Budget(
        area,
        year,
        policy.quick_win_allocation_pence if allocation is None else allocation,
        sum(e.amount_pence for e in entries),
        [as_seen_by(principal, e) for e in entries],
    )


def set_allocation(
    session: Session,
    principal: Principal,
    *,
    area_code: str,
    year: int,
    amount_pence: int,
    now: datetime,
    policy: Policy,
) -> Budget:
    require(principal, "budget.allocate", message="Only admins set quick-win allocations.")
    area = _area(session, principal, area_code)
    allocation = _locked_allocation(session, area.id, year, policy.quick_win_allocation_pence)
    spent = _spent(session, area.id, year)
    try:
        rules.check_allocation(amount_pence, spent)
    except rules.BudgetExceeded as refused:
        raise Conflict(f"{pounds(spent)} is already spent in that year; the allocation cannot be less.") from refused
    before = allocation.amount_pence
    allocation.amount_pence, allocation.updated_at = amount_pence, now
    audit.record(
        session,
        principal,
        "budget.allocated",
        "budget_allocation",
        allocation.id,
        now=now,
        before={"amount_pence": before},
        after={"amount_pence": amount_pence, "area": area.code, "year": year},
    )
    session.flush()
    return budget(session, principal, area_code=area.code, year=year, today=now.date(), policy=policy)
