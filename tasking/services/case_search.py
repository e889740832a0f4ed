"""The case list: every case the principal may read, filtered, sorted and paged; the same cases as
CSV and as points for the map (docs/console.md, "Cases, the map and my work").

Every query starts from `case_scope`, so a confidential case is listed only to those the
permissions table lets read it, and the resident's details are never selected for the CSV.
"""

import csv
import io
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Select, and_, case, exists, func, or_, select
from sqlalchemy.orm import Session, aliased, joinedload

from tasking.domain import case_search as rules
from tasking.domain.errors import ValidationFailed
from tasking.domain.lifecycle import OPEN_STATES
from tasking.domain.permissions import Target, can, require
from tasking.domain.principal import Principal
from tasking.domain.tasks import ACTIVE_TASK_STATES
from tasking.models import Case, Category, Organisation, ReviewSchedule, Task, User, Ward
from tasking.services.access import case_scope

# The map shows at most this many cases; the page says when there are more.
MAP_LIMIT = 1000
_ONLY_CASE_READERS = "Only those who read cases can list them."


@dataclass(frozen=True)
class Choice:
    code: str
    name: str


@dataclass(frozen=True)
class FilterChoices:
    """What the filter panel offers: only wards the principal covers, every category and owner."""

    wards: list[Choice]
    categories: list[Choice]
    owners: list[Choice]


@dataclass(frozen=True)
class CaseRow:
    case: Case
    overdue: bool

    @property
    def owner(self) -> str:
        return owner_name(self.case)


@dataclass(frozen=True)
class CaseResults:
    rows: list[CaseRow]
    total: int
    page: int
    pages: int


@dataclass(frozen=True)
class MapPoint:
    reference: str
    title: str
    state: str
    level: int | None
    ward: str
    latitude: float
    longitude: float


@dataclass(frozen=True)
class CaseMap:
    points: list[MapPoint]
    total: int  # matching cases, with coordinates or not
    placed: int  # of which have coordinates; more than len(points) when past MAP_LIMIT


def owner_name(case: Case) -> str:
    """Who holds the case, as the list shows it: the owning organisation, else the person."""
    if case.owner_organisation is not None:
        return case.owner_organisation.name
    if case.owner_user is not None:
        return case.owner_user.name
    return "Not yet routed"


def filter_choices(session: Session, principal: Principal) -> FilterChoices:
    require(principal, "case.read", message=_ONLY_CASE_READERS)
    wards = [
        Choice(w.code, w.name)
        for w in session.scalars(select(Ward).order_by(Ward.name))
        if can(principal, "place.filter", Target(area_id=w.area_id, ward_id=w.id))
    ]
    categories = [Choice(c.code, c.name) for c in session.scalars(select(Category).order_by(Category.name))]
    owners = [
        Choice(rules.OWNER_AREA_STAFF, "Area staff (level two)"),
        Choice(rules.OWNER_NONE, "Not yet routed"),
        *(Choice(o.code, o.name) for o in session.scalars(select(Organisation).order_by(Organisation.name))),
    ]
    return FilterChoices(wards=wards, categories=categories, owners=owners)


def search_cases(
    session: Session, principal: Principal, query: rules.CaseQuery, *, now: datetime, size: int = rules.PAGE_SIZE
) -> CaseResults:
    """One page of the matching cases. A page past the last is refused, as an unknown filter is."""
    stmt = _matching(session, principal, query, now)
    total = session.scalar(select(func.count()).select_from(stmt.with_only_columns(Case.id).subquery())) or 0
    pages = rules.page_count(total, size)
    if query.page > pages:
        raise ValidationFailed(
            f"There is no page {query.page}: the list has {pages}.", {"page": [f"Choose a page from 1 to {pages}."]}
        )
    rows = session.execute(_sorted(stmt, query).offset((query.page - 1) * size).limit(size)).all()
    return CaseResults(rows=[CaseRow(c, bool(late)) for c, late in rows], total=total, page=query.page, pages=pages)


def cases_csv(session: Session, principal: Principal, query: rules.CaseQuery, *, now: datetime) -> str:
    """Every matching case in the list's order as CSV (rules.CSV_COLUMNS): no page, no resident."""
    stmt = _sorted(_matching(session, principal, query, now), query)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(rules.CSV_COLUMNS)
    for c, late in session.execute(stmt.execution_options(yield_per=500)):
        writer.writerow(
            [
                c.reference,
                rules.spreadsheet_safe(c.title),
                c.state,
                "" if c.level is None else c.level,
                "" if c.suggested_level is None else c.suggested_level,
                c.area.code,
                c.ward.code,
                c.category.code,
                rules.spreadsheet_safe(owner_name(c)),
                rules.uk_iso(c.created_at),
                rules.uk_iso(c.updated_at),
                rules.uk_iso(c.next_review_at),
                "yes" if late else "no",
            ]
        )
    return out.getvalue()


