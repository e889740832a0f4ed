"""Every refusal the service makes, as one family of exceptions (docs/README.md, "Refusals").

A refusal carries a stable `code` a client can branch on, a message written for the person, and
optionally the field it is about. Rules and services raise these; tasking/errors.py is the one
place that turns them into responses (which HTTP status each kind gets lives there, not here).
Nothing here imports Flask or SQLAlchemy, so the domain, the services and every delivery layer
may raise them.
"""


class TaskingError(Exception):
    """A refusal. With a field it is a problem with that input; without one, a rule said no."""

    code = "refused"

    def __init__(self, message: str, fields: dict | None = None, *, field: str | None = None, code: str | None = None):
        super().__init__(message)
        self.message = message
        self.fields = dict(fields or {})
        if field is not None:
            self.fields.setdefault(field, [message])
        if code is not None:
            self.code = code


class Unauthorized(TaskingError):
    """No caller, or one the service does not recognise."""

    code = "unauthorized"


class Forbidden(TaskingError):
    """A known caller without the right (the permissions table said no)."""

    code = "forbidden"


class NotFound(TaskingError):
    """No such object, or one the caller may not know exists."""

    code = "not_found"


class Conflict(TaskingError):
    """A rule of the service refused the change (state, budget, a duplicate...)."""

    code = "conflict"


class PreconditionFailed(TaskingError):
    """The object changed since the caller read it."""

    code = "precondition_failed"


class PreconditionRequired(TaskingError):
    """An update that can race was sent without the ETag it was based on."""

    code = "precondition_required"


class ValidationFailed(TaskingError):
    """An input is not acceptable; `fields` says which and why."""

    code = "validation_error"


# The refusals of particular rules, each with its own code.


class BudgetExceeded(Conflict):
    """A quick-win spend past the year's allocation (docs/money.md)."""

    code = "budget_exceeded"

    def __init__(self, remaining: int, amount: int):
        super().__init__(f"Spending {amount} pence would exceed the allocation; {remaining} pence remains.")
        self.remaining = remaining
        self.amount = amount


class ClaimRefused(Conflict):
    """A decided claim cannot change (docs/money.md)."""

    code = "claim_refused"


class TransitionRefused(Conflict):
    """The move is not allowed from the case's current state."""

    code = "case_state"


class TaskRefused(Conflict):
    """The action is not possible from the task's current state."""

    code = "task_state"


class WindowRefused(ValidationFailed):
    """An Open311 date window that is back to front or too long."""

    code = "bad_window"
