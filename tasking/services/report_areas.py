"""The areas a report covers for its reader: those the reader's role may report on, or the one asked for."""

from sqlalchemy import select
from sqlalchemy.orm import Session

from tasking.domain.errors import NotFound
from tasking.domain.permissions import Target, can, require
from tasking.domain.principal import Principal
from tasking.models import Area


def areas_in_scope(
    session: Session, principal: Principal, action: str, area_code: str | None, message: str
) -> list[Area]:
    """Every area the principal may do `action` for, by name; with a code, that one, or 404 as if
    it did not exist when it is not theirs."""
    require(principal, action, message=message)
    areas = [
        a for a in session.scalars(select(Area).order_by(Area.name)) if can(principal, action, Target(area_id=a.id))
    ]
    if area_code:
        areas = [a for a in areas if a.code == area_code.upper()]
        if not areas:
            raise NotFound("No such area.")
    return areas
