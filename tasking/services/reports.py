"""Reports on how the model is working."""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session, selectinload

from tasking.domain.errors import ValidationFailed
from tasking.domain.lifecycle import OPEN_STATES, TRIAGE_STATES
from tasking.domain.money import check_period, financial_year, financial_year_bounds
from tasking.domain.permissions import Target, can, covers_all, require
from tasking.domain.principal import Principal
from tasking.domain.roles import Role
from tasking.models import AuditEvent, Case, LevelChange, User, user_areas

# The level-one load on an area manager (docs/routing.md, "The level-one loop"), in the order shown.
LEVEL_ONE_LOAD = ("decided", "referred", "held", "closed_for_others")


@dataclass
class CapacityReport:
    start: date
    end: date
    items: list[dict]


def capacity(
    session: Session, principal: Principal, *, start: date | None, end: date | None, today: date
) -> CapacityReport:
    """Per area manager: open cases in their areas by level, and the level-one load that lands on
    them (evaluation 2.8, rec. 3.6), which should be near zero:

    - `decided`: decisions they made, in the period, that put a case at level one (they triaged it);
    - `referred`: level-one cases of their areas referred back to them in the period;
    - `held`: open level-one cases they hold now: owned by them, or waiting in their areas' triage
      queue at level one (referred, put back by the sweep, declined by the front line, unroutable);
    - `closed_for_others`: level-one cases they closed in the period while an organisation owned
      them (the front-line service's job, closed by the area manager).

    The period is the financial year containing `today` where start or end is not given, as the
    value report beside it; `held` and `open_by_level` are as they stand now."""
    require(principal, "report.capacity", message="Your role cannot see capacity reports.")
    if start is None or end is None:
        first, last = financial_year_bounds(financial_year(today))
        start, end = start or first, end or last
    if end < start:
        raise ValidationFailed("The period ends before it starts.", {"end": ["Must not be before start."]})
    check_period(start, end)
    since = datetime.combine(start, time.min, tzinfo=timezone.utc)
    until = datetime.combine(end + timedelta(days=1), time.min, tzinfo=timezone.utc)
    managers = list(
        session.scalars(
            select(User)
            .options(selectinload(User.areas))
            .where(User.role == Role.AREA_MANAGER, User.active.is_(True))
            .order_by(User.name)
        )
    )
    if not covers_all(principal, "report.capacity"):
        managers = [
            m for m in managers if any(can(principal, "report.capacity", Target(area_id=a.id)) for a in m.areas)
        ]
    ids = [m.id for m in managers]
    open_states = [s.value for s in OPEN_STATES]
    by_area_level = session.execute(
        select(Case.area_id, Case.level, func.count())
        .where(Case.state.in_(open_states))
        .group_by(Case.area_id, Case.level)
    ).all()
    load = {
        "decided": _counts(
            session,
            select(LevelChange.decided_by_id, func.count(func.distinct(LevelChange.case_id)))
            .where(
                LevelChange.decided_by_id.in_(ids),
                LevelChange.to_level == 1,
                LevelChange.decided_at >= since,
                LevelChange.decided_at < until,
            )
            .group_by(LevelChange.decided_by_id),
        ),
        "referred": _counts(
            session,
            select(user_areas.c.user_id, func.count(func.distinct(AuditEvent.case_id)))
            .join(Case, Case.id == AuditEvent.case_id)
            .join(user_areas, user_areas.c.area_id == Case.area_id)
            .where(
                user_areas.c.user_id.in_(ids),
                AuditEvent.action == "case.referred",
                AuditEvent.at >= since,
                AuditEvent.at < until,
            )
            .group_by(user_areas.c.user_id),
        ),
        "closed_for_others": _counts(
            session,
            select(AuditEvent.actor_id, func.count(func.distinct(AuditEvent.case_id)))
            .join(Case, Case.id == AuditEvent.case_id)
            .where(
                AuditEvent.actor_id.in_(ids),
                AuditEvent.action == "case.closed",
                AuditEvent.at >= since,
                AuditEvent.at < until,
                Case.level == 1,
                Case.owner_organisation_id.is_not(None),
            )
            .group_by(AuditEvent.actor_id),
        ),
    }
    triage_states = {s.value for s in TRIAGE_STATES}
    manager_areas = {a.id for m in managers for a in m.areas}
    level_one_open = session.execute(
        select(Case.id, Case.owner_user_id, Case.area_id, Case.state).where(
            Case.level == 1,
            Case.state.in_(open_states),
            or_(
                Case.owner_user_id.in_(ids),
                Case.state.in_(sorted(triage_states)) & Case.area_id.in_(sorted(manager_areas)),
            ),
        )
    ).all()
    load["held"] = {
        m.id: sum(
            1
            for _id, owner, area_id, state in level_one_open
            if owner == m.id or (state in triage_states and area_id in {a.id for a in m.areas})
        )
        for m in managers
    }
    rows = []
    for manager in managers:
        area_ids = {a.id for a in manager.areas}
        by_level = {"untriaged": 0, "1": 0, "2": 0, "3": 0, "4": 0}
        for area_id, level, count in by_area_level:
            if area_id in area_ids:
                by_level["untriaged" if level is None else str(level)] += count
        level_one = {name: load[name].get(manager.id, 0) for name in LEVEL_ONE_LOAD}
        rows.append(
            {
                "user_id": manager.id,
                "name": manager.name,
                "areas": [a.code for a in manager.areas],
                "open_by_level": by_level,
                "open_total": sum(by_level.values()),
                "level_one": {**level_one, "total": sum(level_one.values())},
                "level_one_held": level_one["held"],
            }
        )
    return CapacityReport(start, end, rows)


def _counts(session: Session, stmt) -> dict[int, int]:
    return {user_id: count for user_id, count in session.execute(stmt).all()}
