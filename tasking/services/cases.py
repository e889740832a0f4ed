"""Raising, reading, listing and editing cases."""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Select, select, update
from sqlalchemy.orm import Session, joinedload

from tasking.domain import lifecycle, similarity
from tasking.domain.errors import Conflict, NotFound, PreconditionFailed, ValidationFailed
from tasking.domain.etags import if_match_allows
from tasking.domain.permissions import Target, require
from tasking.domain.policy import Policy
from tasking.domain.principal import Principal
from tasking.domain.references import id_from_key
from tasking.domain.roles import Role
from tasking.models import Barrier, Case, Review, Ward
from tasking.services import audit, clocks, review_schedule, suggestions
from tasking.services.access import case_scope, case_target
from tasking.services.pagination import Page, paginate
from tasking.services.places import category_by_code, where_place
from tasking.services.references import next_reference
from tasking.services.routing import cancel_active_tasks

DETAIL_FIELDS = (
    "title",
    "description",
    "address",
    "postcode",
    "latitude",
    "longitude",
    "confidential",
    "agencies_needed",
)
# Changing any of these can change the suggested level (docs/levels.md, "Suggestions are kept current").
FACT_FIELDS = {
    "category",
    "ward",
    "latitude",
    "longitude",
    "postcode",
    "address",
    "subject_ref",
    "risk_flags",
    "agencies_needed",
    "barrier_id",
}
SOURCE_BY_ROLE = {Role.COUNCILLOR: "councillor", Role.PARTNER: "partner"}


@dataclass(frozen=True)
class CaseFilters:
    area: str | None = None
    ward: str | None = None
    category: str | None = None
    state: str | None = None
    level: int | None = None
    ready_to_resolve: bool | None = None
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
        "suggested_level": case.suggested_level,
        "state": case.state,
        "owner_organisation_id": case.owner_organisation_id,
        "owner_user_id": case.owner_user_id,
        "coordinator_user_id": case.coordinator_user_id,
        "routing_reason": case.routing_reason,
        "confidential": case.confidential,
        "risk_flags": case.risk_flags,
        "agencies_needed": case.agencies_needed,
        "barrier_id": case.barrier_id,
        "referred_back": case.referred_back,
        "case_review_flag": case.case_review_flag,
        "duplicate_of_id": case.duplicate_of_id,
    }


def _loaded():
    return (
        joinedload(Case.category),
        joinedload(Case.ward),
        joinedload(Case.area),
        joinedload(Case.owner_organisation),
        joinedload(Case.lead_organisation),
    )


def get_case(session: Session, principal: Principal, key: str | int) -> Case:
    """A case by id or reference, or NotFound when it does not exist or the principal may not see it."""
    stmt = select(Case).options(*_loaded()).where(case_scope(principal))
    key = str(key)
    case_id = id_from_key(key)
    stmt = stmt.where(Case.id == case_id) if case_id is not None else stmt.where(Case.reference == key.upper())
    case = session.scalar(stmt)
    if case is None:
        raise NotFound("No such case.")
    return case


def get_case_to_change(session: Session, principal: Principal, key: str | int) -> Case:
    """A case the principal may change: 404 if they cannot see it, 403 if they can only read it."""
    case = get_case(session, principal, key)
    require(principal, "case.edit", case_target(case), "You can read this case but not change it.")
    return case


def filtered(session: Session, principal: Principal, stmt: Select, filters: CaseFilters) -> Select:
    """The case list's filters but the change date (place, state, level, ready to resolve) on a
    statement over cases: the entity list below and the lean rows (services/case_rows.py) alike."""
    stmt = where_place(session, principal, stmt, area=filters.area, ward=filters.ward, category=filters.category)
    if filters.state:
        stmt = stmt.where(Case.state == filters.state)
    if filters.level:
        stmt = stmt.where(Case.level == filters.level)
    if filters.ready_to_resolve is not None:
        stmt = stmt.where(Case.ready_to_resolve.is_(filters.ready_to_resolve))
    return stmt


def list_cases(session: Session, principal: Principal, filters: CaseFilters, *, cursor: str | None, size: int) -> Page:
    stmt = filtered(session, principal, select(Case).options(*_loaded()).where(case_scope(principal)), filters)
    if filters.updated_since:
        # Incremental sync walks forward in change order; >= so equal timestamps are not lost.
        stmt = stmt.where(Case.updated_at >= filters.updated_since)
        return paginate(session, stmt, [(Case.updated_at, False), (Case.id, False)], cursor=cursor, size=size)
    return paginate(session, stmt, [(Case.id, True)], cursor=cursor, size=size)


