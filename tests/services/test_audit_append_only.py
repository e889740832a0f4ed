"""On PostgreSQL the database itself keeps the audit trail append-only."""

from datetime import datetime, timezone

import pytest
from sqlalchemy import delete, text, update
from sqlalchemy.exc import DBAPIError

from tasking.models import AuditEvent
from tasking.services import audit
from tests.conftest import test_database_url

pytestmark = pytest.mark.skipif(
    test_database_url() is None, reason="a PostgreSQL trigger: checked in the PostgreSQL run"
)


@pytest.fixture
def event(session):
    record = audit.record(session, None, "test.event", "test", 1, now=datetime.now(timezone.utc), after={"a": 1})
    session.commit()
    return record.id


@pytest.mark.parametrize(
    "change",
    [
        lambda id_: update(AuditEvent).where(AuditEvent.id == id_).values(action="tampered"),
        lambda id_: delete(AuditEvent).where(AuditEvent.id == id_),
    ],
)
def test_audit_events_cannot_be_changed_or_deleted(session, event, change):
    with pytest.raises(DBAPIError, match="append-only"):
        session.execute(change(event))
        session.commit()
    session.rollback()
    assert session.get(AuditEvent, event).action == "test.event"


def test_a_maintenance_transaction_may_purge(session, event):
    session.execute(text("SET LOCAL tasking.audit_maintenance = 'on'"))
    session.execute(delete(AuditEvent).where(AuditEvent.id == event))
    session.commit()
    assert session.get(AuditEvent, event) is None
