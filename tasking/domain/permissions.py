"""Who may do what: one table, every action a row, every role a column (docs/roles.md).

A cell is a *scope*, one word of the legend in docs/roles.md: the role may do the action on the
targets the scope admits, and a role with no cell may never do it. The scopes are pure predicates
over the principal and the facts of the target (`Target`), so the services, the pages and the
tests all ask the same question:

- `can(principal, action)`, with no target: may this principal do the action at all, on anything?
  Services ask it first where a role that may never act gets 403 whatever the object (nothing is
  given away); pages ask it to show or hide a control.
- `can(principal, action, target)`: may the principal do it to this target? Services ask it after
  loading the object inside the caller's scope, so that an object the caller may not see has
  already answered 404 as a missing one would.
- `require(...)` is `can(...)` that raises `Forbidden`.

Which cases a role may read is also written as SQL (tasking/services/access.py, `case_scope`), so
that every query carries its scope; tests/services/test_access_agrees_with_permissions.py holds the
two to the same answers.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum

from tasking.domain.errors import Forbidden
from tasking.domain.principal import Principal
from tasking.domain.roles import Role


@dataclass(frozen=True)
class Target:
    """What the rules need to know of the object acted on; unknown facts stay None."""

    area_id: int | None = None
    ward_id: int | None = None
    organisation_id: int | None = None  # the organisation the object belongs to (a task's, a case's owner)
    owner_user_id: int | None = None
    confidential: bool = False
    level: int | None = None


class Scope(StrEnum):
    ALL = "all"  # every object
    AREA = "area"  # objects in the areas the user covers
    WARD = "ward"  # objects in the user's wards, confidential ones only if the user owns them
    ORG = "org"  # objects of the user's organisation
    OPEN = "open"  # objects that are not confidential, and those the user owns
    L4 = "l4"  # non-confidential level-four objects, and those the user owns


def _owns(principal: Principal, target: Target) -> bool:
    return target.owner_user_id is not None and target.owner_user_id == principal.user_id


def _open(principal: Principal, target: Target) -> bool:
    return not target.confidential or _owns(principal, target)


def _admits(scope: Scope, principal: Principal, target: Target) -> bool:
    if scope is Scope.ALL:
        return True
    if scope is Scope.AREA:
        return target.area_id in principal.area_ids
    if scope is Scope.WARD:
        return target.ward_id in principal.ward_ids and _open(principal, target)
    if scope is Scope.ORG:
        return principal.organisation_id is not None and target.organisation_id == principal.organisation_id
    if scope is Scope.OPEN:
        return _open(principal, target)
    return _owns(principal, target) or (target.level == 4 and not target.confidential)  # Scope.L4


ALL, AREA, WARD, ORG, OPEN, L4 = Scope.ALL, Scope.AREA, Scope.WARD, Scope.ORG, Scope.OPEN, Scope.L4
ADMIN, MANAGER, SUPPORT = Role.ADMIN, Role.AREA_MANAGER, Role.SUPPORT_OFFICER
COUNCILLOR, PARTNER, FINANCE, BOROUGH = Role.COUNCILLOR, Role.PARTNER, Role.FINANCE, Role.BOROUGH_OFFICER

# action -> {role: scope}; a role missing from a row may never do the action.
PERMISSIONS: Mapping[str, Mapping[Role, Scope]] = {
    # Cases and tasks
    "case.read": {ADMIN: ALL, MANAGER: AREA, SUPPORT: AREA, COUNCILLOR: WARD, FINANCE: OPEN, BOROUGH: L4},
    "case.raise": {ADMIN: ALL, MANAGER: AREA, SUPPORT: AREA, COUNCILLOR: WARD, PARTNER: AREA},
    "case.edit": {ADMIN: ALL, MANAGER: AREA, SUPPORT: AREA},
    # Closing a case: its area's staff, and whoever owns it (docs/routing.md, "The level-one loop").
    "case.close": {ADMIN: ALL, MANAGER: AREA, SUPPORT: AREA, PARTNER: ORG, BOROUGH: L4},
    "case.confidential": {ADMIN: ALL, MANAGER: AREA, SUPPORT: AREA},
    "triage.read": {ADMIN: ALL, MANAGER: AREA, SUPPORT: AREA},
    "level.read": {ADMIN: ALL, MANAGER: AREA, SUPPORT: AREA, BOROUGH: L4},
    "triage.decide": {ADMIN: ALL, MANAGER: AREA, SUPPORT: AREA, BOROUGH: L4},
    "case.refer": {ADMIN: ALL, MANAGER: AREA, SUPPORT: AREA, COUNCILLOR: WARD},
    "task.read": {ADMIN: ALL, PARTNER: ORG},
    "task.act": {PARTNER: ORG},
    "task.confidential_details": {ADMIN: ALL, PARTNER: ORG},
    "note.write": {ADMIN: ALL, MANAGER: AREA, SUPPORT: AREA, COUNCILLOR: WARD},
    "personal.read": {ADMIN: ALL, MANAGER: AREA, SUPPORT: AREA},
    # Money, reviews, reports, administration
    "budget.read": {ADMIN: ALL, MANAGER: AREA, SUPPORT: AREA, FINANCE: ALL, BOROUGH: ALL},
    "budget.spend": {MANAGER: AREA},
    "budget.allocate": {ADMIN: ALL},
    # Claims: finance reads and decides them on every case, confidential ones included, seeing of the
    # case only what a claim needs (docs/roles.md, "Claims on confidential cases"); the others read
    # the claims of the cases they read.
    "claim.read": {ADMIN: ALL, MANAGER: AREA, SUPPORT: AREA, COUNCILLOR: WARD, FINANCE: ALL, BOROUGH: L4},
    "claim.write": {ADMIN: ALL, MANAGER: AREA, SUPPORT: AREA},
    "claim.decide": {FINANCE: ALL},
    # Did the saving happen? Finance answers the follow-up checks of verified claims (docs/money.md).
    "follow_up.decide": {FINANCE: ALL},
    "unit_cost.write": {ADMIN: ALL, FINANCE: ALL},
    # Reviews go to whoever owns the case, and they decide them (docs/reviews.md).
    "review.decide": {ADMIN: ALL, MANAGER: AREA, SUPPORT: AREA, PARTNER: ORG, BOROUGH: L4},
    "report.value": {ADMIN: ALL, MANAGER: AREA, SUPPORT: AREA, FINANCE: ALL, BOROUGH: ALL},
    "report.capacity": {ADMIN: ALL, MANAGER: AREA, SUPPORT: AREA, BOROUGH: ALL},
    "barrier.read": {ADMIN: ALL, MANAGER: ALL, SUPPORT: ALL, FINANCE: ALL, BOROUGH: ALL},
    "barrier.write": {ADMIN: ALL, MANAGER: ALL, SUPPORT: ALL, BOROUGH: ALL},
    "token.manage": {ADMIN: ALL},
    # Deadlines (docs/deadlines.md): the calendar and targets are for all to read, admins to change;
    # area staff put a case on hold while it waits on someone outside; exception reports for those
    # who answer for the work (a partner for its own organisation's).
    "calendar.read": {
        ADMIN: ALL,
        MANAGER: ALL,
        SUPPORT: ALL,
        COUNCILLOR: ALL,
        PARTNER: ALL,
        FINANCE: ALL,
        BOROUGH: ALL,
    },
    "calendar.manage": {ADMIN: ALL},
    "target.read": {ADMIN: ALL, MANAGER: ALL, SUPPORT: ALL, COUNCILLOR: ALL, PARTNER: ALL, FINANCE: ALL, BOROUGH: ALL},
    "target.manage": {ADMIN: ALL},
    "case.wait": {ADMIN: ALL, MANAGER: AREA, SUPPORT: AREA},
    "report.exceptions": {ADMIN: ALL, MANAGER: AREA, SUPPORT: AREA, PARTNER: ORG, BOROUGH: ALL},
    # Other actions
    "console.use": {ADMIN: ALL, MANAGER: AREA, SUPPORT: AREA},
    "place.filter": {ADMIN: ALL, MANAGER: AREA, SUPPORT: AREA, COUNCILLOR: WARD, FINANCE: ALL, BOROUGH: ALL},
    "unit_cost.read": {ADMIN: ALL, MANAGER: ALL, SUPPORT: ALL, FINANCE: ALL, BOROUGH: ALL},
    "request.raise": {COUNCILLOR: WARD},
    # Notes: each is written for an audience, read by it, and written only by those who read it back
    # (docs/roles.md, "Note audiences"); the audiences widen from internal to public.
    "note.internal": {ADMIN: ALL, MANAGER: ALL, SUPPORT: ALL, FINANCE: ALL, BOROUGH: ALL},
    "note.partners": {ADMIN: ALL, MANAGER: ALL, SUPPORT: ALL, FINANCE: ALL, BOROUGH: ALL, PARTNER: ALL},
    "note.councillor": {
        ADMIN: ALL,
        MANAGER: ALL,
        SUPPORT: ALL,
        FINANCE: ALL,
        BOROUGH: ALL,
        PARTNER: ALL,
        COUNCILLOR: ALL,
    },
    "note.public": {
        ADMIN: ALL,
        MANAGER: ALL,
        SUPPORT: ALL,
        FINANCE: ALL,
        BOROUGH: ALL,
        PARTNER: ALL,
        COUNCILLOR: ALL,
    },
}


def _row(action: str) -> Mapping[Role, Scope]:
    try:
        return PERMISSIONS[action]
    except KeyError:
        raise KeyError(f"No such action in the permissions table: {action!r}") from None


def scope_of(principal: Principal, action: str) -> Scope | None:
    """The principal's scope for the action, or None when the role may never do it. A principal
    with the organisation scope but no organisation has none."""
    scope = _row(action).get(Role(principal.role))
    if scope is Scope.ORG and principal.organisation_id is None:
        return None
    return scope


def can(principal: Principal, action: str, target: Target | None = None) -> bool:
    """May the principal do the action (to the target, when one is given)? An unknown action raises KeyError."""
    scope = scope_of(principal, action)
    if scope is None:
        return False
    return target is None or _admits(scope, principal, target)


def covers_all(principal: Principal, action: str) -> bool:
    """Does the principal's scope for the action take in every object?"""
    return scope_of(principal, action) is Scope.ALL


def require(principal: Principal, action: str, target: Target | None = None, message: str | None = None) -> None:
    """`can`, or Forbidden with the message (a sentence naming the action by default)."""
    if not can(principal, action, target):
        raise Forbidden(message or f"You may not do this ({action}).")


def roles_with(action: str) -> frozenset[Role]:
    """The roles that may do the action on something."""
    return frozenset(_row(action))


def actions_of(role: Role) -> dict[str, Scope]:
    """The role's column of the table: each action it may do, with its scope."""
    return {action: row[Role(role)] for action, row in PERMISSIONS.items() if Role(role) in row}
