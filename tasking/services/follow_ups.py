"""Did the saving happen? Follow-up checks on verified claims, made by the sweep and answered by
finance (docs/money.md, "Follow-up checks").

The sweep makes each check once however often and however many sweeps run at once: the database
keeps (claim, months) unique and the insert skips a check that is already there, as the
notification outbox does with its dedupe keys."""

import logging
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from typing import cast

from sqlalchemy import Table, exists, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, joinedload

from tasking.domain import follow_ups as rules
from tasking.domain.errors import NotFound
from tasking.domain.money import pounds
from tasking.domain.permissions import can, require, roles_with
from tasking.domain.policy import Policy
from tasking.domain.principal import Principal
from tasking.models import Area, AuditEvent, Case, Category, ClaimFollowUp, CostAvoidedClaim, User
from tasking.services import audit, notifications
from tasking.services.access import case_target
from tasking.services.pagination import Page, paginate
from tasking.services.places import where_place
from tasking.services.units import Units

log = logging.getLogger(__name__)
FOLLOW_UPS, AUDIT_EVENTS = (cast(Table, m.__table__) for m in (ClaimFollowUp, AuditEvent))
# Follow-up notes are council finance's business: their audit events are for council staff only.
AUDIENCE = "internal"
_FINANCE_ONLY = "Only a finance officer records whether a verified saving happened."


@dataclass
class FollowUpRun:
    created: int = 0
    notified: int = 0
    batches: int = 0


def _finance_people(session: Session) -> list[tuple[int, str]]:
    """The active users whose role may answer follow-up checks (the follow_up.decide row)."""
    roles = sorted(role.value for role in roles_with("follow_up.decide"))
    return [
        (user_id, email)
        for user_id, email in session.execute(
            select(User.id, User.email).where(User.role.in_(roles), User.active.is_(True)).order_by(User.id)
        )
    ]


def _take_write_lock(session: Session) -> None:
    if session.get_bind().dialect.name != "postgresql":
        # SQLite has one writer at a time: take the write lock before reading, so two sweeps never
        # both read and then both try to write (as the review sweep does).
        session.execute(update(FOLLOW_UPS).where(FOLLOW_UPS.c.id == -1).values(version=1))


def _batch(
    session: Session, *, months: int, verified_before: datetime, now: datetime, size: int, run: FollowUpRun
) -> tuple[int, int]:
    """One batch of verified claims lacking their `months` check: insert the checks (a check another
    sweep made meanwhile is skipped), audit them, and tell finance. Returns (found, created)."""
    _take_write_lock(session)
    found = session.execute(
        select(CostAvoidedClaim.id, CostAvoidedClaim.case_id, CostAvoidedClaim.decided_at, CostAvoidedClaim.net_pence)
        .where(
            CostAvoidedClaim.state == "verified",
            CostAvoidedClaim.decided_at < verified_before,
            ~exists().where(ClaimFollowUp.claim_id == CostAvoidedClaim.id, ClaimFollowUp.months == months),
        )
        .order_by(CostAvoidedClaim.id)
        .limit(size)
    ).all()
    if not found:
        return 0, 0
    claims = {row.id: row for row in found}
    insert = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
    created = session.execute(
        insert(ClaimFollowUp)
        .values(
            [
                {
                    "claim_id": row.id,
                    "months": months,
                    "due_on": rules.due_on(row.decided_at.astimezone(timezone.utc).date(), months),
                    "state": "pending",
                    "created_at": now,
                    "version": 1,
                }
                for row in found
            ]
        )
        .on_conflict_do_nothing(index_elements=["claim_id", "months"])
        .returning(ClaimFollowUp.id, ClaimFollowUp.claim_id, ClaimFollowUp.due_on)
    ).all()
    if not created:
        return len(found), 0
    session.execute(
        AUDIT_EVENTS.insert(),
        [
            {
                "at": now,
                "actor_id": None,
                "action": "follow_up.created",
                "object_type": "claim_follow_up",
                "object_id": str(follow_up_id),
                "case_id": claims[claim_id].case_id,
                "audience": AUDIENCE,
                "before": None,
                "after": {"claim_id": claim_id, "months": months, "due_on": due.isoformat(), "state": "pending"},
            }
            for follow_up_id, claim_id, due in created
        ],
    )
    places = {
        case_id: (reference, area)
        for case_id, reference, area in session.execute(
            select(Case.id, Case.reference, Area.name)
            .join(Area, Area.id == Case.area_id)
            .where(Case.id.in_({claims[claim_id].case_id for _id, claim_id, _due in created}))
        )
    }
    messages = []
    for person in _finance_people(session):
        for follow_up_id, claim_id, due in created:
            claim = claims[claim_id]
            reference, area = places[claim.case_id]
            messages.append(
                notifications.message(
                    "follow_up_due",
                    f"follow_up_due:{follow_up_id}:{person[0]}",
                    person,
                    f"Follow-up due: claim {claim_id} on {reference}, {months} months on"[:200],
                    f"Claim {claim_id} on case {reference} ({area}) was verified on "
                    f"{claim.decided_at:%-d %B %Y} with {pounds(claim.net_pence)} net cost avoided. "
                    f"Its {months}-month follow-up check is due on {due:%-d %B %Y}: record whether the "
                    f"saving happened (POST /api/v1/follow-ups/{follow_up_id}/outcome).",
                    claim.case_id,
                    now,
                )
            )
    notifications.queue(session, messages)
    run.notified += len(messages)
    return len(found), len(created)


