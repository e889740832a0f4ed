"""Raising a case and sending it on its first step: a councillor's simple request straight to the
front-line service, anything more to the area manager's triage queue with the reason
(docs/routing.md, "Councillors' requests"; the rule is tasking/domain/intake.py)."""

from datetime import datetime

from sqlalchemy.orm import Session

from tasking.domain.intake import held_for_area_manager
from tasking.domain.levels import Level
from tasking.domain.permissions import can, require
from tasking.domain.policy import Policy
from tasking.domain.principal import Principal
from tasking.models import Case
from tasking.services import audit, cases, classification
from tasking.services.access import case_target


def raise_case(session: Session, principal: Principal, data: dict, *, now: datetime, policy: Policy) -> Case:
    """Raise a case (cases.create_case checks who may, where); a councillor's request (the role with
    "request.raise") goes on at once."""
    case = cases.create_case(session, principal, data, now=now, policy=policy)
    if can(principal, "request.raise", case_target(case)):
        send_councillor_request(session, principal, case, now=now, policy=policy)
    return case


def send_councillor_request(
    session: Session, principal: Principal, case: Case, *, now: datetime, policy: Policy
) -> None:
    """Level one in the councillor's name when the suggestion allows it, else the triage queue with why."""
    require(principal, "request.raise", case_target(case), "Level-one requests are raised by councillors.")
    held = held_for_area_manager(
        case.suggested_level or Level.SIMPLE_ACTION,
        bool(case.case_review_flag),
        [reason["message"] for reason in case.suggestion_reasons or []],
    )
    if held is None:
        classification.record_decision(
            session, principal, case, level=Level.SIMPLE_ACTION, reason=None, now=now, policy=policy
        )
        return
    case.triage_reason = held
    audit.record(
        session,
        principal,
        "case.held_for_triage",
        "case",
        case.id,
        now=now,
        case_id=case.id,
        after={"suggested_level": case.suggested_level, "reason": held},
    )
    session.flush()
