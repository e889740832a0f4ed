"""Notes on a case, each written for an audience and shown only to it."""

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from tasking.domain.errors import ValidationFailed
from tasking.domain.permissions import require
from tasking.domain.principal import Principal
from tasking.domain.roles import Role
from tasking.domain.visibility import NOTE_AUDIENCES, note_audiences
from tasking.models import CaseNote
from tasking.services import audit
from tasking.services.access import case_target
from tasking.services.cases import get_case


def default_visibility(role: Role) -> str:
    return "councillor" if role == Role.COUNCILLOR else "internal"


def add_note(
    session: Session, principal: Principal, key: str | int, *, body: str, visibility: str | None, now: datetime
) -> CaseNote:
    case = get_case(session, principal, key)
    require(principal, "note.write", message="Your role cannot add notes to cases.")
    require(principal, "note.write", case_target(case), "You can only add notes to your areas' cases.")
    visibility = visibility or default_visibility(principal.role)
    if visibility not in NOTE_AUDIENCES:
        raise ValidationFailed(
            f"A note is for one of: {', '.join(NOTE_AUDIENCES)}.", field="visibility", code="unknown_audience"
        )
    require(principal, f"note.{visibility}", message=f"You cannot write a note for the {visibility} audience.")
    note = CaseNote(case_id=case.id, author_id=principal.user_id, body=body, visibility=visibility, created_at=now)
    session.add(note)
    session.flush()
    audit.record(
        session,
        principal,
        "note.added",
        "case_note",
        note.id,
        now=now,
        case_id=case.id,
        audience=visibility,
        after={"body": body, "visibility": visibility},
    )
    session.flush()
    return note


def list_notes(session: Session, principal: Principal, key: str | int) -> list[CaseNote]:
    case = get_case(session, principal, key)
    stmt = (
        select(CaseNote)
        .options(joinedload(CaseNote.author))
        .where(CaseNote.case_id == case.id, CaseNote.visibility.in_(note_audiences(principal.role)))
        .order_by(CaseNote.created_at, CaseNote.id)
    )
    return list(session.scalars(stmt))
