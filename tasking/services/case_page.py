"""The staff console's case page as one read model, in a fixed, small number of statements whatever
the case carries (issue 22, B9): the case with what it refers to; one statement of its small lists
(each a JSON array, so a list costs a subquery, not a round trip); the reports of the same problem
its suggestion counts; its timeline with who did each thing; and its running clocks.

The permission checks are those of the services the page used to call one by one (classification,
budget, claims, reviews, history, case work, waits): this module only reads what they would have."""

import json
from dataclasses import dataclass
from datetime import date, datetime, timezone
from functools import lru_cache
from types import SimpleNamespace
from typing import Any

from sqlalchemy import CompoundSelect, Integer, Select, bindparam, func, literal_column, or_, select, union_all
from sqlalchemy.orm import Session, joinedload

from tasking.domain import budget as budget_rules
from tasking.domain.classification import Suggestion, suggest
from tasking.domain.errors import NotFound
from tasking.domain.money import financial_year
from tasking.domain.permissions import Target, can, require
from tasking.domain.policy import Policy
from tasking.domain.principal import Principal
from tasking.domain.references import id_from_key
from tasking.domain.similarity import months_before
from tasking.domain.visibility import note_audiences
from tasking.models import (
    Area,
    AuditEvent,
    BudgetAllocation,
    Case,
    CaseLink,
    CaseWait,
    Clock,
    CostAvoidedClaim,
    LevelChange,
    LocalHoliday,
    Organisation,
    Review,
    Spend,
    Task,
    User,
)
from tasking.models.types import UTCDateTime
from tasking.services.access import case_scope, case_target
from tasking.services.calendar import calendar_with
from tasking.services.plans import reuse_plans
from tasking.services.suggestions import REOPENED, facts_for, similar_case_ids
from tasking.services.waits import ClockView, clock_views

# The values `_lists` binds when it runs.
CASE_ID = bindparam("case_id", type_=Integer)
AREA_ID = bindparam("area_id", type_=Integer)
BARRIER_ID = bindparam("barrier_id", type_=Integer)
DUPLICATE_OF_ID = bindparam("duplicate_of_id", type_=Integer)
YEAR = bindparam("year", type_=Integer)
START = bindparam("start", type_=UTCDateTime)
NOW = bindparam("now", type_=UTCDateTime)

# The newest events the timeline shows; older ones are in the case's history through the API.
TIMELINE_SIZE = 200


# One row of a list the page shows, its fields as attributes.
Row = SimpleNamespace


@dataclass(frozen=True)
class Classification:
    suggestion: Suggestion
    history: list[Any]  # level changes, oldest first
    similar: list[Any]  # the visible similar cases, newest first


@dataclass(frozen=True)
class Deadlines:
    wait: Any  # the open wait, or None
    running: list[ClockView]


@dataclass(frozen=True)
class Ledger:
    """The area's quick-win budget for the financial year, as the case page shows it."""

    area: Area
    year: int
    allocation_pence: int
    spent_pence: int

    @property
    def remaining_pence(self) -> int:
        return budget_rules.remaining(self.allocation_pence, self.spent_pence)


@dataclass(frozen=True)
class TimelineEvents:
    events: list[AuditEvent]
    actors: dict[int, Any]  # by user id: name, role and organisation (a partner is shown as it)
    organisations: dict[int | str, Any]  # by id and by code
    more: bool


@dataclass(frozen=True)
class CasePage:
    case: Case
    view: Classification
    original: Any
    repeats: list[Any]
    reporter: dict | None  # None when the reader may not see the resident's details
    tasks: list[Any]
    ledger: Ledger
    spends: list[Any]  # this case's spend in the ledger's year
    claims: list[Any]
    reviews: list[Any]
    timeline: TimelineEvents
    deadlines: Deadlines

    @property
    def waiting(self) -> bool:
        return self.deadlines.wait is not None


def _python_type(kind) -> type | None:
    try:
        return kind.python_type
    except NotImplementedError:
        return None


