"""Writing the audit trail. Called inside the use case's transaction, never on its own."""

from datetime import datetime

from sqlalchemy.orm import Session

from tasking.domain.principal import Principal
from tasking.models import AuditEvent


def record(
    session: Session,
    actor: Principal | None,
    action: str,
    object_type: str,
    object_id,
    *,
    now: datetime,
    before: dict | None = None,
    after: dict | None = None,
    case_id: int | None = None,
    audience: str | None = None,
) -> AuditEvent:
    event = AuditEvent(
        at=now,
        actor_id=actor.user_id if actor else None,
        action=action,
        object_type=object_type,
        object_id=str(object_id),
        case_id=case_id,
        before=before,
        after=after,
        audience=audience,
    )
    session.add(event)
    return event


def changes(before: dict, after: dict) -> tuple[dict, dict]:
    """Only the keys whose values differ, as (before, after)."""
    keys = [k for k in after if before.get(k) != after.get(k)]
    return {k: before.get(k) for k in keys}, {k: after[k] for k in keys}
