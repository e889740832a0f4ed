"""Issue 19, finding 9: the README's examples work as written. Every shell block of the README that
talks to the running app (http://127.0.0.1:5000) is run by bash, as a newcomer would paste it, after
`make run`'s demo data: against the app served on a loopback port, from a directory holding the
demo's instance/demo-credentials.json, with `.venv/bin/flask` reaching the same database. Each
curl must answer 2xx (curl --fail-with-body), and every curl of those blocks must have run."""

import json
import os
import re
import subprocess
import sys
from datetime import datetime, timezone
from pathlib import Path

import pytest
from argon2 import PasswordHasher

from tasking.domain.policy import Policy
from tasking.services import demo, passwords
from tasking.unit_of_work import unit_of_work

ROOT = Path(__file__).resolve().parent.parent
ADDRESS = "http://127.0.0.1:5000"
# Each curl is logged, then must succeed: a 4xx or 5xx makes curl, and so the block, fail.
PRELUDE = """set -euo pipefail
shopt -s inherit_errexit
curl() { echo curl >> "$CURL_LOG"; command curl --fail-with-body --show-error "$@"; }
"""


def _blocks() -> list[str]:
    text = (ROOT / "README.md").read_text("utf-8")
    blocks = re.findall(r"```sh\n(.*?)```", text, flags=re.S)
    return [block for block in blocks if ADDRESS in block and _curls(block)]


def _curls(block: str) -> int:
    return len(re.findall(r"(?:^|\$\(|\s)curl\s", block, flags=re.M))


def test_the_readme_has_the_api_partner_and_open311_examples():
    blocks = _blocks()
    assert len(blocks) == 4
    assert "/api/v1/organisations/wm-police/exceptions" in blocks[1]  # a partner's own report
    assert "/api/v1/tasks/$TASK/accept" in blocks[2]  # a task of the partner's own, not a fixed id
    assert "/open311/v2/requests.json" in blocks[3]


@pytest.fixture
def newcomer(tmp_path, session, app, monkeypatch):
    """A directory as `make run` leaves it: the demo's credentials, and a flask that reaches the app's database."""
    # The examples use tokens, never passwords: the demo's sixteen password hashes need not be costly here.
    monkeypatch.setattr(passwords, "_hasher", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))
    with unit_of_work(session):
        accounts = demo.load(session, case_count=6, now=datetime.now(timezone.utc), policy=Policy()).accounts
    (tmp_path / "instance").mkdir()
    (tmp_path / "instance" / "demo-credentials.json").write_text(json.dumps(accounts))
    flask = tmp_path / ".venv" / "bin" / "flask"
    flask.parent.mkdir(parents=True)
    flask.write_text(f'#!/bin/sh\ncd "{ROOT}" && exec "{Path(sys.executable).parent / "flask"}" "$@"\n')
    flask.chmod(0o755)
    return tmp_path, app.config["SQLALCHEMY_DATABASE_URI"]


def test_every_readme_example_block_answers_2xx(newcomer, live_server):
    """One demo load for the four blocks, run in the README's order, as a newcomer would."""
    directory, database = newcomer
    log = directory / "curl.log"
    outputs = []
    for block in _blocks():
        log.write_text("")
        result = subprocess.run(
            ["bash", "-c", PRELUDE + block.replace(ADDRESS, live_server)],
            cwd=directory,
            env={**os.environ, "CURL_LOG": str(log), "DATABASE_URL": database, "FLASK_APP": "wsgi"},
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert result.returncode == 0, f"{block}\nstdout:\n{result.stdout[-2000:]}\nstderr:\n{result.stderr[-2000:]}"
        assert len(log.read_text().splitlines()) == _curls(block), block  # every curl ran
        outputs.append(result.stdout.strip().splitlines()[-1])
    created, exceptions, accepted, listed = outputs
    exceptions = json.loads(exceptions)  # the police's own report: only its own tasks in it
    assert exceptions["organisation"] == "wm-police"
    assert all(row["organisation"]["code"] == "wm-police" for row in exceptions["exceptions"])
    assert json.loads(created)["title"] == "Fly-tipping behind the shops"
    accepted = json.loads(accepted)  # the police accepted a task of their own
    assert (accepted["state"], accepted["organisation"]["code"]) == ("accepted", "wm-police")
    assert "Mattress dumped by the canal bridge" in listed  # the report filed through Open311 is listed
