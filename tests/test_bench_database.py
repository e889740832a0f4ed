"""Issue 20, finding 9: `make load` dropped and recreated a fixed database name on whatever server it
found. scripts/bench-postgres (used by `make bench` and `make load`) now drops a database only when
it made it (its comment says so); any other database of that name is left alone and the run stops."""

import subprocess
from pathlib import Path

import pytest

from tests.conftest import test_database_url

SCRIPT = Path(__file__).resolve().parent.parent / "scripts" / "bench-postgres"
NAME = "tasking_marker_probe"


def _psql(*sql: str) -> str:
    command = ["runuser", "-u", "postgres", "--", "psql", "-v", "ON_ERROR_STOP=1", "-qAt"]
    for statement in sql:
        command += ["-c", statement]
    return subprocess.run(command, capture_output=True, text=True, check=True, timeout=60).stdout.strip()


def _bench_postgres():
    return subprocess.run(["bash", str(SCRIPT), NAME], capture_output=True, text=True, timeout=120)


@pytest.mark.skipif(not test_database_url(), reason="the machine's PostgreSQL cluster: checked in the PostgreSQL run")
def test_a_database_it_did_not_make_is_left_alone_and_its_own_is_made_afresh():
    _psql(f'DROP DATABASE IF EXISTS "{NAME}" WITH (FORCE)', f'CREATE DATABASE "{NAME}"')
    try:
        _psql(f"COMMENT ON DATABASE \"{NAME}\" IS 'someone else''s'")
        refused = _bench_postgres()
        assert refused.returncode == 1
        assert "left alone" in refused.stderr
        assert _psql(f"SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = '{NAME}'") == (
            "someone else's"
        )

        _psql(f'DROP DATABASE "{NAME}"')
        made = _bench_postgres()
        assert made.returncode == 0, made.stderr
        assert made.stdout.strip().endswith(f"/{NAME}")
        oid = _psql(f"SELECT oid FROM pg_database WHERE datname = '{NAME}'")
        again = _bench_postgres()  # its own: dropped and made afresh
        assert again.returncode == 0, again.stderr
        assert _psql(f"SELECT oid FROM pg_database WHERE datname = '{NAME}'") != oid
    finally:
        _psql(f'DROP DATABASE IF EXISTS "{NAME}" WITH (FORCE)')
