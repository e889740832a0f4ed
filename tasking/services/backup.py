"""Backup and restore of the whole database (`flask tasking backup PATH`, `flask tasking restore PATH`).

SQLite: the sqlite3 online backup API, which copies a consistent snapshot while the service keeps
running. PostgreSQL: `pg_dump --format=custom` and `pg_restore`, given the parts of the database URL
(the password through PGPASSWORD, never on a command line). A restore goes only into an empty
database (no tables) unless forced, so a mistyped URL cannot overwrite a live one.

These are maintenance operations on the database as a whole, outside any unit of work."""

import os
import shutil
import sqlite3
import subprocess
import tempfile
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import inspect
from sqlalchemy.engine import URL, Engine

from tasking.domain.errors import Conflict, TaskingError, ValidationFailed


class BackupFailed(TaskingError):
    code = "backup_failed"


@dataclass(frozen=True)
class Outcome:
    dialect: str
    path: str
    size_bytes: int
    tables: int


def _sqlite_file(url: URL) -> str:
    if not url.database or url.database == ":memory:" or url.database.startswith("file:"):
        raise ValidationFailed("Backup and restore need an SQLite file, not an in-memory or URI database.")
    return url.database


def _tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise BackupFailed(
            f"{name} was not found on PATH: install the PostgreSQL client tools (Debian: "
            f"apt-get install postgresql-client), at least the server's major version."
        )
    return found


def _postgres_arguments(url: URL) -> tuple[list[str], dict[str, str]]:
    """Connection options for pg_dump and pg_restore, and the environment carrying the password."""
    arguments = ["--no-password"]
    if url.host:
        arguments += ["--host", url.host]
    if url.port:
        arguments += ["--port", str(url.port)]
    if url.username:
        arguments += ["--username", url.username]
    environment = dict(os.environ)
    if url.password is not None:
        environment["PGPASSWORD"] = str(url.password)
    sslmode = url.query.get("sslmode")
    if isinstance(sslmode, str):
        environment["PGSSLMODE"] = sslmode
    return arguments, environment


def _run(command: list[str], environment: dict[str, str]) -> None:
    finished = subprocess.run(command, env=environment, capture_output=True, text=True, check=False)
    if finished.returncode != 0:
        tool = os.path.basename(command[0])
        detail = (finished.stderr or finished.stdout).strip()
        raise BackupFailed(f"{tool} failed (exit {finished.returncode}): {detail}")


def table_count(engine: Engine) -> int:
    """How many tables the database holds (SQLite's own excluded): 0 means empty."""
    names = inspect(engine).get_table_names()
    return len([name for name in names if not name.startswith("sqlite_")])


def backup(engine: Engine, path: str) -> Outcome:
    """Write a consistent copy of the database to a new file at `path` (0600: it holds personal data)."""
    target = Path(path)
    if target.exists():
        raise Conflict(f"{path} already exists: back up to a new file.")
    if not target.parent.is_dir():
        raise ValidationFailed(f"The folder {target.parent} does not exist.")
    url = engine.url
    if url.get_backend_name() == "postgresql":
        _tool("pg_dump")  # before anything else: say at once what is missing
    tables = table_count(engine)
    if tables == 0:
        raise Conflict("The database holds no tables: there is nothing to back up.")
    # Written beside the target and renamed into place: a failed backup leaves no partial file.
    with tempfile.NamedTemporaryFile(prefix=f".{target.name}.", dir=target.parent, delete=False) as made:
        partial = made.name
    os.chmod(partial, 0o600)  # NamedTemporaryFile makes it so already; said here for the reader
    try:
        if url.get_backend_name() == "sqlite":
            with closing(sqlite3.connect(_sqlite_file(url))) as source, closing(sqlite3.connect(partial)) as copy:
                source.backup(copy)
                # One self-contained file: the live database's WAL mode would make readers of the copy
                # leave -wal and -shm files beside it.
                copy.execute("PRAGMA journal_mode=DELETE")
        elif url.get_backend_name() == "postgresql":
            arguments, environment = _postgres_arguments(url)
            _run(
                [_tool("pg_dump"), "--format=custom", *arguments, "--file", partial, "--dbname", str(url.database)],
                environment,
            )
        else:
            raise ValidationFailed(f"No backup for the {url.get_backend_name()} database.")
        os.replace(partial, target)
    finally:
        if os.path.exists(partial):
            os.unlink(partial)
    return Outcome(url.get_backend_name(), str(target), target.stat().st_size, tables)


def restore(engine: Engine, path: str, *, force: bool = False) -> Outcome:
    """Load a backup made by `backup` into the database, which must be empty unless `force`: then what
    the backup holds replaces what the database held. The caller disposes of its connections first."""
    source = Path(path)
    if not source.is_file():
        raise ValidationFailed(f"No backup file at {path}.")
    url = engine.url
    if url.get_backend_name() == "postgresql":
        _tool("pg_restore")
    existing = table_count(engine)
    if existing and not force:
        raise Conflict(
            f"The target database is not empty ({existing} tables): restore only into a new, empty "
            "database, or pass --force to replace what it holds."
        )
    if url.get_backend_name() == "sqlite":
        _restore_sqlite(str(source), _sqlite_file(url))
    elif url.get_backend_name() == "postgresql":
        arguments, environment = _postgres_arguments(url)
        clean = ["--clean", "--if-exists"] if existing else []
        _run(
            [
                _tool("pg_restore"),
                *arguments,
                *clean,
                "--no-owner",
                "--no-acl",
                "--exit-on-error",
                "--single-transaction",
                "--dbname",
                str(url.database),
                str(source),
            ],
            environment,
        )
    else:
        raise ValidationFailed(f"No restore for the {url.get_backend_name()} database.")
    engine.dispose()
    return Outcome(url.get_backend_name(), str(source), source.stat().st_size, table_count(engine))


def _restore_sqlite(backup_file: str, database_file: str) -> None:
    # Opened read-only and checked first, so a wrong path or a file that is not SQLite changes nothing.
    with closing(sqlite3.connect(f"file:{backup_file}?mode=ro", uri=True)) as source:
        try:
            check = source.execute("PRAGMA quick_check").fetchone()
        except sqlite3.DatabaseError as error:
            raise ValidationFailed(f"{backup_file} is not an SQLite backup ({error}).") from error
        if check != ("ok",):
            raise ValidationFailed(f"{backup_file} is damaged: SQLite's quick_check says {check[0]}.")
        with closing(sqlite3.connect(database_file)) as destination:
            source.backup(destination)
