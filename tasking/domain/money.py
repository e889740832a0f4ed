"""Money is integer pence; the financial year runs from 1 April to 31 March."""

from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from tasking.domain.errors import ValidationFailed

PENNY = Decimal(1)
# The largest sum the service takes anywhere (£1,000,000,000): beyond any council's budget, and well
# inside the database's integer columns, so an absurd figure is refused, never stored or overflowed.
MAX_PENCE = 10**11


def pounds(pence: int) -> str:
    """£25,850.00 (or -£150.00)."""
    if not isinstance(pence, int) or isinstance(pence, bool):
        raise TypeError(f"money is integer pence, not {type(pence).__name__}")
    sign = "-" if pence < 0 else ""
    whole, part = divmod(abs(pence), 100)
    return f"{sign}£{whole:,}.{part:02d}"


def parse_pounds(text: str) -> int:
    """What a person types ("250", "£1,250.50") as pence; more than two decimal places is refused."""
    cleaned = (text or "").strip().replace("£", "").replace(",", "")
    try:
        amount = Decimal(cleaned)
    except ArithmeticError:
        raise ValidationFailed("Enter an amount in pounds, like 250 or 250.00", code="not_money") from None
    exponent = amount.as_tuple().exponent  # a letter, not a number, for NaN and infinities
    if not isinstance(exponent, int) or exponent < -2:
        raise ValidationFailed("Enter an amount in pounds and pence, like 250.00", code="not_money")
    pence = int(amount * 100)
    check_amount(pence)
    return pence


def check_amount(pence: int, field: str | None = None) -> None:
    """Refuse a sum of money larger than the service takes (MAX_PENCE), either way."""
    if abs(pence) > MAX_PENCE:
        raise ValidationFailed(f"Enter an amount of at most {pounds(MAX_PENCE)}.", field=field, code="too_large")


def round_pence(amount: Decimal) -> int:
    """Nearest penny, halves away from zero: the one rounding rule used for money."""
    return int(amount.quantize(PENNY, rounding=ROUND_HALF_UP))


def financial_year(day: date) -> int:
    """The year a financial year starts in: 31 March 2027 is in 2026 (2026-27), 1 April 2027 in 2027."""
    return day.year if day.month >= 4 else day.year - 1


def financial_year_bounds(year: int) -> tuple[date, date]:
    return date(year, 4, 1), date(year + 1, 3, 31)


def financial_year_label(year: int) -> str:
    return f"{year}-{(year + 1) % 100:02d}"
