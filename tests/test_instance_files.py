"""Issue 20, finding 9 (files): instance/ and what the app keeps there are private to their owner.

The instance folder is 0700; development's secret key (instance/secret_key, made once at random and
kept), the SQLite database and the demo accounts' credentials file are 0600."""

import json
import os
import stat

import pytest

from tasking import create_app


def mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


@pytest.fixture
def development(monkeypatch, tmp_path):
    """`make run`'s environment: TASKING_ENV=development and nothing else set; its own instance folder."""
    monkeypatch.setenv("TASKING_ENV", "development")
    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.delenv("DATABASE_URL", raising=False)
    return tmp_path / "instance"


def test_development_makes_a_random_key_once_keeps_it_0600_and_reuses_it(development):
    first = create_app(instance_path=str(development))
    key_file = development / "secret_key"
    assert mode(key_file) == 0o600
    key = key_file.read_text().strip()
    assert len(key) == 64 and int(key, 16) >= 0  # 32 random bytes, in hex
    assert first.config["SECRET_KEY"] == key
    second = create_app(instance_path=str(development))
    assert second.config["SECRET_KEY"] == key
    assert key_file.read_text().strip() == key


def test_another_instance_folder_gets_another_key(development, tmp_path):
    one = create_app(instance_path=str(development)).config["SECRET_KEY"]
    other = create_app(instance_path=str(tmp_path / "elsewhere")).config["SECRET_KEY"]
    assert one != other


def test_development_may_use_the_default_sqlite_file_made_0600_in_a_0700_instance_folder(development):
    app = create_app(instance_path=str(development))
    assert app.config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{development / 'tasking.db'}"
    assert mode(development) == 0o700
    assert mode(development / "tasking.db") == 0o600
    upgraded = app.test_cli_runner().invoke(args=["db", "upgrade", "+1"])
    assert upgraded.exit_code == 0, upgraded.output
    # SQLite keeps the mode the file was made with, and gives it to its write-ahead log files (there
    # while a connection is open).
    modes = {p.name: mode(p) for p in development.iterdir()}
    assert (
        {"secret_key", "tasking.db"} <= modes.keys() <= {"secret_key", "tasking.db", "tasking.db-wal", "tasking.db-shm"}
    )
    assert set(modes.values()) == {0o600}


def test_an_existing_instance_folder_and_its_files_are_made_private(development):
    development.mkdir(mode=0o755)
    os.chmod(development, 0o755)
    for name in ("secret_key", "tasking.db"):
        (development / name).write_text("0123456789abcdef" * 2 + "fedcba9876543210" * 2 if name == "secret_key" else "")
        os.chmod(development / name, 0o644)
    create_app(instance_path=str(development))
    assert (mode(development), mode(development / "secret_key"), mode(development / "tasking.db")) == (
        0o700,
        0o600,
        0o600,
    )


def test_the_demo_credentials_file_is_0600(app, session, tmp_path):
    target = tmp_path / "demo-credentials.json"
    target.write_text("[]")
    os.chmod(target, 0o644)  # left by an earlier run: brought to 0600 as well
    result = app.test_cli_runner().invoke(args=["tasking", "demo", "--cases", "0", "--credentials", str(target)])
    assert result.exit_code == 0, result.output
    assert mode(target) == 0o600
    assert len(json.loads(target.read_text())) == 16