def case_map(session: Session, principal: Principal, query: rules.CaseQuery, *, now: datetime) -> CaseMap:
    """The matching cases that have coordinates, in the list's order, for the map and its list."""
    stmt = _matching(session, principal, query, now)
    total = session.scalar(select(func.count()).select_from(stmt.with_only_columns(Case.id).subquery())) or 0
    placed_stmt = stmt.where(Case.latitude.is_not(None), Case.longitude.is_not(None))
    placed = session.scalar(select(func.count()).select_from(placed_stmt.with_only_columns(Case.id).subquery())) or 0
    points = [
        MapPoint(c.reference, c.title, c.state, c.level, c.ward.name, c.latitude, c.longitude)
        for c, _late in session.execute(_sorted(placed_stmt, query).limit(MAP_LIMIT))
        if c.latitude is not None and c.longitude is not None
    ]
    return CaseMap(points=points, total=total, placed=placed)


def _overdue(now: datetime):
    """An open case whose next review date has passed, whose review is recorded as overdue, or with
    a task offered, accepted or in progress past its due date."""
    late_task = exists().where(Task.case_id == Case.id, Task.state.in_(ACTIVE_TASK_STATES), Task.due_at < now)
    late_review = exists().where(
        ReviewSchedule.case_id == Case.id,
        or_(ReviewSchedule.next_review_at < now, ReviewSchedule.overdue.is_(True)),
    )
    return and_(Case.state.in_(OPEN_STATES), or_(late_review, late_task))


def _code_or_refuse(session: Session, model, code: str, field: str, what: str) -> int:
    found = session.scalar(select(model.id).where(model.code == code))
    if found is None:
        raise ValidationFailed(f"Choose {what} from the list.", field=field)
    return found


def _matching(session: Session, principal: Principal, query: rules.CaseQuery, now: datetime) -> Select:
    require(principal, "case.read", message=_ONLY_CASE_READERS)
    late = _overdue(now)
    stmt = (
        select(Case, case((late, True), else_=False).label("late"))
        .options(
            joinedload(Case.ward),
            joinedload(Case.area),
            joinedload(Case.category),
            joinedload(Case.owner_organisation),
            joinedload(Case.owner_user),
        )
        .where(case_scope(principal))
    )
    if query.state:
        stmt = stmt.where(Case.state == query.state)
    if query.level == rules.LEVEL_NONE:
        stmt = stmt.where(Case.level.is_(None))
    elif query.level:
        stmt = stmt.where(Case.level == int(query.level))
    if query.ward:
        # Only the wards the panel offers: one the principal does not cover is not a choice.
        ward = session.scalar(select(Ward).where(Ward.code == query.ward))
        if ward is None or not can(principal, "place.filter", Target(area_id=ward.area_id, ward_id=ward.id)):
            raise ValidationFailed("Choose a ward from the list.", field="ward")
        stmt = stmt.where(Case.ward_id == ward.id)
    if query.category:
        stmt = stmt.where(
            Case.category_id == _code_or_refuse(session, Category, query.category, "category", "a category")
        )
    if query.owner == rules.OWNER_AREA_STAFF:
        stmt = stmt.where(Case.owner_organisation_id.is_(None), Case.owner_user_id.is_not(None))
    elif query.owner == rules.OWNER_NONE:
        stmt = stmt.where(Case.owner_organisation_id.is_(None), Case.owner_user_id.is_(None))
    elif query.owner:
        owner_id = _code_or_refuse(session, Organisation, query.owner, "owner", "an owner")
        stmt = stmt.where(Case.owner_organisation_id == owner_id)
    if query.overdue:
        stmt = stmt.where(late)
    if query.q:
        # LIKE's wildcards in what was typed are searched for as themselves.
        typed = query.q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        pattern = f"%{typed}%"
        stmt = stmt.where(or_(Case.reference.ilike(pattern, escape="\\"), Case.title.ilike(pattern, escape="\\")))
    return stmt


def _sorted(stmt: Select, query: rules.CaseQuery) -> Select:
    """The list in the chosen column's order; empty values last either way, then newest id first so
    that a page boundary is the same on every database."""
    owner_org, owner_user, ward = aliased(Organisation), aliased(User), aliased(Ward)
    schedule = aliased(ReviewSchedule)
    keys = {
        "reference": Case.reference,
        "title": func.lower(Case.title),
        "state": Case.state,
        "level": Case.level,
        "ward": ward.name,
        "owner": func.coalesce(owner_org.name, owner_user.name),
        "raised": Case.created_at,
        "updated": Case.updated_at,
        "next_review": schedule.next_review_at,
    }
    key = keys[query.sort]
    if query.sort == "next_review":
        stmt = stmt.outerjoin(schedule, schedule.case_id == Case.id)
    if query.sort == "ward":
        stmt = stmt.join(ward, ward.id == Case.ward_id)
    if query.sort == "owner":
        stmt = stmt.outerjoin(owner_org, owner_org.id == Case.owner_organisation_id).outerjoin(
            owner_user, owner_user.id == Case.owner_user_id
        )
    direction = key.desc() if query.descending else key.asc()
    return stmt.order_by(case((key.is_(None), 1), else_=0), direction, Case.id.desc())
