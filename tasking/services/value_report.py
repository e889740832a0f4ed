"""The value report for area partnership boards: quick-win spend against allocation, and cost
avoided with verified and estimated figures kept apart, as the pilot did (docs/money.md, "The value report")."""

import csv
import io
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tasking.domain.errors import NotFound, ValidationFailed
from tasking.domain.money import financial_year, financial_year_bounds
from tasking.domain.permissions import Target, can, require
from tasking.domain.policy import Policy
from tasking.domain.principal import Principal
from tasking.models import Area, BudgetAllocation, Case, Category, CostAvoidedClaim, Spend

MEASURES = ("spent_pence", "verified_gross_pence", "verified_net_pence", "estimated_gross_pence", "estimated_net_pence")


@dataclass
class Line:
    key: str
    name: str
    allocation_pence: int | None = None
    sums: dict = field(default_factory=lambda: dict.fromkeys(MEASURES, 0))

    @property
    def remaining_pence(self) -> int | None:
        return None if self.allocation_pence is None else self.allocation_pence - self.sums["spent_pence"]

    @property
    def return_on_spend(self) -> str | None:
        """Verified net cost avoided for each pound spent, to two places; none without spend."""
        spent = self.sums["spent_pence"]
        if spent <= 0:
            return None
        return str((Decimal(self.sums["verified_net_pence"]) / Decimal(spent)).quantize(Decimal("0.01"), ROUND_HALF_UP))

    def as_dict(self) -> dict:
        return {
            "key": self.key,
            "name": self.name,
            "allocation_pence": self.allocation_pence,
            "remaining_pence": self.remaining_pence,
            **self.sums,
            "return_on_spend": self.return_on_spend,
        }


@dataclass
class ValueReport:
    start: date
    end: date
    total: Line
    areas: list[Line]
    levels: list[Line]
    categories: list[Line]
    months: list[Line]


def _areas_in_scope(session: Session, principal: Principal, area_code: str | None) -> list[Area]:
    require(principal, "report.value", message="Your role cannot see value reports.")
    areas = [
        a
        for a in session.scalars(select(Area).order_by(Area.name))
        if can(principal, "report.value", Target(area_id=a.id))
    ]
    if area_code:
        areas = [a for a in areas if a.code == area_code.upper()]
        if not areas:
            raise NotFound("No such area.")
    return areas


def _month_of(session: Session, column):
    if session.get_bind().dialect.name == "postgresql":
        return func.to_char(column, "YYYY-MM")
    return func.strftime("%Y-%m", column)


def value_report(
    session: Session,
    principal: Principal,
    *,
    start: date | None,
    end: date | None,
    area_code: str | None,
    today: date,
    policy: Policy,
) -> ValueReport:
    """For a period; the financial year containing `today` where start or end is not given."""
    if start is None or end is None:
        first, last = financial_year_bounds(financial_year(today))
        start, end = start or first, end or last
    if end < start:
        raise ValidationFailed("The period ends before it starts.", {"end": ["Must not be before start."]})
    areas = _areas_in_scope(session, principal, area_code)
    area_ids = [a.id for a in areas]
    years = range(financial_year(start), financial_year(end) + 1)
    stored = {
        (a, y): amount
        for a, y, amount in session.execute(
            select(BudgetAllocation.area_id, BudgetAllocation.year, BudgetAllocation.amount_pence).where(
                BudgetAllocation.area_id.in_(area_ids), BudgetAllocation.year.in_(list(years))
            )
        )
    }

    by_area = {
        a.id: Line(a.code, a.name, sum(stored.get((a.id, y), policy.quick_win_allocation_pence) for y in years))
        for a in areas
    }
    levels: dict[str, Line] = {}
    categories: dict[int, Line] = {}
    months: dict[tuple[str, str], Line] = {}
    names = dict(session.execute(select(Category.id, Category.name)).all())
    codes = dict(session.execute(select(Category.id, Category.code)).all())

    def add(area_id, level, category_id, month, measure, amount):
        by_area[area_id].sums[measure] += amount
        level_key = "untriaged" if level is None else str(level)
        levels.setdefault(level_key, Line(level_key, "Not yet levelled" if level is None else f"Level {level}"))
        levels[level_key].sums[measure] += amount
        categories.setdefault(category_id, Line(codes[category_id], names[category_id])).sums[measure] += amount
        if month is not None:
            area = by_area[area_id]
            months.setdefault((area.key, month), Line(f"{area.key} {month}", f"{area.name}, {month}"))
            months[(area.key, month)].sums[measure] += amount

    month = _month_of(session, Spend.spent_on)
    for area_id, level, category_id, spent_month, amount in session.execute(
        select(Spend.area_id, Case.level, Case.category_id, month, func.sum(Spend.amount_pence))
        .join(Case, Case.id == Spend.case_id)
        .where(Spend.area_id.in_(area_ids), Spend.spent_on >= start, Spend.spent_on <= end)
        .group_by(Spend.area_id, Case.level, Case.category_id, month)
    ):
        add(area_id, level, category_id, spent_month, "spent_pence", int(amount))

    since = datetime.combine(start, time.min, tzinfo=timezone.utc)
    until = datetime.combine(end + timedelta(days=1), time.min, tzinfo=timezone.utc)
    for area_id, level, category_id, state, gross, net in session.execute(
        select(
            Case.area_id,
            Case.level,
            Case.category_id,
            CostAvoidedClaim.state,
            func.sum(CostAvoidedClaim.gross_pence),
            func.sum(CostAvoidedClaim.net_pence),
        )
        .join(Case, Case.id == CostAvoidedClaim.case_id)
        .where(
            Case.area_id.in_(area_ids),
            CostAvoidedClaim.state.in_(("verified", "estimated")),
            CostAvoidedClaim.created_at >= since,
            CostAvoidedClaim.created_at < until,
        )
        .group_by(Case.area_id, Case.level, Case.category_id, CostAvoidedClaim.state)
    ):
        add(area_id, level, category_id, None, f"{state}_gross_pence", int(gross))
        add(area_id, level, category_id, None, f"{state}_net_pence", int(net))

    total = Line(
        "all",
        "All areas" if area_code is None else areas[0].name,
        sum(line.allocation_pence or 0 for line in by_area.values()),
    )
    for line in by_area.values():
        for measure in MEASURES:
            total.sums[measure] += line.sums[measure]
    return ValueReport(
        start,
        end,
        total,
        list(by_area.values()),
        sorted(levels.values(), key=lambda line: line.key),
        sorted(categories.values(), key=lambda line: line.name),
        [months[k] for k in sorted(months)],
    )


CSV_COLUMNS = ("section", "key", "name", "allocation_pence", "remaining_pence", *MEASURES, "return_on_spend")


def csv_rows(report: ValueReport):
    yield CSV_COLUMNS
    for section, lines in (
        ("total", [report.total]),
        ("area", report.areas),
        ("level", report.levels),
        ("category", report.categories),
        ("month", report.months),
    ):
        for line in lines:
            row = line.as_dict()
            yield [section] + ["" if row[c] is None else row[c] for c in CSV_COLUMNS[1:]]


def csv_text(report: ValueReport) -> str:
    out = io.StringIO()
    csv.writer(out).writerows(csv_rows(report))
    return out.getvalue()
