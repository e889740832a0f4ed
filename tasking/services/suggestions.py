"""Gathering a case's facts, finding reports of the same problem, and storing the suggested level."""

from datetime import datetime

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from tasking.domain.classification import Facts, Suggestion, suggest
from tasking.domain.lifecycle import TRIAGE_STATES
from tasking.domain.policy import Policy
from tasking.domain.similarity import Report, bounding_box, months_before, same_problem
from tasking.models import Barrier, Case, CaseLink
from tasking.services import review_schedule


def _report(row) -> Report:
    return Report(row.category_id, row.ward_id, row.created_at, row.latitude, row.longitude)


def similar_case_ids(session: Session, case: Case, now: datetime, policy: Policy) -> list[int]:
    """Other reports of the same problem raised in the window before `now`, newest first."""
    start = months_before(now, policy.similar_window_months)
    near = Case.ward_id == case.ward_id
    if case.latitude is not None and case.longitude is not None:
        south, north, west, east = bounding_box(case.latitude, case.longitude, policy.similar_radius_m)
        near = or_(near, and_(Case.latitude.between(south, north), Case.longitude.between(west, east)))
    stmt = (
        select(Case.id, Case.category_id, Case.ward_id, Case.created_at, Case.latitude, Case.longitude)
        .where(Case.category_id == case.category_id, Case.created_at >= start, Case.created_at <= now, near)
        .order_by(Case.created_at.desc(), Case.id.desc())
    )
    if case.id is not None:
        stmt = stmt.where(Case.id != case.id)
    rows = session.execute(stmt).all()
    this = _report(case)
    return [row.id for row in rows if same_problem(this, _report(row), policy.similar_radius_m)]


def link_similar(session: Session, case: Case, other_ids: list[int], now: datetime) -> list[int]:
    """Link the case and each other one both ways; returns the ids newly linked."""
    if not other_ids:
        return []
    existing = set(
        session.scalars(
            select(CaseLink.other_case_id).where(
                CaseLink.case_id == case.id, CaseLink.kind == "similar", CaseLink.other_case_id.in_(other_ids)
            )
        )
    )
    new = [i for i in other_ids if i not in existing]
    for other_id in new:
        session.add(CaseLink(case_id=case.id, other_case_id=other_id, kind="similar", created_at=now))
        session.add(CaseLink(case_id=other_id, other_case_id=case.id, kind="similar", created_at=now))
    return new


def facts_for(
    session: Session, case: Case, now: datetime, policy: Policy, similar_ids: list[int] | None = None
) -> Facts:
    if similar_ids is None:
        similar_ids = similar_case_ids(session, case, now, policy)
    barrier = session.get(Barrier, case.barrier_id) if case.barrier_id else None
    barrier_areas = 0
    if barrier is not None:
        # This case's own area counts even before its new barrier is written.
        other_areas = session.scalars(
            select(Case.area_id).distinct().where(Case.barrier_id == barrier.id, Case.id != case.id)
        ).all()
        barrier_areas = len(set(other_areas) | {case.area_id})
    return Facts(
        category_default_level=case.category.default_level,
        agencies_needed=case.agencies_needed or 1,
        risk_flags=frozenset(case.risk_flags),
        similar_recent=len(similar_ids),
        case_review_category=case.category.case_review,
        barrier_is_borough=bool(barrier and barrier.borough_level),
        barrier_area_count=barrier_areas,
        referred_back=case.referred_back,
        missed_reviews=case.missed_reviews or 0,
    )


def refresh(
    session: Session, case: Case, now: datetime, policy: Policy, similar_ids: list[int] | None = None
) -> Suggestion:
    """Work out the suggestion from today's facts and store it on the case."""
    suggestion = suggest(facts_for(session, case, now, policy, similar_ids), policy.thresholds)
    case.suggested_level = suggestion.level
    case.suggestion_reasons = [r.as_dict() for r in suggestion.reasons]
    if suggestion.case_review_threshold_met:
        case.case_review_flag = True
    return suggestion


def on_case_raised(session: Session, case: Case, now: datetime, policy: Policy) -> list[int]:
    """Suggest a level for a case not yet written and set its first review date, write it, link it to
    earlier reports of the same problem, and re-suggest those still waiting in triage (it may tip
    them over a threshold)."""
    similar = similar_case_ids(session, case, now, policy)
    refresh(session, case, now, policy, similar)
    review_schedule.schedule(case, now, policy)
    session.flush()
    linked = link_similar(session, case, similar[: policy.similar_link_limit], now)
    waiting = session.scalars(select(Case).where(Case.id.in_(linked), Case.state.in_(TRIAGE_STATES)))
    for other in waiting:
        before = (other.suggested_level, other.suggestion_reasons, other.case_review_flag)
        refresh(session, other, now, policy)
        if (other.suggested_level, other.suggestion_reasons, other.case_review_flag) != before:
            other.updated_at = now
    return linked
