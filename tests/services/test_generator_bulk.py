"""The data generator at bulk speed (issue 22, B7): what it writes keeps the schema's rules and the
reference counters, raising a case afterwards carries on from it, and on PostgreSQL a large load
puts back every index and foreign key it dropped, by name, even when it fails half way."""

import re
from contextlib import contextmanager
from datetime import datetime, timezone

import pytest
from sqlalchemy import event, func, select, text
from sqlalchemy.exc import IntegrityError

from bench.generate import generate
from tasking.domain.errors import TaskingError
from tasking.extensions import db
from tasking.models import AuditEvent, Case, CaseSequence, Clock, Review, Task
from tasking.services import generator, generator_indexes

OPEN = ("new", "triaged", "assigned", "in_progress", "returned")


@pytest.fixture
def manager(caller, make_user, session):
    manager = caller("area_manager", areas=["SW"])
    make_user("area_manager", areas=["NW", "BPR", "AB", "DB", "WSH"])
    session.commit()
    return manager


def postgres_only(app):
    with app.app_context():
        if db.engine.dialect.name != "postgresql":
            pytest.skip("dropping and rebuilding indexes in the load's transaction is PostgreSQL's")


def test_generated_cases_follow_the_counters_and_raising_one_carries_on(app, session, manager):
    with app.app_context():
        counts = generate(db.engine, 300, seed=4, progress=False)
    assert counts["cases"] == 300 and counts["audit_events"] >= 300 and counts["tasks"] > 0
    session.expire_all()
    cases = session.execute(select(Case.id, Case.reference, Case.area_id, Case.state, Case.closed_at)).all()
    assert len(cases) == 300 and len({c.reference for c in cases}) == 300
    last = {(s.area_id, s.year): s.last_value for s in session.scalars(select(CaseSequence))}
    numbers: dict[tuple[int, int], list[int]] = {}
    for case in cases:
        code, year, number = re.fullmatch(r"([A-Z]+)-(\d{4})-(\d{5})", case.reference).groups()
        numbers.setdefault((case.area_id, int(year)), []).append(int(number))
        assert (case.closed_at is None) == (case.state in OPEN)
    for key, taken in numbers.items():
        assert sorted(taken) == list(range(1, len(taken) + 1)) and last[key] == len(taken)
    # Every case has its creation in the audit trail; tasks, reviews and clocks belong to real cases.
    assert session.scalar(select(func.count()).where(AuditEvent.action == "case.created")) == 300
    for model in (Task, Review, Clock):
        assert session.scalar(select(func.count()).select_from(model).where(model.case_id.not_in(select(Case.id)))) == 0
    schedules = generator.review_schedule_table()
    if schedules is not None:
        open_cases = sum(case.state in OPEN for case in cases)
        assert session.scalar(select(func.count()).select_from(schedules)) == open_cases

    biggest = max(case.id for case in cases)
    raised = manager.post(
        "/api/v1/cases",
        json={"title": "After the load", "description": "d", "category": "fly-tipping", "ward": "pleck"},
    )
    assert raised.status_code == 201, raised.json
    assert raised.json["id"] == biggest + 1
    code, year, number = re.fullmatch(r"([A-Z]+)-(\d{4})-(\d{5})", raised.json["reference"]).groups()
    area_id = session.scalar(select(Case.area_id).where(Case.id == raised.json["id"]))
    assert int(number) == last.get((area_id, int(year)), 0) + 1


