"""The value report for area partnership boards (docs/money.md, "The value report").

Per area, level, category and area-month: quick-win spend against allocation, and cost avoided by
the state finance gave each claim (verified, estimated, not supported) as gross, adjusted and net
figures, with verified claims split by what their follow-up checks found (confirmed, not
confirmed, not yet checked). Return on spend is worked out only over the cases that had spend.
Every measure is a sum, so each section's lines add up to the total. A fixed number of queries,
whatever the number of cases (tests/test_query_counts.py)."""

import csv
import io
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import and_, func, select
from sqlalchemy.orm import Session, aliased

from tasking.domain.errors import ValidationFailed
from tasking.domain.money import check_period, financial_year, financial_year_bounds
from tasking.domain.policy import Policy
from tasking.domain.principal import Principal
from tasking.models import Area, BudgetAllocation, Case, Category, ClaimFollowUp, CostAvoidedClaim, Spend
from tasking.services.id_sets import among
from tasking.services.report_areas import areas_in_scope

# The state finance gave a claim, and, for verified ones, what the follow-up checks found: each a
# group of the report, with its gross, adjusted and net sums.
STATES = ("verified", "estimated", "not_supported")
FOLLOW_UP_GROUPS = ("confirmed", "not_confirmed", "verified_only")
FIGURES = ("gross", "adjusted", "net")
GROUP_MEASURES = tuple(f"{group}_{figure}_pence" for group in (*STATES, *FOLLOW_UP_GROUPS) for figure in FIGURES)
MEASURES = ("spent_pence", *GROUP_MEASURES, "verified_net_with_spend_pence")

DEFINITIONS = {
    "gross": "Cost avoided as claimed: each outcome's unit cost x quantity x probability, rounded once.",
    "adjusted": "Gross after the value method's adjustments (deadweight, attribution, optimism bias, price "
    "year, benefit period and discounting); equal to gross where none is set.",
    "net": "Adjusted less the costs incurred on the case (its quick-win spend and other costs), each cost "
    "counted once per case.",
    "verified": "Claims finance verified; estimated: not yet decided; not_supported: claims finance did not "
    "support, shown apart and counted in no other figure.",
    "confirmed": "Verified claims whose latest answered follow-up check (6 or 12 months after verification) "
    "confirmed the saving happened; not_confirmed: whose latest answered check found it could not be "
    "confirmed; verified_only: verified, no follow-up check answered yet. The three add up to verified.",
    "return_on_spend": "Verified net cost avoided of the cases that had quick-win spend in the period, per "
    "pound of that spend (verified_net_with_spend_pence / spent_pence), to two places; cases without spend "
    "are left out of both sides. None without spend, and none per month (a case's spend and its saving "
    "fall in different months).",
    "period": "Spend by the date it was spent; claims by the day they were made (UTC), whatever their state "
    "now, so a claim stays in its period and month when it is decided.",
}


@dataclass
class Line:
    key: str
    name: str
    allocation_pence: int | None = None
    sums: dict = field(default_factory=lambda: dict.fromkeys(MEASURES, 0))
    # Month lines compare spend and savings that fall in different months: no return on spend.
    has_return: bool = True

    @property
    def remaining_pence(self) -> int | None:
        return None if self.allocation_pence is None else self.allocation_pence - self.sums["spent_pence"]

    @property
    def return_on_spend(self) -> str | None:
        """Verified net cost avoided of the cases that had spend, per pound of their spend, to two
        places; none without spend (docs/money.md, "The value report")."""
        spent = self.sums["spent_pence"]
        if spent <= 0 or not self.has_return:
            return None
        ratio = Decimal(self.sums["verified_net_with_spend_pence"]) / Decimal(spent)
        return str(ratio.quantize(Decimal("0.01"), ROUND_HALF_UP))

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
    definitions: dict = field(default_factory=lambda: dict(DEFINITIONS))


def _areas_in_scope(session: Session, principal: Principal, area_code: str | None) -> list[Area]:
    return areas_in_scope(session, principal, "report.value", area_code, "Your role cannot see value reports.")


