"""Benchmarks B1-B9 (issues 8 and 22), run by hand: python -m bench.run --database postgres --cases 1000000

Prepares a fresh database, generates the data, serves the app with gunicorn (4 workers) on loopback,
measures, saves EXPLAIN plans to bench/plans/, and appends the figures to bench/RESULTS.md with each
target and whether it was met (TARGETS below; the load test L1 is bench/load.py)."""

import argparse
import http.client
import json
import os
import platform
import re
import signal
import statistics
import subprocess
import sys
import threading
import time
import urllib.parse
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PLANS = ROOT / "bench" / "plans"
RESULTS = ROOT / "bench" / "RESULTS.md"
PORT = 5791
WORKERS = 4
VENV_BIN = Path(sys.executable).parent

# Issue 22's targets: (figure, key, at most / at least, bound). Ratios are measured in the same run.
TARGETS = [
    ("B1 partner tasks", "p99_ms", "max", 20),
    ("B2 triage", "p99_ms", "max", 25),
    ("B3 sweep", "seconds", "max", 3),
    ("B3 ratio", None, "max", 1.3),
    ("B4 value report", "median_s", "max", 0.3),
    ("B5 throughput", "ratio", "min", 0.2),
    ("B7 generator", "cases_per_second", "min", 20_000),
    ("B7 worker RSS MB", "largest", "max", 150),
    ("B8 raise a case", "p99_ms", "max", 30),
    ("B9 case page", "p99_ms", "max", 40),
    ("B9 case page statements", "statements", "max", 8),
]


def sh(*args, env=None, capture=False):
    return subprocess.run(
        args, cwd=ROOT, env=env, check=True, text=True, stdout=subprocess.PIPE if capture else None
    ).stdout


def server_settings() -> str:
    """The PostgreSQL settings measured with (scripts/bench-postgres-settings applies them), as
    one line for the results."""
    lines = sh("bash", "scripts/bench-postgres-settings", capture=True).strip().splitlines()
    return ", ".join(lines)


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


def latency(path, token, count=500, warm=50, *, headers=None, method="GET", bodies=None, expect=200):
    """Sequential requests on one connection; `bodies` (a function of i) makes each a JSON POST."""
    connection = http.client.HTTPConnection("127.0.0.1", PORT, timeout=30)
    headers = dict(headers or ({"Authorization": f"Bearer {token}"} if token else {}))
    if bodies:
        headers["Content-Type"] = "application/json"
    timings = []
    for i in range(warm + count):
        body = json.dumps(bodies(i)) if bodies else None
        start = time.perf_counter()
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        body = response.read()
        if response.status != expect:
            raise SystemExit(f"{path}: {response.status} {body[:200]!r}")
        if i >= warm:
            timings.append((time.perf_counter() - start) * 1000)
    return {
        "p50_ms": round(statistics.median(timings), 1),
        "p99_ms": round(percentile(timings, 99), 1),
        "requests": count,
    }


def throughput(path, token, seconds=15, clients=4):
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


def signed_in_cookie(email, password):
    """A console session for `email`, signed in through the sign-in form as a browser would."""
    connection = http.client.HTTPConnection("127.0.0.1", PORT, timeout=30)
    connection.request("GET", "/sign-in")
    response = connection.getresponse()
    page = response.read().decode()
    cookie = response.getheader("Set-Cookie").split(";")[0]
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page) or re.search(
        r'value="([^"]+)"[^>]*name="csrf_token"', page
    )
    form = urllib.parse.urlencode({"csrf_token": token.group(1), "email": email, "password": password})
    connection.request(
        "POST",
        "/sign-in",
        body=form,
        headers={"Cookie": cookie, "Content-Type": "application/x-www-form-urlencoded"},
    )
    response = connection.getresponse()
    response.read()
    if response.status != 302:
        raise SystemExit(f"sign-in as {email}: {response.status}")
    return response.getheader("Set-Cookie").split(";")[0]


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
            str(WORKERS),
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


SWEEP_SETUP = """
import json
from datetime import datetime, timedelta, timezone
from sqlalchemy import select, text, update
from tasking import create_app
from tasking.extensions import db
from tasking.models import ReviewSchedule as S
app = create_app()
with app.app_context():
    now = datetime.now(timezone.utc)
    # The newest 10,000 open cases: at 1M these are not the ones the sweep at 100,000 already reviewed
    # (the first 10,000 would be, with a cycle missed each since, which is other work than one sweep).
    ids = db.session.scalars(select(S.case_id).order_by(S.case_id.desc()).limit(10000)).all()
    db.session.execute(update(S).where(S.next_review_at < now).values(next_review_at=now + timedelta(days=30)))
    db.session.execute(update(S).where(S.case_id.in_(ids)).values(next_review_at=now - timedelta(hours=1)))
    db.session.commit()
    # The first update moves every review already due (hundreds of thousands at 1M cases) and leaves
    # as many dead entries in the due-date index, which the sweep's scan would then step over one by
    # one: its own work is 10,000 reviews, and in service autovacuum clears such entries, so vacuum
    # them here as it would (at 1M cases the sweep took 2.64 s with them, the ratio 1.43).
    if db.engine.dialect.name == "postgresql":
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(text("VACUUM (ANALYZE) review_schedules"))
print(json.dumps({"now": now.isoformat()}))
"""