def create_case(session: Session, principal: Principal, data: dict, *, now: datetime, policy: Policy) -> Case:
    require(principal, "case.raise", message="Your role cannot raise cases here.")
    category = category_by_code(session, data["category"])
    ward = _ward(session, data["ward"])
    place = Target(area_id=ward.area_id, ward_id=ward.id)
    require(principal, "case.raise", place, "You can only raise cases in the wards or areas you cover.")
    if data.get("confidential"):
        require(principal, "case.confidential", place, "Only area staff can mark a case confidential.")
    if data.get("subject_ref"):
        # Whoever could set it could learn from the suggestion whether a household has other cases.
        require(principal, "personal.read", place, "Only area staff record who a case is about.")
    with session.no_autoflush:
        case = Case(
            title=data["title"],
            description=data["description"],
            # Ids as well as objects: the case is looked at (similar reports) before it is written.
            category=category,
            ward=ward,
            area=ward.area,
            category_id=category.id,
            ward_id=ward.id,
            area_id=ward.area_id,
            address=data.get("address"),
            postcode=_postcode(data.get("postcode")),
            latitude=data.get("latitude"),
            longitude=data.get("longitude"),
            subject_ref=similarity.subject_ref(data.get("subject_ref")),
            # Councillors and partners are the source of what they raise, whatever they send.
            source=SOURCE_BY_ROLE.get(principal.role) or data.get("source") or "staff",
            raised_by_id=principal.user_id,
            state=lifecycle.State.NEW.value,
            confidential=bool(data.get("confidential")),
            agencies_needed=data.get("agencies_needed") or 1,
            created_at=now,
            updated_at=now,
        )
        case.risk_flags = data.get("risk_flags", [])
        reporter = data.get("reporter") or {}
        if reporter.get("consent"):
            case.reporter_name, case.reporter_email = reporter.get("name"), reporter.get("email")
            case.reporter_phone, case.reporter_consent = reporter.get("phone"), True
        similar = suggestions.before_raising(session, case, now, policy)
        case_clocks = clocks.prepared(session, policy, now)
        # The area's counter is locked from here to the commit, so every concurrent raiser in the area
        # waits on it: it is taken after the reads, just before the case and its rows are written.
        case.reference = next_reference(session, ward.area, now.year)
        session.add(case)
        session.flush()
        linked = suggestions.link_raised(session, case, similar, now, policy)
        audit.record(
            session,
            principal,
            "case.created",
            "case",
            case.id,
            now=now,
            case_id=case.id,
            after={**case_snapshot(case), "similar_case_ids": linked, **_subject_audit(None, case.subject_ref)},
        )
        clocks.start_for_new_case(session, case, now=now, policy=policy, clocks=case_clocks)
    return case


def update_case(
    session: Session, principal: Principal, key: str | int, data: dict, *, if_match: str, now: datetime, policy: Policy
) -> Case:
    """Change details, or close the case (resolved, closed, withdrawn) with a reason."""
    case = get_case_to_change(session, principal, key)
    if not if_match_allows(if_match, "case", case.id, case.version):
        raise PreconditionFailed("The case has changed since you read it; fetch it again.")
    # One flush at the end: every flush of a changed case moves its version.
    with session.no_autoflush:
        before = case_snapshot(case)
        details = {k: v for k, v in data.items() if k not in ("state", "reason")}
        if details and not lifecycle.edits_allowed(case.state):
            raise Conflict(f"The case is {case.state}; reopen it before changing its details.")
        # The cases that depend on its facts as they were (docs/levels.md, "Suggestions are kept current").
        affected = (
            suggestions.affected_by(session, case, now, policy)
            if suggestions.OTHERS_DEPEND_ON & details.keys()
            else set()
        )
        old_subject = case.subject_ref
        _apply_details(session, principal, case, details)
        if FACT_FIELDS & details.keys():
            suggestions.refresh(session, case, now, policy)
        reason = None
        if "state" in data:
            reason = _close(session, principal, case, data["state"], data.get("reason"), now=now, policy=policy)
        changed_before, changed_after = audit.changes(before, case_snapshot(case))
        changed_after.update(_subject_audit(old_subject, case.subject_ref))
        if not changed_after:
            return case
        case.updated_at = now
        action = "case.updated"
        if "state" in changed_after:
            changed_after["reason"] = reason
            action = "case.closed"
        audit.record(
            session,
            principal,
            action,
            "case",
            case.id,
            now=now,
            case_id=case.id,
            before=changed_before,
            after=changed_after,
        )
        session.flush()
        if suggestions.OTHERS_DEPEND_ON & details.keys():
            suggestions.on_facts_changed(session, case, affected, now, policy)
        elif _stops_counting(changed_after):
            suggestions.resuggest(session, suggestions.affected_by(session, case, now, policy), now, policy)
    return case