def test_a_bulk_load_puts_back_every_index_and_foreign_key_by_name(app, session, manager, monkeypatch):
    postgres_only(app)
    monkeypatch.setattr(generator, "BULK_FROM", 100)
    monkeypatch.setattr(generator, "CHUNK", 120)
    with app.app_context():
        tables = generator.start(db.session, now=generator_now(), policy=app.extensions["tasking.policy"]).tables()
        db.session.rollback()
    before = generator_indexes.schema_of(session, tables)
    session.rollback()
    assert before.indexes and before.constraints
    dropped = []
    original = generator_indexes.deferred

    def watching(bulk_session, bulk_tables):
        with original(bulk_session, bulk_tables) as found:
            dropped.append(generator_indexes.schema_of(bulk_session, bulk_tables))
            yield found

    monkeypatch.setattr(generator_indexes, "deferred", contextmanager(watching))
    statements = []

    def seen(_conn, _cursor, statement, *_):
        statements.append(statement)

    with app.app_context():
        event.listen(db.engine, "before_cursor_execute", seen)
        try:
            counts = generate(db.engine, 300, seed=8, progress=False)
        finally:
            event.remove(db.engine, "before_cursor_execute", seen)
    assert counts["cases"] == 300
    assert dropped == [generator_indexes.Deferred([], [])]  # the load itself ran without them
    # Every loaded table's statistics are taken before the first constraint is added back: each
    # constraint's check is a query planned on them (docs/performance.md, "The generator").
    first_constraint = next(i for i, statement in enumerate(statements) if "ADD CONSTRAINT" in statement)
    analysed_first = {s.split()[1] for s in statements[:first_constraint] if s.startswith("ANALYZE")}
    assert analysed_first == set(tables)
    after = generator_indexes.schema_of(session, tables)
    session.rollback()
    # PostgreSQL spells a rebuilt partial index's `IN (...)` with its casts one level further in:
    # the same index, so the definitions are compared without the casts.
    assert [(name, uncast(definition)) for name, definition in after.indexes] == [
        (name, uncast(definition)) for name, definition in before.indexes
    ]
    # The foreign keys went back NOT VALID and were each checked after the commit (a constraint not
    # yet checked reads "... NOT VALID" here).
    assert after.constraints == before.constraints
    added = [s for s in statements if "ADD CONSTRAINT" in s and "FOREIGN KEY" in s]
    assert added and all(s.endswith(" NOT VALID") for s in added)
    checked = [s for s in statements if "VALIDATE CONSTRAINT" in s]
    assert len(checked) == len(added) == sum(map(len, before.foreign_keys().values()))
    # The id sequences moved past what was copied in: the next case raised normally does not collide.
    raised = manager.post(
        "/api/v1/cases", json={"title": "Next", "description": "d", "category": "fly-tipping", "ward": "pleck"}
    )
    assert raised.status_code == 201, raised.json


def test_a_bulk_load_that_fails_half_way_leaves_the_schema_and_data_as_they_were(app, session, manager, monkeypatch):
    postgres_only(app)
    monkeypatch.setattr(generator, "BULK_FROM", 100)
    monkeypatch.setattr(generator, "CHUNK", 100)
    with app.app_context():
        tables = generator.start(db.session, now=generator_now(), policy=app.extensions["tasking.policy"]).tables()
        db.session.rollback()
    before = generator_indexes.schema_of(session, tables)
    cases_before = session.scalar(select(func.count()).select_from(Case))
    session.rollback()
    written = []
    write_batch = generator.SyntheticData.write_batch

    def failing(data, bulk_session, size):
        if written:
            raise RuntimeError("the disk is full")
        written.append(size)
        write_batch(data, bulk_session, size)

    monkeypatch.setattr(generator.SyntheticData, "write_batch", failing)
    with app.app_context(), pytest.raises(RuntimeError, match="disk is full"):
        generate(db.engine, 300, seed=8, progress=False)
    assert written == [next(generator.batches(300, 100))]
    assert generator_indexes.schema_of(session, tables) == before  # nothing rebuilt: the rollback kept them
    assert session.scalar(select(func.count()).select_from(Case)) == cases_before
    session.rollback()


# Rows whose first key (by name) points at nothing: a note by an author and a clock in an area that do
# not exist, about a case that does.
ORPHAN_NOTE = text(
    "INSERT INTO case_notes (id, case_id, author_id, body, visibility, created_at) "
    "SELECT (SELECT MAX(id) FROM case_notes) + 1, (SELECT MAX(id) FROM cases), (SELECT MAX(id) FROM users) + :past, "
    "'orphan', 'internal', now()"
)
ORPHAN_CLOCK = text(
    "INSERT INTO clocks (id, kind, case_id, area_id, target_working_days, started_at, due_at, paused_seconds) "
    "SELECT (SELECT MAX(id) FROM clocks) + 1, (SELECT kind FROM clocks ORDER BY id LIMIT 1), "
    "(SELECT MAX(id) FROM cases), (SELECT MAX(id) FROM areas) + 1000, 5, now(), now() + interval '7 days', 0"
)
BROKEN = ("fk_case_notes_author_id_users", "fk_clocks_area_id_areas")