SWEEP = """
import json, os, time
from datetime import datetime
from tasking import create_app
from tasking.extensions import db
from tasking.services import sweep
from tasking.unit_of_work import unit_of_work
app = create_app()
with app.app_context():
    now = datetime.fromisoformat(os.environ["SWEEP_NOW"])
    start = time.perf_counter()
    result = sweep.sweep(db.session, units=unit_of_work, now=now, policy=app.extensions["tasking.policy"])
    # What the sweep did besides the reviews (overdue notices, stalled cases handed back) varies
    # with the cases drawn, and is part of what was timed.
    print(json.dumps({"seconds": round(time.perf_counter() - start, 2), "reviews": result.reviews,
                      "overdue": result.overdue, "stalled": result.stalled, "batches": result.batches}))
"""


def timed_sweep(env, database):
    """B3: make the newest 10,000 open cases' reviews due and no others (SWEEP_SETUP), put the setup's
    writes on disk, then time one sweep (SWEEP). The sweep's own writes are left to be written back
    while the requests after it are timed, as a sweep's are in service."""
    setup = in_app(env, SWEEP_SETUP)
    checkpoint(database)
    return in_app({**env, "SWEEP_NOW": setup["now"]}, SWEEP)


def settle(env, database):
    """After a bulk load, before anything is timed: VACUUM ANALYZE (SETTLE), as autovacuum would in the
    minutes after; then, on PostgreSQL, a CHECKPOINT and the OS's own flush, so that the load's
    gigabytes of dirty pages are on disk and no request's COMMIT waits behind their write-back (a
    minute after a load, single commits took up to 340 ms: B8's p99)."""
    in_app(env, SETTLE)
    checkpoint(database)


def checkpoint(database):
    """On PostgreSQL, a CHECKPOINT and the OS's own flush: what was written so far is on disk."""
    if database == "postgres":
        port = os.environ.get("TEST_POSTGRES_PORT", "5432")
        sh("runuser", "-u", "postgres", "--", "psql", "-p", port, "-qAt", "-c", "CHECKPOINT")
        os.sync()


# After a bulk load, what autovacuum would do in the minutes that follow (mark the new pages all
# visible, refresh statistics), done before anything is timed: otherwise the figures measure
# autovacuum working through millions of new rows beside the requests.
SETTLE = """
import json, os
from sqlalchemy import create_engine, text
engine = create_engine(os.environ["DATABASE_URL"], isolation_level="AUTOCOMMIT")
if engine.dialect.name == "postgresql":
    with engine.connect() as connection:
        connection.execute(text("VACUUM (ANALYZE)"))
print(json.dumps({}))
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
    print(json.dumps({"best_s": round(min(timings), 3), "median_s": round(sorted(timings)[2], 3),
                      "worst_s": round(max(timings), 3)}))
"""

# B9's statement count, and the case the page benchmark opens: an open case of the SW area manager's
# with tasks and notes (the richest page), read in process with the engine's statement hook.
CASE_PAGE = """
import json, re
from sqlalchemy import event, select, func
from tasking import create_app
from tasking.extensions import db
from tasking.models import Area, Case, CaseNote, Task
app = create_app()
with app.app_context():
    sw = db.session.scalar(select(Area.id).where(Area.code == "SW"))
    tasked = select(Task.case_id).group_by(Task.case_id).having(func.count() >= 1).scalar_subquery()
    noted = select(CaseNote.case_id).scalar_subquery()
    reference = db.session.scalar(
        select(Case.reference).where(Case.area_id == sw, Case.closed_at.is_(None), Case.id.in_(tasked),
                                     Case.id.in_(noted)).order_by(Case.id.desc()).limit(1))
    engine = db.engine
client = app.test_client()
page = client.get("/sign-in").get_data(as_text=True)
token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
signed = client.post("/sign-in", data={"csrf_token": token, "email": "am.sw@demo.tasking.test",
                                      "password": "tasking-demo-am.sw"})
assert signed.status_code == 302, signed.status_code
client.get(f"/cases/{reference}")
seen = []
def count(conn, cursor, statement, parameters, context, executemany):
    seen.append(statement)
event.listen(engine, "before_cursor_execute", count)
status = client.get(f"/cases/{reference}").status_code
event.remove(engine, "before_cursor_execute", count)
assert status == 200, status
print(json.dumps({"reference": reference, "statements": len(seen)}))
"""