def _month_of(session: Session, column, *, utc_time: bool = False):
    """YYYY-MM of a date, or of a UTC time (PostgreSQL would otherwise use the session's zone)."""
    if session.get_bind().dialect.name == "postgresql":
        return func.to_char(func.timezone("UTC", column) if utc_time else column, "YYYY-MM")
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
    check_period(start, end)
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
    category_names = {
        cid: (code, name) for cid, code, name in session.execute(select(Category.id, Category.code, Category.name))
    }

    def add(area_id, level, category_id, month, measure, amount):
        # Lines are made only when first seen: thousands of calls, a few hundred lines.
        area = by_area[area_id]
        area.sums[measure] += amount
        level_key = "untriaged" if level is None else str(level)
        if level_key not in levels:
            levels[level_key] = Line(level_key, "Not yet levelled" if level is None else f"Level {level}")
        levels[level_key].sums[measure] += amount
        if category_id not in categories:
            categories[category_id] = Line(*category_names[category_id])
        categories[category_id].sums[measure] += amount
        if (area.key, month) not in months:
            months[(area.key, month)] = Line(f"{area.key} {month}", f"{area.name}, {month}", has_return=False)
        months[(area.key, month)].sums[measure] += amount

    in_period = (Spend.area_id.in_(area_ids), Spend.spent_on >= start, Spend.spent_on <= end)
    month = _month_of(session, Spend.spent_on)
    # The period's spend per case and month first (the spends' own index), then those cases' level and
    # category by primary key: joining in SQL, PostgreSQL prefers hashing the whole cases table, which
    # grows with every case ever raised (issue 22, B4).
    spent = session.execute(
        select(Spend.case_id, Spend.area_id, month, func.sum(Spend.amount_pence))
        .where(*in_period)
        .group_by(Spend.case_id, Spend.area_id, month)
    ).all()
    case_facts = (
        {
            case_id: (level, category_id)
            for case_id, level, category_id in session.execute(
                select(Case.id, Case.level, Case.category_id).where(among(session, Case.id, {row[0] for row in spent}))
            )
        }
        if spent
        else {}
    )
    by_line: dict[tuple, int] = {}
    for case_id, area_id, spent_month, amount in spent:
        key = (area_id, *case_facts[case_id], spent_month)
        by_line[key] = by_line.get(key, 0) + int(amount)
    for (area_id, level, category_id, spent_month), amount in by_line.items():
        add(area_id, level, category_id, spent_month, "spent_pence", amount)

    # The cases that had quick-win spend in the period (less reversals): return on spend counts only these.
    spent_cases = (
        select(Spend.case_id)
        .where(*in_period)
        .group_by(Spend.case_id)
        .having(func.sum(Spend.amount_pence) > 0)
        .subquery()
    )
    # A claim's standing after follow-up: the outcome of its latest answered check, none while none is answered.
    latest = (
        select(ClaimFollowUp.claim_id, func.max(ClaimFollowUp.months).label("months"))
        .where(ClaimFollowUp.state != "pending")
        .group_by(ClaimFollowUp.claim_id)
        .subquery()
    )
    answered = aliased(ClaimFollowUp)
    with_spend = spent_cases.c.case_id.is_not(None).label("with_spend")
    claim_month = _month_of(session, CostAvoidedClaim.created_at, utc_time=True)
    since = datetime.combine(start, time.min, tzinfo=timezone.utc)
    until = datetime.combine(end + timedelta(days=1), time.min, tzinfo=timezone.utc)
    group = (
        Case.area_id,
        Case.level,
        Case.category_id,
        claim_month,
        CostAvoidedClaim.state,
        answered.state,
        with_spend,
    )
    for area_id, level, category_id, made_month, state, standing, had_spend, gross, adjusted, net in session.execute(
        select(
            *group,
            func.sum(CostAvoidedClaim.gross_pence),
            func.sum(CostAvoidedClaim.adjusted_pence),
            func.sum(CostAvoidedClaim.net_pence),
        )
        .join(Case, Case.id == CostAvoidedClaim.case_id)
        .outerjoin(latest, latest.c.claim_id == CostAvoidedClaim.id)
        .outerjoin(answered, and_(answered.claim_id == latest.c.claim_id, answered.months == latest.c.months))
        .outerjoin(spent_cases, spent_cases.c.case_id == CostAvoidedClaim.case_id)
        .where(
            Case.area_id.in_(area_ids),
            CostAvoidedClaim.created_at >= since,
            CostAvoidedClaim.created_at < until,
            # A duplicate and its original are one incident: what was avoided is claimed on the original,
            # so a duplicate's claims count in no column (docs/money.md, "Claims on a duplicate").
            Case.state != "duplicate",
        )
        .group_by(*group)
    ):
        figures = dict(zip(FIGURES, (int(gross), int(adjusted), int(net)), strict=True))
        groups = [state] + ([standing or "verified_only"] if state == "verified" else [])
        for name in groups:
            for figure, amount in figures.items():
                add(area_id, level, category_id, made_month, f"{name}_{figure}_pence", amount)
        if state == "verified" and had_spend:
            add(area_id, level, category_id, made_month, "verified_net_with_spend_pence", figures["net"])

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


# The return-on-spend column names its definition, so a CSV read on its own says what it holds.
RETURN_COLUMN = (
    "return_on_spend (verified_net_with_spend_pence / spent_pence: verified net cost avoided of the cases "
    "that had quick-win spend in the period, per pound of their spend; blank without spend and per month)"
)
CSV_COLUMNS = ("section", "key", "name", "allocation_pence", "remaining_pence", *MEASURES, "return_on_spend")


def csv_rows(report: ValueReport):
    yield [*CSV_COLUMNS[:-1], RETURN_COLUMN]
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
