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
    """A share from what was typed: "1/6", "0.25", 0.25 (a JSON number, read as its decimal text), 1,
    or a share already parsed; between `low` and `high` inclusive."""
    text = _typed(value, field, "Give a number such as 0.25 or a fraction such as 1/6.", "not_a_share")
    if "/" in text:
        top, _, bottom = (part.strip() for part in text.partition("/"))
        if not (_digits(top) and _digits(bottom)):
            raise _refused(field, "Write a fraction as two whole numbers, such as 1/6.")
        numerator, denominator = int(top), int(bottom)
        if denominator == 0 or denominator > MAX_DENOMINATOR:
            raise _refused(field, f"A fraction's bottom number is between 1 and {MAX_DENOMINATOR:,}.")
        share = Fraction(numerator, denominator)
    else:
        number = _number(text, field, "Give a number such as 0.25 or a fraction such as 1/6.", "not_a_share")
        if decimal_places(number) > MAX_PLACES:
            raise _refused(
                field,
                f"At most {MAX_PLACES} decimal places are kept; write a recurring share as a fraction (1/6), "
                "so that it is not rounded.",
                code="too_precise",
            )
        if not (low <= number <= high):  # compared as a decimal first: 1E+99999999 is never made a fraction
            raise _refused(field, f"Give a share between {low} and {high}.", code="out_of_range")
        share = Fraction(number)
    if not (low <= share <= high):
        raise _refused(field, f"Give a share between {low} and {high}.", code="out_of_range")
    return share


MAX_TEXT = 40  # the longest number or fraction read; no share or quantity needs more characters


def _typed(value: object, field: str, message: str, code: str) -> str:
    """What was typed, as text: a JSON number as its decimal text (0.1 is "0.1", not the float); a
    share already parsed (a Fraction) as it is written, "1/6", so that it meets the same limits."""
    if isinstance(value, bool) or not isinstance(value, str | int | float | Decimal | Fraction):
        raise _refused(field, message, code=code)
    text = (value if isinstance(value, str) else repr(value) if isinstance(value, float) else str(value)).strip()
    if not text or len(text) > MAX_TEXT:
        raise _refused(field, message, code=code)
    return text


def _digits(text: str) -> bool:
    return bool(text) and all("0" <= c <= "9" for c in text)


def _number(text: str, field: str, message: str, code: str) -> Decimal:
    try:
        number = Decimal(text)
    except InvalidOperation:
        raise _refused(field, message, code=code) from None
    if not number.is_finite():
        raise _refused(field, message, code=code)
    return number


def decimal_places(number: Decimal) -> int:
    """The decimal places a number needs: 2.50 needs 1, 2.0 and 2E+3 none."""
    _sign, digits, exponent = number.as_tuple()
    assert isinstance(exponent, int)  # _number keeps out NaN and infinities
    significant = "".join(map(str, digits)).rstrip("0")
    return max(0, -(exponent + len(digits) - len(significant))) if significant else 0


def parse_decimal(value: object, field: str, *, places: int, low: Decimal, high: Decimal) -> Decimal:
    """An exact decimal from what was typed ("2.5", 2.5 read as its decimal text, 2), with at most
    `places` decimal places, between `low` and `high` inclusive. More places than are stored is
    refused (too_precise), never rounded: a quantity of 1.00005 is not 1.0001."""
    text = _typed(value, field, "Give a number such as 2.5.", "not_a_number")
    number = _number(text, field, "Give a number such as 2.5.", "not_a_number")
    if decimal_places(number) > places:
        raise _refused(field, f"At most {places} decimal places are kept; give no more.", code="too_precise")
    if not (low <= number <= high):
        raise _refused(field, f"Give a number between {low} and {high}.", code="out_of_range")
    return number


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