# B8's cases: the SW wards and a spread of categories, as an area manager raises them.
RAISING = """
import json
from sqlalchemy import select
from tasking import create_app
from tasking.extensions import db
from tasking.models import Area, Category, Ward
app = create_app()
with app.app_context():
    wards = db.session.scalars(select(Ward.code).join(Area, Ward.area_id == Area.id).where(Area.code == "SW")).all()
    categories = db.session.scalars(select(Category.code).order_by(Category.code)).all()
print(json.dumps({"wards": wards, "categories": categories}))
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
    if args.database == "postgres":
        args.settings = server_settings()
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
        "manager_email": next(a["email"] for a in accounts if a["role"] == "area_manager" and a["areas"] == ["SW"]),
        "manager_password": next(
            a["password"] for a in accounts if a["role"] == "area_manager" and a["areas"] == ["SW"]
        ),
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
        settle(env, args.database)
        figures["B3 sweep at baseline"] = {"cases": generated, **timed_sweep(env, args.database)}
    out = sh(*flask, "tasking", "generate", "--cases", str(args.cases - generated), env=env, capture=True)
    figures["B7 generator"] = eval(out.strip().splitlines()[-1])  # the generator prints its own dict
    settle(env, args.database)
    figures["B3 sweep"] = {"cases": args.cases, **timed_sweep(env, args.database)}
    if "B3 sweep at baseline" in figures:
        figures["B3 ratio"] = round(
            figures["B3 sweep"]["seconds"] / max(figures["B3 sweep at baseline"]["seconds"], 1e-9), 3
        )
    figures.update(measure_existing(env, args))
    report(args, figures)


def measure_existing(env, args):
    tokens = json.loads((ROOT / "instance" / "bench-tokens.json").read_text())
    figures = {"B4 value report": in_app(env, REPORT)}
    page = in_app(env, CASE_PAGE)
    figures["B9 case page statements"] = page
    raising = in_app(env, RAISING)
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
            # Three places: at two, 0.198 would print as 0.2 and pass a target it missed.
            "ratio": round(b5_tasks["requests_per_s"] / max(b5_bare["requests_per_s"], 1e-9), 3),
        }
        sizes = worker_rss_mb(server.pid)
        figures["B7 worker RSS MB"] = {"workers": sizes, "largest": max(sizes)}
        wards, categories = raising["wards"], raising["categories"]
        figures["B8 raise a case"] = latency(
            "/api/v1/cases",
            tokens["manager"],
            count=300,
            # Each of the 4 workers compiles the statements of each kind of report (category, ward)
            # on its first raise of it, 30-100 ms once per worker's life: warmed until every worker
            # has seen the kinds the measured requests raise, as B9's case page is.
            warm=60,
            method="POST",
            expect=201,
            bodies=lambda i: {
                "title": f"Benchmark case {i}",
                "description": "Raised by the benchmark, one after another.",
                "category": categories[i % len(categories)],
                "ward": wards[i % len(wards)],
            },
        )
        cookie = signed_in_cookie(tokens["manager_email"], tokens["manager_password"])
        figures["B9 case page"] = latency(
            f"/cases/{page['reference']}", None, count=300, warm=50, headers={"Cookie": cookie}
        )
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)
    return figures


def verdict(name, value):
    """The figure's target and whether this run met it ("" for figures without a target)."""
    for figure, key, direction, bound in TARGETS:
        if figure == name:
            measured = value if key is None else value[key]
            met = measured <= bound if direction == "max" else measured >= bound
            return f"{'at most' if direction == 'max' else 'at least'} {bound:,} ({key or 'ratio'})", (
                "yes" if met else "**no**"
            )
    return "", ""


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
        f"- server and client on one machine; gunicorn with {WORKERS} workers on 127.0.0.1",
        f"- PostgreSQL settings (scripts/bench-postgres-settings): {getattr(args, 'settings', 'n/a')}\n",
        "| figure | measured | target | met |",
        "|---|---|---|---|",
    ]
    for name, value in figures.items():
        target, met = verdict(name, value)
        lines.append(f"| {name} | `{json.dumps(value)}` | {target} | {met} |")
    text = "\n".join(lines) + "\n"
    print(text)
    if not RESULTS.exists():
        RESULTS.write_text("# Benchmark results\n\nAppended by `python -m bench.run` (see `make bench`).\n")
    with RESULTS.open("a") as handle:
        handle.write(text)


if __name__ == "__main__":
    main()
