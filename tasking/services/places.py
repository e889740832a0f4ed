"""Places and categories named by their codes in a request: looked up, and checked against what the
principal may filter by (an area or ward they do not cover is 404, as if it did not exist)."""

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from tasking.domain.errors import NotFound, ValidationFailed
from tasking.domain.permissions import Target, can
from tasking.domain.principal import Principal
from tasking.models import Area, Case, Category, Ward


@dataclass(frozen=True)
class PlaceIds:
    """An area, ward and category filter as ids (None: not filtered), checked against the principal."""

    area_id: int | None = None
    ward_id: int | None = None
    category_id: int | None = None


def place_ids(
    session: Session, principal: Principal, *, area: str | None, ward: str | None, category: str | None
) -> PlaceIds:
    """The ids of area, ward and category codes; an area or ward the principal does not cover is
    404, as if it did not exist."""
    return PlaceIds(
        visible_area(session, principal, area).id if area else None,
        visible_ward(session, principal, ward).id if ward else None,
        category_by_code(session, category).id if category else None,
    )


def where_place_ids(stmt, place: PlaceIds):
    if place.area_id is not None:
        stmt = stmt.where(Case.area_id == place.area_id)
    if place.ward_id is not None:
        stmt = stmt.where(Case.ward_id == place.ward_id)
    if place.category_id is not None:
        stmt = stmt.where(Case.category_id == place.category_id)
    return stmt


def where_place(
    session: Session, principal: Principal, stmt, *, area: str | None, ward: str | None, category: str | None
):
    """Narrow a case query by area, ward and category codes (place_ids)."""
    return where_place_ids(stmt, place_ids(session, principal, area=area, ward=ward, category=category))


def category_by_code(session: Session, code: str) -> Category:
    category = session.scalar(select(Category).where(Category.code == code))
    if category is None:
        raise ValidationFailed("Unknown category.", {"category": [f"Unknown code {code}."]})
    return category


def visible_area(session: Session, principal: Principal, code: str) -> Area:
    """An area filter the principal may use; anything else is 404, as if the area did not exist."""
    area = session.scalar(select(Area).where(Area.code == code.upper()))
    if area is None or not (
        can(principal, "place.filter", Target(area_id=area.id))
        or any(can(principal, "place.filter", Target(area_id=area.id, ward_id=w.id)) for w in area.wards)
    ):
        raise NotFound("No such area.")
    return area


def visible_ward(session: Session, principal: Principal, code: str) -> Ward:
    ward = session.scalar(select(Ward).where(Ward.code == code))
    if ward is None or not can(principal, "place.filter", Target(area_id=ward.area_id, ward_id=ward.id)):
        raise NotFound("No such ward.")
    return ward
