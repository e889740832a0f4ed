"""Exception reports (issue 21, docs/deadlines.md): the cases and partners' tasks past or near their
targets, per area, per partner organisation and per level; how long partners took to accept and to
complete tasks; and why they declined them. One report, read as JSON, CSV and a console page, so
the three always agree.

Who sees what is the permissions table's "report.exceptions" row: admins and borough officers every
clock, area staff the clocks of their areas, a partner only its own organisation's task clocks
(another organisation's report is answered 404, as a missing one would be). Rows name a case by its
reference only, never its title or description, so a confidential case says nothing more here than
that a deadline on it is slipping."""

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import false, or_, select
from sqlalchemy.orm import Session

from tasking.domain.deadlines import TASK_ACCEPT, TASK_COMPLETE, standing
from tasking.domain.errors import NotFound, ValidationFailed
from tasking.domain.exception_report import (
    NO_LEVEL,
    DeclineRow,
    Distribution,
    ExceptionReport,
    ExceptionRow,
    Summary,
)
from tasking.domain.money import EARLIEST_REPORT_DAY, LATEST_REPORT_DAY, check_period
from tasking.domain.permissions import Scope, Target, can, require, scope_of
from tasking.domain.policy import Policy
from tasking.domain.principal import Principal
from tasking.domain.working_days import WorkingCalendar
from tasking.models import Area, Case, Clock, Organisation, Task
from tasking.services.calendar import working_calendar
from tasking.services.report_areas import areas_in_scope

ACTION = "report.exceptions"
# The period the met, missed, distribution and decline figures cover when none is given: the 28
# days (four working weeks) up to and including today.
DEFAULT_PERIOD_DAYS = 28
DISTRIBUTION_KINDS = (TASK_ACCEPT, TASK_COMPLETE)


@dataclass
class _Scope:
    """What the reader may see, narrowed by the filters asked for: None means no restriction."""

    area_ids: list[int] | None
    organisation_id: int | None
    level: int | None
    area_code: str | None
    organisation_code: str | None


def _check_level(level: object) -> int | None:
    if level is None or level == "":
        return None
    try:
        number = int(str(level))
    except ValueError:
        number = 0
    if number not in (1, 2, 3, 4):
        raise ValidationFailed("A level is 1, 2, 3 or 4.", field="level", code="unknown_level")
    return number


def _scope(
    session: Session,
    principal: Principal,
    area_code: str | None,
    organisation_code: str | None,
    level: object,
) -> _Scope:
    require(principal, ACTION, message="Your role cannot see exception reports.")
    scope = scope_of(principal, ACTION)
    area_ids: list[int] | None = None
    if scope is Scope.AREA:
        # Their areas, or the one of them asked for (404 for another area, as if it did not exist).
        area_ids = [a.id for a in areas_in_scope(session, principal, ACTION, area_code, "")]
    elif area_code:
        found = session.scalar(select(Area.id).where(Area.code == area_code.strip().upper()))
        if found is None:
            raise NotFound("No such area.")
        area_ids = [found]
    organisation_id = None
    if organisation_code:
        organisation_id = session.scalar(
            select(Organisation.id).where(Organisation.code == organisation_code.strip().lower())
        )
        # Another organisation's report is none of a partner's business: as if it did not exist.
        if organisation_id is None or (
            scope is Scope.ORG and not can(principal, ACTION, Target(organisation_id=organisation_id))
        ):
            raise NotFound("No such organisation.")
    if scope is Scope.ORG:
        organisation_id = principal.organisation_id
    return _Scope(
        area_ids=area_ids,
        organisation_id=organisation_id,
        level=_check_level(level),
        area_code=area_code.strip().upper() if area_code else None,
        organisation_code=organisation_code.strip().lower() if organisation_code else None,
    )


@dataclass(frozen=True)
class Choices:
    """What the report page's filter offers the reader: (code, name) pairs."""

    areas: list[tuple[str, str]]
    organisations: list[tuple[str, str]]


