"""`make run`'s own output: a newcomer reads the demo accounts and "Serving on ..." last, with the
scheduler's log in instance/scheduler.log, never interleaved with the server's start-up (issue 19,
finding 9: the scheduler's lines used to bury the address).

The recipe under test is the real Makefile's; the venv it runs is a stand-in whose `flask` says which
command ran, and whose scheduler talks a lot, as the real one does when it starts."""

import os
import shutil
import stat
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

FAKE_FLASK = """#!/usr/bin/env bash
case "$*" in
  "tasking scheduler")
    for i in $(seq 1 40); do echo "scheduler job ran $i"; echo "scheduler log line $i" >&2; sleep 0.01; done
    exec sleep 30 ;;
  run*)
    sleep 1
    echo " * Running on http://127.0.0.1:5000 (server's own line)"
    exit 0 ;;
  *) echo "did: flask $*" ;;
esac
"""


def _stand_in_checkout(tmp_path: Path) -> Path:
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    bin_dir = tmp_path / ".venv" / "bin"
    bin_dir.mkdir(parents=True)
    for name, text in (("flask", FAKE_FLASK), ("python", "#!/usr/bin/env bash\nexit 0\n")):
        path = bin_dir / name
        path.write_text(text)
        path.chmod(path.stat().st_mode | stat.S_IXUSR)
    stamp = tmp_path / ".venv" / ".installed"
    stamp.touch()
    # Newer than pyproject.toml, so make does not try to install anything.
    later = (tmp_path / "pyproject.toml").stat().st_mtime + 10
    os.utime(stamp, (later, later))
    return tmp_path


def test_make_run_ends_with_the_address_and_keeps_the_scheduler_log_in_its_file(tmp_path):
    checkout = _stand_in_checkout(tmp_path)
    result = subprocess.run(
        ["make", "--no-print-directory", "-f", str(ROOT / "Makefile"), "run"],
        cwd=checkout,
        capture_output=True,
        text=True,
        timeout=60,
        stdin=subprocess.DEVNULL,
    )
    assert result.returncode == 0, result.stderr
    output = (result.stdout + result.stderr).splitlines()
    assert not [line for line in output if "scheduler job" in line or "scheduler log" in line]
    # The set-up ran in order, then the address, then only the server's own lines.
    did = [line for line in output if line.startswith("did: ")]
    assert did == ["did: flask db upgrade", "did: flask tasking seed", "did: flask tasking demo"]
    serving = next(i for i, line in enumerate(output) if line.startswith("Serving on http://127.0.0.1:5000"))
    running = next(i for i, line in enumerate(output) if "Running on" in line)
    assert serving < running
    assert all("$(BIN)" not in line and "flask run" not in line for line in output[serving + 1 : running])
    log = (checkout / "instance" / "scheduler.log").read_text()
    assert "scheduler job ran 1" in log and "scheduler log line 1" in log
