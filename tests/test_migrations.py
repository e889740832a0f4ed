"""Migrations build the whole schema from nothing, take it all down again, and match the models."""

import pytest
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import make_url

from tasking import create_app
from tasking.extensions import db
from tests.conftest import test_database_url


@pytest.fixture
def empty_database_url(tmp_path):
    """A database of its own, so that going down to base leaves the suite's database alone."""
    url = test_database_url()
    if url is None:
        yield f"sqlite:///{tmp_path / 'migrations.db'}"
        return
    name = f"{make_url(url).database}_migrations"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    yield make_url(url).set(database=name).render_as_string(hide_password=False)
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def _tables(url):
    engine = create_engine(url)
    try:
        return set(inspect(engine).get_table_names()) - {"alembic_version"}
    finally:
        engine.dispose()


def test_upgrade_to_head_check_and_downgrade_to_base(empty_database_url):
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": empty_database_url})
    cli = app.test_cli_runner()
    try:
        upgraded = cli.invoke(args=["db", "upgrade"])
        assert upgraded.exit_code == 0, upgraded.output
        assert {"cases", "audit_events", "api_tokens", "users", "areas", "wards"} <= _tables(empty_database_url)

        checked = cli.invoke(args=["db", "check"])
        assert checked.exit_code == 0, checked.output

        downgraded = cli.invoke(args=["db", "downgrade", "base"])
        assert downgraded.exit_code == 0, downgraded.output
        assert _tables(empty_database_url) == set()

        again = cli.invoke(args=["db", "upgrade"])
        assert again.exit_code == 0, again.output

        # The check can fail: a schema that drifted from the models is reported.
        engine = create_engine(empty_database_url)
        with engine.begin() as connection:
            connection.execute(text("DROP INDEX ix_cases_updated"))
        engine.dispose()
        drifted = cli.invoke(args=["db", "check"])
        assert drifted.exit_code != 0
    finally:
        with app.app_context():
            db.engine.dispose()
