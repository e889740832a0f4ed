"""The quick-win budget: the area manager spends at their discretion, never past the allocation."""


class BudgetExceeded(Exception):
    def __init__(self, remaining: int, amount: int):
        super().__init__(f"spending {amount} would exceed the allocation; {remaining} remains")
        self.remaining = remaining
        self.amount = amount


def remaining(allocation: int, spent: int) -> int:
    return allocation - spent


def check_spend(allocation: int, spent: int, amount: int) -> int:
    """The remaining amount after the spend, or BudgetExceeded."""
    if amount <= 0:
        raise ValueError("a spend is a positive number of pence")
    left = remaining(allocation, spent)
    if amount > left:
        raise BudgetExceeded(left, amount)
    return left - amount


def check_allocation(allocation: int, spent: int) -> None:
    """An allocation may not be set below what has already been spent that year."""
    if allocation < 0:
        raise ValueError("an allocation cannot be negative")
    if allocation < spent:
        raise BudgetExceeded(remaining(allocation, spent), 0)
