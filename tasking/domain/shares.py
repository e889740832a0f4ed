"""Shares and probabilities as exact fractions (docs/money.md, "Exact inputs").

People write one in six as "1/6", one in ten as "0.1" or "1/10". Both are kept exactly; a decimal
with more places than the service keeps (MAX_PLACES) is refused rather than rounded, because a
silently cut probability changes the money (0.166667 x £259,000 is not 1/6 of it).
"""

from decimal import Decimal, InvalidOperation
from fractions import Fraction

from tasking.domain.errors import ValidationFailed

MAX_PLACES = 6  # decimal places kept for a share typed as a decimal
MAX_DENOMINATOR = 1_000_000  # the largest denominator of a share typed as a fraction


def parse_share(
    value: object, field: str = "probability", *, low: Fraction = Fraction(0), high: Fraction = Fraction(1)
) -> Fraction:
    """A share from what was typed: "1/6", "0.25", 0.25 (a JSON number, read as its decimal text) or
    1; between `low` and `high` inclusive."""
    if isinstance(value, bool) or value is None:
        raise _refused(field, "Give a number such as 0.25 or a fraction such as 1/6.")
    text = (value if isinstance(value, str) else repr(value) if isinstance(value, float) else str(value)).strip()
    if "/" in text:
        top, _, bottom = text.partition("/")
        if not (top.strip().isdigit() and bottom.strip().isdigit()):
            raise _refused(field, "Write a fraction as two whole numbers, such as 1/6.")
        numerator, denominator = int(top), int(bottom)
        if denominator == 0 or denominator > MAX_DENOMINATOR:
            raise _refused(field, f"A fraction's bottom number is between 1 and {MAX_DENOMINATOR:,}.")
        share = Fraction(numerator, denominator)
    else:
        try:
            number = Decimal(text)
        except InvalidOperation:
            raise _refused(field, "Give a number such as 0.25 or a fraction such as 1/6.") from None
        exponent = number.as_tuple().exponent
        if not isinstance(exponent, int):  # NaN or infinity
            raise _refused(field, "Give a number such as 0.25 or a fraction such as 1/6.")
        if exponent < -MAX_PLACES:
            raise _refused(
                field,
                f"At most {MAX_PLACES} decimal places are kept; write a recurring share as a fraction (1/6), "
                "so that it is not rounded.",
                code="too_precise",
            )
        share = Fraction(number)
    if not (low <= share <= high):
        raise _refused(field, f"Give a share between {low} and {high}.", code="out_of_range")
    return share


def _refused(field: str, message: str, code: str = "not_a_share") -> ValidationFailed:
    return ValidationFailed(message, field=field, code=code)


def share_text(share: Fraction) -> str:
    """A share as people write it: a decimal when it has an exact one ("0.1"), else a fraction ("1/6")."""
    denominator = share.denominator
    for factor in (2, 5):
        while denominator % factor == 0:
            denominator //= factor
    if denominator != 1:
        return f"{share.numerator}/{share.denominator}"
    return format(Decimal(share.numerator) / Decimal(share.denominator), "f")
