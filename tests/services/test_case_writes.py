"""Writes are all-or-nothing and safe under concurrency."""

import threading
from datetime import datetime, timezone

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from tasking.domain.etags import etag_for
from tasking.domain.policy import Policy
from tasking.extensions import db
from tasking.models import AuditEvent, Case, CaseSequence
from tasking.services import audit, cases
from tasking.services.users import principal_for
from tasking.unit_of_work import unit_of_work

NOW = datetime(2026, 11, 2, 10, 0, tzinfo=timezone.utc)
DATA = {
    "title": "Street light out",
    "description": "Outside number 4.",
    "category": "street-lighting",
    "ward": "paddock",
}


@pytest.fixture
def manager(make_user):
    return principal_for(make_user("area_manager", areas=["SW"]))


def test_a_failure_while_auditing_leaves_no_case_and_no_number_used(session, manager, count_rows, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(audit, "record", broken)
    with pytest.raises(RuntimeError):
        with unit_of_work(session):
            cases.create_case(session, manager, DATA, now=NOW, policy=Policy())
    monkeypatch.undo()
    assert count_rows(Case) == 0
    assert count_rows(AuditEvent, AuditEvent.action == "case.created") == 0
    assert cases.create_case(session, manager, DATA, now=NOW, policy=Policy()).reference == "SW-2026-00001"


def test_a_failure_while_auditing_an_update_leaves_the_case_as_it_was(session, manager, monkeypatch):
    with unit_of_work(session):
        case = cases.create_case(session, manager, DATA, now=NOW, policy=Policy())
    monkeypatch.setattr(audit, "record", lambda *a, **k: (_ for _ in ()).throw(RuntimeError("boom")))
    with pytest.raises(RuntimeError):
        with unit_of_work(session):
            cases.update_case(session, manager, case.id, {"title": "Changed"}, if_match="*", now=NOW, policy=Policy())
    session.expire_all()
    stored = session.get(Case, case.id)
    assert (stored.title, stored.version) == (DATA["title"], 1)


def test_concurrent_raising_never_hands_out_the_same_reference(app, session, manager):
    created, errors = [], []

    def raise_cases():
        with app.app_context():
            try:
                for _ in range(5):
                    with unit_of_work():
                        created.append(cases.create_case(db.session, manager, DATA, now=NOW, policy=Policy()).reference)
            except Exception as error:  # collected and asserted on below
                errors.append(error)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=raise_cases) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert sorted(created) == [f"SW-2026-{n:05d}" for n in range(1, 21)]
    assert session.scalar(select(CaseSequence.last_value)) == 20


def test_two_writers_from_the_same_version_cannot_both_win(app, session, manager):
    with unit_of_work(session):
        case = cases.create_case(session, manager, DATA, now=NOW, policy=Policy())
    first_read = etag_for("case", case.id, case.version)
    assert session.get(Case, case.id).version == 1  # this session now holds version 1
    with Session(session.get_bind()) as other:
        with unit_of_work(other):
            cases.update_case(
                other, manager, case.id, {"title": "Other writer"}, if_match=first_read, now=NOW, policy=Policy()
            )
    with pytest.raises(StaleDataError):
        with unit_of_work(session):
            cases.update_case(
                session, manager, case.id, {"title": "Late writer"}, if_match=first_read, now=NOW, policy=Policy()
            )
    session.expire_all()
    assert session.get(Case, case.id).title == "Other writer"


def test_the_database_refuses_a_levelled_case_without_an_owner(session, manager):
    from sqlalchemy.exc import IntegrityError

    with unit_of_work(session):
        case = cases.create_case(session, manager, DATA, now=NOW, policy=Policy())
    case.level = 2
    with pytest.raises(IntegrityError):
        session.commit()
    session.rollback()
