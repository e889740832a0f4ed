"""The area manager's triage queue: cases waiting for a person to decide, in the order they should
be decided (docs/levels.md, "The order of the triage queue"), as the API's keyset pages and as the
console's sortable, numbered table; and confirming several suggestions at once."""

import math
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import BindParameter, Integer, Select, bindparam, cast, func, or_, select
from sqlalchemy.orm import Session, joinedload

from tasking.domain.errors import Conflict, TaskingError, ValidationFailed
from tasking.domain.lifecycle import TRIAGE_STATES, awaiting_triage
from tasking.domain.organisations import CASE_SOURCES
from tasking.domain.permissions import require
from tasking.domain.policy import Policy
from tasking.domain.principal import Principal
from tasking.models import Case, Category, Ward
from tasking.services import classification
from tasking.services.access import case_scope
from tasking.services.cases import get_case
from tasking.services.classification import similar_cases
from tasking.services.pagination import Page, paginate
from tasking.services.places import PlaceIds, place_ids, where_place_ids
from tasking.services.report_areas import areas_in_scope

# Case reviews first, then the riskiest, then the highest suggested level, then the oldest: a
# level-one hedge never sits above a level-three case review. Every waiting case has a suggestion
# (intake and every return to the queue refresh it), so the level column is never NULL here.
PRIORITY = [
    # As a number: SQL booleans cannot be compared with "<", which the keyset cursor needs.
    (cast(Case.case_review_flag, Integer).label("case_review_flag"), True),
    (Case.risk_score, True),
    (Case.suggested_level, True),
    (Case.created_at, False),
    (Case.id, False),
]
# The table's sortable columns. "age" ascending is the youngest first, so it sorts created_at the other way.
SORTS = {
    "reference": (Case.reference, False),
    "title": (Case.title, False),
    "ward": (Ward.name, False),
    "category": (Category.name, False),
    "level": (Case.suggested_level, False),
    "risk": (Case.risk_score, False),
    "age": (Case.created_at, True),
}
FLAGS = {
    "case_review": "ASB case review",
    "risk": "Any risk flag",
    "returned": "Returned or referred back",
}
# One request confirms at most a page and a bit: each decision routes the case and writes its audit.
MOST_CONFIRMED = 100


@dataclass(frozen=True)
class TriageFilters:
    area: str | None = None
    ward: str | None = None
    category: str | None = None
    source: str | None = None
    level: int | None = None
    flags: frozenset[str] = field(default_factory=frozenset)


def waiting_reason(case: Case) -> str:
    if case.routing_reason:
        return "unroutable"
    if case.referred_back:
        return "referred"
    return "returned" if case.state == "returned" else "new"


def waiting(session: Session, principal: Principal, filters: TriageFilters, base: Select | None = None) -> Select:
    """`base` (the cases by default) narrowed to the queue the principal may see, filtered."""
    return narrowed(principal, checked_place(session, principal, filters), filters, base)


def checked_place(session: Session, principal: Principal, filters: TriageFilters) -> PlaceIds:
    """The queue's place filters as ids, once the principal and the filters are known to be valid:
    everything `narrowed` needs from the database, so that it can build from values alone."""
    require(principal, "triage.read", message="Only area staff triage cases.")
    place = place_ids(session, principal, area=filters.area, ward=filters.ward, category=filters.category)
    if filters.source and filters.source not in CASE_SOURCES:
        raise ValidationFailed("No such source.", {"source": [f"Choose one of {', '.join(CASE_SOURCES)}."]})
    unknown = set(filters.flags) - FLAGS.keys()
    if unknown:
        raise ValidationFailed("No such flag.", {"flags": [f"Unknown flag {sorted(unknown)[0]}."]})
    return place


def narrowed(principal: Principal, place: PlaceIds, filters: TriageFilters, base: Select | None = None) -> Select:
    """The queue's statement from checked values (checked_place): nothing read, nothing refused."""
    # The states inline, not bound: the planner proves the queue's partial index from the literal.
    states: BindParameter[list[str]] = bindparam(
        "triage_states", sorted(s.value for s in TRIAGE_STATES), expanding=True, literal_execute=True
    )
    stmt = (select(Case) if base is None else base).where(Case.state.in_(states), case_scope(principal))
    stmt = where_place_ids(stmt, place)
    if filters.source:
        stmt = stmt.where(Case.source == filters.source)
    if filters.level is not None:
        stmt = stmt.where(Case.suggested_level == filters.level)
    if "case_review" in filters.flags:
        stmt = stmt.where(Case.case_review_flag.is_(True))
    if "risk" in filters.flags:
        stmt = stmt.where(Case.risk_score > 0)
    if "returned" in filters.flags:
        stmt = stmt.where(or_(Case.state == "returned", Case.referred_back.is_(True)))
    return stmt


def _loaded(stmt: Select) -> Select:
    return stmt.options(joinedload(Case.category), joinedload(Case.ward), joinedload(Case.area))


