"""Deadline targets (docs/deadlines.md): reference data first loaded from tasking/data/walsall.toml,
then kept by admins (PUT /api/v1/targets). A clock takes its target when it starts; changing a
target changes the clocks started after it, never the due times already promised."""

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from tasking.domain.deadlines import TargetRow, check_target, pick_target
from tasking.domain.errors import NotFound, ValidationFailed
from tasking.domain.permissions import require
from tasking.domain.principal import Principal
from tasking.models import Category, Organisation, Target
from tasking.services import audit


def rows(session: Session) -> list[TargetRow]:
    return [
        TargetRow(kind, working_days, level, category_id, organisation_id)
        for kind, working_days, level, category_id, organisation_id in session.execute(
            select(Target.kind, Target.working_days, Target.level, Target.category_id, Target.organisation_id)
        )
    ]


def working_days(
    session: Session,
    kind: str,
    *,
    level: int | None = None,
    category_id: int | None = None,
    organisation_id: int | None = None,
    known: list[TargetRow] | None = None,
) -> int | None:
    return pick_target(
        rows(session) if known is None else known,
        kind,
        level=level,
        category_id=category_id,
        organisation_id=organisation_id,
    )


def _key(target: Target) -> tuple:
    return (target.kind, target.level, target.category_id, target.organisation_id)


def _existing(session: Session, kind, level, category_id, organisation_id) -> Target | None:
    return session.scalar(
        select(Target).where(
            Target.kind == kind,
            Target.level.is_(None) if level is None else Target.level == level,
            Target.category_id.is_(None) if category_id is None else Target.category_id == category_id,
            Target.organisation_id.is_(None) if organisation_id is None else Target.organisation_id == organisation_id,
        )
    )


def _ids(session: Session, category: str | None, organisation: str | None) -> tuple[int | None, int | None]:
    category_id = organisation_id = None
    if category:
        category_id = session.scalar(select(Category.id).where(Category.code == category))
        if category_id is None:
            raise ValidationFailed(f"There is no category {category!r}.", field="category", code="unknown_category")
    if organisation:
        organisation_id = session.scalar(select(Organisation.id).where(Organisation.code == organisation))
        if organisation_id is None:
            raise ValidationFailed(
                f"There is no organisation {organisation!r}.", field="organisation", code="unknown_organisation"
            )
    return category_id, organisation_id


def load(session: Session, data: list[dict], *, now: datetime) -> int:
    """The file's targets, each added when no row has its key. A row already there is the admins'
    to keep: loading the reference data again never undoes a change they made."""
    added = 0
    for item in data:
        check_target(
            item["kind"],
            item["working_days"],
            item.get("level"),
            organisation=item.get("organisation"),
            category=item.get("category"),
        )
        category_id, organisation_id = _ids(session, item.get("category"), item.get("organisation"))
        if _existing(session, item["kind"], item.get("level"), category_id, organisation_id) is not None:
            continue
        _create(session, None, item, category_id, organisation_id, now=now)
        added += 1
    return added


def _create(session: Session, actor: Principal | None, data: dict, category_id, organisation_id, *, now) -> Target:
    target = Target(
        kind=data["kind"],
        level=data.get("level"),
        category_id=category_id,
        organisation_id=organisation_id,
        working_days=data["working_days"],
        updated_at=now,
    )
    session.add(target)
    session.flush()
    audit.record(session, actor, "target.created", "target", target.id, now=now, after=_described(target, data))
    return target


def _described(target: Target, names: dict | None = None) -> dict:
    names = names or {}
    return {
        "kind": target.kind,
        "level": target.level,
        "category": names.get("category") or (target.category.code if target.category else None),
        "organisation": names.get("organisation") or (target.organisation.code if target.organisation else None),
        "working_days": target.working_days,
    }


def list_targets(session: Session, principal: Principal) -> list[Target]:
    require(principal, "target.read")
    return list(
        session.scalars(
            select(Target)
            .options(selectinload(Target.category), selectinload(Target.organisation))
            .order_by(
                Target.kind,
                Target.organisation_id.nullsfirst(),
                Target.category_id.nullsfirst(),
                Target.level.nullsfirst(),
                Target.id,
            )
        )
    )


def set_target(session: Session, principal: Principal, data: dict, *, now: datetime) -> Target:
    """Create or change the target with this key (kind, level, category, organisation)."""
    require(principal, "target.manage")
    check_target(
        data.get("kind"),
        data.get("working_days"),
        data.get("level"),
        organisation=data.get("organisation"),
        category=data.get("category"),
    )
    category_id, organisation_id = _ids(session, data.get("category"), data.get("organisation"))
    target = _existing(session, data["kind"], data.get("level"), category_id, organisation_id)
    if target is None:
        return _create(session, principal, data, category_id, organisation_id, now=now)
    before = target.working_days
    if before != data["working_days"]:
        target.working_days = data["working_days"]
        target.updated_at = now
        audit.record(
            session,
            principal,
            "target.updated",
            "target",
            target.id,
            now=now,
            before={"working_days": before},
            after={"working_days": target.working_days},
        )
    return target


def remove_target(session: Session, principal: Principal, target_id: int, *, now: datetime) -> None:
    """Remove a specific target, so the more general one applies again. A kind's default (a row
    naming no level, category or organisation) stays: a clock always has a target."""
    require(principal, "target.manage")
    target = session.get(Target, target_id)
    if target is None:
        raise NotFound("No such target.")
    if target.level is None and target.category_id is None and target.organisation_id is None:
        raise ValidationFailed(
            "A kind's default target stays; change its working days instead.", field="id", code="default_target"
        )
    audit.record(session, principal, "target.removed", "target", target.id, now=now, before=_described(target))
    session.delete(target)
