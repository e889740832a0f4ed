"""Gathering a case's facts, finding reports of the same problem, and keeping the stored suggested
level current (docs/levels.md, "The same problem" and "Suggestions are kept current")."""

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import and_, bindparam, func, or_, select
from sqlalchemy.orm import Session, joinedload

from tasking.domain.classification import Facts, Suggestion, suggest
from tasking.domain.lifecycle import OPEN_STATES
from tasking.domain.policy import Policy
from tasking.domain.similarity import (
    NEVER_COUNTED_STATES,
    PERSON,
    Report,
    bounding_box,
    counts_as_another_report,
    months_before,
    normal_address,
    normal_postcode,
    normal_subject,
    radius_for,
)
from tasking.models import AuditEvent, Barrier, Case, CaseLink
from tasking.models.address_keys import address_key, unusual_address
from tasking.services import review_schedule

# The audit action of a reopening: each one in the window is a recurrence of the case's problem.
REOPENED = "case.reopened"
# The fields of a case that other cases' suggestions depend on: what makes it the same problem as
# theirs, and the barrier (whose area count is theirs too). Its risk flags, agencies and the like
# change only its own suggestion.
OTHERS_DEPEND_ON = frozenset(
    {"category", "ward", "latitude", "longitude", "postcode", "address", "subject_ref", "barrier_id"}
)
_OPEN = [state.value for state in OPEN_STATES]
_CHUNK = 500


def _report(row) -> Report:
    return Report(
        row.category_id,
        row.ward_id,
        row.created_at,
        row.latitude,
        row.longitude,
        postcode=row.postcode,
        address=row.address,
        subject_ref=row.subject_ref,
        id=row.id,
        state=row.state,
        duplicate_of_id=row.duplicate_of_id,
    )


def _candidates(case: Case, basis: str, radius_m: float, dialect: str):
    """The indexed pre-filter for reports that may be of the same problem as `case`, or None when
    nothing could be: the same subject (ix_cases_subject); a box around its coordinates
    (ix_cases_category_coords); its postcode (ix_cases_postcode); its address as compared in its
    ward (ix_cases_address_key), with the few addresses SQL cannot compare (ix_cases_unusual_address).
    Each reads only what is near the case, however large the table. The domain rule then decides
    each candidate."""
    if basis == PERSON:
        subject = normal_subject(case.subject_ref)
        return Case.subject_ref == subject if subject else None
    postcode = normal_postcode(case.postcode)
    found = []
    located = case.latitude is not None and case.longitude is not None
    if case.latitude is not None and case.longitude is not None:
        south, north, west, east = bounding_box(case.latitude, case.longitude, radius_m)
        found.append(and_(Case.latitude.between(south, north), Case.longitude.between(west, east)))
    # Postcode and address decide only between reports that are not both located.
    unlocated = [Case.latitude.is_(None)] if located else []
    if postcode:
        found.append(and_(Case.postcode == postcode, *unlocated))
    address = normal_address(case.address)
    if address:
        no_postcode = [Case.postcode.is_(None)] if postcode else []
        for same_address in (address_key() == bindparam("address_key", address), unusual_address(dialect)):
            found.append(and_(Case.ward_id == case.ward_id, same_address, *unlocated, *no_postcode))
    return or_(*found) if found else None


def similar_case_ids(session: Session, case: Case, now: datetime, policy: Policy) -> list[int]:
    """Other reports of the same problem raised in the window before `now`, newest first. Duplicates,
    withdrawn reports and the other half of the same incident are never among them."""
    category = case.category
    radius = radius_for(category.similar_radius_m, policy.similar_radius_m)
    candidates = _candidates(case, category.similarity, radius, session.get_bind().dialect.name)
    if candidates is None:
        return []
    start = months_before(now, policy.similar_window_months)
    stmt = (
        select(
            Case.id,
            Case.category_id,
            Case.ward_id,
            Case.created_at,
            Case.latitude,
            Case.longitude,
            Case.postcode,
            Case.address,
            Case.subject_ref,
            Case.state,
            Case.duplicate_of_id,
        )
        .where(
            Case.category_id == case.category_id,
            Case.created_at >= start,
            Case.created_at <= now,
            Case.state.not_in(sorted(NEVER_COUNTED_STATES)),
            candidates,
        )
        .order_by(Case.created_at.desc(), Case.id.desc())
    )
    if case.id is not None:
        stmt = stmt.where(Case.id != case.id)
    this = _report(case)
    return [
        row.id
        for row in session.execute(stmt)
        if counts_as_another_report(this, _report(row), basis=category.similarity, radius_m=radius)
    ]