def _stops_counting(changed: dict) -> bool:
    """Closed as withdrawn: no longer a report of its problem (docs/levels.md, "The same problem")."""
    return changed.get("state") in similarity.NEVER_COUNTED_STATES


def _subject_audit(old: str | None, new: str | None) -> dict:
    """The audit records that the subject reference was set, changed or cleared, never its value:
    councillors read a case's history (docs/levels.md, "Subject references")."""
    change = similarity.subject_change(old, new)
    return {"subject_ref": change} if change else {}


def close_case(
    session: Session, principal: Principal, case: Case, *, state: str, reason: str | None, now: datetime, policy: Policy
) -> Case:
    """Close a case the caller has loaded (resolved, closed or withdrawn) with a reason, audited as
    `case.closed`. Whoever may close it (`case.close`: area staff, and whoever owns it) may, without
    the right to edit it: a review's decision, a level-one job completed (docs/routing.md, "The
    level-one loop")."""
    with session.no_autoflush:
        before = case_snapshot(case)
        reason = _close(session, principal, case, state, reason, now=now, policy=policy)
        case.updated_at = now
        changed_before, changed_after = audit.changes(before, case_snapshot(case))
        audit.record(
            session,
            principal,
            "case.closed",
            "case",
            case.id,
            now=now,
            case_id=case.id,
            before=changed_before,
            after={**changed_after, "reason": reason},
        )
        session.flush()
        if _stops_counting(changed_after):
            suggestions.resuggest(session, suggestions.affected_by(session, case, now, policy), now, policy)
    return case


def _close(
    session: Session, principal: Principal, case: Case, state: str, reason: str | None, *, now: datetime, policy: Policy
) -> str:
    """Closing, whoever asks: the case leaves the review cycle, its active tasks are cancelled and
    its pending reviews are answered by the closing. Returns the reason, trimmed."""
    require(principal, "case.close", case_target(case), "You may not close this case.")
    target = lifecycle.check_close(case.state, state, reason)
    reason = (reason or "").strip()
    case.state, case.closed_at = target.value, now
    review_schedule.schedule(session, case, now, policy)
    cancel_active_tasks(session, principal, case, now=now, reason=f"The case was {target.value}.")
    clocks.case_ended(session, case.id, actor_id=principal.user_id, now=now, policy=policy)
    session.execute(
        update(Review)
        .where(Review.case_id == case.id, Review.state == "pending")
        .values(
            state="decided",
            outcome="close",
            decided_by_id=principal.user_id,
            decided_at=now,
            notes=f"Answered when the case was {target.value}.",
        )
        .execution_options(synchronize_session="fetch")
    )
    return reason


def _apply_details(session: Session, principal: Principal, case: Case, details: dict) -> None:
    for name in DETAIL_FIELDS:
        if name in details:
            setattr(case, name, _postcode(details[name]) if name == "postcode" else details[name])
    if "risk_flags" in details:
        case.risk_flags = details["risk_flags"]
    if "subject_ref" in details:
        require(principal, "personal.read", case_target(case), "Only area staff record who a case is about.")
        case.subject_ref = similarity.subject_ref(details["subject_ref"])
    if "category" in details:
        case.category = category_by_code(session, details["category"])
        case.category_id = case.category.id
    if "barrier_id" in details:
        barrier_id = details["barrier_id"]
        if barrier_id is not None and session.get(Barrier, barrier_id) is None:
            raise ValidationFailed("Unknown barrier.", {"barrier_id": ["No such barrier."]})
        case.barrier_id = barrier_id
    if "ward" in details:
        ward = _ward(session, details["ward"])
        require(
            principal,
            "case.edit",
            Target(area_id=ward.area_id, ward_id=ward.id),
            "You cannot move a case to an area you do not cover.",
        )
        case.ward, case.area, case.ward_id, case.area_id = ward, ward.area, ward.id, ward.area_id
    if (case.latitude is None) != (case.longitude is None):
        raise ValidationFailed(
            "Give both coordinates or neither.",
            {"latitude": ["Needs longitude too."], "longitude": ["Needs latitude too."]},
        )


def _postcode(value: str | None) -> str | None:
    return " ".join(value.upper().split()) if value else value


def _ward(session: Session, code: str) -> Ward:
    ward = session.scalar(select(Ward).options(joinedload(Ward.area)).where(Ward.code == code))
    if ward is None:
        raise ValidationFailed("Unknown ward.", {"ward": [f"Unknown code {code}."]})
    return ward
