"""Deciding a case's level with the suggestion in front of the decider, and referring level-one
cases back to the area manager (docs/levels.md, "A person decides", rule L2_REFERRED_BACK)."""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from tasking.domain import lifecycle
from tasking.domain.classification import Suggestion, reason_needed, suggest
from tasking.domain.errors import Conflict, ValidationFailed
from tasking.domain.permissions import can, require
from tasking.domain.policy import Policy
from tasking.domain.principal import Principal
from tasking.domain.text import required_reason
from tasking.models import Case, CaseLink, LevelChange
from tasking.services import audit, clocks, review_schedule, suggestions
from tasking.services.access import case_scope, case_target
from tasking.services.cases import case_snapshot, get_case
from tasking.services.routing import apply_route, hand_back


@dataclass
class Classification:
    case: Case
    suggestion: Suggestion
    history: list[LevelChange]
    similar: list[Case]


def similar_cases(session: Session, principal: Principal, case_ids: list[int]) -> dict[int, list[Case]]:
    """Visible similar cases for each of the given cases, in one query."""
    if not case_ids:
        return {}
    rows = session.execute(
        select(CaseLink.case_id, Case)
        .join(Case, Case.id == CaseLink.other_case_id)
        .where(CaseLink.case_id.in_(case_ids), CaseLink.kind == "similar", case_scope(principal))
        .order_by(Case.created_at.desc())
    ).all()
    found: dict[int, list[Case]] = {i: [] for i in case_ids}
    for case_id, other in rows:
        found[case_id].append(other)
    return found


def duplicate_links(session: Session, principal: Principal, case: Case) -> tuple[Case | None, list[Case]]:
    """The visible case this one duplicates, if any, and the visible cases marked duplicates of it."""
    original = (
        session.scalar(select(Case).where(Case.id == case.duplicate_of_id, case_scope(principal)))
        if case.duplicate_of_id is not None
        else None
    )
    repeats = list(
        session.scalars(
            select(Case).where(Case.duplicate_of_id == case.id, case_scope(principal)).order_by(Case.created_at)
        )
    )
    return original, repeats


def view(session: Session, principal: Principal, key, *, now: datetime, policy: Policy) -> Classification:
    """Today's suggestion (worked out afresh, not stored) and the level history."""
    require(principal, "level.read", message="Your role cannot see classifications.")
    return _classification(session, principal, get_case(session, principal, key), now=now, policy=policy)


def _classification(session: Session, principal: Principal, case: Case, *, now: datetime, policy: Policy):
    suggestion = suggest(suggestions.facts_for(session, case, now, policy), policy.thresholds)
    history = list(session.scalars(select(LevelChange).where(LevelChange.case_id == case.id).order_by(LevelChange.id)))
    return Classification(case, suggestion, history, similar_cases(session, principal, [case.id])[case.id])


def decide(
    session: Session, principal: Principal, key, *, level: int, reason: str | None, now: datetime, policy: Policy
) -> Classification:
    require(principal, "triage.decide", message="Your role cannot decide levels.")
    case = get_case(session, principal, key)
    # Area staff decide their areas' cases; the borough officer the level-four cases in their scope.
    require(principal, "triage.decide", case_target(case), "You can read this case but not decide its level.")
    if not lifecycle.is_open(case.state):
        raise Conflict(f"The case is {case.state}; reopen it before deciding its level.")
    record_decision(session, principal, case, level=level, reason=reason, now=now, policy=policy)
    # The decider sees what they decided, even when the new level takes the case out of their sight
    # (a borough officer de-escalating a level-four case).
    return _classification(session, principal, case, now=now, policy=policy)


def record_decision(
    session: Session, principal: Principal, case: Case, *, level: int, reason: str | None, now: datetime, policy: Policy
) -> None:
    """Decide a case's level with today's suggestion in view, keep the decision, and route the case.
    Callers have checked that the principal may decide."""
    reason = (reason or "").strip() or None
    with session.no_autoflush:
        suggestion = suggestions.refresh(session, case, now, policy)
        needed = reason_needed(case.level, level, suggestion.level)
        if needed is not None and reason is None:
            raise ValidationFailed(needed, {"reason": [needed]})
        if case.level == level and not lifecycle.awaiting_triage(case.state):
            raise Conflict(f"The case is already at level {level}.")
        before = case_snapshot(case)
        kind = (
            "decision"
            if case.level is None
            else "escalation"
            if level > case.level
            else "de_escalation"
            if level < case.level
            else "confirmation"
        )
        session.add(
            LevelChange(
                case_id=case.id,
                from_level=case.level,
                to_level=level,
                suggested_level=suggestion.level,
                kind=kind,
                reason=reason,
                decided_by_id=principal.user_id,
                decided_at=now,
            )
        )
        case.level = level
        case.referred_back = False
        case.triage_reason = None
        case.updated_at = now
        apply_route(session, principal, case, now=now, policy=policy, chosen=case.lead_organisation_id)
        review_schedule.schedule(session, case, now, policy)
        if can(principal, "triage.decide", case_target(case)):
            # A person deciding the level is the case's first response; a councillor choosing level
            # one for their own request is not (the service that takes it on answers it).
            clocks.Clocks(session, policy, now).stop_case(case.id, clocks.ACKNOWLEDGED)
        changed_before, changed_after = audit.changes(before, case_snapshot(case))
        audit.record(
            session,
            principal,
            f"case.{kind}",
            "case",
            case.id,
            now=now,
            case_id=case.id,
            before=changed_before,
            after={**changed_after, "level": level, "suggested_level": suggestion.level, "reason": reason},
        )
        session.flush()


def refer(session: Session, principal: Principal, key, *, reason: str, now: datetime, policy: Policy) -> Case:
    """A level-one case proved more complicated: back to the area manager's queue, suggested level 2."""
    require(principal, "case.refer", message="Your role cannot refer cases.")
    case = get_case(session, principal, key)
    require(principal, "case.refer", case_target(case), "You can only refer your areas' cases.")
    if case.level != 1 or not lifecycle.is_open(case.state):
        raise Conflict("Only an open level-one case can be referred to the area manager.")
    if case.referred_back and lifecycle.awaiting_triage(case.state):
        raise Conflict("The case is already waiting for the area manager.")
    reason = required_reason(reason, "referring a case")
    with session.no_autoflush:
        before = case_snapshot(case)
        case.referred_back = True
        hand_back(session, case, reason=f"Referred back as more complicated than it looked: {reason}")
        case.updated_at = now
        suggestions.refresh(session, case, now, policy)
        review_schedule.schedule(session, case, now, policy)
        changed_before, changed_after = audit.changes(before, case_snapshot(case))
        audit.record(
            session,
            principal,
            "case.referred",
            "case",
            case.id,
            now=now,
            case_id=case.id,
            before=changed_before,
            after={**changed_after, "reason": reason},
        )
        session.flush()
    return case