def test_a_load_whose_rows_fail_foreign_key_checks_names_each_and_keeps_them_not_valid_and_enforced(
    app, session, manager, monkeypatch
):
    """The checks run after the commit: the rows stay; every key is checked, a table's later keys
    after one that failed included; the keys that failed stay NOT VALID (still refusing new rows
    that break them) and the error names each."""
    postgres_only(app)
    monkeypatch.setattr(generator, "BULK_FROM", 100)
    monkeypatch.setattr(generator, "CHUNK", 150)
    original = generator_indexes.deferred
    cases_before = session.scalar(select(func.count()).select_from(Case))
    session.rollback()

    def orphaning(bulk_session, bulk_tables):
        with original(bulk_session, bulk_tables) as found:
            yield found
            # Written after the load, before the keys go back NOT VALID: only the checks see them.
            bulk_session.execute(ORPHAN_NOTE, {"past": 1000})
            bulk_session.execute(ORPHAN_CLOCK)

    monkeypatch.setattr(generator_indexes, "deferred", contextmanager(orphaning))
    try:
        with app.app_context(), pytest.raises(TaskingError) as refused:
            generate(db.engine, 300, seed=9, progress=False)
        assert refused.value.code == "foreign_keys_not_valid"
        assert sorted(key.split(".")[-1] for key in refused.value.fields) == sorted(BROKEN)
        assert all(name in refused.value.message for name in BROKEN) and "NOT VALID" in refused.value.message
        assert session.scalar(select(func.count()).select_from(Case)) == cases_before + 300
        validated = dict(
            session.execute(text("SELECT conname, convalidated FROM pg_constraint WHERE contype = 'f'")).all()
        )
        assert sorted(name for name, valid in validated.items() if not valid) == sorted(BROKEN)
        # Each table's other key, checked after the one that failed, holds and was checked.
        assert validated["fk_case_notes_case_id_cases"] and validated["fk_clocks_case_id_cases"]
        session.rollback()
        with pytest.raises(IntegrityError, match="fk_case_notes_author_id_users"):
            session.execute(ORPHAN_NOTE, {"past": 2000})
        session.rollback()
    finally:
        session.rollback()
        session.execute(text("DELETE FROM case_notes WHERE body = 'orphan'"))
        session.execute(text("DELETE FROM clocks WHERE area_id > (SELECT MAX(id) FROM areas)"))
        session.execute(text("ALTER TABLE case_notes VALIDATE CONSTRAINT fk_case_notes_author_id_users"))
        session.execute(text("ALTER TABLE clocks VALIDATE CONSTRAINT fk_clocks_area_id_areas"))
        session.commit()


def test_a_key_left_not_valid_by_an_interrupted_load_is_added_back_once_and_checked_by_the_next(
    app, session, manager, monkeypatch
):
    """docs/performance.md, "The generator": a load stopped during its checks leaves keys NOT VALID;
    the next bulk load drops and adds them back (not "NOT VALID NOT VALID") and checks them."""
    postgres_only(app)
    monkeypatch.setattr(generator, "BULK_FROM", 100)
    monkeypatch.setattr(generator, "CHUNK", 150)
    key = "fk_case_notes_case_id_cases"
    definition = session.scalar(
        text("SELECT pg_get_constraintdef(oid) FROM pg_constraint WHERE conname = :k"), {"k": key}
    )
    session.execute(text(f"ALTER TABLE case_notes DROP CONSTRAINT {key}"))
    session.execute(text(f"ALTER TABLE case_notes ADD CONSTRAINT {key} {definition} NOT VALID"))
    session.commit()
    assert session.scalar(text("SELECT convalidated FROM pg_constraint WHERE conname = :k"), {"k": key}) is False
    session.rollback()
    with app.app_context():
        assert generate(db.engine, 300, seed=10, progress=False)["cases"] == 300
    row = session.execute(
        text("SELECT convalidated, pg_get_constraintdef(oid) FROM pg_constraint WHERE conname = :k"), {"k": key}
    ).one()
    session.rollback()
    assert row == (True, definition)


def test_batches_start_small_grow_to_the_chunk_and_add_up():
    """The first batch is small, so the database starts loading while the child draws the next."""
    sizes = list(generator.batches(900_000, 50_000))
    assert sizes[:3] == [5_000, 7_500, 11_250] and sum(sizes) == 900_000
    assert sizes == sorted(sizes[:-1]) + sizes[-1:] and max(sizes) == 50_000
    assert list(generator.batches(7, 3)) == [1, 2, 3, 1] and list(generator.batches(0, 10)) == []


def uncast(definition: str) -> str:
    return re.sub(r"::[a-z ]+(\[\])?|[() ]", "", definition)


def generator_now():
    return datetime.now(timezone.utc)
