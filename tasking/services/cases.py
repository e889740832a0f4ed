"""Raising, reading, listing and editing cases."""
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from tasking.domain import lifecycle, roles
from tasking.domain.etags import if_match_allows
from tasking.domain.principal import Principal
from tasking.domain.roles import Role
from tasking.errors import Conflict, Forbidden, NotFound, PreconditionFailed, ValidationFailed
from tasking.models import Area, Case, Category, Ward
from tasking.services import audit
from tasking.services.access import case_scope
from tasking.services.pagination import Page, paginate
from tasking.services.references import next_reference
from tasking.services.transaction import atomic

DETAIL_FIELDS = ("title", "description", "address", "postcode", "latitude", "longitude", "confidential")
SOURCE_BY_ROLE = {Role.COUNCILLOR: "councillor", Role.PARTNER: "partner"}


@dataclass(frozen=True)
class CaseFilters:
    area: str | None = None
    ward: str | None = None
    category: str | None = None
    state: str | None = None
    level: int | None = None
    updated_since: datetime | None = None


def case_snapshot(case: Case) -> dict:
    return {
        "reference": case.reference,
        "title": case.title,
        "description": case.description,
        "category": case.category.code,
        "ward": case.ward.code,
        "area": case.area.code,
        "address": case.address,
        "postcode": case.postcode,
        "latitude": case.latitude,
        "longitude": case.longitude,
        "source": case.source,
        "level": case.level,
        "state": case.state,
        "owner_organisation": case.owner_organisation.code if case.owner_organisation else None,
        "owner_user_id": case.owner_user_id,
        "confidential": case.confidential,
        "risk_flags": case.risk_flags,
    }


def _loaded():
    return (joinedload(Case.category), joinedload(Case.ward), joinedload(Case.area),
            joinedload(Case.owner_organisation))


def get_case(session: Session, principal: Principal, key: str | int) -> Case:
    """A case by id or reference, or NotFound when it does not exist or the principal may not see it."""
    stmt = select(Case).options(*_loaded()).where(case_scope(principal))
    key = str(key)
    stmt = stmt.where(Case.id == int(key)) if key.isdigit() else stmt.where(Case.reference == key.upper())
    case = session.scalar(stmt)
    if case is None:
        raise NotFound("No such case.")
    return case


def list_cases(session: Session, principal: Principal, filters: CaseFilters, *, cursor: str | None,
               size: int) -> Page:
    stmt = select(Case).options(*_loaded()).where(case_scope(principal))
    if filters.area:
        area = _visible_area(session, principal, filters.area)
        stmt = stmt.where(Case.area_id == area.id)
    if filters.ward:
        ward = _visible_ward(session, principal, filters.ward)
        stmt = stmt.where(Case.ward_id == ward.id)
    if filters.category:
        category = session.scalar(select(Category).where(Category.code == filters.category))
        if category is None:
            raise ValidationFailed("Unknown category.", {"category": [f"Unknown code {filters.category}."]})
        stmt = stmt.where(Case.category_id == category.id)
    if filters.state:
        stmt = stmt.where(Case.state == filters.state)
    if filters.level:
        stmt = stmt.where(Case.level == filters.level)
    if filters.updated_since:
        # Incremental sync walks forward in change order; >= so equal timestamps are not lost.
        stmt = stmt.where(Case.updated_at >= filters.updated_since)
        return paginate(session, stmt, [Case.updated_at, Case.id], descending=False, cursor=cursor, size=size)
    return paginate(session, stmt, [Case.id], descending=True, cursor=cursor, size=size)


def create_case(session: Session, principal: Principal, data: dict, *, now: datetime) -> Case:
    if not roles.can_raise_cases(principal.role):
        raise Forbidden("Your role cannot raise cases here.")
    category = _category(session, data["category"])
    ward = _ward(session, data["ward"])
    if not principal.covers_ward(ward.id, ward.area_id):
        raise Forbidden("You can only raise cases in the wards or areas you cover.")
    if data.get("confidential") and not (principal.is_admin or principal.is_area_staff):
        raise Forbidden("Only area staff can mark a case confidential.")
    with atomic(session):
        case = Case(
            reference=next_reference(session, ward.area, now.year),
            title=data["title"], description=data["description"],
            category=category, ward=ward, area=ward.area,
            address=data.get("address"), postcode=_postcode(data.get("postcode")),
            latitude=data.get("latitude"), longitude=data.get("longitude"),
            source=data.get("source") or SOURCE_BY_ROLE.get(principal.role, "staff"),
            raised_by_id=principal.user_id, state=lifecycle.State.NEW.value,
            confidential=bool(data.get("confidential")),
            created_at=now, updated_at=now,
        )
        case.risk_flags = data.get("risk_flags", [])
        session.add(case)
        session.flush()
        audit.record(session, principal, "case.created", "case", case.id, now=now, case_id=case.id,
                     after=case_snapshot(case))
    return case