def _parse(kind: type | None, value):
    """A value read back from JSON as its column's Python type: JSON has no times, dates or (on
    SQLite) booleans."""
    if value is None:
        return None
    if kind is datetime:
        moment = datetime.fromisoformat(value) if isinstance(value, str) else value
        return moment.replace(tzinfo=timezone.utc) if moment.tzinfo is None else moment.astimezone(timezone.utc)
    if kind is date:
        return date.fromisoformat(value[:10]) if isinstance(value, str) else value
    if kind is bool:
        return bool(value)
    return value


class _Lists:
    """Several small lists in one statement: each select becomes a JSON array of objects (json_agg on
    PostgreSQL, json_group_array on SQLite), read back with its columns' Python types."""

    def __init__(self, postgres: bool) -> None:
        self.postgres = postgres
        self.columns: dict[str, Any] = {}
        self.types: dict[str, dict[str, Any]] = {}

    def add(self, name: str, stmt: Select | CompoundSelect) -> None:
        rows = stmt.subquery()
        # The keys are this module's column labels, written into the SQL as constants: PostgreSQL
        # cannot type a bound parameter passed to json_build_object.
        pairs = [part for column in rows.c for part in (literal_column(f"'{column.key}'"), column)]
        if self.postgres:
            array = func.json_agg(func.json_build_object(*pairs))
        else:
            array = func.json_group_array(func.json_object(*pairs))
        self.columns[name] = select(array).select_from(rows).scalar_subquery().label(name)
        self.types[name] = {column.key: _python_type(column.type) for column in rows.c}

    def scalar(self, name: str, stmt: Select) -> None:
        self.columns[name] = stmt.scalar_subquery().label(name)

    def read(self, session: Session, values: dict[str, Any]) -> dict[str, Any]:
        if not hasattr(self, "statement"):
            self.statement = select(*self.columns.values())
        found = session.execute(self.statement, values).one()._mapping
        out: dict[str, Any] = {}
        for name in self.columns:
            value = found[name]
            if name not in self.types:
                out[name] = value
                continue
            rows = json.loads(value) if isinstance(value, str) else (value or [])
            types = self.types[name]
            out[name] = [Row(**{k: _parse(types[k], v) for k, v in row.items()}) for row in rows]
        return out


# The case with everything its facts name, in one statement. Built once: its loader options made it
# the dearest statement on the page to build.
_CASE = select(Case).options(
    joinedload(Case.category),
    joinedload(Case.ward),
    joinedload(Case.area),
    joinedload(Case.owner_organisation),
    joinedload(Case.lead_organisation),
    # The page shows only the owner's name: not the 18 columns of a user (psycopg describes every
    # column of every result, and the user's secrets have no business in this one).
    joinedload(Case.owner_user).load_only(User.id, User.name),
    joinedload(Case.barrier),
)


def _case(session: Session, principal: Principal, reference: str) -> Case:
    stmt = _CASE
    case_id = id_from_key(str(reference))
    stmt = stmt.where(Case.id == case_id) if case_id is not None else stmt.where(Case.reference == reference.upper())
    case = session.scalar(stmt.where(case_scope(principal)))
    if case is None:
        raise NotFound("No such case.")
    return case


def _visible_linked(principal: Principal, with_duplicate: bool) -> Select | CompoundSelect:
    """The cases the page links to that the reader may see, each with how: "similar", "duplicate" (a
    duplicate link either way) or "original" (the case this one repeats). Marking a duplicate links
    the two cases both ways (case_actions.mark_duplicate), so every link is found through the
    case's own links (primary key) and never by scanning cases for duplicate_of_id."""
    columns = (Case.id, Case.reference, Case.title, Case.state, Case.created_at, Case.duplicate_of_id)
    linked = (
        select(*columns, CaseLink.kind.label("link"))
        .join(CaseLink, CaseLink.other_case_id == Case.id)
        .where(CaseLink.case_id == CASE_ID, case_scope(principal))
    )
    if not with_duplicate:
        return linked
    repeated: Select = select(*columns, literal_column("'original'").label("link")).where(
        Case.id == DUPLICATE_OF_ID, case_scope(principal)
    )
    return union_all(linked, repeated)


