"""Open311 GeoReport v2: public categories as services, residents' reports in, public progress out."""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session, joinedload

from tasking.domain import open311 as spec
from tasking.domain.errors import TaskingError
from tasking.domain.lifecycle import State
from tasking.domain.locating import WardPlace, nearest_ward, ward_named_in
from tasking.domain.policy import Policy
from tasking.domain.visibility import PUBLIC_AUDIENCE
from tasking.models import AuditEvent, Case, Category, Open311Client, Ward
from tasking.services import audit, clocks, suggestions
from tasking.services.cases import case_snapshot
from tasking.services.references import next_reference

# Case events that residents may hear about (with public words, never the internal reason).
PUBLIC_EVENTS = (
    "case.decision",
    "case.escalation",
    "case.de_escalation",
    "case.confirmation",
    "case.closed",
    "case.reopened",
    "case.marked_duplicate",
    "case.returned",
    "case.referred",
    "case.updated",
)


class Open311Error(TaskingError):
    """An error in GeoReport's terms: its status code is the one the specification names."""

    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status


@dataclass
class Update:
    event: AuditEvent
    case: Case
    state: str
    description: str


def services(session: Session) -> list[Category]:
    return list(session.scalars(select(Category).where(Category.is_public.is_(True)).order_by(Category.name)))


def service(session: Session, code: str) -> Category:
    category = session.scalar(select(Category).where(Category.code == code, Category.is_public.is_(True)))
    if category is None:
        raise Open311Error(404, f"service_code {code} was not found")
    return category


def _public_cases():
    return (
        select(Case)
        .join(Case.category)
        .options(joinedload(Case.category), joinedload(Case.owner_organisation), joinedload(Case.area))
        .where(Category.is_public.is_(True), Case.confidential.is_(False))
    )


def _locate(session: Session, data: dict, max_distance_m: float) -> Ward:
    wards = list(session.scalars(select(Ward).options(joinedload(Ward.area))))
    places = [WardPlace(w.id, w.name, w.latitude, w.longitude) for w in wards]
    ward_id = None
    if data.get("lat") is not None:
        ward_id = nearest_ward(data["lat"], data["long"], places, max_distance_m)
    if ward_id is None and data.get("address_string"):
        ward_id = ward_named_in(data["address_string"], places)
    if ward_id is None:
        raise Open311Error(
            400,
            "The location could not be placed in a ward of the borough; "
            "send lat and long inside the borough, or an address_string naming the ward",
        )
    return next(w for w in wards if w.id == ward_id)


def submit(session: Session, client: Open311Client, data: dict, *, now: datetime, policy: Policy) -> Case:
    """A resident's report: a case with source open311, suggested and waiting in its area's triage queue."""
    category = service(session, data["service_code"])
    ward = _locate(session, data, policy.open311_max_ward_distance_m)
    name = " ".join(p for p in (data.get("first_name"), data.get("last_name")) if p) or None
    with session.no_autoflush:
        case = Case(
            reference=next_reference(session, ward.area, now.year),
            title=spec.title_from(data.get("description") or "", category.name),
            description=data.get("description") or category.name,
            category=category,
            ward=ward,
            area=ward.area,
            category_id=category.id,
            ward_id=ward.id,
            area_id=ward.area_id,
            address=data.get("address_string"),
            latitude=data.get("lat"),
            longitude=data.get("long"),
            source="open311",
            state=State.NEW.value,
            media_url=data.get("media_url"),
            # Contact details sent through a reporting tool were given for this report.
            reporter_name=name,
            reporter_email=data.get("email"),
            reporter_phone=data.get("phone"),
            reporter_consent=bool(name or data.get("email") or data.get("phone")),
            open311_client_id=client.id,
            created_at=now,
            updated_at=now,
        )
        session.add(case)
        linked = suggestions.on_case_raised(session, case, now, policy)
        client.last_used_at = now
        audit.record(
            session,
            None,
            "case.created",
            "case",
            case.id,
            now=now,
            case_id=case.id,
            after={**case_snapshot(case), "similar_case_ids": linked, "open311_client": client.name},
        )
        session.flush()
        clocks.start_for_new_case(session, case, now=now, policy=policy)
    return case


def requests(
    session: Session,
    *,
    ids: list[str] | None,
    service_codes: list[str] | None,
    start: datetime | None,
    end: datetime | None,
    statuses: list[str] | None,
    now: datetime,
) -> list[Case]:
    stmt = _public_cases()
    if ids:
        stmt = stmt.where(Case.reference.in_([i.strip().upper() for i in ids]))
    else:
        try:
            start, end = spec.request_window(start, end, now)
        except spec.WindowRefused as refused:
            raise Open311Error(400, str(refused)) from refused
        stmt = stmt.where(Case.created_at >= start, Case.created_at <= end)
        if service_codes:
            stmt = stmt.where(Category.code.in_(service_codes))
        if statuses:
            wanted = [s for s in State if spec.status(s) in statuses]
            stmt = stmt.where(Case.state.in_(wanted))
    return list(session.scalars(stmt.order_by(Case.created_at.desc(), Case.id.desc()).limit(spec.MAX_REQUESTS)))


def request(session: Session, reference: str) -> Case:
    case = session.scalar(_public_cases().where(Case.reference == reference.upper()))
    if case is None:
        raise Open311Error(404, f"service_request_id {reference} was not found")
    return case


def updates(session: Session, *, start: datetime | None, end: datetime | None, now: datetime) -> list[Update]:
    """Status changes and public notes on public cases (the FixMyStreet servicerequestupdates extension)."""
    try:
        start, end = spec.request_window(start, end, now)
    except spec.WindowRefused as refused:
        raise Open311Error(400, str(refused)) from refused
    rows = session.execute(
        select(AuditEvent, Case)
        .join(Case, Case.id == AuditEvent.case_id)
        .join(Case.category)
        .where(
            Category.is_public.is_(True),
            Case.confidential.is_(False),
            AuditEvent.at >= start,
            AuditEvent.at <= end,
            or_(
                and_(AuditEvent.object_type == "case", AuditEvent.action.in_(PUBLIC_EVENTS)),
                and_(AuditEvent.object_type == "case_note", AuditEvent.audience == PUBLIC_AUDIENCE),
            ),
        )
        .order_by(AuditEvent.id)
        .limit(spec.MAX_REQUESTS)
    ).all()
    found = []
    for event, case in rows:
        if event.object_type == "case_note":
            found.append(Update(event, case, case.state, (event.after or {}).get("body", "")))
        elif "state" in (after := event.after or {}):
            state = after["state"]
            found.append(Update(event, case, state, spec.PUBLIC_NOTES[State(state)]))
    return found