def filter_choices(session: Session, principal: Principal) -> Choices:
    require(principal, ACTION, message="Your role cannot see exception reports.")
    scope = scope_of(principal, ACTION)
    areas = (
        [] if scope is Scope.ORG else [(a.code, a.name) for a in areas_in_scope(session, principal, ACTION, None, "")]
    )
    query = select(Organisation).order_by(Organisation.name)
    if scope is Scope.ORG:
        query = query.where(Organisation.id == principal.organisation_id)
    return Choices(areas, [(o.code, o.name) for o in session.scalars(query)])


def _clock_filters(scope: _Scope) -> list:
    where: list = [Clock.cancelled.is_(false())]
    if scope.area_ids is not None:
        where.append(Clock.area_id.in_(scope.area_ids))
    if scope.organisation_id is not None:
        where.append(Clock.organisation_id == scope.organisation_id)
    if scope.level is not None:
        where.append(Clock.level == scope.level)
    return where


def _period(start: date | None, end: date | None, today: date) -> tuple[date, date]:
    # The dates asked for first, so a refusal names the one given, not the default worked from it.
    if start is not None:
        check_period(start, LATEST_REPORT_DAY)
    if end is not None:
        check_period(EARLIEST_REPORT_DAY, end)
    if end is None:
        end = today if start is None or start <= today else start
    if start is None:
        start = end - timedelta(days=DEFAULT_PERIOD_DAYS - 1)
    if end < start:
        raise ValidationFailed("The period ends before it starts.", {"end": ["Must not be before start."]})
    check_period(start, end)
    return start, end


def _local_day(calendar: WorkingCalendar, instant: datetime) -> date:
    instant = instant if instant.tzinfo else instant.replace(tzinfo=UTC)
    return instant.astimezone(calendar.zone).date()


# What the report reads of a running clock: plain rows, not entities (a report may list thousands).
RUNNING_COLUMNS = (
    Clock.id,
    Clock.kind,
    Clock.case_id,
    Clock.task_id,
    Clock.organisation_id,
    Clock.area_id,
    Clock.level,
    Clock.target_working_days,
    Clock.started_at,
    Clock.due_at,
    Clock.warn_at,
    Clock.paused_at,
    Clock.paused_seconds,
    Clock.breached_at,
)


def _running(
    clock: Any, calendar: WorkingCalendar, policy: Policy, now: datetime
) -> tuple[datetime, datetime | None, str]:
    """The clock's due and warning times as they stand now, and where it stands. A paused clock's
    times move on by the working time it has spent paused so far (as they will when it resumes)."""
    due_at, warn_at = clock.due_at, clock.warn_at
    if clock.paused_at is not None:
        paused = clock.paused_seconds + calendar.working_seconds_between(clock.paused_at, now)
        due_at = calendar.due(clock.started_at, clock.target_working_days, paused_seconds=paused)
        warn_at = calendar.warn_at(
            clock.started_at,
            clock.target_working_days,
            warning_days=policy.deadline_warning_days,
            paused_seconds=paused,
        )
    found = standing(due_at=due_at, warn_at=warn_at, stopped_at=None, breached_at=clock.breached_at, now=now)
    return due_at, warn_at, found


class _DaysFromToday:
    """calendar.working_days_between from or to today, for thousands of clocks: it counts day by
    day, so each day is looked at once and the running totals kept (the same answers)."""

    def __init__(self, calendar: WorkingCalendar, today: date):
        self.calendar, self.today = calendar, today
        self.back = [0]  # back[k]: working days after today - k days, up to and including today
        self.ahead = [0]  # ahead[k]: working days after today, up to and including today + k days

    def before(self, day: date) -> int:
        """Working days after `day` up to and including today (0 when day is not before today)."""
        k = (self.today - day).days
        while len(self.back) <= k:
            j = len(self.back)
            self.back.append(self.back[-1] + self.calendar.is_working_day(self.today - timedelta(days=j - 1)))
        return self.back[k] if k > 0 else 0

    def after(self, day: date) -> int:
        """Working days after today up to and including `day` (0 when day is not after today)."""
        k = (day - self.today).days
        while len(self.ahead) <= k:
            j = len(self.ahead)
            self.ahead.append(self.ahead[-1] + self.calendar.is_working_day(self.today + timedelta(days=j)))
        return self.ahead[k] if k > 0 else 0