def _timeline(session: Session, principal: Principal, case: Case, organisations) -> TimelineEvents:
    """The events the reader's audience may see, newest first, each with its actor and the actor's
    organisation in the same statement."""
    rows = session.execute(
        select(AuditEvent, User.name, User.role, Organisation.name)
        .outerjoin(User, User.id == AuditEvent.actor_id)
        .outerjoin(Organisation, Organisation.id == User.organisation_id)
        .where(
            AuditEvent.case_id == case.id,
            or_(AuditEvent.audience.is_(None), AuditEvent.audience.in_(note_audiences(principal.role))),
        )
        .order_by(AuditEvent.id.desc())
        .limit(TIMELINE_SIZE + 1)
    ).all()
    actors = {
        event.actor_id: SimpleNamespace(
            name=name, role=role, organisation=SimpleNamespace(name=org) if org is not None else None
        )
        for event, name, role, org in rows
        if event.actor_id is not None
    }
    named: dict[int | str, Any] = {}
    for organisation in organisations:
        named[organisation.id] = named[organisation.code] = organisation
    return TimelineEvents([row[0] for row in rows[:TIMELINE_SIZE]], actors, named, more=len(rows) > TIMELINE_SIZE)


@lru_cache(maxsize=256)
def _lists(postgres: bool, principal: Principal, with_barrier: bool, with_duplicate: bool) -> "_Lists":
    """The page's lists statement for a reader and a shape of case, built once: building it costs more
    than running it. The case's values are bound when it runs (`_bound`)."""
    lists = _Lists(postgres)
    lists.add(
        "tasks",
        select(
            Task.id,
            Task.role,
            Task.state,
            Task.due_at,
            Task.decline_reason,
            Task.outcome,
            Organisation.name.label("organisation_name"),
        )
        .outerjoin(Organisation, Organisation.id == Task.organisation_id)
        .where(Task.case_id == CASE_ID),
    )
    lists.add(
        "levels",
        select(
            LevelChange.id,
            LevelChange.decided_at,
            LevelChange.from_level,
            LevelChange.to_level,
            LevelChange.suggested_level,
            LevelChange.reason,
        ).where(LevelChange.case_id == CASE_ID),
    )
    lists.add(
        "claims",
        select(
            CostAvoidedClaim.id,
            CostAvoidedClaim.state,
            CostAvoidedClaim.created_at,
            CostAvoidedClaim.net_pence,
            CostAvoidedClaim.gross_pence,
            CostAvoidedClaim.quick_win_pence,
            CostAvoidedClaim.other_costs_pence,
            CostAvoidedClaim.decision_reason,
        ).where(CostAvoidedClaim.case_id == CASE_ID),
    )
    lists.add(
        "reviews",
        select(Review.id, Review.sequence, Review.due_at, Review.outcome, Review.overdue).where(
            Review.case_id == CASE_ID
        ),
    )
    lists.add(
        "spends",
        select(Spend.id, Spend.spent_on, Spend.amount_pence, Spend.description).where(
            Spend.case_id == CASE_ID, Spend.area_id == AREA_ID, Spend.year == YEAR
        ),
    )
    lists.add(
        "waits",
        select(CaseWait.id, CaseWait.waiting_on, CaseWait.reason, CaseWait.started_at).where(
            CaseWait.case_id == CASE_ID, CaseWait.ended_at.is_(None)
        ),
    )
    lists.add("linked", _visible_linked(principal, with_duplicate))
    lists.add("organisations", select(Organisation.id, Organisation.code, Organisation.name))
    lists.add("holidays", select(LocalHoliday.day))
    lists.scalar(
        "recurrences",
        select(func.count())
        .select_from(AuditEvent)
        .where(
            AuditEvent.case_id == CASE_ID,
            AuditEvent.action == REOPENED,
            AuditEvent.at >= START,
            AuditEvent.at <= NOW,
        ),
    )
    if with_barrier:
        lists.scalar(
            "barrier_other_areas",
            select(func.count(Case.area_id.distinct())).where(
                Case.barrier_id == BARRIER_ID, Case.id != CASE_ID, Case.area_id != AREA_ID
            ),
        )
    lists.scalar(
        "allocation",
        select(BudgetAllocation.amount_pence).where(BudgetAllocation.area_id == AREA_ID, BudgetAllocation.year == YEAR),
    )
    lists.scalar(
        "spent",
        select(func.coalesce(func.sum(Spend.amount_pence), 0)).where(Spend.area_id == AREA_ID, Spend.year == YEAR),
    )
    return lists