def recurrences(session: Session, case: Case, now: datetime, policy: Policy) -> int:
    """How many times the case was reopened in the window. A reopening recorded in this unit of work
    and not yet written counts too: the reopening's own suggestion is worked out before it is."""
    if case.id is None:
        return 0
    start = months_before(now, policy.similar_window_months)
    written = session.scalar(
        select(func.count())
        .select_from(AuditEvent)
        .where(
            AuditEvent.case_id == case.id,
            AuditEvent.action == REOPENED,
            AuditEvent.at >= start,
            AuditEvent.at <= now,
        )
    )
    pending = sum(
        1
        for item in session.new
        if isinstance(item, AuditEvent)
        and item.case_id == case.id
        and item.action == REOPENED
        and start <= item.at <= now
    )
    return (written or 0) + pending


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


def _also_counts(case: Case, raising: Case | None, now: datetime, policy: Policy) -> bool:
    """Whether a case being raised and not yet written is one more report of `case`'s problem: what
    its similar-case search will find once the new case is written."""
    if raising is None or raising is case:
        return False
    category = case.category
    radius = radius_for(category.similar_radius_m, policy.similar_radius_m)
    in_window = months_before(now, policy.similar_window_months) <= raising.created_at <= now
    return in_window and counts_as_another_report(
        _report(case), _report(raising), basis=category.similarity, radius_m=radius
    )


def facts_for(
    session: Session,
    case: Case,
    now: datetime,
    policy: Policy,
    similar_ids: list[int] | None = None,
    *,
    raising: Case | None = None,
    known_recurrences: int | None = None,
    known_barrier_areas: int | None = None,
) -> Facts:
    """The facts the suggestion is made from. A reader that has already counted the recurrences or
    the barrier's areas in a statement of its own (the case page) passes them in."""
    if similar_ids is None:
        similar_ids = similar_case_ids(session, case, now, policy)
    barrier = session.get(Barrier, case.barrier_id) if case.barrier_id else None
    barrier_areas = 0
    if barrier is not None and known_barrier_areas is not None:
        barrier_areas = known_barrier_areas
    elif barrier is not None:
        # This case's own area counts even before its new barrier is written.
        other_areas = session.scalars(
            select(Case.area_id).distinct().where(Case.barrier_id == barrier.id, Case.id != case.id)
        ).all()
        barrier_areas = len(set(other_areas) | {case.area_id})
    return Facts(
        category_default_level=case.category.default_level,
        agencies_needed=case.agencies_needed or 1,
        risk_flags=frozenset(case.risk_flags),
        similar_recent=len(similar_ids) + _also_counts(case, raising, now, policy),
        recurrences=recurrences(session, case, now, policy) if known_recurrences is None else known_recurrences,
        case_review_category=case.category.case_review,
        barrier_is_borough=bool(barrier and barrier.borough_level),
        barrier_area_count=barrier_areas,
        referred_back=case.referred_back,
        missed_reviews=case.missed_reviews or 0,
    )


def refresh(
    session: Session,
    case: Case,
    now: datetime,
    policy: Policy,
    similar_ids: list[int] | None = None,
    *,
    raising: Case | None = None,
) -> Suggestion:
    """Work out the suggestion from today's facts and store it on the case; `raising`, a case being
    raised and not yet written, counts as one of its reports when it is one."""
    suggestion = suggest(facts_for(session, case, now, policy, similar_ids, raising=raising), policy.thresholds)
    case.suggested_level = suggestion.level
    case.suggestion_reasons = [r.as_dict() for r in suggestion.reasons]
    if suggestion.case_review_threshold_met:
        case.case_review_flag = True
    return suggestion


