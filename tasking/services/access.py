"""Who sees which cases, written as SQL conditions so that every query carries its own scope.

- admins: every case;
- area managers and support officers: their areas' cases, confidential ones included;
- councillors: their wards' cases that are not confidential;
- borough officers: level-four cases and cases they own;
- finance officers: cases that are not confidential (they verify claims borough-wide);
- partners: none here; they reach cases through the tasks offered to them.
A confidential case is seen only by its owner, its area's staff and admins.
"""
from sqlalchemy import and_, false, or_, true
from sqlalchemy.sql.elements import ColumnElement

from tasking.domain.principal import Principal
from tasking.domain.roles import Role
from tasking.models import Case


def case_scope(principal: Principal) -> ColumnElement[bool]:
    role = principal.role
    owns = Case.owner_user_id == principal.user_id
    if role == Role.ADMIN:
        return true()
    if role in (Role.AREA_MANAGER, Role.SUPPORT_OFFICER):
        return Case.area_id.in_(principal.area_ids) if principal.area_ids else false()
    if role == Role.COUNCILLOR:
        if not principal.ward_ids:
            return false()
        return and_(Case.ward_id.in_(principal.ward_ids), or_(Case.confidential.is_(False), owns))
    if role == Role.BOROUGH_OFFICER:
        return or_(owns, and_(Case.level == 4, Case.confidential.is_(False)))
    if role == Role.FINANCE:
        return or_(Case.confidential.is_(False), owns)
    return false()
