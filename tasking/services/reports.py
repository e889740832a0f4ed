"""Reports on how the model is working."""

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from tasking.domain.lifecycle import OPEN_STATES
from tasking.domain.permissions import Target, can, covers_all, require
from tasking.domain.principal import Principal
from tasking.domain.roles import Role
from tasking.models import Case, User


def capacity(session: Session, principal: Principal) -> list[dict]:
    """Per area manager: open cases in their areas by level, and the level-one cases they hold
    themselves, which should be near zero (docs/routing.md, "Owners per level")."""
    require(principal, "report.capacity", message="Your role cannot see capacity reports.")
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
    open_states = [s.value for s in OPEN_STATES]
    by_area_level = session.execute(
        select(Case.area_id, Case.level, func.count())
        .where(Case.state.in_(open_states))
        .group_by(Case.area_id, Case.level)
    ).all()
    held = dict(
        session.execute(
            select(Case.owner_user_id, func.count())
            .where(Case.state.in_(open_states), Case.level == 1, Case.owner_user_id.is_not(None))
            .group_by(Case.owner_user_id)
        ).all()
    )
    rows = []
    for manager in managers:
        area_ids = {a.id for a in manager.areas}
        by_level = {"untriaged": 0, "1": 0, "2": 0, "3": 0, "4": 0}
        for area_id, level, count in by_area_level:
            if area_id in area_ids:
                by_level["untriaged" if level is None else str(level)] += count
        rows.append(
            {
                "user_id": manager.id,
                "name": manager.name,
                "areas": [a.code for a in manager.areas],
                "open_by_level": by_level,
                "open_total": sum(by_level.values()),
                "level_one_held": held.get(manager.id, 0),
            }
        )
    return rows
