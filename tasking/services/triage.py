"""The area manager's triage queue: cases waiting for a person to decide, riskiest and oldest first."""

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from tasking.domain.lifecycle import TRIAGE_STATES
from tasking.domain.permissions import require
from tasking.domain.principal import Principal
from tasking.models import Case
from tasking.services.access import case_scope
from tasking.services.cases import where_place
from tasking.services.classification import similar_cases
from tasking.services.pagination import Page, paginate


@dataclass(frozen=True)
class TriageFilters:
    area: str | None = None
    ward: str | None = None
    category: str | None = None
    source: str | None = None


def waiting_reason(case: Case) -> str:
    if case.routing_reason:
        return "unroutable"
    if case.referred_back:
        return "referred"
    return "returned" if case.state == "returned" else "new"


def triage_queue(
    session: Session, principal: Principal, filters: TriageFilters, *, cursor: str | None, size: int
) -> Page:
    require(principal, "triage.read", message="Only area staff triage cases.")
    stmt = (
        select(Case)
        .options(joinedload(Case.category), joinedload(Case.ward), joinedload(Case.area))
        .where(Case.state.in_(TRIAGE_STATES), case_scope(principal))
    )
    stmt = where_place(session, principal, stmt, area=filters.area, ward=filters.ward, category=filters.category)
    if filters.source:
        stmt = stmt.where(Case.source == filters.source)
    page = paginate(
        session, stmt, [(Case.risk_score, True), (Case.created_at, False), (Case.id, False)], cursor=cursor, size=size
    )
    links = similar_cases(session, principal, [case.id for case in page.items])
    page.items = [
        {"case": case, "similar": links[case.id], "waiting_reason": waiting_reason(case)} for case in page.items
    ]
    return page
