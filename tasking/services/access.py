"""Who sees which cases, written as SQL conditions so that every query carries its own scope.

The principal's scope comes from the "case.read" row of the permissions table
(tasking/domain/permissions.py), and the reviews they may decide from its "review.decide" row (a
partner: the cases its organisation owns); each scope word is written here once as SQL:
- admins: every case;
- area managers and support officers: their areas' cases, confidential ones included;
- councillors: their wards' cases that are not confidential;
- borough officers: level-four cases and cases they own;
- finance officers: cases that are not confidential (they verify claims borough-wide);
- partners: none here; they reach cases through the tasks offered to them.
A confidential case is seen only by its owner, its area's staff and admins.

tests/services/test_access_agrees_with_permissions.py (case.read, claim.read) and
tests/services/test_review_scope_agrees.py (review.decide) hold the SQL and the table's predicate to
the same answers for every role over a grid of cases.
"""

from sqlalchemy import and_, false, or_, true
from sqlalchemy.sql.elements import ColumnElement

from tasking.domain.permissions import Scope, Target, scope_of
from tasking.domain.principal import Principal
from tasking.models import Case


def case_scope(principal: Principal) -> ColumnElement[bool]:
    """The cases the principal may read ("case.read"), as a condition on Case."""
    return _as_sql(principal, "case.read")


def claim_scope(principal: Principal) -> ColumnElement[bool]:
    """The cases whose cost-avoided claims the principal may read ("claim.read"), as a condition on
    Case: finance every case, confidential ones included; the others the cases they read
    (docs/roles.md, "Claims on confidential cases")."""
    return _as_sql(principal, "claim.read")


def review_scope(principal: Principal) -> ColumnElement[bool]:
    """The cases whose reviews the principal may list and decide ("review.decide"), as a condition
    on Case: area staff their areas', a partner those its organisation owns, the borough officer
    level-four ones (docs/reviews.md, "Who decides")."""
    return _as_sql(principal, "review.decide")


def _as_sql(principal: Principal, action: str) -> ColumnElement[bool]:
    """The principal's scope for an action on cases, written as SQL: each scope word once."""
    scope = scope_of(principal, action)
    owns = Case.owner_user_id == principal.user_id
    not_confidential = Case.confidential.is_(False)
    if scope is None:
        return false()
    if scope is Scope.ALL:
        return true()
    if scope is Scope.AREA:
        return Case.area_id.in_(principal.area_ids) if principal.area_ids else false()
    if scope is Scope.WARD:
        if not principal.ward_ids:
            return false()
        return and_(Case.ward_id.in_(principal.ward_ids), or_(not_confidential, owns))
    if scope is Scope.ORG:
        # scope_of gives no scope to a principal with the organisation scope but no organisation.
        return Case.owner_organisation_id == principal.organisation_id
    if scope is Scope.OPEN:
        return or_(not_confidential, owns)
    if scope is Scope.L4:
        return or_(owns, and_(Case.level == 4, not_confidential))
    raise LookupError(f"No SQL for the {scope} scope of {action}.")


def case_target(case: Case) -> Target:
    """The facts of a case the permissions table decides on."""
    return Target(
        area_id=case.area_id,
        ward_id=case.ward_id,
        organisation_id=case.owner_organisation_id,
        owner_user_id=case.owner_user_id,
        confidential=bool(case.confidential),
        level=case.level,
    )
