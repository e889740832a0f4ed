"""`flask tasking backup PATH` and `flask tasking restore PATH` (issue 20, finding 9: no backup or
restore procedure). On the test run's own database dialect: cases are made, backed up, restored into
an empty database (a new SQLite file, or a database freshly created on the same PostgreSQL server),
and every case is found there; a restore refuses a database that is not empty unless --force."""

import os
import secrets
import stat

import pytest
from sqlalchemy import create_engine, func, inspect, select, text
from sqlalchemy.engine import make_url

from tasking import create_app
from tasking.extensions import db
from tasking.models import Case

from .conftest import test_database_url

CASE = {"title": "Mattresses on Caldmore Road", "description": "Reported.", "category": "fly-tipping", "ward": "pleck"}


@pytest.fixture
def empty_database(tmp_path):
    """The URL of an empty database of the test run's dialect, dropped afterwards."""
    url = test_database_url()
    if url is None:
        yield f"sqlite:///{tmp_path / 'restored.db'}"
        return
    server = make_url(url)
    # Named after the test database, so scripts/test-postgres drops any a crashed run leaves.
    name = f"{server.database}_restore_{secrets.token_hex(4)}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield server.set(database=name).render_as_string(hide_password=False)
    finally:
        # Not WITH (FORCE): that refuses to end an autovacuum worker (a process of no role this one
        # may signal), which the restored tables can start; a plain DROP DATABASE asks autovacuum to
        # leave and waits for it, and the restore host's connections are closed by now (`target`).
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        admin.dispose()


@pytest.fixture
def target(empty_database, tmp_path):
    """A second app whose DATABASE_URL is the empty database: the operator's restore host."""
    app = create_app(
        {"TESTING": True, "SQLALCHEMY_DATABASE_URI": empty_database}, instance_path=str(tmp_path / "instance")
    )
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def raise_cases(caller, count: int) -> list[str]:
    manager = caller("area_manager", areas=["SW"])
    references = []
    for n in range(count):
        raised = manager.post("/api/v1/cases", json=CASE | {"title": f"Mattresses, report {n}"})
        assert raised.status_code == 201, raised.json
        references.append(raised.json["reference"])
    return references


def rows_per_table(app) -> dict[str, int]:
    with app.app_context():
        engine = db.engine
        with engine.connect() as connection:
            return {
                name: connection.scalar(select(func.count()).select_from(text(f'"{name}"')))
                for name in inspect(engine).get_table_names()
                if not name.startswith("sqlite_")
            }


def references(app) -> list[str]:
    with app.app_context():
        found = list(db.session.scalars(select(Case.reference).order_by(Case.reference)))
        db.session.remove()
        return found


def test_a_backup_restored_into_an_empty_database_holds_every_case(app, caller, target, tmp_path):
    made = raise_cases(caller, 5)
    path = tmp_path / "tasking.backup"

    backed_up = app.test_cli_runner().invoke(args=["tasking", "backup", str(path)])
    assert backed_up.exit_code == 0, backed_up.output
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600  # it holds residents' reports
    header = path.read_bytes()[:20]
    if test_database_url() is None:
        # One self-contained SQLite file (rollback journal, not WAL): reading it leaves nothing beside it.
        assert header[:16] == b"SQLite format 3\x00" and header[18:20] == b"\x01\x01"
    else:
        assert header[:5] == b"PGDMP"  # pg_dump's custom format, which pg_restore reads
    restored = target.test_cli_runner().invoke(args=["tasking", "restore", str(path)])
    assert restored.exit_code == 0, restored.output

    assert references(target) == sorted(made)
    assert references(target) == references(app)
    assert rows_per_table(target) == rows_per_table(app)  # users, audit trail, reference data too


def test_restore_refuses_a_database_that_is_not_empty_unless_forced(app, caller, target, tmp_path):
    first_cases = raise_cases(caller, 2)
    first = tmp_path / "first.backup"
    assert app.test_cli_runner().invoke(args=["tasking", "backup", str(first)]).exit_code == 0
    assert target.test_cli_runner().invoke(args=["tasking", "restore", str(first)]).exit_code == 0
    more_cases = raise_cases(caller, 3)
    second = tmp_path / "second.backup"
    assert app.test_cli_runner().invoke(args=["tasking", "backup", str(second)]).exit_code == 0

    refused = target.test_cli_runner().invoke(args=["tasking", "restore", str(second)])
    assert refused.exit_code == 1
    assert "The target database is not empty" in refused.output
    assert "--force" in refused.output
    assert references(target) == sorted(first_cases)  # untouched

    forced = target.test_cli_runner().invoke(args=["tasking", "restore", "--force", str(second)])
    assert forced.exit_code == 0, forced.output
    assert references(target) == sorted(first_cases + more_cases)
    assert rows_per_table(target) == rows_per_table(app)


def test_backup_never_overwrites_a_file(app, caller, tmp_path):
    path = tmp_path / "existing.backup"
    path.write_text("yesterday's backup")
    result = app.test_cli_runner().invoke(args=["tasking", "backup", str(path)])
    assert result.exit_code == 1
    assert f"{path} already exists: back up to a new file." in result.output
    assert path.read_text() == "yesterday's backup"


def test_restore_of_a_missing_file_changes_nothing(target, tmp_path):
    result = target.test_cli_runner().invoke(args=["tasking", "restore", str(tmp_path / "nowhere.backup")])
    assert result.exit_code == 1
    assert f"No backup file at {tmp_path / 'nowhere.backup'}." in result.output
    assert rows_per_table(target) == {}


@pytest.mark.parametrize(("command", "tool"), [("backup", "pg_dump"), ("restore", "pg_restore")])
def test_postgresql_without_its_client_tools_says_which_is_missing(command, tool, tmp_path, monkeypatch):
    # A server that is never reached: the missing tool is named before any connection is tried.
    app = create_app(
        {"TESTING": True, "SQLALCHEMY_DATABASE_URI": "postgresql+psycopg://tasking:secret@127.0.0.1:9/tasking"},
        instance_path=str(tmp_path / "instance"),
    )
    backup_file = tmp_path / "tasking.backup"
    if command == "restore":
        backup_file.write_bytes(b"PGDMP")
    monkeypatch.setenv("PATH", str(tmp_path))  # no PostgreSQL client tools here
    result = app.test_cli_runner().invoke(args=["tasking", command, str(backup_file)])
    assert result.exit_code == 1
    assert f"Error: {tool} was not found on PATH: install the PostgreSQL client tools" in result.output