def _level_key(level: int | None) -> str:
    return NO_LEVEL if level is None else str(level)


def _level_name(key: str) -> str:
    return "No level yet" if key == NO_LEVEL else f"Level {key}"


def _reason_key(reason: str) -> str:
    return " ".join(reason.split()).casefold()


def exception_report(
    session: Session,
    principal: Principal,
    *,
    area_code: str | None = None,
    organisation_code: str | None = None,
    level: object = None,
    start: date | None = None,
    end: date | None = None,
    now: datetime,
    policy: Policy,
) -> ExceptionReport:
    """The exception report for the reader, as it stands at `now`; the met, missed, distribution and
    decline figures over the period (the last 28 days to today, UK dates, by default). A fixed number
    of queries, whatever the number of clocks."""
    scope = _scope(session, principal, area_code, organisation_code, level)
    calendar = working_calendar(session, policy)
    today = _local_day(calendar, now)
    start, end = _period(start, end, today)
    since = datetime.combine(start, time.min, tzinfo=calendar.zone).astimezone(UTC)
    until = datetime.combine(end + timedelta(days=1), time.min, tzinfo=calendar.zone).astimezone(UTC)

    areas = {a.id: a for a in session.scalars(select(Area))}
    organisations = {o.id: o for o in session.scalars(select(Organisation))}
    where = _clock_filters(scope)

    total = Summary("all", "All")
    by_area: dict[int, Summary] = {}
    by_organisation: dict[int, Summary] = {}
    by_level: dict[str, Summary] = {}
    for area_id in scope.area_ids or []:
        by_area[area_id] = Summary(areas[area_id].code, areas[area_id].name)
    if scope.organisation_id is not None:
        own = organisations[scope.organisation_id]
        by_organisation[own.id] = Summary(own.code, own.name)
    for key in [str(scope.level)] if scope.level is not None else ["1", "2", "3", "4"]:
        by_level[key] = Summary(key, _level_name(key))

    def lines(area_id: int, organisation_id: int | None, level_key: str) -> list[Summary]:
        area = areas[area_id]
        found = [total, by_area.setdefault(area_id, Summary(area.code, area.name))]
        if organisation_id is not None:
            organisation = organisations[organisation_id]
            found.append(by_organisation.setdefault(organisation_id, Summary(organisation.code, organisation.name)))
        found.append(by_level.setdefault(level_key, Summary(level_key, _level_name(level_key))))
        return found

    days_from_today = _DaysFromToday(calendar, today)

    # (a) Running clocks past or near their targets. The stored times are a superset of the paused
    # ones (pausing only ever moves a due time later), so the query needs no calendar.
    exceptions: list[ExceptionRow] = []
    running = session.execute(
        select(*RUNNING_COLUMNS, Case.reference)
        .join(Case, Case.id == Clock.case_id)
        .where(
            *where,
            Clock.stopped_at.is_(None),
            or_(Clock.breached_at.is_not(None), Clock.due_at <= now, Clock.warn_at <= now),
        )
        .order_by(Clock.due_at, Clock.id)
    )
    for clock in running:
        reference = clock.reference
        due_at, _warn_at, found = _running(clock, calendar, policy, now)
        if found not in ("past", "near"):
            continue
        due_day = _local_day(calendar, due_at)
        organisation = organisations.get(clock.organisation_id) if clock.organisation_id is not None else None
        area = areas[clock.area_id]
        exceptions.append(
            ExceptionRow(
                clock_id=clock.id,
                case_reference=reference,
                case_id=clock.case_id,
                task_id=clock.task_id,
                kind=clock.kind,
                organisation_code=organisation.code if organisation else None,
                organisation_name=organisation.name if organisation else None,
                area_code=area.code,
                area_name=area.name,
                level=clock.level,
                target_working_days=clock.target_working_days,
                started_at=clock.started_at,
                due_at=due_at,
                breached_at=clock.breached_at,
                paused=clock.paused_at is not None,
                standing=found,
                working_days_over=days_from_today.before(due_day) if found == "past" else None,
                working_days_left=days_from_today.after(due_day) if found == "near" else None,
            )
        )
        for line in lines(clock.area_id, clock.organisation_id, _level_key(clock.level)):
            if found == "past":
                line.running_past += 1
            else:
                line.running_near += 1
    exceptions.sort(key=lambda row: (row.standing != "past", row.due_at, row.clock_id))

    # (b, c) Clocks stopped in the period: met or missed, and the time partners took.
    overall = {kind: Distribution(kind, None, None) for kind in DISTRIBUTION_KINDS}
    per_organisation: dict[tuple[int, str], Distribution] = {}
    stopped = session.execute(
        select(
            Clock.kind,
            Clock.area_id,
            Clock.organisation_id,
            Clock.level,
            Clock.due_at,
            Clock.stopped_at,
            Clock.breached_at,
            Clock.elapsed_seconds,
        )
        .where(*where, Clock.stopped_at >= since, Clock.stopped_at < until)
        # In a fixed order, so that the same clocks make the same report (and the same entity tag).
        .order_by(Clock.id)
    )
    for kind, area_id, organisation_id, clock_level, due_at, stopped_at, breached_at, elapsed in stopped:
        outcome = standing(due_at=due_at, warn_at=None, stopped_at=stopped_at, breached_at=breached_at, now=now)
        for line in lines(area_id, organisation_id, _level_key(clock_level)):
            setattr(line, outcome, getattr(line, outcome) + 1)
        if kind not in DISTRIBUTION_KINDS or elapsed is None:
            continue
        distributions = [overall[kind]]
        if organisation_id is not None:
            organisation = organisations[organisation_id]
            distributions.append(
                per_organisation.setdefault(
                    (organisation_id, kind), Distribution(kind, organisation.code, organisation.name)
                )
            )
        for distribution in distributions:
            distribution.seconds.append(int(elapsed))
            distribution.within_target += outcome == "met"

    # (d) Declines by reason, per organisation.
    declines = _declines(session, principal, scope, since, until, organisations)

    return ExceptionReport(
        start=start,
        end=end,
        generated_at=now,
        area=scope.area_code,
        organisation=organisations[scope.organisation_id].code if scope.organisation_id is not None else None,
        level=scope.level,
        exceptions=exceptions,
        total=total,
        areas=sorted(by_area.values(), key=lambda line: line.name),
        organisations=sorted(by_organisation.values(), key=lambda line: line.name),
        levels=sorted(by_level.values(), key=lambda line: line.key),
        distributions=[
            *overall.values(),
            *sorted(
                per_organisation.values(),
                key=lambda d: (d.organisation_name or "", DISTRIBUTION_KINDS.index(d.kind)),
            ),
        ],
        declines=declines,
    )


