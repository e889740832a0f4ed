"""Quick-win spend over £500 as the Local Government Transparency Code 2015 asks councils to publish
it (docs/money.md, "Transparency"): for each item of expenditure exceeding £500, the date it was
incurred, the department that incurred it, the beneficiary, a summary of its purpose, the amount,
the VAT that cannot be recovered and the merchant category. A private individual is never named."""

import csv
import io
from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tasking.domain.errors import ValidationFailed
from tasking.domain.money import check_period, financial_year, financial_year_bounds
from tasking.domain.principal import Principal
from tasking.models import Area, Case, Spend
from tasking.services.report_areas import areas_in_scope

# "Expenditure exceeding £500": strictly more than 50,000 pence, either way (a reversal of such a
# spend is published too, as a credit, so the published lines add up to what was spent).
THRESHOLD_PENCE = 50_000
# Councils' usual wording where the Code's data would name a private individual (data protection).
REDACTED = "REDACTED PERSONAL DATA"
NOT_RECORDED = "Not recorded"
# A confidential case's spend says no more of its purpose than this (docs/roles.md, confidentiality).
CONFIDENTIAL_PURPOSE = "Quick-win spend on a confidential case"
COLUMNS = (
    "Date the expenditure was incurred",
    "Local authority department",
    "Beneficiary",
    "Summary of the purpose of the expenditure",
    "Amount",
    "VAT that cannot be recovered",
    "Merchant category",
    "Transaction number",
)


@dataclass(frozen=True)
class TransparencyLine:
    spent_on: date
    department: str
    beneficiary: str
    purpose: str
    amount_pence: int
    irrecoverable_vat_pence: int | None
    merchant_category: str
    transaction: int


def _areas(session: Session, principal: Principal, area_code: str | None) -> list[Area]:
    return areas_in_scope(session, principal, "budget.read", area_code, "Your role cannot see quick-win budgets.")


def beneficiary(supplier: str | None, is_individual: bool) -> str:
    if is_individual:
        return REDACTED
    return (supplier or "").strip() or NOT_RECORDED


def spend_over_500(
    session: Session,
    principal: Principal,
    *,
    start: date | None,
    end: date | None,
    area_code: str | None,
    today: date,
) -> list[TransparencyLine]:
    """Spends and reversals over £500 in the period (the financial year containing `today` by
    default) in the areas whose budgets the principal may read, in date order."""
    if start is None or end is None:
        first, last = financial_year_bounds(financial_year(today))
        start, end = start or first, end or last
    if end < start:
        raise ValidationFailed("The period ends before it starts.", {"end": ["Must not be before start."]})
    check_period(start, end)
    areas = {a.id: a for a in _areas(session, principal, area_code)}
    lines = []
    for spend, confidential in session.execute(
        select(Spend, Case.confidential)
        .join(Case, Case.id == Spend.case_id)
        .where(
            Spend.area_id.in_(list(areas)),
            Spend.spent_on >= start,
            Spend.spent_on <= end,
            func.abs(Spend.amount_pence) > THRESHOLD_PENCE,
        )
        .order_by(Spend.spent_on, Spend.id)
    ):
        sign = -1 if spend.amount_pence < 0 else 1
        vat = spend.irrecoverable_vat_pence
        lines.append(
            TransparencyLine(
                spent_on=spend.spent_on,
                department=areas[spend.area_id].name,
                beneficiary=beneficiary(spend.supplier, spend.supplier_is_individual),
                purpose=CONFIDENTIAL_PURPOSE if confidential else spend.description,
                amount_pence=spend.amount_pence,
                irrecoverable_vat_pence=None if vat is None else sign * vat,
                merchant_category=spend.merchant_category or "",
                transaction=spend.id,
            )
        )
    return lines


def _pounds(pence: int | None) -> str:
    """1234.56 (no symbol, no separators), as data readers expect a number."""
    if pence is None:
        return ""
    sign = "-" if pence < 0 else ""
    whole, part = divmod(abs(pence), 100)
    return f"{sign}{whole}.{part:02d}"


def _text(value: str) -> str:
    """Typed text as a cell no spreadsheet takes for a formula (OWASP's CSV injection advice)."""
    return f"'{value}" if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


def csv_text(lines: list[TransparencyLine]) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(COLUMNS)
    for line in lines:
        writer.writerow(
            [
                line.spent_on.isoformat(),
                _text(line.department),
                _text(line.beneficiary),
                _text(line.purpose),
                _pounds(line.amount_pence),
                _pounds(line.irrecoverable_vat_pence),
                _text(line.merchant_category),
                line.transaction,
            ]
        )
    return out.getvalue()
