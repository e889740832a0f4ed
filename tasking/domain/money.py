"""Money is integer pence; the financial year runs from 1 April to 31 March."""

from datetime import date, datetime
from decimal import Decimal
from fractions import Fraction
from zoneinfo import ZoneInfo

from tasking.domain.errors import Conflict, ValidationFailed

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


def round_pence(amount: Decimal | Fraction | int) -> int:
    """Nearest penny, halves away from zero: the one rounding rule used for money. The amount is
    exact (a Decimal, a Fraction such as 1/6 of a sum, or whole pence), never a float, and is
    rounded here once, however many exact steps made it."""
    if not isinstance(amount, Decimal | Fraction | int) or isinstance(amount, bool):
        raise TypeError(f"money is rounded from an exact amount, not {type(amount).__name__}")
    exact = Fraction(amount)
    pence, remainder = divmod(abs(exact.numerator), exact.denominator)
    if 2 * remainder >= exact.denominator:
        pence += 1
    return pence if exact >= 0 else -pence


def financial_year(day: date) -> int:
    """The year a financial year starts in: 31 March 2027 is in 2026 (2026-27), 1 April 2027 in 2027."""
    return day.year if day.month >= 4 else day.year - 1


def financial_year_bounds(year: int) -> tuple[date, date]:
    return date(year, 4, 1), date(year + 1, 3, 31)


UK = ZoneInfo("Europe/London")


def uk_date(moment: datetime) -> date:
    """The day a moment falls on in the UK, where the council's years and days are counted."""
    return moment.astimezone(UK).date()


def check_spend_date(spent_on: date, *, today: date, case_opened: date, previous_year_open: bool = False) -> None:
    """A quick-win spend is dated within an open financial year, whose allocation it uses: the year
    of today (UK), or the year before it until an admin closes that one (money spent in March and
    keyed in April); not after today, and never before the case it serves existed (docs/money.md,
    "Spend dates"). A backdated spend would otherwise fall in an old year's untouched allocation, get
    round the cap, and show in no current budget or report. Refused on spent_on (422)."""
    year = financial_year(today)
    first_open = year - 1 if previous_year_open else year
    start, _end = financial_year_bounds(first_open)
    if spent_on > today:
        message, problem = "A spend cannot be dated in the future.", "Must not be after today."
    elif spent_on < start:
        years = (
            f"this financial year ({financial_year_label(year)}) or last ({financial_year_label(year - 1)}, "
            "until it is closed)"
            if previous_year_open
            else f"this financial year ({financial_year_label(year)})"
        )
        message = f"A spend is dated in {years}, whose allocation it uses: from {start:%-d %B %Y} to today."
        problem = f"Must be from {start:%-d %B %Y} to today."
    elif spent_on < case_opened:
        message = f"A spend cannot be dated before its case was raised, on {case_opened:%-d %B %Y}."
        problem = f"Must be from {case_opened:%-d %B %Y}, when the case was raised, to today."
    else:
        return
    raise ValidationFailed(message, {"spent_on": [problem]})


def check_closing(year: int, *, today: date) -> None:
    """Only last year can be closed: the current year's allocation is still being spent, and the
    years before last are closed already (check_spend_date never opens them)."""
    current = financial_year(today)
    if year >= current:
        raise ValidationFailed(
            f"{financial_year_label(year)} has not ended: a year is closed after its 31 March.",
            {"year": ["Must be a financial year that has ended."]},
        )
    if year < current - 1:
        raise Conflict(
            f"{financial_year_label(year)} is closed: only last year ({financial_year_label(current - 1)}) "
            "stays open after it ends.",
            code="year_closed",
        )


# The dates a report period may run between: wide enough for any real question, and far from the
# calendar's end, where the day after a period's last day cannot be worked out.
EARLIEST_REPORT_DAY, LATEST_REPORT_DAY = date(2000, 1, 1), date(2099, 12, 31)


def check_period(start: date, end: date) -> None:
    """A report period the service can answer: refused (422), not a 500, when it runs off the calendar."""
    for field, day in (("start", start), ("end", end)):
        if not (EARLIEST_REPORT_DAY <= day <= LATEST_REPORT_DAY):
            raise ValidationFailed(
                f"Choose a date from {EARLIEST_REPORT_DAY:%-d %B %Y} to {LATEST_REPORT_DAY:%-d %B %Y}.",
                field=field,
                code="out_of_range",
            )


def financial_year_label(year: int) -> str:
    return f"{year}-{(year + 1) % 100:02d}"