def triage_queue(
    session: Session, principal: Principal, filters: TriageFilters, *, cursor: str | None, size: int
) -> Page:
    """The API's queue in priority order, a keyset page at a time."""
    stmt = _loaded(waiting(session, principal, filters))
    page = paginate(session, stmt, PRIORITY, cursor=cursor, size=size)
    links = similar_cases(session, principal, [case.id for case in page.items])
    page.items = [
        {"case": case, "similar": links[case.id], "waiting_reason": waiting_reason(case)} for case in page.items
    ]
    return page


@dataclass
class TriageTable:
    rows: list[dict]
    total: int
    page: int
    pages: int
    size: int


def triage_table(
    session: Session,
    principal: Principal,
    filters: TriageFilters,
    *,
    sort: str | None,
    descending: bool,
    page: int,
    size: int,
) -> TriageTable:
    """One numbered page of the queue, in priority order or sorted by a column (ties in priority
    order). Offset paging is enough here: a queue is at most a few thousand cases."""
    stmt = waiting(session, principal, filters)
    total = session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    pages = max(1, math.ceil(total / size))
    page = min(max(1, page), pages)
    order: list = []
    if sort is not None:
        if sort not in SORTS:
            raise ValidationFailed("No such column to sort by.", {"sort": [f"Choose one of {', '.join(SORTS)}."]})
        column, reversed_ = SORTS[sort]
        order.append(column.desc() if descending != reversed_ else column.asc())
        if sort == "ward":
            stmt = stmt.join(Ward, Ward.id == Case.ward_id)
        elif sort == "category":
            stmt = stmt.join(Category, Category.id == Case.category_id)
    order += [column.desc() if desc else column.asc() for column, desc in PRIORITY]
    cases = session.scalars(_loaded(stmt).order_by(*order).offset((page - 1) * size).limit(size)).unique()
    rows = [{"case": case, "waiting_reason": waiting_reason(case)} for case in cases]
    return TriageTable(rows=rows, total=total, page=page, pages=pages, size=size)


@dataclass(frozen=True)
class FilterChoices:
    areas: list[tuple[str, str]]
    wards: list[tuple[str, str]]
    categories: list[tuple[str, str]]
    sources: tuple[str, ...] = CASE_SOURCES


def filter_choices(session: Session, principal: Principal) -> FilterChoices:
    """The codes and names the principal may filter the queue by: their own areas and those areas' wards."""
    areas = areas_in_scope(session, principal, "triage.read", None, "Only area staff triage cases.")
    several = len(areas) > 1
    wards = session.scalars(select(Ward).where(Ward.area_id.in_([a.id for a in areas])).order_by(Ward.name))
    by_id = {a.id: a for a in areas}
    categories = session.scalars(select(Category).order_by(Category.name))
    return FilterChoices(
        areas=[(a.code, a.name) for a in areas],
        wards=[(w.code, f"{w.name} ({by_id[w.area_id].code})" if several else w.name) for w in wards],
        categories=[(c.code, c.name) for c in categories],
    )


@dataclass(frozen=True)
class Seen:
    """A case the person selected, and the suggested level it showed when they did."""

    reference: str
    level: int


def confirm_suggestions(
    session: Session, principal: Principal, selected: list[Seen], *, now: datetime, policy: Policy
) -> list[str]:
    """Confirm each selected case at the level it was shown with: each its own decision, audited as
    one. All or none: if any is refused (decided or changed meanwhile, not the principal's), the
    Conflict names each refused reference (in `fields`) and the caller's unit of work is undone."""
    require(principal, "triage.decide", message="Your role cannot decide levels.")
    if not selected:
        raise ValidationFailed("Select at least one case to confirm.", field="cases")
    if len(selected) > MOST_CONFIRMED:
        raise ValidationFailed(f"Confirm at most {MOST_CONFIRMED} cases at once.", field="cases")
    refused: dict[str, list[str]] = {}
    done: list[str] = []
    for seen in {s.reference.upper(): s for s in selected}.values():
        try:
            case = get_case(session, principal, seen.reference)
        except TaskingError:
            refused[seen.reference] = ["No case you may decide has this reference."]
            continue
        if not awaiting_triage(case.state):
            refused[case.reference] = [f"It is no longer waiting in triage (now {case.state.replace('_', ' ')})."]
            continue
        try:
            classification.decide(session, principal, case.id, level=seen.level, reason=None, now=now, policy=policy)
        except ValidationFailed as error:
            # The suggestion moved since the page was shown (a similar report came in, a flag was set).
            changed = "reason" in error.fields and case.suggested_level != seen.level
            refused[case.reference] = [
                f"Its suggested level is now {case.suggested_level}, not {seen.level}: look at it again."
                if changed
                else error.message
            ]
            continue
        except TaskingError as error:
            refused[case.reference] = [error.message]
            continue
        done.append(case.reference)
    if refused:
        count = len(refused)
        raise Conflict(f"No case was confirmed: {count} of the {len(done) + count} selected could not be.", refused)
    return done
