"""Reopening a closed case, and closing one as a duplicate of another. Both change which reports of
a problem count, so the suggestions of the cases concerned are worked out again (docs/levels.md,
"Suggestions are kept current")."""

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from tasking.domain import lifecycle
from tasking.domain.errors import Conflict, NotFound, ValidationFailed
from tasking.domain.policy import Policy
from tasking.domain.principal import Principal
from tasking.models import Case, CaseLink
from tasking.services import audit, clocks, review_schedule, suggestions
from tasking.services.cases import case_snapshot, get_case, get_case_to_change
from tasking.services.routing import cancel_active_tasks


def reopen_case(
    session: Session, principal: Principal, key: str | int, *, reason: str, now: datetime, policy: Policy
) -> Case:
    case = get_case_to_change(session, principal, key)
    target = lifecycle.check_reopen(case.state, case.level, reason)
    reason = reason.strip()
    with session.no_autoflush:
        before = case_snapshot(case)
        case.state, case.closed_at, case.duplicate_of_id = target.value, None, None
        if lifecycle.awaiting_triage(target.value):
            # Back in triage: the queue and My work say why it came back.
            case.triage_reason = f"Reopened: {reason}"
        case.updated_at = now
        # Recorded before the suggestion is worked out: the reopening is itself a recurrence of the
        # problem, one more report (docs/levels.md, "The same problem").
        event = audit.record(session, principal, "case.reopened", "case", case.id, now=now, case_id=case.id)
        suggestions.refresh(session, case, now, policy)
        review_schedule.schedule(session, case, now, policy)
        # A councillor's request reopened is owed an answer again (docs/deadlines.md).
        clocks.start_on_reopening(session, case, now=now, policy=policy)
        changed_before, changed_after = audit.changes(before, case_snapshot(case))
        event.before, event.after = changed_before, {**changed_after, "reason": reason}
        session.flush()
        # Back among the reports of its problem, if it was a duplicate or withdrawn.
        suggestions.resuggest(session, suggestions.affected_by(session, case, now, policy), now, policy)
    return case


def mark_duplicate(
    session: Session, principal: Principal, key: str | int, *, of: str | int, now: datetime, policy: Policy
) -> Case:
    """Close the case as a duplicate of another (of that one's original, if it is itself a duplicate)."""
    case = get_case_to_change(session, principal, key)
    if not lifecycle.is_open(case.state):
        raise Conflict(f"The case is {case.state}; only an open case can be marked a duplicate.")
    try:
        original = get_case(session, principal, of)
    except NotFound:
        raise ValidationFailed("No such case to be a duplicate of.", {"of": ["No such case."]}) from None
    if original.duplicate_of_id is not None:
        original = session.get_one(Case, original.duplicate_of_id)
    if original.id == case.id:
        raise ValidationFailed("A case cannot duplicate itself.", {"of": ["That is this case."]})
    with session.no_autoflush:
        # A duplicate no longer counts: its original and the other reports of its problem lose one.
        affected = suggestions.affected_by(session, case, now, policy) | {original.id}
        before = case_snapshot(case)
        case.state, case.closed_at, case.duplicate_of_id = lifecycle.State.DUPLICATE.value, now, original.id
        case.updated_at = now
        review_schedule.schedule(session, case, now, policy)  # a duplicate is not reviewed
        cancel_active_tasks(session, principal, case, now=now, reason=f"Duplicate of {original.reference}.")
        clocks.case_ended(session, case.id, actor_id=principal.user_id, now=now, policy=policy)
        existing = session.scalar(
            select(CaseLink).where(
                CaseLink.case_id == case.id, CaseLink.other_case_id == original.id, CaseLink.kind == "duplicate"
            )
        )
        if existing is None:
            session.add(CaseLink(case_id=case.id, other_case_id=original.id, kind="duplicate", created_at=now))
            session.add(CaseLink(case_id=original.id, other_case_id=case.id, kind="duplicate", created_at=now))
        changed_before, changed_after = audit.changes(before, case_snapshot(case))
        audit.record(
            session,
            principal,
            "case.marked_duplicate",
            "case",
            case.id,
            now=now,
            case_id=case.id,
            before=changed_before,
            after={**changed_after, "duplicate_of": original.reference},
        )
        session.flush()
        suggestions.resuggest(session, affected, now, policy)
    return case
