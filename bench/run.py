"""Benchmarks B1-B7 (see issue 8), run by hand: python -m bench.run --database postgres --cases 1000000

Prepares a fresh database, generates the data, serves the app with gunicorn (2 workers) on loopback,
measures, saves EXPLAIN plans to bench/plans/, and appends the figures to bench/RESULTS.md."""

import argparse
import http.client
import json
import os
import platform
import signal
import statistics
import subprocess
import sys
import threading
import time
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PLANS = ROOT / "bench" / "plans"
RESULTS = ROOT / "bench" / "RESULTS.md"
PORT = 5791
VENV_BIN = Path(sys.executable).parent


def sh(*args, env=None, capture=False):
    return subprocess.run(
        args, cwd=ROOT, env=env, check=True, text=True, stdout=subprocess.PIPE if capture else None
    ).stdout


def database_url(kind: str, path: Path, name: str = "tasking_bench") -> str:
    """A fresh database: PostgreSQL's `name`, which scripts/bench-postgres drops and remakes only if it
    made it, or the SQLite file at `path`."""
    if kind == "postgres":
        return sh("bash", "scripts/bench-postgres", name, capture=True).strip()
    path.unlink(missing_ok=True)
    return f"sqlite:///{path}"


def percentile(values, p):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def latency(path, token, count=500, warm=50):
    connection = http.client.HTTPConnection("127.0.0.1", PORT, timeout=30)
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    timings = []
    for i in range(warm + count):
        start = time.perf_counter()
        connection.request("GET", path, headers=headers)
        response = connection.getresponse()
        body = response.read()
        if response.status != 200:
            raise SystemExit(f"{path}: {response.status} {body[:200]!r}")
        if i >= warm:
            timings.append((time.perf_counter() - start) * 1000)
    return {
        "p50_ms": round(statistics.median(timings), 1),
        "p99_ms": round(percentile(timings, 99), 1),
        "requests": count,
    }