def update_case(session: Session, principal: Principal, key: str | int, data: dict, *,
                if_match: str, now: datetime) -> Case:
    case = get_case(session, principal, key)
    if not (roles.can_edit_cases(principal.role) and principal.covers_area(case.area_id)):
        raise Forbidden("You can read this case but not change it.")
    if not if_match_allows(if_match, "case", case.id, case.version):
        raise PreconditionFailed("The case has changed since you read it; fetch it again.")
    # One flush at the end: every flush of a changed case moves its version.
    with atomic(session), session.no_autoflush:
        before = case_snapshot(case)
        target_state = case.state
        if "state" in data:
            try:
                target_state = lifecycle.check_manual_transition(case.state, data["state"], data.get("reason"))
            except lifecycle.TransitionRefused as refused:
                raise Conflict(str(refused).capitalize() + ".") from refused
        details = {k: v for k, v in data.items() if k not in ("state", "reason")}
        if details and not (lifecycle.edits_allowed(case.state) or lifecycle.is_open(target_state)):
            raise Conflict(f"The case is {case.state}; reopen it before changing its details.")
        _apply_details(session, principal, case, details)
        if target_state != case.state:
            case.state = target_state
            case.closed_at = None if lifecycle.is_open(target_state) else now
        changed_before, changed_after = audit.changes(before, case_snapshot(case))
        if not changed_after:
            return case
        case.updated_at = now
        action = "case.updated"
        if "state" in changed_after:
            changed_after["reason"] = data.get("reason")
            action = "case.reopened" if lifecycle.is_open(case.state) else "case.closed"
        audit.record(session, principal, action, "case", case.id, now=now, case_id=case.id,
                     before=changed_before, after=changed_after)
        session.flush()
    return case


def _apply_details(session: Session, principal: Principal, case: Case, details: dict) -> None:
    for name in DETAIL_FIELDS:
        if name in details:
            setattr(case, name, _postcode(details[name]) if name == "postcode" else details[name])
    if "risk_flags" in details:
        case.risk_flags = details["risk_flags"]
    if "category" in details:
        case.category = _category(session, details["category"])
    if "ward" in details:
        ward = _ward(session, details["ward"])
        if not principal.covers_area(ward.area_id):
            raise Forbidden("You cannot move a case to an area you do not cover.")
        case.ward, case.area = ward, ward.area
    if (case.latitude is None) != (case.longitude is None):
        raise ValidationFailed("Give both coordinates or neither.",
                               {"latitude": ["Needs longitude too."], "longitude": ["Needs latitude too."]})


def _postcode(value: str | None) -> str | None:
    return " ".join(value.upper().split()) if value else value


def _category(session: Session, code: str) -> Category:
    category = session.scalar(select(Category).where(Category.code == code))
    if category is None:
        raise ValidationFailed("Unknown category.", {"category": [f"Unknown code {code}."]})
    return category


def _ward(session: Session, code: str) -> Ward:
    ward = session.scalar(select(Ward).options(joinedload(Ward.area)).where(Ward.code == code))
    if ward is None:
        raise ValidationFailed("Unknown ward.", {"ward": [f"Unknown code {code}."]})
    return ward


def _visible_area(session: Session, principal: Principal, code: str) -> Area:
    """An area filter the principal may use; anything else is 404, as if the area did not exist."""
    area = session.scalar(select(Area).where(Area.code == code.upper()))
    allowed = area is not None and (
        principal.role in (Role.ADMIN, Role.FINANCE, Role.BOROUGH_OFFICER)
        or (principal.is_area_staff and area.id in principal.area_ids)
        or (principal.role == Role.COUNCILLOR and any(w.id in principal.ward_ids for w in area.wards))
    )
    if not allowed:
        raise NotFound("No such area.")
    return area


def _visible_ward(session: Session, principal: Principal, code: str) -> Ward:
    ward = session.scalar(select(Ward).where(Ward.code == code))
    allowed = ward is not None and (
        principal.role in (Role.ADMIN, Role.FINANCE, Role.BOROUGH_OFFICER)
        or principal.covers_ward(ward.id, ward.area_id)
    )
    if not allowed:
        raise NotFound("No such ward.")
    return ward