def create_due(session: Session, *, units: Units, now: datetime, policy: Policy) -> FollowUpRun:
    """Make every follow-up check that has fallen due by today (UTC), in batches of the sweep's
    size, each its own unit of work (opened by `units`, which the delivery layer supplies)."""
    run = FollowUpRun()
    size = policy.sweep_batch_size
    for months in rules.FOLLOW_UP_MONTHS:
        last_day = rules.last_verified_day_due(now.astimezone(timezone.utc).date(), months)
        verified_before = datetime.combine(last_day + timedelta(days=1), time.min, tzinfo=timezone.utc)
        while True:
            with units():
                found, created = _batch(
                    session, months=months, verified_before=verified_before, now=now, size=size, run=run
                )
            run.created += created
            run.batches += 1 if found else 0
            # A batch whose checks another sweep made first is that sweep's to finish.
            if found < size or created == 0:
                break
    if run.created:
        log.info("follow-ups: %d checks made, %d messages queued", run.created, run.notified)
    return run


# Finance's list and decisions


@dataclass
class FollowUpFilters:
    state: str | None = "pending"
    due_before: date | None = None
    area: str | None = None


def _shown(follow_up: ClaimFollowUp, case: Case, category_code: str) -> dict:
    """What finance sees of a check: the claim's figures and the case's reference, area, level and
    category; never the case's description, address, notes or resident."""
    claim = follow_up.claim
    return {
        "id": follow_up.id,
        "claim_id": follow_up.claim_id,
        "months": follow_up.months,
        "due_on": follow_up.due_on,
        "state": follow_up.state,
        "notes": follow_up.notes,
        "decided_by_id": follow_up.decided_by_id,
        "decided_at": follow_up.decided_at,
        "created_at": follow_up.created_at,
        "version": follow_up.version,
        "claim": {
            "id": claim.id,
            "state": claim.state,
            "verified_at": claim.decided_at,
            "gross_pence": claim.gross_pence,
            "adjusted_pence": claim.adjusted_pence,
            "net_pence": claim.net_pence,
        },
        "case": {
            "reference": case.reference,
            "area": {"code": case.area.code, "name": case.area.name},
            "level": case.level,
            "category": category_code,
        },
    }


def _cases_of(session: Session, follow_ups: list[ClaimFollowUp]) -> dict[int, tuple[Case, str]]:
    ids = {f.claim.case_id for f in follow_ups}
    return {
        case.id: (case, code)
        for case, code in session.execute(
            select(Case, Category.code)
            .join(Category, Category.id == Case.category_id)
            .options(joinedload(Case.area))
            .where(Case.id.in_(ids))
        )
    }


def list_follow_ups(
    session: Session, principal: Principal, filters: FollowUpFilters, *, cursor: str | None, size: int
) -> Page:
    """Follow-up checks, earliest due first (pending ones by default)."""
    require(principal, "follow_up.decide", message=_FINANCE_ONLY)
    stmt = (
        select(ClaimFollowUp)
        .join(CostAvoidedClaim, CostAvoidedClaim.id == ClaimFollowUp.claim_id)
        .join(Case, Case.id == CostAvoidedClaim.case_id)
        .options(joinedload(ClaimFollowUp.claim))
    )
    stmt = where_place(session, principal, stmt, area=filters.area, ward=None, category=None)
    if filters.state:
        stmt = stmt.where(ClaimFollowUp.state == filters.state)
    if filters.due_before:
        stmt = stmt.where(ClaimFollowUp.due_on < filters.due_before)
    page = paginate(session, stmt, [(ClaimFollowUp.due_on, False), (ClaimFollowUp.id, False)], cursor=cursor, size=size)
    cases = _cases_of(session, page.items)
    page.items = [_shown(f, *cases[f.claim.case_id]) for f in page.items]
    return page


def _snapshot(follow_up: ClaimFollowUp) -> dict:
    return {
        "claim_id": follow_up.claim_id,
        "months": follow_up.months,
        "state": follow_up.state,
        "notes": follow_up.notes,
    }


def record_outcome(
    session: Session, principal: Principal, follow_up_id: int, *, outcome: str, notes: str | None, now: datetime
) -> dict:
    """Finance says whether the saving happened: confirmed, or not confirmed with the reason. An
    answered check is final (409)."""
    require(principal, "follow_up.decide", message=_FINANCE_ONLY)
    stmt = (
        select(ClaimFollowUp)
        .options(joinedload(ClaimFollowUp.claim))
        .where(ClaimFollowUp.id == follow_up_id)
        .execution_options(populate_existing=True)
    )
    if session.get_bind().dialect.name == "postgresql":
        # Two officers answering at once: the second waits, then finds the check answered (409).
        stmt = stmt.with_for_update(of=ClaimFollowUp)
    follow_up = session.scalar(stmt)
    if follow_up is None:
        raise NotFound("No such follow-up check.")
    case, category_code = _cases_of(session, [follow_up])[follow_up.claim.case_id]
    if not can(principal, "follow_up.decide", case_target(case)):
        raise NotFound("No such follow-up check.")
    rules.check_outcome(follow_up.state, outcome, notes)
    before = _snapshot(follow_up)
    follow_up.state = outcome
    follow_up.notes = (notes or "").strip() or None
    follow_up.decided_by_id, follow_up.decided_at = principal.user_id, now
    session.flush()
    audit.record(
        session,
        principal,
        f"follow_up.{outcome}",
        "claim_follow_up",
        follow_up.id,
        now=now,
        case_id=case.id,
        before=before,
        after=_snapshot(follow_up),
        audience=AUDIENCE,
    )
    session.flush()
    return _shown(follow_up, case, category_code)
