"""make test runs the SQLite and PostgreSQL suites at once, and each asks scripts/test-redis for the
shared limit store. The first starts the server; the second must get the same URL, not wait for ever
on a lock the daemonised server inherited (which hung a CI run for its whole 90 minutes)."""

import os
import shutil
import subprocess
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parent.parent / "scripts" / "test-redis"
PORT = "6391"  # not the suites' own server on 6390


@pytest.mark.skipif(shutil.which("redis-server") is None, reason="redis-server is installed by make test")
def test_two_suites_asking_at_once_both_get_the_server_and_neither_waits():
    environment = {**os.environ, "TEST_REDIS_PORT": PORT}
    environment.pop("TEST_REDIS_URL", None)
    try:
        runs = [
            subprocess.Popen(["bash", str(SCRIPT)], env=environment, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
            for _ in range(2)
        ]
        urls = [run.communicate(timeout=30)[0].decode().strip() for run in runs]
        assert [run.returncode for run in runs] == [0, 0]
        assert urls == [f"redis://127.0.0.1:{PORT}/0"] * 2
        # A third caller, with the server already up, does not wait either.
        again = subprocess.run(["bash", str(SCRIPT)], env=environment, capture_output=True, timeout=30, check=True)
        assert again.stdout.decode().strip() == urls[0]
    finally:
        subprocess.run(["redis-cli", "-h", "127.0.0.1", "-p", PORT, "shutdown", "nosave"], capture_output=True)
