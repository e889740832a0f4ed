"""Loading and reading reference data: areas, wards, organisations, categories."""

import tomllib
from datetime import datetime
from importlib import resources
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from tasking.models import Area, Category, Organisation, Ward
from tasking.services import audit, targets

DEFAULT_FILE = "walsall.toml"


def read_file(path: str | Path | None = None) -> dict:
    if path is None:
        return tomllib.loads(resources.files("tasking.data").joinpath(DEFAULT_FILE).read_text("utf-8"))
    return tomllib.loads(Path(path).read_text("utf-8"))


def load(session: Session, data: dict, *, now: datetime) -> dict[str, int]:
    """Create or update every row named in `data`, matched by code. Rows are never deleted here:
    cases refer to them. Returns how many rows were created or changed, by kind."""
    counts = {"areas": 0, "wards": 0, "organisations": 0, "categories": 0}
    for area_data in data.get("areas", []):
        area = _upsert(session, Area, area_data["code"], {"name": area_data["name"]}, counts, "areas", now)
        session.flush()
        for ward_data in area_data.get("wards", []):
            _upsert(
                session,
                Ward,
                ward_data["code"],
                {
                    "name": ward_data["name"],
                    "area_id": area.id,
                    "latitude": ward_data.get("latitude"),
                    "longitude": ward_data.get("longitude"),
                },
                counts,
                "wards",
                now,
            )
    for org in data.get("organisations", []):
        values = {
            "name": org["name"],
            "kind": org["kind"],
            "resolves_on_completion": bool(org.get("resolves_on_completion", True)),
        }
        _upsert(session, Organisation, org["code"], values, counts, "organisations", now)
    session.flush()
    orgs = {o.code: o.id for o in session.scalars(select(Organisation))}
    for cat in data.get("categories", []):
        values = {
            "name": cat["name"],
            "description": cat.get("description", ""),
            "default_level": cat["default_level"],
            "frontline_organisation_id": orgs[cat["frontline"]] if cat.get("frontline") else None,
            "lead_organisation_id": orgs[cat["lead"]] if cat.get("lead") else None,
            "is_public": bool(cat.get("public", False)),
            "case_review": bool(cat.get("case_review", False)),
            "similarity": cat.get("similarity", "place"),
            "similar_radius_m": cat.get("similar_radius_m"),
            "group": cat.get("group", ""),
            "keywords": cat.get("keywords", ""),
        }
        category = _upsert(session, Category, cat["code"], values, counts, "categories", now)
        _set_support(session, category, [orgs[code] for code in cat.get("support", [])], now)
    session.flush()
    if data.get("targets"):
        counts["targets"] = targets.load(session, data["targets"], now=now)
    return counts


_OBJECT_TYPES = {Area: "area", Ward: "ward", Organisation: "organisation", Category: "category"}


def _upsert(session, model, code, values, counts, kind, now):
    row = session.scalar(select(model).where(model.code == code))
    object_type = _OBJECT_TYPES[model]
    if row is None:
        row = model(code=code, **values)
        session.add(row)
        session.flush()
        audit.record(
            session, None, f"{object_type}.created", object_type, row.id, now=now, after={"code": code, **values}
        )
        counts[kind] += 1
        return row
    before = {k: getattr(row, k) for k in values}
    if before != values:
        for k, v in values.items():
            setattr(row, k, v)
        changed_before, changed_after = audit.changes(before, values)
        audit.record(
            session,
            None,
            f"{object_type}.updated",
            object_type,
            row.id,
            now=now,
            before=changed_before,
            after=changed_after,
        )
        counts[kind] += 1
    return row


def _set_support(session, category, organisation_ids, now):
    current = sorted(o.id for o in category.support_organisations)
    wanted = sorted(set(organisation_ids))
    if current != wanted:
        category.support_organisations = [session.get(Organisation, i) for i in wanted]
        audit.record(
            session,
            None,
            "category.updated",
            "category",
            category.id,
            now=now,
            before={"support_organisation_ids": current},
            after={"support_organisation_ids": wanted},
        )


def list_areas(session: Session) -> list[Area]:
    return list(session.scalars(select(Area).options(selectinload(Area.wards)).order_by(Area.name)))


def list_wards(session: Session, area_code: str | None = None) -> list[Ward]:
    stmt = select(Ward).options(selectinload(Ward.area)).order_by(Ward.name)
    if area_code:
        stmt = stmt.join(Ward.area).where(Area.code == area_code.upper())
    return list(session.scalars(stmt))


def partner_organisations(session: Session) -> list[Organisation]:
    """The organisations a task can be offered to: every one but the borough's own."""
    return list(session.scalars(select(Organisation).where(Organisation.kind != "borough").order_by(Organisation.name)))


def list_organisations(session: Session, kind: str | None = None) -> list[Organisation]:
    stmt = select(Organisation).order_by(Organisation.name)
    if kind:
        stmt = stmt.where(Organisation.kind == kind)
    return list(session.scalars(stmt))


def list_categories(session: Session, public_only: bool = False) -> list[Category]:
    stmt = (
        select(Category)
        .options(
            selectinload(Category.frontline_organisation),
            selectinload(Category.lead_organisation),
            selectinload(Category.support_organisations),
        )
        .order_by(Category.name)
    )
    if public_only:
        stmt = stmt.where(Category.is_public.is_(True))
    return list(session.scalars(stmt))