def case_page(session: Session, principal: Principal, reference: str, *, now: datetime, policy: Policy) -> CasePage:
    """Everything the case page shows, for a reader with the console: 404 when they may not see
    the case, 403 when their role may not see a part of it that every console role sees."""
    for action, refused in (
        ("level.read", "Your role cannot see classifications."),
        ("budget.read", "Your role cannot see quick-win budgets."),
        ("claim.read", "Your role cannot see cost-avoided claims."),
    ):
        require(principal, action, message=refused)
    # Its statements look cases up by key: the plans made once serve every case (services/plans.py);
    # planning the case's nine-table join afresh cost more than running it.
    reuse_plans(session)
    case = _case(session, principal, reference)
    target = case_target(case)
    # As the budget and claims services decide: the area's budget, the case's claims.
    if not can(principal, "budget.read", Target(area_id=case.area_id)) or not can(principal, "claim.read", target):
        raise NotFound("No such case.")
    year = financial_year(now.date())
    window_start = months_before(now, policy.similar_window_months)

    lists = _lists(
        session.get_bind().dialect.name == "postgresql",
        principal,
        case.barrier_id is not None,
        case.duplicate_of_id is not None,
    )
    found = lists.read(
        session,
        {
            "case_id": case.id,
            "area_id": case.area_id,
            "barrier_id": case.barrier_id,
            "duplicate_of_id": case.duplicate_of_id,
            "year": year,
            "start": window_start,
            "now": now,
        },
    )

    similar_ids = similar_case_ids(session, case, now, policy)
    facts = facts_for(
        session,
        case,
        now,
        policy,
        similar_ids,
        known_recurrences=int(found["recurrences"] or 0),
        known_barrier_areas=int(found.get("barrier_other_areas") or 0) + 1,
    )
    linked = sorted(found["linked"], key=lambda c: (c.created_at, c.id))
    view = Classification(
        suggestion=suggest(facts, policy.thresholds),
        history=sorted(found["levels"], key=lambda c: c.id),
        similar=[c for c in reversed(linked) if c.link == "similar"],
    )
    original = next((c for c in linked if c.link == "original"), None)
    repeats = [c for c in linked if c.link == "duplicate" and c.duplicate_of_id == case.id]

    running = session.scalars(
        select(Clock)
        .options(joinedload(Clock.organisation))
        .where(Clock.case_id == case.id, Clock.stopped_at.is_(None))
        .order_by(Clock.due_at, Clock.id)
    ).all()
    calendar = calendar_with([h.day for h in found["holidays"]], policy)
    waits = sorted(found["waits"], key=lambda w: w.id)

    reporter = None
    if can(principal, "personal.read", target):
        reporter = {
            "name": case.reporter_name,
            "email": case.reporter_email,
            "phone": case.reporter_phone,
            "consent": case.reporter_consent,
            "subject_ref": case.subject_ref,
        }
    allocation = found["allocation"]
    return CasePage(
        case=case,
        view=view,
        original=original,
        repeats=repeats,
        reporter=reporter,
        tasks=sorted(found["tasks"], key=lambda t: t.id),
        ledger=Ledger(
            case.area,
            year,
            policy.quick_win_allocation_pence if allocation is None else int(allocation),
            int(found["spent"] or 0),
        ),
        spends=sorted(found["spends"], key=lambda s: (s.spent_on, s.id)),
        claims=sorted(found["claims"], key=lambda c: c.id),
        reviews=sorted(found["reviews"], key=lambda r: r.sequence, reverse=True),
        timeline=_timeline(session, principal, case, found["organisations"]),
        deadlines=Deadlines(
            waits[0] if waits else None, clock_views(session, running, now=now, policy=policy, calendar=calendar)
        ),
    )
