"""The API's triage queue as plain rows: only the columns the queue shows, one statement for the page
and one for its similar cases, whatever the page size (tasking/services/triage.py keeps the order,
filters and scope; this only chooses what is read)."""

from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from sqlalchemy import RowMapping, Select, select
from sqlalchemy.orm import Session

from tasking.domain.principal import Principal
from tasking.domain.risk import RISK_FLAGS
from tasking.models import Area, Case, CaseLink, Category, Ward
from tasking.services.access import case_scope
from tasking.services.id_sets import among_parameter, id_list
from tasking.services.pagination import Keyset
from tasking.services.place_columns import PLACE
from tasking.services.places import PlaceIds
from tasking.services.plans import reuse_plans
from tasking.services.triage import PRIORITY, TriageFilters, checked_place, narrowed

# The cursor is made of the case's own flag (a boolean, as the entity path always wrote it), not
# of the number it is sorted by, so that cursors from either path read the same.
CURSOR_KEYS = ["case_review_flag", "risk_score", "suggested_level", "created_at", "id"]


def _columns():
    return select(
        Case.id,
        Case.reference,
        Case.title,
        *PLACE,
        Case.source,
        Case.state,
        Case.level,
        Case.routing_reason,
        Case.referred_back,
        Case.triage_reason,
        *[getattr(Case, f"risk_{flag}") for flag in RISK_FLAGS],
        Case.case_review_flag,
        Case.risk_score,
        Case.suggested_level,
        Case.suggestion_reasons,
        Case.created_at,
        Case.updated_at,
        Case.version,
    ).select_from(Case)


@dataclass
class TriageRows:
    rows: Sequence[RowMapping]
    similar: dict[int, list[RowMapping]]
    next_cursor: str | None

    def fingerprint(self) -> list:
        return [
            [list(row.values()) for row in self.rows],
            [[case_id, [list(other.values()) for other in others]] for case_id, others in self.similar.items()],
            self.next_cursor,
        ]


# Statements built once per caller and filters (pagination.Keyset): a queue is polled by the same
# few people with the same filters, and building its statement cost more than running it. Bounded:
# a statement is a few tens of kilobytes, and one evicted is only built again.
STATEMENTS_KEPT = 256
QUEUE_ORDER = Keyset(tuple(PRIORITY), tuple(CURSOR_KEYS))


@lru_cache(maxsize=STATEMENTS_KEPT)
def _page_statement(principal: Principal, place: PlaceIds, filters: TriageFilters, after: bool) -> Select:
    stmt = (
        narrowed(principal, place, filters, _columns())
        .join(Category, Category.id == Case.category_id)
        .join(Ward, Ward.id == Case.ward_id)
        .join(Area, Area.id == Case.area_id)
    )
    return QUEUE_ORDER.statement(stmt, after=after)


@lru_cache(maxsize=STATEMENTS_KEPT)
def _similar_statement(principal: Principal, postgres: bool) -> Select:
    return (
        select(
            CaseLink.case_id.label("linked_from"),
            Case.id,
            Case.reference,
            Case.title,
            Case.state,
            Case.level,
            Case.created_at,
            Case.version,
        )
        .join(Case, Case.id == CaseLink.other_case_id)
        .where(
            among_parameter(postgres, CaseLink.case_id, "case_ids"), CaseLink.kind == "similar", case_scope(principal)
        )
        .order_by(Case.created_at.desc(), Case.id.desc())
    )


def triage_rows(
    session: Session, principal: Principal, filters: TriageFilters, *, cursor: str | None, size: int
) -> TriageRows:
    """The same page, order, cursor and scope as triage.triage_queue."""
    reuse_plans(session)
    stmt = _page_statement(principal, checked_place(session, principal, filters), filters, bool(cursor))
    rows = session.connection().execute(stmt, QUEUE_ORDER.parameters(cursor, size)).mappings().all()
    page = QUEUE_ORDER.page(rows, size)
    return TriageRows(page.items, similar_rows(session, principal, [row["id"] for row in page.items]), page.next_cursor)


def similar_rows(session: Session, principal: Principal, case_ids: list[int]) -> dict[int, list[RowMapping]]:
    """classification.similar_cases as rows of the summary's columns, in one statement."""
    found: dict[int, list[RowMapping]] = {case_id: [] for case_id in case_ids}
    if not case_ids:
        return found
    stmt = _similar_statement(principal, session.get_bind().dialect.name == "postgresql")
    for row in session.connection().execute(stmt, {"case_ids": id_list(case_ids)}).mappings().all():
        found[row["linked_from"]].append(row)
    return found
