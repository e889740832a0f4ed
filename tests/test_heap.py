"""A process started from wsgi.py (each gunicorn worker, every flask command) has its start-up heap
frozen out of the garbage collector's walks, and collects young objects less often
(tasking/heap.py, issue 22)."""

import json
import os
import subprocess
import sys
from pathlib import Path

from tasking import heap

ROOT = Path(__file__).resolve().parent.parent


def test_a_worker_freezes_what_start_up_made(tmp_path):
    env = {**os.environ, "TASKING_ENV": "development", "DATABASE_URL": f"sqlite:///{tmp_path / 'w.db'}"}
    code = "import gc, json, wsgi; print(json.dumps([gc.get_freeze_count(), gc.get_threshold()]))"
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60, check=True
    )
    frozen, thresholds = json.loads(out.stdout.strip().splitlines()[-1])
    # The app, its routes and templates: far more than a bare interpreter's few thousand objects.
    assert frozen > 50_000
    assert tuple(thresholds) == heap.THRESHOLDS
