"""The partner's task reads as plain rows: only the columns the task schema shows, in one statement
for the page (or the task) and one for its cases' partner notes, whatever the page size.

The page statement also fetches, per task, the newest note a partner may read, so that the page's
fingerprint (the rows' ids and versions and that note) is known before the notes themselves are
loaded: a caller that already holds the page is answered without loading them. Notes are only ever
added (never edited; removed only with their case), so the newest id changes whenever the notes do."""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache

from sqlalchemy import RowMapping, Select, bindparam, func, select
from sqlalchemy.orm import Session

from tasking.domain.errors import NotFound
from tasking.domain.permissions import Target, can
from tasking.domain.principal import Principal
from tasking.domain.roles import Role
from tasking.domain.visibility import note_audiences
from tasking.models import Area, Case, CaseNote, Category, Organisation, Task, Ward
from tasking.services.id_sets import among_parameter, id_list
from tasking.services.pagination import Keyset
from tasking.services.place_columns import PLACE
from tasking.services.plans import reuse_plans
from tasking.services.tasks import TaskFilters, task_scope, task_scope_organisation

PARTNER_AUDIENCES = sorted(note_audiences(Role.PARTNER))
# Long free text is left out of the fingerprint: the case's version and updated_at cover its changes.
UNFINGERPRINTED = frozenset({"description", "address"})


def _newest_note():
    return (
        select(func.max(CaseNote.id))
        .where(CaseNote.case_id == Task.case_id, CaseNote.visibility.in_(PARTNER_AUDIENCES))
        .correlate(Task)
        .scalar_subquery()
        .label("newest_note_id")
    )


def _rows():
    return (
        select(
            Task.id,
            Task.role,
            Task.state,
            Task.due_at,
            Task.decline_reason,
            Task.outcome,
            Task.created_at,
            Task.updated_at,
            Task.version,
            Organisation.code.label("organisation_code"),
            Organisation.name.label("organisation_name"),
            Case.id.label("case_id"),
            Case.reference,
            Case.title,
            Case.description,
            Case.address,
            Case.level.label("case_level"),
            Case.state.label("case_state"),
            Case.confidential,
            Case.owner_organisation_id,
            Case.version.label("case_version"),
            Case.updated_at.label("case_updated_at"),
            *PLACE,
            _newest_note(),
        )
        .join(Organisation, Organisation.id == Task.organisation_id)
        .join(Case, Case.id == Task.case_id)
        .join(Category, Category.id == Case.category_id)
        .join(Ward, Ward.id == Case.ward_id)
        .join(Area, Area.id == Case.area_id)
    )


# Built once: a statement is immutable (each .where() makes a new one), and building this join of
# 29 columns took longer than running it.
TASK_ROWS = _rows()
FINGERPRINTED = tuple(column.key for column in TASK_ROWS.selected_columns if column.key not in UNFINGERPRINTED)
NEWEST_FIRST = Keyset(((Task.id, True),), ("id",))
OLDEST_CHANGE_FIRST = Keyset(((Task.updated_at, False), (Task.id, False)), ("updated_at", "id"))


@cache
def _page_statement(scoped: bool, state: bool, since: bool, after: bool) -> Select:
    """The page statement of one shape of request, built once per process: every value (the
    organisation, the filters, the cursor, the page size) is a parameter (pagination.Keyset)."""
    stmt = TASK_ROWS
    if scoped:
        stmt = stmt.where(Task.organisation_id == bindparam("organisation_id"))
    if state:
        stmt = stmt.where(Task.state == bindparam("state"))
    if since:
        stmt = stmt.where(Task.updated_at >= bindparam("updated_since"))
    return (OLDEST_CHANGE_FIRST if since else NEWEST_FIRST).statement(stmt, after=after)


@cache
def _notes_statement(postgres: bool) -> Select:
    return (
        select(CaseNote.id, CaseNote.case_id, CaseNote.body, CaseNote.visibility, CaseNote.created_at)
        .where(among_parameter(postgres, CaseNote.case_id, "case_ids"), CaseNote.visibility.in_(PARTNER_AUDIENCES))
        .order_by(CaseNote.created_at, CaseNote.id)
    )


@dataclass
class TaskRows:
    """Task rows as the partner may see them, and which of their cases' details are withheld."""

    rows: Sequence[RowMapping]
    next_cursor: str | None
    redacted: frozenset[int]  # task ids whose confidential case the organisation does not own

    def fingerprint(self) -> list:
        """Everything the body is built from, but the notes' text (see the module's docstring)."""
        return [
            [[row[key] for key in FINGERPRINTED] for row in self.rows],
            sorted(self.redacted),
            self.next_cursor,
        ]

    def readable_case_ids(self) -> set[int]:
        return {row["case_id"] for row in self.rows if row["id"] not in self.redacted}


def _redacted(principal: Principal, rows: Iterable[RowMapping]) -> frozenset[int]:
    return frozenset(
        row["id"]
        for row in rows
        if row["confidential"]
        and not can(principal, "task.confidential_details", Target(organisation_id=row["owner_organisation_id"]))
    )


def task_rows(
    session: Session, principal: Principal, filters: TaskFilters, *, cursor: str | None, size: int
) -> TaskRows:
    """The same page, order, cursor and scope as tasks.list_tasks."""
    reuse_plans(session)
    scoped, organisation_id = task_scope_organisation(principal)
    since = filters.updated_since is not None
    keyset = OLDEST_CHANGE_FIRST if since else NEWEST_FIRST
    params = keyset.parameters(cursor, size)
    params.update(organisation_id=organisation_id, state=filters.state, updated_since=filters.updated_since)
    stmt = _page_statement(scoped, bool(filters.state), since, bool(cursor))
    page = keyset.page(session.connection().execute(stmt, params).mappings().all(), size)
    return TaskRows(page.items, page.next_cursor, _redacted(principal, page.items))


def task_row(session: Session, principal: Principal, task_id: int) -> TaskRows:
    """One task, as tasks.get_task finds it (404 when it is not the principal's organisation's)."""
    reuse_plans(session)
    stmt = TASK_ROWS.where(Task.id == task_id)
    scope = task_scope(principal)
    if scope is not None:
        stmt = stmt.where(scope)
    row = session.execute(stmt).mappings().first()
    if row is None:
        raise NotFound("No such task.")
    return TaskRows([row], None, _redacted(principal, [row]))


def partner_notes(session: Session, case_ids: set[int]) -> dict[int, list[RowMapping]]:
    """The notes partners may read on each case, oldest first, in one statement."""
    notes: dict[int, list[RowMapping]] = {case_id: [] for case_id in case_ids}
    if case_ids:
        stmt = _notes_statement(session.get_bind().dialect.name == "postgresql")
        for note in session.connection().execute(stmt, {"case_ids": id_list(case_ids)}).mappings().all():
            notes[note["case_id"]].append(note)
    return notes
