"""The unit-cost catalogue: common figures (a week of foster care, a night in a hostel) with their
source, price year and confidence grade, so people stop retyping them (docs/money.md)."""

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from tasking.domain.errors import Conflict, NotFound
from tasking.domain.permissions import require
from tasking.domain.principal import Principal
from tasking.models import UnitCost
from tasking.services import audit


def list_unit_costs(session: Session, principal: Principal) -> list[UnitCost]:
    require(principal, "unit_cost.read", message="The unit-cost catalogue is for council staff.")
    return list(session.scalars(select(UnitCost).order_by(UnitCost.name)))


def save_unit_cost(
    session: Session, principal: Principal, data: dict, *, now: datetime, unit_cost_id: int | None = None
) -> UnitCost:
    require(principal, "unit_cost.write", message="Finance officers and admins manage the unit-cost catalogue.")
    if (
        "name" in data
        and session.scalar(select(UnitCost.id).where(UnitCost.name == data["name"], UnitCost.id != (unit_cost_id or 0)))
        is not None
    ):
        raise Conflict("A unit cost with this name exists; change that one.")
    unit: UnitCost | None
    if unit_cost_id is None:
        unit = UnitCost(updated_at=now, **data)
        session.add(unit)
        before = None
    else:
        unit = session.get(UnitCost, unit_cost_id)
        if unit is None:
            raise NotFound("No such unit cost.")
        before = {k: getattr(unit, k) for k in data}
        for key, value in data.items():
            setattr(unit, key, value)
        unit.updated_at = now
    session.flush()
    audit.record(
        session,
        principal,
        "unit_cost.saved",
        "unit_cost",
        unit.id,
        now=now,
        before=before,
        after={k: getattr(unit, k) for k in ("name", "amount_pence", "unit", "source", "year", "confidence_grade")},
    )
    session.flush()
    return unit