def throughput(path, token, seconds=15, clients=8):
    done, errors, stop = [0], [0], time.monotonic() + seconds
    lock = threading.Lock()
    headers = {"Authorization": f"Bearer {token}"} if token else {}

    def client():
        connection = http.client.HTTPConnection("127.0.0.1", PORT, timeout=30)
        while time.monotonic() < stop:
            connection.request("GET", path, headers=headers)
            response = connection.getresponse()
            response.read()
            with lock:
                done[0] += 1
                errors[0] += response.status != 200

    threads = [threading.Thread(target=client) for _ in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return {"requests_per_s": round(done[0] / seconds, 1), "errors": errors[0]}


def worker_rss_mb(master_pid):
    children = sh("pgrep", "-P", str(master_pid), capture=True).split()
    sizes = []
    for pid in children:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                sizes.append(int(line.split()[1]) / 1024)
    return [round(s, 1) for s in sizes]


def serve(env):
    process = subprocess.Popen(
        [
            str(VENV_BIN / "gunicorn"),
            "--workers",
            "2",
            "--bind",
            f"127.0.0.1:{PORT}",
            "--log-level",
            "warning",
            "wsgi:app",
        ],
        cwd=ROOT,
        env=env,
    )
    for _ in range(100):
        try:
            connection = http.client.HTTPConnection("127.0.0.1", PORT, timeout=2)
            connection.request("GET", "/livez")
            if connection.getresponse().status == 200:
                return process
        except OSError:
            time.sleep(0.2)
    raise SystemExit("gunicorn did not start")


def in_app(env, code):
    """Run a snippet inside the app (sweep, report, EXPLAIN), in a fresh process so it uses env."""
    return json.loads(sh(sys.executable, "-c", code, env=env, capture=True).strip().splitlines()[-1])


SWEEP = """
import json, time
from datetime import datetime, timedelta, timezone
from sqlalchemy import select, update
from tasking import create_app
from tasking.extensions import db
from tasking.models import Case
from tasking.services import sweep
from tasking.unit_of_work import unit_of_work
app = create_app()
with app.app_context():
    now = datetime.now(timezone.utc)
    ids = db.session.scalars(select(Case.id).where(Case.closed_at.is_(None)).order_by(Case.id).limit(10000)).all()
    db.session.execute(update(Case).where(Case.next_review_at < now).values(next_review_at=now + timedelta(days=30)))
    db.session.execute(update(Case).where(Case.id.in_(ids)).values(next_review_at=now - timedelta(hours=1)))
    db.session.commit()
    start = time.perf_counter()
    result = sweep.sweep(db.session, units=unit_of_work, now=now, policy=app.extensions["tasking.policy"])
    print(json.dumps({"seconds": round(time.perf_counter() - start, 2), "reviews": result.reviews,
                      "batches": result.batches}))
"""

REPORT = """
import json, time
from datetime import datetime, timezone
from tasking import create_app
from tasking.extensions import db
from tasking.domain.money import financial_year, financial_year_bounds
from tasking.domain.principal import Principal
from tasking.domain.roles import Role
from tasking.services import value_report
app = create_app()
with app.app_context():
    start, end = financial_year_bounds(financial_year(datetime.now(timezone.utc).date()))
    admin = Principal(user_id=1, role=Role.ADMIN)
    timings = []
    for _ in range(5):
        t = time.perf_counter()
        value_report.value_report(db.session, admin, start=start, end=end, area_code=None, today=end,
                                  policy=app.extensions["tasking.policy"])
        timings.append(time.perf_counter() - t)
    print(json.dumps({"best_s": round(min(timings), 3), "worst_s": round(max(timings), 3)}))
"""

PLAN = """
import json
from sqlalchemy import event, text
from tasking import create_app
from tasking.extensions import db
app = create_app()
tokens = json.loads(open("instance/bench-tokens.json").read())
captured = {}
with app.app_context():
    engine = db.engine
def keep(name):
    def seen(conn, cursor, statement, parameters, context, executemany):
        if statement.lstrip().upper().startswith("SELECT") and ("FROM cases" in statement or "FROM tasks" in statement):
            captured.setdefault(name, (statement, parameters))
    return seen
client = app.test_client()
for name, path, token in (("B1-partner-tasks", "/api/v1/tasks?state=offered&page_size=50", tokens["partner"]),
                          ("B2-triage", "/api/v1/triage?area=SW&page_size=50", tokens["manager"])):
    listener = keep(name)
    event.listen(engine, "before_cursor_execute", listener)
    client.get(path, headers={"Authorization": f"Bearer {token}"})
    event.remove(engine, "before_cursor_execute", listener)
out = {}
with app.app_context():
    raw = db.engine.raw_connection()
    cursor = raw.cursor()
    for name, (statement, parameters) in captured.items():
        prefix = "EXPLAIN (ANALYZE, BUFFERS) " if db.engine.dialect.name == "postgresql" else "EXPLAIN QUERY PLAN "
        cursor.execute(prefix + statement, parameters)
        out[name] = "\\n".join(" | ".join(str(c) for c in row) for row in cursor.fetchall())
    raw.close()
print(json.dumps(out))
"""


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--database", choices=["postgres", "sqlite"], default="postgres")
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument(
        "--sweep-baseline",
        type=int,
        default=100_000,
        help="Also time the sweep at this size first, for B3's ratio (0 to skip)",
    )
    parser.add_argument(
        "--reuse",
        metavar="DATABASE_URL",
        help="Measure a database an earlier run generated (migrated to head first), without "
        "regenerating; --cases then only labels the results",
    )
    args = parser.parse_args()
    url = args.reuse or database_url(args.database, ROOT / "instance" / "bench.db")
    env = {**os.environ, "DATABASE_URL": url, "FLASK_APP": "wsgi", "TASKING_ENV": "development"}
    flask = [str(VENV_BIN / "flask")]
    sh(*flask, "db", "upgrade", env=env)
    if not args.reuse:
        sh(*flask, "tasking", "seed", env=env)
        sh(*flask, "tasking", "demo", "--cases", "0", "--credentials", "instance/bench-credentials.json", env=env)
    accounts = json.loads((ROOT / "instance" / "bench-credentials.json").read_text())
    tokens = {
        "partner": next(a["token"] for a in accounts if a["organisation"] == "street-cleansing"),
        "manager": next(a["token"] for a in accounts if a["areas"] == ["SW"]),
    }
    (ROOT / "instance" / "bench-tokens.json").write_text(json.dumps(tokens))
    figures = {}
    generated = 0
    if args.reuse:
        figures.update(measure_existing(env, args))
        report(args, figures)
        return
    if args.sweep_baseline and args.cases > args.sweep_baseline:
        out = sh(*flask, "tasking", "generate", "--cases", str(args.sweep_baseline), env=env, capture=True)
        generated = args.sweep_baseline
        figures["B3 sweep at baseline"] = {"cases": generated, **in_app(env, SWEEP)}
    out = sh(*flask, "tasking", "generate", "--cases", str(args.cases - generated), env=env, capture=True)
    figures["B7 generator"] = eval(out.strip().splitlines()[-1])  # the generator prints its own dict
    figures["B3 sweep"] = {"cases": args.cases, **in_app(env, SWEEP)}
    if "B3 sweep at baseline" in figures:
        figures["B3 ratio"] = round(
            figures["B3 sweep"]["seconds"] / max(figures["B3 sweep at baseline"]["seconds"], 1e-9), 2
        )
    figures.update(measure_existing(env, args))
    report(args, figures)


def measure_existing(env, args):
    tokens = json.loads((ROOT / "instance" / "bench-tokens.json").read_text())
    figures = {"B4 value report": in_app(env, REPORT)}
    plans = in_app(env, PLAN)
    PLANS.mkdir(exist_ok=True)
    for name, plan in plans.items():
        (PLANS / f"{name}-{args.database}.txt").write_text(plan + "\n")
    server = serve(env)
    try:
        figures["B1 partner tasks"] = latency("/api/v1/tasks?state=offered&page_size=50", tokens["partner"])
        figures["B2 triage"] = latency("/api/v1/triage?area=SW&page_size=50", tokens["manager"])
        b5_tasks = throughput("/api/v1/tasks?state=offered&page_size=50", tokens["partner"])
        b5_bare = throughput("/livez", None)
        figures["B5 throughput"] = {
            "tasks": b5_tasks,
            "bare": b5_bare,
            "ratio": round(b5_tasks["requests_per_s"] / max(b5_bare["requests_per_s"], 1e-9), 2),
        }
        figures["B7 worker RSS MB"] = worker_rss_mb(server.pid)
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)
    return figures


def report(args, figures):
    memory = next(
        int(line.split()[1]) // 1024
        for line in Path("/proc/meminfo").read_text().splitlines()
        if line.startswith("MemTotal")
    )
    command = f"python -m bench.run --database {args.database} --cases {args.cases}"
    if args.reuse:
        command += " --reuse <the database of the run above>"
    lines = [
        f"\n## {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC, {args.database}, {args.cases:,} cases\n",
        f"- command: `{command}`",
        f"- machine: {os.cpu_count()} cores, {memory:,} MB memory, {platform.platform()}, Python {platform.python_version()}",
        "- server and client on one machine; gunicorn with 2 workers on 127.0.0.1\n",
        "| figure | measured |",
        "|---|---|",
    ]
    for name, value in figures.items():
        lines.append(f"| {name} | `{json.dumps(value)}` |")
    text = "\n".join(lines) + "\n"
    print(text)
    if not RESULTS.exists():
        RESULTS.write_text("# Benchmark results\n\nAppended by `python -m bench.run` (see `make bench`).\n")
    with RESULTS.open("a") as handle:
        handle.write(text)


if __name__ == "__main__":
    main()
