"""The case reads of the API as plain rows: only the columns the case schema shows, the page (or the
case) in one statement, whatever the page size, with the same filters, order, cursors and scope as
cases.list_cases and cases.get_case (tests/api/test_lean_cases_and_exceptions.py holds the two paths
to the same output).

The review bookkeeping the case shows (next review, overdue) lives in review_schedules and changes
without the case's version (the sweep never writes case rows), so the rows carry it for the list's
fingerprint, and `item_freshness` tells whether it can have changed since a version was written."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import RowMapping, Select, and_, exists, or_, select
from sqlalchemy.orm import Session, aliased

from tasking.domain.errors import NotFound
from tasking.domain.principal import Principal
from tasking.domain.references import id_from_key
from tasking.models import Area, Case, Category, Organisation, Review, ReviewSchedule, Ward
from tasking.services.access import case_scope
from tasking.services.cases import CaseFilters, filtered
from tasking.services.pagination import decode_cursor, encode_cursor
from tasking.services.place_columns import PLACE
from tasking.services.plans import reuse_plans

# Long free text is left out of the list's fingerprint: the case's version and updated_at cover it.
UNFINGERPRINTED = frozenset({"description", "address", "suggestion_reasons"})
# The case's own columns, then its review row's; the outer statement adds the names of what it
# points at (_named).
CASE_COLUMNS = (
    Case.id,
    Case.reference,
    Case.title,
    Case.description,
    Case.category_id,
    Case.ward_id,
    Case.area_id,
    Case.address,
    Case.postcode,
    Case.latitude,
    Case.longitude,
    Case.source,
    Case.raised_by_id,
    Case.level,
    Case.state,
    Case.suggested_level,
    Case.suggestion_reasons,
    Case.owner_organisation_id,
    Case.owner_user_id,
    Case.coordinator_user_id,
    Case.routing_reason,
    Case.lead_organisation_id,
    Case.confidential,
    Case.risk_vulnerable_person,
    Case.risk_safeguarding,
    Case.risk_hate_incident,
    Case.risk_repeat_victim,
    Case.agencies_needed,
    Case.barrier_id,
    Case.referred_back,
    Case.case_review_flag,
    Case.duplicate_of_id,
    Case.ready_to_resolve,
    ReviewSchedule.next_review_at,
    ReviewSchedule.overdue,
    Case.created_at,
    Case.updated_at,
    Case.closed_at,
    Case.version,
)


def _cases() -> Select:
    return select(*CASE_COLUMNS).outerjoin(ReviewSchedule, ReviewSchedule.case_id == Case.id)


def _named(inner: Select, order: list) -> Select:
    """The page's rows (`inner`, already limited) with the codes and names of their category, ward,
    area, owning and leading organisations, in `order` again.

    The page is chosen in a subquery of its own because PostgreSQL plans a join of eight tables by
    trying every order: with the case table's many indexes that took 20 to 50 ms of planning for a
    query that runs in 1 ms (bench/plans/cases-list-postgres.txt). A limited subquery is planned
    alone, and the five small tables are then joined to at most a page of rows."""
    page = inner.subquery("page")
    owner, lead = aliased(Organisation), aliased(Organisation)
    return (
        select(
            *(page.c[c.key] for c in CASE_COLUMNS),
            *PLACE,
            owner.code.label("owner_organisation_code"),
            owner.name.label("owner_organisation_name"),
            lead.code.label("lead_organisation_code"),
            lead.name.label("lead_organisation_name"),
        )
        .select_from(page)
        .join(Category, Category.id == page.c.category_id)
        .join(Ward, Ward.id == page.c.ward_id)
        .join(Area, Area.id == page.c.area_id)
        .outerjoin(owner, owner.id == page.c.owner_organisation_id)
        .outerjoin(lead, lead.id == page.c.lead_organisation_id)
        .order_by(*(page.c[column.key].desc() if descending else page.c[column.key] for column, descending in order))
    )


@dataclass
class CaseRows:
    rows: Sequence[RowMapping]
    next_cursor: str | None

    def fingerprint(self) -> list:
        """Everything the page is built from but the long text (see UNFINGERPRINTED): ids, versions,
        the names of what each case points at and its review row."""
        return [[[v for k, v in row.items() if k not in UNFINGERPRINTED] for row in self.rows], self.next_cursor]


def case_rows(
    session: Session, principal: Principal, filters: CaseFilters, *, cursor: str | None, size: int
) -> CaseRows:
    """The same page, order, cursor (services/pagination.py's), scope and errors as cases.list_cases."""
    reuse_plans(session)
    stmt = filtered(session, principal, _cases().where(case_scope(principal)), filters)
    order: list
    if filters.updated_since:
        # Incremental sync walks forward in change order; >= so equal timestamps are not lost.
        stmt = stmt.where(Case.updated_at >= filters.updated_since)
        order = [(Case.updated_at, False), (Case.id, False)]
        if cursor:
            changed, case_id = decode_cursor(cursor, (datetime, int))
            stmt = stmt.where(or_(Case.updated_at > changed, and_(Case.updated_at == changed, Case.id > case_id)))
    else:
        order = [(Case.id, True)]
        if cursor:
            (case_id,) = decode_cursor(cursor, (int,))
            stmt = stmt.where(Case.id < case_id)
    stmt = stmt.order_by(*(c.desc() if descending else c.asc() for c, descending in order)).limit(size + 1)
    rows = list(session.execute(_named(stmt, order)).mappings())
    more, rows = len(rows) > size, rows[:size]
    next_cursor = encode_cursor([rows[-1][column.key] for column, _ in order]) if more else None
    return CaseRows(rows, next_cursor)


def _by_key(stmt: Select, key: str | int) -> Select:
    key = str(key)
    case_id = id_from_key(key)
    return stmt.where(Case.id == case_id) if case_id is not None else stmt.where(Case.reference == key.upper())


def case_row(session: Session, principal: Principal, key: str | int) -> RowMapping:
    """One case by id or reference, as cases.get_case finds it (404 when unseen or missing)."""
    inner = _by_key(_cases().where(case_scope(principal)), key).limit(1)
    row = session.execute(_named(inner, [])).mappings().first()
    if row is None:
        raise NotFound("No such case.")
    return row


@dataclass(frozen=True)
class Freshness:
    id: int
    version: int
    # A review was made or decided at or after the case's last change: the sweep (or a decision that
    # left the case as it was) may have moved what the case shows of its reviews without its version.
    reviews_moved: bool


def item_freshness(session: Session, principal: Principal, key: str | int) -> Freshness:
    """What decides whether a caller's copy of the case is current, in one narrow statement: its
    version, and whether its review row can have changed since that version was written."""
    moved = exists().where(
        Review.case_id == Case.id,
        or_(Review.created_at >= Case.updated_at, Review.decided_at >= Case.updated_at),
    )
    row = session.execute(
        _by_key(select(Case.id, Case.version, moved.label("moved")).where(case_scope(principal)), key)
    ).first()
    if row is None:
        raise NotFound("No such case.")
    return Freshness(row.id, row.version, bool(row.moved))
