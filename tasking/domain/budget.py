"""The quick-win budget: the area manager spends at their discretion, never past the allocation."""

from tasking.domain.errors import BudgetExceeded, ValidationFailed


def remaining(allocation: int, spent: int) -> int:
    return allocation - spent


def check_spend(allocation: int, spent: int, amount: int) -> int:
    """The remaining amount after the spend, or BudgetExceeded."""
    if amount <= 0:
        raise ValidationFailed(
            "A spend is a positive amount: more than £0.00.", field="amount_pence", code="not_positive"
        )
    left = remaining(allocation, spent)
    if amount > left:
        raise BudgetExceeded(left, amount)
    return left - amount


def check_allocation(allocation: int, spent: int) -> None:
    """An allocation may not be set below what has already been spent that year."""
    if allocation < 0:
        raise ValidationFailed("An allocation cannot be negative.", field="amount_pence", code="negative")
    if allocation < spent:
        raise BudgetExceeded(remaining(allocation, spent), 0)