def _declines(
    session: Session,
    principal: Principal,
    scope: _Scope,
    since: datetime,
    until: datetime,
    organisations: dict[int, Organisation],
) -> list[DeclineRow]:
    query = (
        select(Task.id, Task.organisation_id, Task.decline_reason, Case.area_id, Case.confidential)
        .join(Case, Case.id == Task.case_id)
        .where(Task.state == "declined", Task.updated_at >= since, Task.updated_at < until)
        .order_by(Task.id)
    )
    if scope.area_ids is not None:
        query = query.where(Case.area_id.in_(scope.area_ids))
    if scope.organisation_id is not None:
        query = query.where(Task.organisation_id == scope.organisation_id)
    if scope.level is not None:
        query = query.where(Case.level == scope.level)
    found: dict[tuple[int, str], DeclineRow] = {}
    for _task_id, organisation_id, reason, area_id, confidential in session.execute(query):
        text = " ".join((reason or "").split()) or "No reason given"
        if confidential and not (
            can(principal, "case.confidential", Target(area_id=area_id, confidential=True))
            or can(principal, "task.confidential_details", Target(organisation_id=organisation_id))
        ):
            text = "A reason on a confidential case"
        organisation = organisations[organisation_id]
        row = found.setdefault(
            (organisation_id, _reason_key(text)), DeclineRow(organisation.code, organisation.name, text)
        )
        row.count += 1
    return sorted(found.values(), key=lambda row: (row.organisation_name, -row.count, row.reason.casefold()))