def affected_by(
    session: Session, case: Case, now: datetime, policy: Policy, similar_ids: list[int] | None = None
) -> set[int]:
    """The other cases whose suggestion depends on this one's facts as they stand: the reports of the
    same problem, and the open cases that record the same barrier."""
    ids = set(similar_case_ids(session, case, now, policy) if similar_ids is None else similar_ids)
    if case.barrier_id is not None:
        ids.update(
            session.scalars(
                select(Case.id).where(Case.barrier_id == case.barrier_id, Case.id != case.id, Case.state.in_(_OPEN))
            )
        )
    return ids


def resuggest(session: Session, case_ids: Iterable[int], now: datetime, policy: Policy) -> list[int]:
    """Suggestions are never stale (docs/levels.md, "Suggestions are kept current"): work out again
    the stored suggestion of every open case among `case_ids`, in the caller's transaction. A case
    whose suggestion, reasons or case-review flag changed is marked changed now; the ids of those
    are returned. Closed cases keep the suggestion they had."""
    changed = _resuggest(session, case_ids, now, policy)
    session.flush()
    return changed


def _resuggest(
    session: Session, case_ids: Iterable[int], now: datetime, policy: Policy, *, raising: Case | None = None
) -> list[int]:
    wanted = sorted(set(case_ids))
    changed: list[int] = []
    for start in range(0, len(wanted), _CHUNK):
        chunk = wanted[start : start + _CHUNK]
        found = session.scalars(
            select(Case)
            .options(joinedload(Case.category))
            .where(Case.id.in_(chunk), Case.state.in_(_OPEN))
            .order_by(Case.id)
        ).all()
        for case in found:
            before = (case.suggested_level, case.suggestion_reasons, case.case_review_flag)
            refresh(session, case, now, policy, raising=raising)
            if (case.suggested_level, case.suggestion_reasons, case.case_review_flag) != before:
                case.updated_at = now
                changed.append(case.id)
    return changed


def on_facts_changed(session: Session, case: Case, before: set[int], now: datetime, policy: Policy) -> list[int]:
    """After a case's facts were changed and written: link it to the newest reports of its problem as
    it now stands (as a case is linked when raised; old links stay), and work out again the
    suggestion of every case that depended on its facts before (`before`, from `affected_by`) or
    does now. Returns the ids newly linked."""
    similar = similar_case_ids(session, case, now, policy)
    linked = link_similar(session, case, similar[: policy.similar_link_limit], now)
    resuggest(session, before | affected_by(session, case, now, policy, similar), now, policy)
    return linked


def before_raising(session: Session, case: Case, now: datetime, policy: Policy) -> list[int]:
    """What raising a case reads, done before the case is numbered or written, so that nothing
    slow happens while its area's counter is held: its similar reports (returned, newest first), its
    suggested level and first review date, and the suggestion of every open one of those reports, in
    which the new one counts (the changes are written with the case)."""
    # Written now, the new case would be counted twice: found by the searches and counted as raising.
    with session.no_autoflush:
        similar = similar_case_ids(session, case, now, policy)
        refresh(session, case, now, policy, similar)
        review_schedule.schedule(session, case, now, policy)
        _resuggest(session, similar, now, policy, raising=case)
    return similar


def link_raised(session: Session, case: Case, similar: list[int], now: datetime, policy: Policy) -> list[int]:
    """Link a case just written (so linked to nothing yet) to the newest of its similar reports, both
    ways. Returns the ids linked."""
    linked = similar[: policy.similar_link_limit]
    for other_id in linked:
        session.add(CaseLink(case_id=case.id, other_case_id=other_id, kind="similar", created_at=now))
        session.add(CaseLink(case_id=other_id, other_case_id=case.id, kind="similar", created_at=now))
    return linked


def on_case_raised(session: Session, case: Case, now: datetime, policy: Policy) -> list[int]:
    """Raising a case already numbered and added to the session (Open311 intake): what
    `before_raising` does, then write it and link it. Returns the ids linked."""
    similar = before_raising(session, case, now, policy)
    session.flush()
    return link_raised(session, case, similar, now, policy)
